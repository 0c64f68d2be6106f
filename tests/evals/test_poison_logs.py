"""No input can break the record for everyone, and a log that cannot be stored fails at once
with the field named: unreadable times, deep nesting, NUL characters, unpaired surrogates,
non-finite numbers and out-of-range counts are refused, never retried for an hour; each
(sample, epoch) counts once. Only a transient database error is retried."""

import json
import zipfile

import pytest
from django.db import DataError, IntegrityError, OperationalError, transaction

from evals.choices import IngestionStatus
from evals.models import EvalRun, Ingestion
from evals.parsers.zipzstd import EvalZip
from evals.services import ingestion_process
from tests.evals.conftest import CROSSING_EVAL, CROSSING_JSON, LM_EVAL, post_log

pytestmark = pytest.mark.django_db


def native(**fields):
    return {
        "format": "native/v1",
        "run_id": "r-1",
        "model": "mockllm/model",
        "suite": "autonomy_tasks",
        "tasks": [{"name": "t1", "scores": [1, 0]}],
        **fields,
    }


def post_native(machine, body):
    # Sent as bytes: an unpaired surrogate is escaped ("\ud800"), and a float too large
    # for a double is written as it would arrive, 1e400.
    raw = json.dumps(body, ensure_ascii=True).replace('"1e400"', "1e400")
    return machine.post("/api/v1/ingestions/", raw, content_type="application/json")


def inspect_log(tmp_path, edit, name="edited.json"):
    log = json.loads(CROSSING_JSON.read_text())
    edit(log)
    path = tmp_path / name
    path.write_text(json.dumps(log))
    return path


def processed(machine, response) -> dict:
    assert response.status_code == 202, response.content
    return machine.get(response.json()["status_url"]).json()


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2150-01-01T00:00:00Z"]
)
def test_a_time_outside_1970_2100_is_refused_at_upload(machine, snapshot, autonomy_suite, moment):
    response = post_native(machine, native(started_at=moment))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The log cannot be read: started_at:")
    assert not Ingestion.objects.exists()


@pytest.mark.parametrize("value", [1e20, "not a time", -1e12])
def test_inspect_and_lm_eval_times_are_checked_at_upload(machine, snapshot, tmp_path, value):
    path = inspect_log(tmp_path, lambda log: log["stats"].update(started_at=value))
    response = post_log(machine, path)
    assert response.status_code == 400 and "stats.started_at" in response.json()["detail"]
    lm = json.loads(LM_EVAL.read_text())
    lm["date"] = value
    (tmp_path / "lm.json").write_text(json.dumps(lm))
    response = post_log(machine, tmp_path / "lm.json", snapshot=str(snapshot.pk))
    assert response.status_code == 400 and "date:" in response.json()["detail"]


def test_the_database_refuses_an_unreadable_run_time(machine, snapshot, autonomy_suite):
    processed(machine, post_log(machine, CROSSING_JSON))
    with pytest.raises(IntegrityError), transaction.atomic():
        EvalRun.objects.update(started_at="2150-01-01T00:00:00Z")


def test_deeply_nested_inspect_json_is_400_not_500(machine, snapshot, tmp_path):
    log = CROSSING_JSON.read_text()
    at = log.index('"eval_id"')
    at = log.index(",", at) + 1  # after the eval id, so the format is still recognised
    deep = '"task_args": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + ","
    path = tmp_path / "deep.json"
    path.write_text(log[:at] + deep + log[at:])
    response = post_log(machine, path)
    assert response.status_code == 400, response.content
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"results": {"total_samples": 1' + "0" * 30 + ",", "integer overflow"),
        ('"eval": {"model_args": {"t": 1e400},', "overflow"),
    ],
)
def test_numbers_no_database_holds_are_refused_at_upload(
    machine, snapshot, tmp_path, text, message
):
    log = CROSSING_JSON.read_text()
    key = text.split(":")[0]
    path = tmp_path / "big.json"
    path.write_text(log.replace(key + ": {", text, 1))
    response = post_log(machine, path)
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda log: log["samples"][0].update(id="t\x001"), "sample id"),
        (lambda log: log["eval"].update(model_args={"path": "a\x00b"}), "elicitation.model_args"),
        (lambda log: log["samples"][0].update(epoch=10**12), "epoch: 1000000000000 is out of"),
        (lambda log: log["results"].update(total_samples=-5), "total_samples: -5 is out of"),
    ],
)
def test_poison_logs_fail_at_once_naming_the_field(
    machine, snapshot, autonomy_suite, tmp_path, edit, field
):
    status = processed(machine, post_log(machine, inspect_log(tmp_path, edit)))
    assert status["status"] == "failed"
    assert status["attempts"] == 1  # not retried
    assert field in status["error"]
    assert not EvalRun.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tasks": [{"name": "t1", "attempts": 10**30, "successes": 1}]}, "attempts"),
        ({"elicitation": {"attempts": 10**12}}, "elicitation.attempts"),
        ({"tasks": [{"name": "t\x00", "scores": [1]}]}, "NUL"),
        ({"tasks": [{"name": "t\ud800", "scores": [1]}]}, "unpaired surrogate"),
        ({"elicitation": {"temperature": "1e400"}}, "elicitation.temperature: inf is not"),
        ({"elicitation": {"notes": "a\x00b"}}, "elicitation.notes"),
    ],
)
def test_native_out_of_range_values_are_400_naming_the_field(
    machine, snapshot, autonomy_suite, fields, message
):
    response = post_native(machine, native(**fields))
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert not Ingestion.objects.exists()


def test_a_sample_written_twice_counts_once(machine, snapshot, autonomy_suite, tmp_path):
    def five_times(log):
        first = next(s for s in log["samples"] if s["scores"]["designed"]["value"] == "C")
        log["samples"] += [json.loads(json.dumps(first)) for _ in range(4)]

    status = processed(machine, post_log(machine, inspect_log(tmp_path, five_times)))
    assert status["status"] == "done"
    run = EvalRun.objects.get()
    assert {task.attempts for task in run.task_results.all()} == {10}


def test_duplicates_that_disagree_make_the_log_unreadable(
    machine, snapshot, autonomy_suite, tmp_path
):
    def disagreeing(log):
        copy = json.loads(json.dumps(log["samples"][0]))
        copy["scores"]["designed"]["value"] = (
            "I" if copy["scores"]["designed"]["value"] == "C" else "C"
        )
        log["samples"].append(copy)

    status = processed(machine, post_log(machine, inspect_log(tmp_path, disagreeing)))
    assert status["status"] == "failed" and "appears more than once" in status["error"]


def test_an_eval_member_copied_under_another_name_counts_once(
    machine, snapshot, autonomy_suite, tmp_path
):
    path = tmp_path / "copied.eval"
    with EvalZip(CROSSING_EVAL) as source, zipfile.ZipFile(path, "w") as target:
        names = source.names()
        for name in names:
            target.writestr(name, source.read(name))
        sample = next(name for name in names if name.startswith("samples/"))
        target.writestr("samples/../../x.json", source.read(sample))
    status = processed(machine, post_log(machine, path))
    assert status["status"] == "done", status
    assert {task.attempts for task in EvalRun.objects.get().task_results.all()} == {10}


def test_a_value_the_database_refuses_fails_at_once(snapshot, autonomy_suite, machine, monkeypatch):
    import evals.services

    def refuse(*args, **kwargs):
        raise DataError("value out of range for type integer")

    monkeypatch.setattr(evals.services, "_store_run", refuse)
    status = processed(machine, post_log(machine, CROSSING_JSON))
    assert status["status"] == "failed" and status["attempts"] == 1
    assert "DataError: value out of range for type integer" in status["error"]


def test_a_lost_connection_is_retried_and_its_cause_kept(
    snapshot, autonomy_suite, machine, monkeypatch
):
    import evals.services

    monkeypatch.setattr(evals.services, "_enqueue", lambda pk: None)  # process by hand below
    ingestion = Ingestion.objects.get(pk=post_log(machine, CROSSING_JSON).json()["id"])

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(evals.services, "_store_run", lost)
    with pytest.raises(OperationalError):
        ingestion_process(ingestion_id=ingestion.pk)
    ingestion.refresh_from_db()
    assert ingestion.status == IngestionStatus.PROCESSING  # left for the sweep to retry
    assert "Attempt 1 was interrupted: OperationalError: server closed" in ingestion.error
