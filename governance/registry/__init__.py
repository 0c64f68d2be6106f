"""The registry: AI models, their snapshots and the identifiers eval systems know them by."""
