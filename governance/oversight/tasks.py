"""Celery tasks of this app: each takes ids, calls one service, and is safe to run twice. Their
names stay "governance.tasks.*", as the beat schedule and queued messages know them."""

from celery import shared_task

from governance.oversight.services.escalations import (
    cadence_check,
    escalations_enforce_deadlines,
    rso_report_due_check,
)


@shared_task(name="governance.tasks.escalation_deadlines")
def escalation_deadlines_task() -> int:
    return escalations_enforce_deadlines()


@shared_task(name="governance.tasks.cadence_check")
def cadence_check_task() -> int:
    return len(cadence_check())


@shared_task(name="governance.tasks.rso_report_due")
def rso_report_due_task() -> bool:
    return rso_report_due_check() is not None
