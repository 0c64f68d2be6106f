"""Celery tasks of this app: each takes ids, calls one service, and is safe to run twice. Their
names stay "governance.tasks.*", as the beat schedule and queued messages know them."""

from celery import shared_task

from governance.board.services.conflicts import conflict_reviews_remind
from governance.board.services.policy_changes import policy_changes_take_effect_due
from governance.board.services.quarterly_reports import quarterly_report_prepare_due


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
