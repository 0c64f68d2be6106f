"""Workflow declarations for the escalations area (filled in by the conversion to governance/workflow.py)."""
