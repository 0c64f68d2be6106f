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


def stored_files(media_root: Path) -> int:
    folder = media_root / "ingestions"
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def nothing_stored(media_root):
    assert Ingestion.objects.count() == 0
    assert EvalRun.objects.count() == 0
    assert stored_files(media_root) == 0  # neither in incoming/ nor in place


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


def test_same_eval_id_with_other_bytes_returns_the_original(
    machine, snapshot, autonomy_suite, tmp_path, media_root
):
    """The same evaluation serialized again (other bytes, the same eval id) is one run."""
    first = post_log(machine, CROSSING_JSON).json()
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(json.loads(CROSSING_JSON.read_text())))
    again = post_log(machine, reformatted)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert EvalRun.objects.count() == 1
    assert stored_files(media_root) == 1


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


def test_a_run_is_one_evaluation_whoever_posts_it_within_each_systems_scope(
    machine, snapshot, autonomy_suite, tmp_path
):
    from evals.services import eval_system_create
    from governance.audit import SYSTEM
    from tests.factories import AIModelFactory

    first = post_log(machine, CROSSING_JSON).json()
    narrow, token = eval_system_create(
        actor=SYSTEM, name="narrow", allowed_models=[AIModelFactory()], all_suites=True
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert post_log(client, CROSSING_JSON).status_code == 403  # out of scope, repeat or not
    assert client.get(first["status_url"]).status_code == 404  # nor may it read it
    wide, token = eval_system_create(actor=SYSTEM, name="wide", all_models=True, all_suites=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    other = post_log(client, CROSSING_JSON)
    assert (other.status_code, other.json()["id"]) == (200, first["id"])
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(json.loads(CROSSING_JSON.read_text())))
    assert post_log(client, reformatted).json()["id"] == first["id"]
    polled = client.get(other.json()["status_url"])
    assert polled.status_code == 200 and polled.json()["status"] == "done"
    assert (Ingestion.objects.count(), EvalRun.objects.count()) == (1, 1)


def test_a_failed_ingestion_posted_again_is_processed_again(
    machine, snapshot, autonomy_suite, monkeypatch
):
    import evals.services

    original = evals.services._evaluate
    monkeypatch.setattr(evals.services, "_evaluate", lambda *a, **k: 1 / 0)
    failed = machine.get(post_log(machine, CROSSING_JSON).json()["status_url"]).json()
    assert failed["status"] == "failed"
    monkeypatch.setattr(evals.services, "_evaluate", original)
    again = post_log(machine, CROSSING_JSON)
    assert again.status_code == 202 and again.json()["id"] == failed["id"]
    assert machine.get(again.json()["status_url"]).json()["outcomes"] == {
        "Autonomy checkpoint": "crossed"
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"snapshot": "²"}, "No snapshot"),
        ({"suite": "²"}, "No eval suite"),
        ({"snapshot": "a\x00b"}, "NUL character"),
        ({"snapshot": "9" * 40}, "No snapshot"),
    ],
)
def test_odd_references_are_4xx(machine, snapshot, autonomy_suite, media_root, data, message):
    response = post_log(machine, CROSSING_JSON, **data)
    assert response.status_code in (400, 422), response.content
    assert message in response.json()["detail"]
    nothing_stored(media_root)


def _write(tmp_path, name, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_odd_files_are_400(machine, snapshot, tmp_path, media_root):
    import zipfile

    lm = json.loads(LM_EVAL.read_text())
    lm["config"] = "x"
    deep = b'{"format": "native/v1", "run_id": "r", "model": "m", "tasks": ' + b"[" * 100_000
    long_id = json.loads(CROSSING_JSON.read_text())
    long_id["eval"]["eval_id"] = "x" * 300
    header_list = tmp_path / "list.eval"
    with zipfile.ZipFile(header_list, "w") as archive:
        archive.writestr("header.json", "[1, 2]")
    for path, message in [
        (_write(tmp_path, "lm.json", json.dumps(lm).encode()), "`config` is not a mapping"),
        (_write(tmp_path, "deep.json", deep), "cannot be read"),
        (_write(tmp_path, "long.json", json.dumps(long_id).encode()), "longer than 250"),
        (header_list, "not a JSON object"),
    ]:
        response = post_log(machine, path, snapshot=str(snapshot.pk))
        assert response.status_code == 400, (path.name, response.content)
        assert message in response.json()["detail"], path.name
    nothing_stored(media_root)


def test_a_zip_bomb_is_refused_without_expanding_it(machine, snapshot, tmp_path, media_root):
    import zipfile

    import zstandard

    bomb = tmp_path / "bomb.eval"
    with zipfile.ZipFile(bomb, "w") as archive:
        archive.writestr("placeholder", b"")
    # A header.json that claims to be small but expands to 200 MB of zeros.
    payload = zstandard.ZstdCompressor().compress(b"0" * (200 * 1024 * 1024))
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("header.json", payload)
    response = post_log(machine, bomb, snapshot=str(snapshot.pk))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The log cannot be read")
    nothing_stored(media_root)


def test_streaming_limit_stops_an_upload_without_content_length(settings):
    from evals.errors import LogTooLarge
    from evals.services import incoming_dir, store_upload

    with pytest.raises(LogTooLarge):
        store_upload(iter([b"x" * 4096] * 10), limit=10_000)
    assert list(incoming_dir().iterdir()) == []


def test_a_run_dated_before_any_policy_is_scored_under_the_policy_at_receipt(
    machine, snapshot, autonomy_suite
):
    body = {
        "format": "native/v1",
        "run_id": "old-1",
        "model": "mockllm/model",
        "suite": "Autonomy tasks",
        "started_at": "1990-01-01T00:00:00Z",
        "tasks": [{"name": f"t{n}", "attempts": 10, "successes": 1} for n in range(10)],
    }
    status = machine.get(
        machine.post("/api/v1/ingestions/", body, format="json").json()["status_url"]
    ).json()
    assert status["outcomes"] == {"Autonomy checkpoint": "crossed"}
    assert (
        "No framework version was in force at the log's time" in EvalRun.objects.get().scoring_note
    )


def test_native_tasks_with_no_scores_still_count(machine, snapshot, autonomy_suite):
    tasks = [{"name": f"p{n}", "scores": [1]} for n in range(2)]
    tasks += [{"name": f"f{n}", "attempts": 10, "successes": 0} for n in range(3)]
    tasks += [{"name": f"e{n}", "scores": []} for n in range(5)]
    body = {"run_id": "gaps", "model": "mockllm/model", "suite": "Autonomy tasks", "tasks": tasks}
    machine.get(machine.post("/api/v1/ingestions/", body, format="json").json()["status_url"])
    evaluation = ThresholdEvaluation.objects.get()
    assert (evaluation.tasks_total, evaluation.tasks_undetermined) == (10, 5)
    assert evaluation.outcome == "inconclusive"


def test_eval_system_api_create_takes_is_active(client_for):
    response = client_for(Role.SAFETY_STAFF).post(
        "/api/v1/eval-systems/", {"name": "off", "is_active": False}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["token"].startswith("rspg_")
    assert response.json()["is_active"] is False


@pytest.mark.parametrize(
    "url", ["/api/v1/eval-runs/", "/api/v1/ingestions/", "/evals/runs/", "/evals/ingestions/"]
)
def test_eval_lists_query_count_does_not_grow(machine, snapshot, autonomy_suite, client_for, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SnapshotFactory

    client = client_for(Role.SAFETY_STAFF)
    post_log(machine, CROSSING_JSON)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    other = SnapshotFactory(external_ids=["acme/other"])
    post_log(machine, BELOW_JSON, snapshot=str(other.pk))
    post_log(machine, ERROR_JSON)
    assert count() == few
