import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from evals.choices import IngestionStatus
from evals.models import EvalRun, EvalSystem, Ingestion
from evals.selectors import model_threshold_standings
from evals.services import (
    eval_suite_create,
    eval_suite_update,
    eval_system_create,
    eval_system_revoke,
    eval_system_rotate_token,
    ingestion_process,
    ingestion_submit,
    ingestions_requeue_stuck,
    store_upload,
    token_hash,
)
from governance.audit import SYSTEM
from governance.choices import Role
from governance.models import AuditEvent
from tests.factories import SnapshotFactory

from .conftest import BELOW_JSON, CROSSING_JSON, post_log

pytestmark = pytest.mark.django_db


def test_eval_system_keeps_only_a_hash_of_its_token(make_user):
    system, token = eval_system_create(actor=make_user(Role.SAFETY_STAFF), name="inspect-ci")
    assert token.startswith("rspg_") and len(token) > 40
    stored = EvalSystem.objects.get()
    assert stored.token_hash == token_hash(token)
    assert token not in str(EvalSystem.objects.values().get())
    assert token not in str(list(AuditEvent.objects.values("before", "after")))


def test_rotating_a_token_retires_the_old_one(eval_system):
    new = eval_system_rotate_token(actor=SYSTEM, system=eval_system)
    eval_system.refresh_from_db()
    assert eval_system.token_hash == token_hash(new) != token_hash(eval_system.token)
    assert AuditEvent.objects.filter(action="eval_system.token_rotated").count() == 1


def test_revoking_is_audited_once(eval_system):
    eval_system_revoke(actor=SYSTEM, system=eval_system)
    eval_system_revoke(actor=SYSTEM, system=eval_system)
    assert AuditEvent.objects.filter(action="eval_system.token_revoked").count() == 1


def test_last_use_is_recorded(machine, eval_system):
    assert eval_system.last_used_at is None
    machine.get("/api/v1/ingestions/")
    eval_system.refresh_from_db()
    assert eval_system.last_used_at is not None


@pytest.mark.parametrize(
    ("roles", "staff", "allowed"),
    [
        ([Role.SAFETY_STAFF], False, True),
        ([], True, True),
        ([Role.RSO], False, False),
        ([Role.AUDITOR], False, False),
    ],
)
def test_who_manages_eval_systems(make_user, roles, staff, allowed):
    actor = make_user(*roles, is_staff=staff)
    if allowed:
        eval_system_create(actor=actor, name="x")
    else:
        with pytest.raises(PermissionDenied):
            eval_system_create(actor=actor, name="x")


def test_create_eval_system_command_prints_the_token_once(capsys, db):
    call_command("create_eval_system", "ci-runner", "--all-models", "--all-suites")
    output = capsys.readouterr().out
    token = output.strip().splitlines()[-1]
    assert EvalSystem.objects.get(name="ci-runner").token_hash == token_hash(token)
    with pytest.raises(CommandError, match="Unknown model"):
        call_command("create_eval_system", "other", "--model", "No Such Model")


def test_suite_task_names_are_unique_across_suites(autonomy_suite, make_user):
    with pytest.raises(ValidationError) as refused:
        eval_suite_create(
            actor=make_user(Role.SAFETY_STAFF), name="Copy", task_names=["autonomy_tasks"]
        )
    assert "already identify suite Autonomy tasks" in str(refused.value.message_dict["task_names"])


@pytest.mark.parametrize(
    "override",
    [
        {"aggregate": "fraction_of_tasks_passed", "crossing_level": 0.5},
        {"aggregate": "mean_score", "crossing_level": 1.5},
        {"aggregate": "mean_score", "crossing_level": 0.5, "warning_level": 0.7},
    ],
)
def test_suite_scoring_override_is_validated(autonomy_suite, override):
    with pytest.raises(ValidationError) as refused:
        eval_suite_update(actor=SYSTEM, suite=autonomy_suite, scoring_override=override)
    assert "scoring_override" in refused.value.message_dict


def test_suite_override_rule_is_applied(machine, snapshot, autonomy_suite):
    eval_suite_update(
        actor=SYSTEM,
        suite=autonomy_suite,
        scoring_override={
            "task_pass": {"min_successes": 2, "attempts": 10},
            "aggregate": "fraction_of_tasks_passed",
            "crossing_level": 0.5,
            "warning_level": 0.3,
        },
    )
    status = machine.get(post_log(machine, CROSSING_JSON).json()["status_url"]).json()
    assert status["outcomes"] == {"Autonomy checkpoint": "below"}  # no task succeeds twice


def test_only_safety_staff_define_suites(make_user, frameworks):
    with pytest.raises(PermissionDenied):
        eval_suite_create(actor=make_user(Role.RSO), name="x", task_names=["x"])


def _submit_without_queueing(snapshot, path=CROSSING_JSON) -> Ingestion:
    with path.open("rb") as file:
        stored, sha256, size = store_upload(iter(lambda: file.read(65536), b""), limit=10**9)
    return ingestion_submit(
        principal=SYSTEM, path=stored, sha256=sha256, size=size, file_name=path.name, enqueue=False
    ).ingestion


def test_processing_twice_stores_one_run(snapshot, autonomy_suite):
    ingestion = _submit_without_queueing(snapshot)
    assert ingestion_process(ingestion_id=ingestion.pk).status == IngestionStatus.DONE
    assert ingestion_process(ingestion_id=ingestion.pk) is None
    assert EvalRun.objects.count() == 1


def test_sweep_requeues_ingestions_left_queued(snapshot, autonomy_suite):
    ingestion = _submit_without_queueing(snapshot)  # as if the broker had been down
    assert ingestions_requeue_stuck() == []  # too recent to count as stuck
    Ingestion.objects.filter(pk=ingestion.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert ingestions_requeue_stuck() == [str(ingestion.pk)]
    ingestion.refresh_from_db()
    assert ingestion.status == IngestionStatus.DONE


def test_sweep_recovers_work_of_a_dead_worker(snapshot, autonomy_suite):
    ingestion = _submit_without_queueing(snapshot)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Ingestion.objects.filter(pk=ingestion.pk).update(
        status=IngestionStatus.PROCESSING, started_at=long_ago, created_at=long_ago, attempts=1
    )
    ingestions_requeue_stuck()
    ingestion.refresh_from_db()
    assert ingestion.status == IngestionStatus.DONE
    assert ingestion.attempts == 2


def test_sweep_gives_up_after_repeated_attempts(snapshot, autonomy_suite):
    ingestion = _submit_without_queueing(snapshot)
    Ingestion.objects.filter(pk=ingestion.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1), attempts=5
    )
    ingestions_requeue_stuck()
    ingestion.refresh_from_db()
    assert ingestion.status == IngestionStatus.FAILED
    assert "Gave up after 5 attempts" in ingestion.error


def test_standing_is_the_worst_outcome_over_snapshots(machine, snapshot, autonomy_suite):
    other = SnapshotFactory(model=snapshot.model, name="later", external_ids=["acme/later"])
    post_log(machine, BELOW_JSON, snapshot=str(other.pk))
    post_log(machine, CROSSING_JSON)
    [standing] = model_threshold_standings(snapshot.model)
    assert standing.outcome == "crossed"
    assert standing.snapshot == snapshot


def test_ingest_eval_log_command_prints_outcomes(snapshot, autonomy_suite, capsys):
    call_command("ingest_eval_log", str(CROSSING_JSON), str(BELOW_JSON))
    out = capsys.readouterr().out
    assert "Autonomy checkpoint CROSSED" in out
    assert "Autonomy checkpoint BELOW" in out
    call_command("ingest_eval_log", str(CROSSING_JSON))
    assert "(already ingested)" in capsys.readouterr().out


def test_ingest_eval_log_command_exits_1_on_a_bad_log(snapshot, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("nope")
    with pytest.raises(CommandError, match="1 of 1 logs failed"):
        call_command("ingest_eval_log", str(bad), "--snapshot", str(snapshot.pk))
    assert "unknown format" in capsys.readouterr().err


def test_standing_recovers_when_a_complete_run_shows_what_a_broken_one_could_not(
    machine, snapshot, autonomy_suite
):
    from .conftest import ERROR_JSON

    post_log(machine, ERROR_JSON)
    assert [s.outcome for s in model_threshold_standings(snapshot.model)] == ["inconclusive"]
    post_log(machine, BELOW_JSON)
    assert [s.outcome for s in model_threshold_standings(snapshot.model)] == ["below"]
    post_log(machine, CROSSING_JSON)  # a better elicitation found it: that counts
    assert [s.outcome for s in model_threshold_standings(snapshot.model)] == ["crossed"]


def test_sweep_does_not_give_up_on_an_attempt_still_running(snapshot, autonomy_suite):
    ingestion = _submit_without_queueing(snapshot)
    Ingestion.objects.filter(pk=ingestion.pk).update(
        status=IngestionStatus.PROCESSING,
        started_at=timezone.now(),
        created_at=timezone.now() - dt.timedelta(hours=1),
        attempts=5,
    )
    ingestions_requeue_stuck()
    ingestion.refresh_from_db()
    assert ingestion.status == IngestionStatus.PROCESSING


def _claimed_by_a_worker(snapshot, seconds_ago: int) -> Ingestion:
    ingestion = _submit_without_queueing(snapshot)
    then = timezone.now() - dt.timedelta(seconds=seconds_ago)
    Ingestion.objects.filter(pk=ingestion.pk).update(
        status=IngestionStatus.PROCESSING, started_at=then, created_at=then, attempts=1
    )
    return ingestion


def test_a_dead_workers_ingestion_is_taken_back_at_the_next_sweep(
    postgres, snapshot, autonomy_suite, settings
):
    """Its lease ended with its connection: recovery within the grace, not the time limit."""
    ingestion = _claimed_by_a_worker(snapshot, settings.INGESTION_LEASE_GRACE + 5)
    assert settings.CELERY_TASK_TIME_LIMIT > settings.INGESTION_LEASE_GRACE + 5
    ingestions_requeue_stuck()
    ingestion.refresh_from_db()
    assert (ingestion.status, ingestion.attempts) == (IngestionStatus.DONE, 2)


def test_a_live_workers_ingestion_is_left_to_it(postgres, snapshot, autonomy_suite, settings):
    from evals.services import _lease_key
    from tests.conftest import postgres_connect
    from tests.processes import wait_for

    ingestion = _claimed_by_a_worker(snapshot, settings.INGESTION_LEASE_GRACE + 5)
    worker = postgres_connect(postgres.settings_dict["NAME"])  # another session: the worker
    try:
        worker.execute("SELECT pg_advisory_lock(%s)", [_lease_key(ingestion.pk)])
        ingestions_requeue_stuck()
        ingestion.refresh_from_db()
        assert ingestion.status == IngestionStatus.PROCESSING
    finally:
        worker.close()  # the worker dies: its lease goes with its connection

    def taken_back() -> bool:
        # The server ends the closed session (and frees its lock) a moment after the client
        # hangs up; on a busy machine that moment can come after the next sweep.
        ingestions_requeue_stuck()
        ingestion.refresh_from_db()
        return ingestion.status == IngestionStatus.DONE

    wait_for(taken_back, timeout=30, what="the sweep to take back the dead worker's ingestion")


def test_an_attempt_taken_over_cannot_finish(snapshot, autonomy_suite):
    from evals.services import _process_claimed

    ingestion = _claimed_by_a_worker(snapshot, 0)
    ingestion.refresh_from_db()
    # Meanwhile the sweep took it back and another worker claimed it (attempt 2).
    Ingestion.objects.filter(pk=ingestion.pk).update(attempts=2)
    assert _process_claimed(ingestion) is None
    assert not EvalRun.objects.exists()
    ingestion.refresh_from_db()
    assert ingestion.status == IngestionStatus.PROCESSING  # attempt 2's to finish
