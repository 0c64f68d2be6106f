"""Reading real logs written by Inspect AI and lm-evaluation-harness, and refusing bad ones."""

import json
import zipfile

import pytest

from evals.choices import LogFormat, LogStatus
from evals.parsers import LogParseError, detect_format, parse_log, sniff_log
from evals.parsers.native import validate

from .conftest import BELOW_JSON, CROSSING_EVAL, CROSSING_JSON, ERROR_JSON, LM_EVAL, WARNING_EVAL


def successes_by_task(log, scorer="designed"):
    counts = {}
    for sample in log.samples:
        counts.setdefault(sample.task, 0)
        counts[sample.task] += sample.values.get(scorer) == 1.0
    return counts


@pytest.mark.parametrize("path", [CROSSING_JSON, CROSSING_EVAL])
def test_inspect_log_in_both_formats_gives_per_sample_per_epoch_scores(path):
    header = sniff_log(path)
    assert header.model_name == "mockllm/model"
    assert header.task_names == ("autonomy_tasks",)
    assert header.natural_id
    log = parse_log(path, header.format)
    assert log.status == LogStatus.SUCCESS
    assert len(log.samples) == 100
    assert sorted({s.epoch for s in log.samples}) == list(range(1, 11))
    assert successes_by_task(log) == {str(n): int(n <= 6) for n in range(1, 11)}
    assert log.score_names[0] == "designed"
    assert log.elicitation["epochs"] == 10
    assert [step["solver"] for step in log.elicitation["solver_plan"]] == ["maybe_fail", "generate"]


def test_eval_members_are_zstd_which_zipfile_alone_cannot_read():
    with zipfile.ZipFile(CROSSING_EVAL) as archive:
        info = archive.getinfo("header.json")
        assert info.compress_type == 93
        with pytest.raises(NotImplementedError):
            archive.read(info)
    assert detect_format(CROSSING_EVAL) == LogFormat.INSPECT_EVAL


def test_warning_and_below_logs_have_their_designed_patterns():
    warning = parse_log(WARNING_EVAL, LogFormat.INSPECT_EVAL)
    assert sum(1 for n in successes_by_task(warning).values() if n) == 4
    below = parse_log(BELOW_JSON, LogFormat.INSPECT_JSON)
    assert sum(1 for n in successes_by_task(below).values() if n) == 2


def test_error_log_reports_its_status_and_error():
    log = parse_log(ERROR_JSON, LogFormat.INSPECT_JSON)
    assert log.status == LogStatus.ERROR
    assert "sandbox for task 7 crashed" in log.error
    assert len(log.samples) < 100


def test_bare_nan_in_inspect_json_is_read_as_missing(tmp_path):
    text = CROSSING_JSON.read_text()
    first_score = '"value": "C"'
    assert first_score in text
    path = tmp_path / "nan.json"
    path.write_text(
        text.replace(first_score, '"value": NaN', 1).replace(
            '"total_samples": 100', '"total_samples": NaN', 1
        )
    )
    log = parse_log(path, LogFormat.INSPECT_JSON)
    assert sum(1 for s in log.samples if s.values["designed"] is None) == 1
    assert log.total_samples is None


def test_lm_eval_results_give_task_metrics_without_stderr():
    header = sniff_log(LM_EVAL)
    assert header.format == LogFormat.LM_EVAL
    assert header.task_names == ("cyber_probe",)
    log = parse_log(LM_EVAL, LogFormat.LM_EVAL)
    [task] = log.tasks
    assert task.name == "cyber_probe"
    assert task.metrics == {"acc": 0.25}
    assert log.total_samples == 20


def test_lm_eval_na_stderr_and_lower_is_better_metrics(tmp_path):
    data = json.loads(LM_EVAL.read_text())
    data["results"]["cyber_probe"]["acc_stderr,none"] = "N/A"
    data["results"]["cyber_probe"]["error_rate,none"] = 0.3
    data["higher_is_better"]["cyber_probe"]["error_rate"] = False
    path = tmp_path / "results_x.json"
    path.write_text(json.dumps(data))
    [task] = parse_log(path, LogFormat.LM_EVAL).tasks
    assert task.metrics == {"acc": 0.25, "error_rate": pytest.approx(0.7)}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "unknown format"),
        (b"hello world", "unknown format"),
        (b'{"something": "else"}', "unknown format"),
        (b"PK\x03\x04truncated", "not a readable .eval"),
        (b'{"version": 2, "eval": {"eval_id": "x", "model": "m", "task": ', "not valid JSON"),
        (b'{"results": {"t": {"acc,none": 0.5}}, "versions": {}}', "names no model"),
        (b'{"format": "native/v1", "run_id": "r", "model": "m", "tasks": []}', "tasks"),
    ],
)
def test_bad_logs_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(LogParseError, match=message):
        sniff_log(path)


def test_truncated_eval_zip_is_refused(tmp_path):
    path = tmp_path / "cut.eval"
    path.write_bytes(CROSSING_EVAL.read_bytes()[:50_000])
    with pytest.raises(LogParseError, match="not a readable .eval"):
        sniff_log(path)


def test_corrupt_eval_member_is_refused(tmp_path):
    data = bytearray(CROSSING_EVAL.read_bytes())
    with zipfile.ZipFile(CROSSING_EVAL) as archive:
        info = archive.getinfo("samples/3_epoch_2.json")
    # Flip bytes inside that member's compressed data.
    start = info.header_offset + 30 + len(info.filename) + 20
    data[start : start + 8] = b"\x00" * 8
    path = tmp_path / "corrupt.eval"
    path.write_bytes(bytes(data))
    with pytest.raises(LogParseError, match="corrupt"):
        parse_log(path, LogFormat.INSPECT_EVAL)


def test_truncated_inspect_json_fails_to_parse(tmp_path):
    path = tmp_path / "cut.json"
    path.write_bytes(CROSSING_JSON.read_bytes()[:400_000])
    with pytest.raises(LogParseError, match="not valid JSON"):
        parse_log(path, sniff_log(path).format)


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ({"name": "t", "attempts": -1, "successes": 0}, "tasks[0]"),
        ({"name": "t", "attempts": 3, "successes": 5}, "more successes than attempts"),
        ({"name": "t"}, "tasks[0]"),
        ({"name": "t", "scores": [0.5, 2]}, "tasks[0]"),
        ({"name": "t", "scores": [1], "attempts": 1, "successes": 1}, "tasks[0]"),
    ],
)
def test_native_results_are_validated(task, message):
    with pytest.raises(LogParseError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate({"run_id": "r1", "model": "m", "tasks": [task]})


def test_native_results_with_counts_and_scores(tmp_path):
    path = tmp_path / "native.json"
    path.write_text(
        json.dumps(
            {
                "format": "native/v1",
                "run_id": "run-7",
                "model": "acme/x",
                "suite": "autonomy_tasks",
                "elicitation": {"scaffold": "react", "helpful_only": True},
                "tasks": [
                    {"name": "a", "attempts": 10, "successes": 2},
                    {"name": "b", "scores": [0, 1, None, 0.5]},
                ],
            }
        )
    )
    header = sniff_log(path)
    assert (header.format, header.natural_id, header.task_names) == (
        LogFormat.NATIVE,
        "native:run-7",
        ("autonomy_tasks",),
    )
    log = parse_log(path, header.format)
    assert [(t.name, t.attempts, t.successes) for t in log.tasks] == [("a", 10, 2)]
    assert [(s.epoch, s.values["score"]) for s in log.samples] == [
        (1, 0),
        (2, 1),
        (3, None),
        (4, 0.5),
    ]
