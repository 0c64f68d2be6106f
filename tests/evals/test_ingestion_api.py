"""POST /api/v1/ingestions/: real logs in, runs and outcomes out; bad input named, never a 500,
nothing partial stored."""

import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from evals.models import EvalRun, Ingestion, SampleScore, TaskResult, ThresholdEvaluation
from governance.choices import Role
from governance.models import AuditEvent

from .conftest import BELOW_JSON, CROSSING_EVAL, CROSSING_JSON, ERROR_JSON, LM_EVAL, post_log

pytestmark = pytest.mark.django_db


def incoming_files(media_root: Path) -> list[Path]:
    folder = media_root / "ingestions" / "incoming"
    return list(folder.iterdir()) if folder.exists() else []


def nothing_stored(media_root):
    assert Ingestion.objects.count() == 0
    assert EvalRun.objects.count() == 0
    assert incoming_files(media_root) == []


@pytest.mark.parametrize("path", [CROSSING_JSON, CROSSING_EVAL])
def test_posting_an_autonomy_log_stores_the_run_and_crosses(
    machine, snapshot, autonomy_suite, path
):
    response = post_log(machine, path)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status_url"].endswith(f"/api/v1/ingestions/{body['id']}/")
    status = machine.get(body["status_url"]).json()  # tasks ran in-process (eager)
    assert status["status"] == "done", status
    assert status["outcomes"] == {"Autonomy checkpoint": "crossed"}
    run = EvalRun.objects.get(pk=status["run"])
    assert run.snapshot == snapshot and run.suite == autonomy_suite
    assert run.framework_version.version == "2.2"
    assert run.epochs == 10
    assert TaskResult.objects.filter(run=run).count() == 10
    assert SampleScore.objects.filter(task_result__run=run).count() == 100
    evaluation = ThresholdEvaluation.objects.get(run=run)
    assert (evaluation.tasks_passed, evaluation.value) == (6, 0.6)
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", "actor_type"))
    assert ("ingestion.received", "machine") in actions
    assert ("eval_run.recorded", "machine") in actions


def test_the_rule_of_the_version_in_force_at_the_runs_time_is_used(
    machine, snapshot, autonomy_suite, rsp_1_0_in_force
):
    status = machine.get(post_log(machine, CROSSING_JSON).json()["status_url"]).json()
    assert status["outcomes"] == {"ARA": "crossed"}


def test_repeat_post_returns_the_original_ingestion(machine, snapshot, autonomy_suite, media_root):
    first = post_log(machine, CROSSING_JSON)
    again = post_log(machine, CROSSING_JSON)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert EvalRun.objects.count() == 1
    assert incoming_files(media_root) == []


def test_same_eval_id_with_other_bytes_is_the_same_run(machine, snapshot, autonomy_suite, tmp_path):
    post_log(machine, CROSSING_JSON)
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(json.loads(CROSSING_JSON.read_text())))
    again = post_log(machine, reformatted)
    assert again.status_code == 200
    assert EvalRun.objects.count() == 1


def test_idempotency_key_with_other_content_is_422(machine, snapshot, autonomy_suite):
    with CROSSING_JSON.open("rb") as file:
        first = machine.post("/api/v1/ingestions/", {"file": file}, HTTP_IDEMPOTENCY_KEY="k-1")
    with BELOW_JSON.open("rb") as file:
        clash = machine.post("/api/v1/ingestions/", {"file": file}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 202
    assert clash.status_code == 422
    assert "Idempotency-Key 'k-1' was used for different content" in clash.json()["detail"]
    assert Ingestion.objects.count() == 1


def test_unknown_model_is_422_explaining_how_to_register_it(machine, autonomy_suite, media_root):
    response = post_log(machine, CROSSING_JSON)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "'mockllm/model' matches no snapshot" in detail
    assert "external identifier" in detail
    nothing_stored(media_root)


def test_explicit_unknown_snapshot_is_422(machine, autonomy_suite, media_root):
    response = post_log(machine, CROSSING_JSON, snapshot="no/such-model")
    assert response.status_code == 422
    nothing_stored(media_root)


def test_log_of_an_unknown_task_is_stored_unmapped(machine, snapshot, frameworks):
    status = machine.get(post_log(machine, CROSSING_JSON).json()["status_url"]).json()
    assert status["status"] == "done"
    assert status["outcomes"] == {}
    assert EvalRun.objects.get().unmapped is True


def test_error_log_is_inconclusive(machine, snapshot, autonomy_suite):
    status = machine.get(post_log(machine, ERROR_JSON).json()["status_url"]).json()
    assert status["outcomes"] == {"Autonomy checkpoint": "inconclusive"}
    evaluation = ThresholdEvaluation.objects.get()
    assert "status error" in evaluation.reason


def test_lm_eval_results_are_stored_with_task_metrics(machine, snapshot, frameworks):
    response = post_log(machine, LM_EVAL, snapshot=str(snapshot.pk))
    status = machine.get(response.json()["status_url"]).json()
    assert status["status"] == "done"
    task = TaskResult.objects.get()
    assert (task.name, task.score) == ("cyber_probe", 0.25)


def test_native_json_body(machine, snapshot, autonomy_suite):
    body = {
        "format": "native/v1",
        "run_id": "ci-991",
        "model": "mockllm/model",
        "suite": "Autonomy tasks",
        "tasks": [{"name": f"t{n}", "attempts": 10, "successes": int(n < 3)} for n in range(10)],
    }
    response = machine.post("/api/v1/ingestions/", body, format="json")
    assert response.status_code == 202, response.json()
    status = machine.get(response.json()["status_url"]).json()
    assert status["outcomes"] == {"Autonomy checkpoint": "warning"}
    again = machine.post("/api/v1/ingestions/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "unknown format"),
        (b"\x00\x01binary", "unknown format"),
        (b"PK\x03\x04broken zip", "not a readable .eval"),
        (b'{"eval": {"eval_id": "x", "model": "m", "task": "t"', "not valid JSON"),
        (
            b'{"format": "native/v1", "run_id": "r", "model": "mockllm/model", '
            b'"tasks": [{"name": "a", "attempts": -3, "successes": 0}]}',
            "attempts",
        ),
    ],
)
def test_bad_files_are_400_naming_the_problem(
    machine, snapshot, tmp_path, media_root, content, message
):
    path = tmp_path / "log.json"
    path.write_bytes(content)
    response = post_log(machine, path)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    nothing_stored(media_root)


def test_missing_file_field_is_400(machine, snapshot):
    response = machine.post("/api/v1/ingestions/", {"snapshot": "1"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_too_large_is_413(machine, snapshot, settings, media_root):
    settings.EVAL_LOG_MAX_BYTES = 10_000
    response = post_log(machine, CROSSING_EVAL)
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]
    nothing_stored(media_root)


def test_revoked_and_unknown_tokens_are_401(eval_system, snapshot):
    from evals.services import eval_system_revoke
    from governance.audit import SYSTEM

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer rspg_not-a-token")
    assert post_log(client, CROSSING_JSON).status_code == 401
    eval_system_revoke(actor=SYSTEM, system=eval_system)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {eval_system.token}")
    response = post_log(client, CROSSING_JSON)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_posting_outside_scope_is_403(snapshot, autonomy_suite, media_root):
    from evals.services import eval_system_create
    from governance.audit import SYSTEM
    from tests.factories import AIModelFactory

    system, token = eval_system_create(
        actor=SYSTEM, name="narrow", allowed_models=[AIModelFactory()], all_suites=True
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = post_log(client, CROSSING_JSON)
    assert response.status_code == 403
    assert f"may not post results for {snapshot.model}" in response.json()["detail"]
    nothing_stored(media_root)


def test_machine_cannot_use_human_endpoints(machine):
    assert machine.get("/api/v1/models/").status_code == 403
    assert machine.get("/api/v1/audit-events/").status_code == 403


def test_machine_sees_only_its_own_ingestions(machine, snapshot, autonomy_suite, client_for):
    from evals.services import eval_system_create
    from governance.audit import SYSTEM

    post_log(machine, CROSSING_JSON)
    other, token = eval_system_create(actor=SYSTEM, name="other", all_models=True, all_suites=True)
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert stranger.get("/api/v1/ingestions/").json()["count"] == 0
    assert client_for(Role.AUDITOR).get("/api/v1/ingestions/").json()["count"] == 1


@pytest.mark.parametrize(
    ("role", "status"), [(Role.SAFETY_STAFF, 202), (Role.RSO, 403), (Role.AUDITOR, 403)]
)
def test_people_post_logs_only_as_safety_staff(client_for, snapshot, autonomy_suite, role, status):
    with CROSSING_JSON.open("rb") as file:
        response = client_for(role).post("/api/v1/ingestions/", {"file": file})
    assert response.status_code == status


def test_a_failure_while_storing_leaves_no_partial_run(
    machine, snapshot, autonomy_suite, monkeypatch
):
    import evals.services

    def explode(*args, **kwargs):
        raise ValueError("disk on fire")

    monkeypatch.setattr(evals.services, "_evaluate", explode)
    status = machine.get(post_log(machine, CROSSING_JSON).json()["status_url"]).json()
    assert status["status"] == "failed"
    assert "Internal error" in status["error"]
    assert EvalRun.objects.count() == TaskResult.objects.count() == SampleScore.objects.count() == 0


def test_eval_runs_api_filters_by_outcome_and_model(machine, snapshot, autonomy_suite, client_for):
    post_log(machine, CROSSING_JSON)
    post_log(machine, BELOW_JSON)
    client = client_for(Role.TRUSTEE)
    crossed = client.get("/api/v1/eval-runs/", {"outcome": "crossed"}).json()
    assert crossed["count"] == 1
    detail = client.get(f"/api/v1/eval-runs/{crossed['results'][0]['id']}/").json()
    assert len(detail["tasks"]) == 10
    assert detail["evaluations"][0]["task_passes"]["1"] is True
    assert client.get("/api/v1/eval-runs/", {"model": snapshot.model_id}).json()["count"] == 2
    assert client.get("/api/v1/eval-runs/", {"outcome": "maybe"}).status_code == 400
