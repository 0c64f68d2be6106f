"""Models of the evals app (filled by later issues)."""
