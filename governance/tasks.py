"""Celery tasks of the core app. Each takes ids, calls one service, and is safe to run twice."""

from celery import shared_task

from .services import audit_log_check


@shared_task(name="governance.tasks.audit_log_verify")
def audit_log_verify() -> int:
    """Scheduled check of the audit chain."""
    return audit_log_check().pk
