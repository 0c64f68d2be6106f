"""Scores the log has, read: a scorer returning a mapping is read as "scorer/key" parts a suite
can name; with several scorers the suite chooses, and a run scored with the headline one says
which it used and what else there was. Errors list only the names a suite could use."""

import json

import pytest

from evals.choices import LogFormat
from evals.models import EvalRun
from evals.parsers import parse_log
from evals.services import eval_suite_update
from governance.choices import Role
from tests.evals.conftest import CROSSING_JSON, post_log

pytestmark = pytest.mark.django_db


def rescored(tmp_path, scores_of):
    """The crossing log (tasks 1-6 pass at 1-of-10) with each sample's scores replaced by
    `scores_of(passed)`."""
    log = json.loads(CROSSING_JSON.read_text())
    for sample in log["samples"]:
        passed = sample["scores"]["designed"]["value"] == "C"
        sample["scores"] = scores_of(passed)
    log["eval"]["eval_id"] = f"rescored-{id(scores_of)}"
    path = tmp_path / "rescored.json"
    path.write_text(json.dumps(log))
    return path


def dict_scores(passed):
    return {"multi": {"value": {"solved": 1 if passed else 0, "partial": 0.5}}}


def two_scorers(passed):
    # The first scorer is lenient (everything passes); the second is the real one.
    return {"lenient": {"value": "C"}, "strict": {"value": "C" if passed else "I"}}


def run_of(machine, response) -> EvalRun:
    status = machine.get(response.json()["status_url"]).json()
    return EvalRun.objects.get(pk=status["run"]) if status.get("run") else status


def test_a_mapping_scorer_is_read_as_its_keys(tmp_path):
    log = parse_log(rescored(tmp_path, dict_scores), LogFormat.INSPECT_JSON)
    assert log.score_names[:2] == ["multi/solved", "multi/partial"]
    assert "multi" not in log.score_names  # not a number: no suite could score with it
    assert log.samples[0].values == {"multi/solved": 1.0, "multi/partial": 0.5}


def test_a_suite_names_the_key_it_scores_with(
    machine, snapshot, autonomy_suite, tmp_path, make_user
):
    safety = make_user(Role.SAFETY_STAFF)
    eval_suite_update(actor=safety, suite=autonomy_suite, score_name="multi/solved")
    run = run_of(machine, post_log(machine, rescored(tmp_path, dict_scores)))
    assert run.score_name == "multi/solved"
    assert run.evaluations.get().outcome == "crossed"


def test_naming_a_scorer_the_log_cannot_give_lists_only_readable_names(
    machine, snapshot, autonomy_suite, tmp_path, make_user
):
    eval_suite_update(actor=make_user(Role.SAFETY_STAFF), suite=autonomy_suite, score_name="multi")
    status = run_of(machine, post_log(machine, rescored(tmp_path, dict_scores)))
    assert status["status"] == "failed"
    assert "(it has: multi/solved, multi/partial)" in status["error"]


def test_with_several_scorers_the_suite_chooses_and_the_headline_is_never_silent(
    machine, snapshot, autonomy_suite, tmp_path, make_user
):
    run = run_of(machine, post_log(machine, rescored(tmp_path, two_scorers)))
    assert run.score_name == "lenient"
    assert "it also has 'strict'" in run.scoring_note
    eval_suite_update(actor=make_user(Role.SAFETY_STAFF), suite=autonomy_suite, score_name="strict")
    again = tmp_path / "again"
    again.mkdir()
    run = run_of(
        machine, post_log(machine, rescored(again, lambda p: {**two_scorers(p), "x": {"value": 0}}))
    )
    assert run.score_name == "strict"
    assert run.evaluations.get().tasks_passed == 6
