"""Workflow declarations for the safeguards area (filled in by the conversion to governance/workflow.py)."""
