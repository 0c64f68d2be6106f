from celery import shared_task

from .services import trustee_terms_remind


@shared_task(name="trust.tasks.trustee_terms_remind")
def trustee_terms_remind_task() -> int:
    """Reminders 60 and 30 days before a trustee's term ends."""
    return trustee_terms_remind()
