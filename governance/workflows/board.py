"""Workflow declarations for the board area (filled in by the conversion to governance/workflow.py)."""
