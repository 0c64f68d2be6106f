"""A real Celery worker process, fed through Redis, runs a task to the end against the database."""

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from governance.celery import app as celery_app
from governance.models import AuditVerification
from governance.services import user_set_roles
from governance.tasks import audit_log_verify
from tests.conftest import PROJECT_DIR, subprocess_env, wait_for


@pytest.fixture
def worker(transactional_db, redis_url):
    # A queue of our own, so the worker takes only this test's messages.
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = subprocess_env(CELERY_BROKER_URL=redis_url, DEBUG="1")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "governance",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)  # shown by pytest when the test fails


def test_worker_process_runs_a_task_end_to_end(worker, make_user):
    from governance.audit import SYSTEM

    user_set_roles(actor=SYSTEM, user=make_user(), roles=["rso"])  # one event to verify
    audit_log_verify.apply_async(queue=worker)

    verification = wait_for(
        lambda: AuditVerification.objects.first(), timeout=60, what="the worker to run the task"
    )
    assert verification.ok is True
    assert verification.events_verified == 1
