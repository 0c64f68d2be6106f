"""The board app's workflow declarations; importing this package registers them (and their
django-rules rules). See governance/workflow.py for the form."""

from . import board, reports  # noqa: F401
