"""Celery tasks of the core app. Each takes ids, calls one service, and is safe to run twice."""

from celery import shared_task

from governance.board.services.conflicts import conflict_reviews_remind
from governance.board.services.policy_changes import policy_changes_take_effect_due
from governance.board.services.quarterly_reports import quarterly_report_prepare_due
from governance.determinations.services.safeguards import safeguards_expiry_remind
from governance.oversight.services.escalations import (
    cadence_check,
    escalations_enforce_deadlines,
    rso_report_due_check,
)

from .models import WebhookDelivery
from .services import audit_log_check
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


@shared_task(name="governance.tasks.escalation_deadlines")
def escalation_deadlines_task() -> int:
    return escalations_enforce_deadlines()


@shared_task(name="governance.tasks.cadence_check")
def cadence_check_task() -> int:
    return len(cadence_check())


@shared_task(name="governance.tasks.rso_report_due")
def rso_report_due_task() -> bool:
    return rso_report_due_check() is not None


@shared_task(name="governance.tasks.notifications_sweep")
def notifications_sweep_task() -> int:
    return sum(pending_work_requeue())


@shared_task(name="governance.tasks.safeguards_expiry")
def safeguards_expiry_task() -> int:
    return safeguards_expiry_remind()


@shared_task(name="governance.tasks.policy_changes_take_effect")
def policy_changes_take_effect_task() -> int:
    """Published policy changes whose effective time has come put their version in force."""
    return policy_changes_take_effect_due()


@shared_task(name="governance.tasks.quarterly_report_prepare")
def quarterly_report_prepare_task() -> int | None:
    """When a quarter has ended, draft the RSO's report on it from the records."""
    report = quarterly_report_prepare_due()
    return report.pk if report else None


@shared_task(name="governance.tasks.conflict_reviews_remind")
def conflict_reviews_remind_task() -> int:
    """Remind declarers, once a year, to confirm or end their conflict declarations."""
    return conflict_reviews_remind()
