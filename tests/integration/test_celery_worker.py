"""A real Celery worker process, fed through Redis, runs a task to the end against the database."""

from governance.audit import SYSTEM
from governance.models import AuditVerification
from governance.services import user_set_roles
from governance.tasks import audit_log_verify
from tests.conftest import wait_for


def test_worker_process_runs_a_task_end_to_end(celery_worker_queue, make_user):
    user_set_roles(actor=SYSTEM, user=make_user(), roles=["rso"])  # one event to verify
    audit_log_verify.apply_async(queue=celery_worker_queue)

    verification = wait_for(
        lambda: AuditVerification.objects.first(), timeout=180, what="the worker to run the task"
    )
    assert verification.ok is True
    assert verification.events_verified == 1
