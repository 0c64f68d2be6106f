"""Workflow declarations for the noncompliance area (filled in by the conversion to governance/workflow.py)."""
