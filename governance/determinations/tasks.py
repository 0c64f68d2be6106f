"""Celery tasks of this app: each takes ids, calls one service, and is safe to run twice. Their
names stay "governance.tasks.*", as the beat schedule and queued messages know them."""

from celery import shared_task

from governance.determinations.services.safeguards import safeguards_expiry_remind


@shared_task(name="governance.tasks.safeguards_expiry")
def safeguards_expiry_task() -> int:
    return safeguards_expiry_remind()
