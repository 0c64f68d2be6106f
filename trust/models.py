"""Models of the trust app (filled by later issues)."""
