"""The determinations app's workflow declarations; importing this package registers them (and their
django-rules rules). See governance/workflow.py for the form."""

from . import determinations, safeguards  # noqa: F401
