"""Celery tasks of the core app. Each takes ids, calls one service, and is safe to run twice."""

from celery import shared_task

from .models import WebhookDelivery
from .services import audit_log_check
from .services.awaited import awaited_sweep
from .services.notifications import (
    WEBHOOK_MAX_ATTEMPTS,
    notification_email_send,
    pending_work_requeue,
    webhook_deliver,
)


@shared_task(name="governance.tasks.audit_log_verify")
def audit_log_verify() -> int:
    """Scheduled check of the audit chain."""
    return audit_log_check().pk


@shared_task(
    name="governance.tasks.notification_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notification_email_task(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)


@shared_task(name="governance.tasks.webhook_deliver", bind=True, max_retries=WEBHOOK_MAX_ATTEMPTS)
def webhook_deliver_task(self, delivery_id: int) -> str:
    result = webhook_deliver(delivery_id=delivery_id)
    if result == "retry":
        # Exponential backoff by the attempts made so far: 2, 4, 8, 16 seconds.
        attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
        raise self.retry(countdown=2**attempts)
    return result


@shared_task(name="governance.tasks.notifications_sweep")
def notifications_sweep_task() -> int:
    return sum(pending_work_requeue())


@shared_task(name="governance.tasks.awaited_sweep")
def awaited_sweep_task() -> int:
    """Tell whoever an open object awaits and has not been told (waits that begin with time,
    or a step whose after-commit telling was lost)."""
    return awaited_sweep()
