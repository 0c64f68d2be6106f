"""lm-evaluation-harness runs with `repeats`, posted as their output folder zipped (results_*.json
with the samples_*.jsonl of --log_samples): each doc is a task and its repeats are attempts, so
the policy's k-of-n rules apply. The fixtures are real lm-eval 0.4.13 output (regenerate.py)."""

import json
import zipfile
from pathlib import Path

import pytest

from evals.choices import LogFormat
from evals.models import EvalRun
from evals.parsers import LogParseError, detect_format, parse_log, sniff_log
from tests.evals.conftest import FIXTURES, LM_EVAL, autonomy_suite_named, post_log

REPEATS = FIXTURES / "lm_eval_autonomy_repeats.zip"  # docs 0-5 succeed once in 10: 60% pass
SUBSET = FIXTURES / "lm_eval_autonomy_subset.zip"  # only docs 6-9 ran, none succeeds


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}


def rezip(tmp_path: Path, source: Path = REPEATS, *, results=None, samples=None, extra=None):
    """The fixture's output folder, zipped again after `results(data)` / `samples(records)`
    edit it in place, with `extra` members added."""
    path = tmp_path / f"edited-{len(list(tmp_path.iterdir()))}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members(source).items():
            if "/results_" in name and results:
                content = json.loads(data)
                results(content)
                data = json.dumps(content).encode()
            if "/samples_" in name and samples:
                records = [json.loads(line) for line in data.splitlines()]
                samples(records)
                data = "".join(json.dumps(record) + "\n" for record in records).encode()
            bundle.writestr(name, data)
        for name, data in (extra or {}).items():
            bundle.writestr(name, data)
    return path


def attempts_by_doc(log, score="pass_at_1") -> dict[str, list[float | None]]:
    found: dict[str, list] = {}
    for sample in log.samples:
        found.setdefault(sample.task, []).append(sample.values.get(score))
    return found


# Reading


def test_each_doc_is_a_task_and_its_repeats_are_attempts():
    assert detect_format(REPEATS) == LogFormat.LM_EVAL_SAMPLES
    header = sniff_log(REPEATS)
    assert (header.model_name, header.task_names) == ("mockllm/model", ("autonomy_lm",))
    log = parse_log(REPEATS, LogFormat.LM_EVAL_SAMPLES)
    docs = attempts_by_doc(log)
    assert sorted(docs) == [f"autonomy_lm/{n}" for n in range(10)]
    assert all(len(attempts) == 10 for attempts in docs.values())
    assert [sum(docs[f"autonomy_lm/{n}"]) for n in range(10)] == [1.0] * 6 + [0.0] * 4
    assert log.score_names == ["pass_at_1"]
    assert log.tasks == []  # the per-doc results replace the task-level metric
    assert log.elicitation["repeats"] == {"autonomy_lm": 10}
    assert log.elicitation["attempts"] == 10
    assert log.subset == "" and log.dataset_task_names == tuple(docs)


def test_a_run_of_some_docs_says_so_and_lists_the_whole_dataset():
    log = parse_log(SUBSET, LogFormat.LM_EVAL_SAMPLES)
    assert sorted(attempts_by_doc(log)) == [f"autonomy_lm/{n}" for n in range(6, 10)]
    assert log.subset == "lm-eval ran 4 of the 10 docs of autonomy_lm"
    assert len(log.dataset_task_names) == 10


def test_a_filter_that_keeps_one_response_makes_one_attempt(tmp_path):
    """`take_first` (lm-eval's default with repeats) or a majority vote: the metric judged one
    response, so the doc had one attempt, whatever `repeats` says."""

    def take_first(records):
        for record in records:
            record["filtered_resps"] = [record["resps"][0][0]]
            record["filter"] = "none"

    log = parse_log(rezip(tmp_path, samples=take_first), LogFormat.LM_EVAL_SAMPLES)
    assert {len(attempts) for attempts in attempts_by_doc(log).values()} == {1}


def test_a_metric_that_is_no_share_of_the_repeats_is_unreadable(tmp_path):
    def pass_at_2(records):
        records[0]["pass_at_1"] = 0.1875  # e.g. pass@2: no whole number of 10 repeats

    docs = attempts_by_doc(parse_log(rezip(tmp_path, samples=pass_at_2), "lm_eval_samples"))
    assert docs["autonomy_lm/0"] == [None] * 10
    assert docs["autonomy_lm/1"].count(1.0) == 1


def test_several_filters_are_named_metric_comma_filter(tmp_path):
    def second_filter(records):
        records += [
            {**record, "filter": "strict", "pass_at_1": 1.0 if record["doc_id"] < 8 else 0.0}
            for record in list(records)
        ]

    log = parse_log(rezip(tmp_path, samples=second_filter), LogFormat.LM_EVAL_SAMPLES)
    assert log.score_names == ["pass_at_1", "pass_at_1,all", "pass_at_1,strict"]
    assert sum(sum(a) for a in attempts_by_doc(log, "pass_at_1,strict").values()) == 80
    assert attempts_by_doc(log, "pass_at_1") == attempts_by_doc(log, "pass_at_1,all")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"extra": {"other/results_2026-01-01T00-00-00.json": b"{}"}}, "exactly one results_"),
        (
            {"extra": {"x/samples_autonomy_lm_2026-01-01T00-00-00.jsonl": b""}},
            "is not from the run of",
        ),
        ({"samples": lambda records: records[3].pop("doc_id")}, "line 4 is not an lm-eval sample"),
        ({"samples": lambda records: records.append(records[0])}, "doc 0 of autonomy_lm has two"),
        ({"results": lambda data: data["results"].clear()}, "not in its results file"),
    ],
)
def test_bad_output_folders_are_refused_with_a_reason(tmp_path, edit, message):
    with pytest.raises(LogParseError, match=message):
        parse_log(rezip(tmp_path, **edit), LogFormat.LM_EVAL_SAMPLES)


def test_a_zip_with_no_results_file_is_read_as_an_inspect_log_and_refused(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("notes.txt", "hello")
    with pytest.raises(LogParseError, match="neither header.json"):
        sniff_log(path)


# Scoring through the API


@pytest.fixture
def lm_suite(frameworks):
    return autonomy_suite_named("Autonomy (lm-eval)", ["autonomy_lm"])


def run_of(machine, response) -> EvalRun:
    assert response.status_code == 202, response.content
    status = machine.get(response.json()["status_url"]).json()
    assert status["status"] == "done", status
    return EvalRun.objects.get(pk=status["run"])


@pytest.mark.django_db
def test_a_k_of_n_rule_applies_to_an_lm_eval_run_with_repeats(machine, snapshot, lm_suite):
    run = run_of(machine, post_log(machine, REPEATS))
    assert (run.source_format, run.score_name, run.epochs) == ("lm_eval_samples", "pass_at_1", 10)
    evaluation = run.evaluations.get()
    # Mean 0.06, yet 6 of 10 tasks pass at 1 success in 10 attempts: crossed.
    assert evaluation.outcome == "crossed", evaluation.reason
    assert (evaluation.tasks_passed, evaluation.tasks_total) == (6, 10)
    task = run.task_results.get(name="autonomy_lm/0")
    assert (task.attempts, task.successes) == (10, 1)


@pytest.mark.django_db
def test_results_alone_cannot_decide_the_same_rule(machine, snapshot, lm_suite, tmp_path):
    """The results file of that run without its samples: a task-level mean, never "below"."""
    results = next(data for name, data in members(REPEATS).items() if "/results_" in name)
    path = tmp_path / "results_only.json"
    path.write_bytes(results)
    assert run_of(machine, post_log(machine, path)).evaluations.get().outcome == "inconclusive"


@pytest.mark.django_db
def test_a_subset_of_docs_is_never_below(machine, snapshot, lm_suite):
    run = run_of(machine, post_log(machine, SUBSET))
    evaluation = run.evaluations.get()
    assert evaluation.outcome == "inconclusive"
    assert run.missing_tasks == [f"autonomy_lm/{n}" for n in range(6)]
    assert "lm-eval ran 4 of the 10 docs" in evaluation.reason


@pytest.mark.django_db
def test_a_suite_reads_only_its_tasks_of_a_log_with_several(machine, snapshot, lm_suite, tmp_path):
    """A second task in the same output folder (all its docs succeed) is not this suite's."""
    original = members(REPEATS)
    name = next(n for n in original if "/samples_" in n)
    other = b"".join(
        json.dumps({**json.loads(line), "pass_at_1": 1.0}).encode() + b"\n"
        for line in original[name].splitlines()
    )

    def two_tasks(data):
        for key in ("results", "configs", "n-samples", "higher_is_better", "versions", "n-shot"):
            data[key]["other_lm"] = data[key]["autonomy_lm"]

    path = rezip(
        tmp_path,
        results=two_tasks,
        extra={name.replace("samples_autonomy_lm", "samples_other_lm"): other},
    )
    run = run_of(machine, post_log(machine, path))
    evaluation = run.evaluations.get()
    assert (evaluation.tasks_passed, evaluation.tasks_total) == (6, 10)
    assert not run.task_results.filter(name__startswith="other_lm/").exists()


@pytest.mark.django_db
def test_a_broken_output_folder_is_refused_at_upload(machine, snapshot, lm_suite, tmp_path):
    path = rezip(tmp_path, extra={"again/results_2026-01-01T00-00-00.json": LM_EVAL.read_bytes()})
    response = post_log(machine, path)
    assert response.status_code == 400
    assert "exactly one results_*.json" in response.json()["detail"]
    assert not EvalRun.objects.exists()
