"""The map is not the territory: a capability report states its elicitation, every "below" says
how hard the lab tried, and that is checked against the runs it cites; a "below" on weak
elicitation cannot be signed until a decider writes why it suffices."""

import pytest
from django.core.exceptions import ValidationError

from evals.models import EvalRun
from governance.determinations.services.determinations import (
    determination_create,
    determination_review,
    determination_sign,
    determination_submit,
    determination_update,
    finding_justify,
)
from governance.errors import TransitionNotAllowed
from tests.determinations.test_determinations import ELICITATION
from tests.evals.conftest import BELOW_JSON, post_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(frameworks):
    return frameworks["2.2"]


@pytest.fixture
def below_run(machine, snapshot, autonomy_suite):
    """A complete run that reads "below": 10 attempts per task, as the rule needs."""
    post_log(machine, BELOW_JSON)
    return EvalRun.objects.get()


def report(officers, snapshot, version, *, statement=ELICITATION, **finding):
    determination = determination_create(
        actor=officers["safety"], model=snapshot.model, title="Report", summary="Below."
    )
    determination_update(
        actor=officers["safety"],
        determination=determination,
        findings=[
            {
                "threshold": version.thresholds.get(code="Autonomy checkpoint"),
                "outcome": "below",
                "rationale": "No task passed.",
                **finding,
            }
        ],
        required_level=version.levels.get(code="ASL-2"),
        required_safeguards=[],
        elicitation_statement=statement,
    )
    return determination


def stated(run, **overrides):
    return {
        "attempts_per_task": 10,
        "scaffolding": "ReAct agent with bash and python tools",
        "helpful_only_tested": True,
        "evidence": [{"type": "run", "id": run.pk}],
        **overrides,
    }


def test_a_report_cannot_be_submitted_without_an_elicitation_statement(
    officers, snapshot, version, below_run
):
    determination = report(officers, snapshot, version, statement="", **stated(below_run))
    with pytest.raises(ValidationError) as refused:
        determination_submit(actor=officers["safety"], determination=determination)
    assert "elicitation_statement" in refused.value.message_dict


@pytest.mark.parametrize("missing", ["attempts_per_task", "scaffolding", "helpful_only_tested"])
def test_a_below_must_state_how_hard_the_lab_tried(officers, snapshot, version, below_run, missing):
    finding = stated(below_run)
    finding.pop(missing)
    determination = report(officers, snapshot, version, **finding)
    with pytest.raises(ValidationError) as refused:
        determination_submit(actor=officers["safety"], determination=determination)
    assert "Autonomy checkpoint" in refused.value.message_dict["findings"][0]


def test_a_well_elicited_below_is_not_flagged(officers, snapshot, version, below_run):
    EvalRun.objects.update(helpful_only=True)
    determination = report(officers, snapshot, version, **stated(below_run))
    assert determination.findings.get().elicitation_flags == []


@pytest.mark.parametrize(
    ("change", "finding", "flag"),
    [
        ({"epochs": 3}, {}, "A cited run made 3 attempts per task; the rule needs 10."),
        ({"epochs": None}, {}, "does not say how many attempts per task it made"),
        ({}, {"attempts_per_task": 2}, "It states 2 attempts per task; the rule needs 10."),
        ({}, {"attempts_per_task": 50}, "the cited runs made at most 10"),
        ({}, {"evidence": []}, "It cites no evaluation run"),
        ({}, {"helpful_only_tested": False}, "No helpful-only snapshot was tested."),
        ({"helpful_only": False}, {}, "no cited run is of one"),
    ],
)
def test_weak_elicitation_is_flagged_and_must_be_justified_to_sign(
    officers, snapshot, version, below_run, change, finding, flag
):
    EvalRun.objects.update(**{"helpful_only": True, **change})
    determination = report(officers, snapshot, version, **stated(below_run, **finding))
    flagged = determination.findings.get()
    assert any(flag in text for text in flagged.elicitation_flags), flagged.elicitation_flags
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    with pytest.raises(TransitionNotAllowed, match="elicitation is flagged"):
        determination_sign(actor=officers["rso"], determination=determination)
    finding_justify(
        actor=officers["ceo"],
        finding=flagged,
        justification="The held-out agentic suite gives the same assurance; see appendix B.",
    )
    determination_sign(actor=officers["rso"], determination=determination)


def test_the_api_takes_the_elicitation_and_shows_the_flags(
    officers, snapshot, version, below_run, api
):
    threshold = version.thresholds.get(code="Autonomy checkpoint")
    created = api(officers["safety"]).post(
        "/api/v1/determinations/",
        {
            "model": snapshot.model_id,
            "title": "Report",
            "summary": "Below.",
            "elicitation_statement": ELICITATION,
            "required_level": version.levels.get(code="ASL-2").pk,
            "findings": [
                {
                    "threshold": threshold.pk,
                    "outcome": "below",
                    "rationale": "No task passed.",
                    "evidence": [{"type": "run", "id": below_run.pk}],
                    "attempts_per_task": 2,
                    "scaffolding": "none",
                    "helpful_only_tested": False,
                }
            ],
        },
    )
    assert created.status_code == 201, created.json()
    finding = created.json()["findings"][0]
    assert finding["attempts_per_task"] == 2 and finding["helpful_only_tested"] is False
    assert "It states 2 attempts per task; the rule needs 10." in finding["elicitation_flags"]
    refused = api(officers["safety"]).post(
        "/api/v1/determinations/",
        {
            "model": snapshot.model_id,
            "title": "Report",
            "summary": "x",
            "findings": [{"threshold": threshold.pk, "outcome": "below", "attempts_per_task": 0}],
        },
    )
    assert refused.status_code == 400
