"""Workflow declarations for the reports area (filled in by the conversion to governance/workflow.py)."""
