"""A suite knows its tasks: a run cut down with Inspect's `--limit` or `--sample-id` is scored
against the whole suite, with the tasks it lacks undecided, so a subset can show a crossing but
never a "below" (nor a crossing it has not shown)."""

import json
import uuid

import pytest

from evals.choices import LogFormat
from evals.models import EvalRun, EvalSuite
from evals.parsers import parse_log
from evals.services import eval_suite_update
from governance.choices import Role
from governance.models import AuditEvent
from tests.evals.conftest import BELOW_JSON, CROSSING_JSON, post_log

pytestmark = pytest.mark.django_db

# In the crossing log, tasks (samples) 1-6 pass at 1-of-10 attempts and 7-10 fail.
PASSING, FAILING = ["1", "2", "3", "4"], ["7", "8", "9", "10"]


def cut_down(tmp_path, ids, *, limit=None, sample_id=None, dataset_too=False):
    """The crossing log as Inspect writes a run cut down to `ids`."""
    log = json.loads(CROSSING_JSON.read_text())
    log["eval"]["eval_id"] = f"subset-{uuid.uuid4().hex}"
    log["samples"] = [s for s in log["samples"] if str(s["id"]) in ids]
    if limit is not None:
        log["eval"]["config"]["limit"] = limit
    if sample_id is not None:
        log["eval"]["config"]["sample_id"] = sample_id
    if dataset_too:  # the worst case: the log's dataset lists only what ran
        log["eval"]["dataset"] = {"samples": len(ids), "sample_ids": [int(i) for i in ids]}
    epochs = log["eval"]["config"]["epochs"]
    log["results"]["total_samples"] = log["results"]["completed_samples"] = len(ids) * epochs
    path = tmp_path / f"{log['eval']['eval_id']}.json"
    path.write_text(json.dumps(log))
    return path


def run_of(machine, response) -> EvalRun:
    status = machine.get(response.json()["status_url"]).json()
    assert status["status"] == "done", status
    return EvalRun.objects.get(pk=status["run"])


def test_the_parser_reads_the_cut_and_the_dataset(tmp_path):
    full = parse_log(CROSSING_JSON, LogFormat.INSPECT_JSON)
    assert (full.subset, full.dataset_task_names) == ("", tuple(str(i) for i in range(1, 11)))
    limited = parse_log(cut_down(tmp_path, PASSING, limit=4), LogFormat.INSPECT_JSON)
    assert limited.subset == "--limit 4"
    cherry = parse_log(cut_down(tmp_path, FAILING, sample_id=[7, 8, 9, 10]), LogFormat.INSPECT_JSON)
    assert cherry.subset == "--sample-id 7,8,9,10"


def test_the_first_complete_run_teaches_the_suite_its_tasks(machine, snapshot, autonomy_suite):
    assert autonomy_suite.expected_tasks == []
    post_log(machine, BELOW_JSON)
    autonomy_suite.refresh_from_db()
    assert autonomy_suite.expected_tasks == sorted(str(i) for i in range(1, 11))
    assert AuditEvent.objects.filter(action="eval_suite.tasks_learned").count() == 1


@pytest.mark.parametrize(
    ("ids", "cut"),
    [
        (FAILING, {"sample_id": ["7", "8", "9", "10"]}),  # cherry-picked failures: was "below"
        (PASSING, {"limit": 4}),  # the first four, all passing: was "crossed (4/4)"
        (FAILING, {"sample_id": [7, 8, 9, 10], "dataset_too": True}),
    ],
)
def test_a_cut_down_run_is_inconclusive_and_names_what_is_missing(
    machine, snapshot, autonomy_suite, tmp_path, ids, cut, client_for
):
    post_log(machine, BELOW_JSON)  # a complete run: the suite learns its ten tasks
    run = run_of(machine, post_log(machine, cut_down(tmp_path, ids, **cut)))
    evaluation = run.evaluations.get()
    assert evaluation.outcome == "inconclusive"
    assert evaluation.tasks_total == 10 and evaluation.tasks_undetermined == 6
    assert sorted(run.missing_tasks, key=int) == [str(i) for i in range(1, 11) if str(i) not in ids]
    assert "6 of the suite's 10 tasks did not run" in evaluation.reason
    assert "treated as crossed until shown otherwise" in evaluation.reason
    api = client_for(Role.SAFETY_STAFF).get(f"/api/v1/eval-runs/{run.pk}/").json()
    assert sorted(api["missing_tasks"], key=int) == sorted(run.missing_tasks, key=int)


def test_a_cut_down_run_still_shows_a_crossing_it_proves(
    machine, snapshot, autonomy_suite, tmp_path
):
    post_log(machine, BELOW_JSON)
    passing = [str(i) for i in range(1, 7)]  # six of ten pass: 60% whatever the other four do
    run = run_of(machine, post_log(machine, cut_down(tmp_path, passing, limit=6)))
    assert run.evaluations.get().outcome == "crossed"


def test_a_cut_down_run_with_no_task_list_known_is_never_below(
    machine, snapshot, autonomy_suite, tmp_path
):
    path = cut_down(tmp_path, FAILING, sample_id=[7, 8, 9, 10], dataset_too=True)
    run = run_of(machine, post_log(machine, path))
    evaluation = run.evaluations.get()
    assert evaluation.outcome == "inconclusive"
    assert "the suite's full task list is not known" in evaluation.reason
    assert EvalSuite.objects.get().expected_tasks == []  # a subset teaches nothing


def test_safety_staff_keep_the_list_with_the_suite(
    machine, snapshot, autonomy_suite, tmp_path, make_user
):
    safety = make_user(Role.SAFETY_STAFF)
    eval_suite_update(
        actor=safety,
        suite=autonomy_suite,
        expected_tasks_source="list",
        expected_tasks=[str(i) for i in range(1, 13)],  # twelve: two the logs never ran
    )
    run = run_of(machine, post_log(machine, CROSSING_JSON))
    assert run.missing_tasks == ["11", "12"]
    # 6 of 12 pass = 50%: crossed whatever the two missing do.
    assert run.evaluations.get().outcome == "crossed"
    with pytest.raises(Exception, match="needs the list of its tasks"):
        eval_suite_update(
            actor=safety,
            suite=autonomy_suite,
            expected_tasks_source="list",
            expected_tasks=[],
        )


def test_a_suite_may_take_its_tasks_from_each_logs_dataset(
    machine, snapshot, autonomy_suite, tmp_path
):
    autonomy_suite.expected_tasks_source = "dataset"
    autonomy_suite.save()
    run = run_of(machine, post_log(machine, cut_down(tmp_path, FAILING, sample_id=[7, 8, 9, 10])))
    assert run.evaluations.get().outcome == "inconclusive"
    assert len(run.missing_tasks) == 6
