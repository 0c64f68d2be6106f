"""Workflow declarations, one module per area; importing this package registers them all
(and their django-rules rules). See governance/workflow.py for the form."""

from . import board, determinations, escalations, noncompliance, reports, safeguards  # noqa: F401
