"""The capability report form: grouped by threshold beside the model's standing, evidence picked
from the model's runs (never typed), and the checklist of the submit step checked on the server
as the page shows it live."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils.html import escape

from evals.models import EvalRun, Ingestion, ThresholdEvaluation
from governance.audit import SYSTEM
from governance.choices import DeterminationState, Role
from governance.determinations.models import Determination, Finding
from governance.determinations.services.determinations import (
    determination_create,
    determination_update,
)
from tests.factories import SnapshotFactory

pytestmark = [
    pytest.mark.django_db,
    # After the fixture runs' dates, so nothing here depends on the day the tests run.
    pytest.mark.time_machine(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)),
]

STATEMENT = "Ten attempts per task with a ReAct agent, bash and python tools; no fine-tuning."


@pytest.fixture
def version(frameworks):
    return frameworks["2.2"]


@pytest.fixture
def thresholds(version):
    return {t.code: t for t in version.thresholds.all()}


def make_run(snapshot, *, suite=None, task="probe", day=1, outcome=None, threshold=None):
    """A stored run (and, with `outcome`, its evaluation against `threshold`), without a log."""
    ingestion = Ingestion.objects.create(
        status="done",
        poster="people",
        format="native",
        file_name=f"{task}.json",
        file_path="ingestions/x",
        file_size=1,
        content_sha256=uuid.uuid4().hex * 2,
        model_name="m",
        snapshot=snapshot,
        suite=suite,
    )
    run = EvalRun.objects.create(
        ingestion=ingestion,
        snapshot=snapshot,
        suite=suite,
        source_format="native",
        log_status="success",
        task_name=task,
        model_name="m",
        started_at=dt.datetime(2026, 10, day, 9, 0, tzinfo=dt.UTC),
        epochs=10,
        unmapped=suite is None,
    )
    if outcome is not None:
        ThresholdEvaluation.objects.create(
            run=run,
            threshold=threshold,
            snapshot=snapshot,
            outcome=outcome,
            value=0.6 if outcome == "crossed" else 0.1,
            tasks_total=10,
            tasks_passed=6 if outcome == "crossed" else 1,
            tasks_undetermined=0,
            aggregate="fraction_of_tasks_passed",
            direction="higher",
            warning_level=0.3,
            crossing_level=0.5,
            min_successes=1,
            attempts_required=10,
            rule_source="threshold",
            reason="test",
        )
    return run


@pytest.fixture
def runs(snapshot, thresholds):
    """The model's runs: an autonomy run that crossed, a CBRN-3 run (judged in the report: no
    numeric rule) and an unmapped one; and another model's autonomy run."""
    from evals.services import eval_suite_create

    autonomy = eval_suite_create(
        actor=SYSTEM,
        name="Autonomy tasks",
        task_names=["autonomy_tasks"],
        thresholds=[thresholds["Autonomy checkpoint"]],
    )
    bio = eval_suite_create(
        actor=SYSTEM,
        name="Bio uplift",
        task_names=["bio_uplift"],
        thresholds=[thresholds["CBRN-3"]],
    )
    crossing = make_run(
        snapshot,
        suite=autonomy,
        task="autonomy_tasks",
        day=2,
        outcome="crossed",
        threshold=thresholds["Autonomy checkpoint"],
    )
    other_model = make_run(
        SnapshotFactory(name="other-model-v1"),
        suite=autonomy,
        task="autonomy_tasks",
        day=3,
        outcome="crossed",
        threshold=thresholds["Autonomy checkpoint"],
    )
    return {
        "crossing": crossing,
        "evaluation": crossing.evaluations.get(),
        "bio": make_run(snapshot, suite=bio, task="bio_uplift", day=4),
        "unmapped": make_run(snapshot, task="unknown_task", day=5),
        "other_model": other_model,
    }


@pytest.fixture
def report(officers, snapshot, version):
    return determination_create(
        actor=officers["safety"], model=snapshot.model, title="Frontier report", summary="Text."
    )


def edit_url(report):
    return reverse("determination-edit", args=[report.pk])


def group_html(page: str, threshold) -> str:
    """The part of the page that is this threshold's group, its white space collapsed."""
    start = page.index(f'id="threshold-{threshold.pk}"')
    end = page.find("data-threshold-group", start + 30)
    part = page[start : end if end != -1 else page.index("The resulting level and safeguards")]
    return " ".join(part.split())


def form_data(report, **overrides):
    data = {
        "title": report.title,
        "summary": report.summary,
        "elicitation_statement": STATEMENT,
        "then": "save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def checklist_item(page: str, key: str) -> str:
    match = re.search(rf'<li class="check-item check-(\w+)" data-check="{key}"', page)
    assert match, key
    return match.group(1)


def test_the_form_groups_the_findings_by_threshold_beside_the_standing(
    client, officers, report, runs, thresholds
):
    client.force_login(officers["safety"])
    response = client.get(edit_url(report))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-threshold-group") == len(thresholds) == 6
    for threshold in thresholds.values():
        assert (
            f'<legend><span class="threshold-code">{escape(threshold.code)}</span> '
            f'<span class="threshold-name">{escape(threshold.name)}</span></legend>'
        ) in page
    autonomy = group_html(page, thresholds["Autonomy checkpoint"])
    standing = autonomy[
        autonomy.index("Standing:") : autonomy.index("</p>", autonomy.index("Standing:"))
    ]
    assert "outcome-crossed" in standing and "Crossed" in standing and "60%" in standing
    assert f'href="{runs["crossing"].get_absolute_url()}">run {runs["crossing"].pk}</a>' in standing
    assert "Latest evaluations" in autonomy and "2026-10-02" in autonomy
    cbrn = group_html(page, thresholds["CBRN-3"])
    assert "no evaluation yet" in cbrn
    assert "If crossed or not ruled out, it requires ASL-3 and ASL-3 Deployment Standard" in cbrn
    assert "it requires ASL-3 Security Standard." in autonomy


def test_thresholds_without_a_finding_stay_on_the_page_folded(client, officers, report, thresholds):
    determination_update(
        actor=officers["safety"],
        determination=report,
        findings=[
            {
                "threshold": thresholds["Autonomy checkpoint"],
                "outcome": "crossed",
                "rationale": "60%",
            }
        ],
    )
    client.force_login(officers["safety"])
    page = client.get(edit_url(report)).content.decode()
    for code in ("CBRN-3", "CBRN-4", "AI R&D-4", "AI R&D-5", "Cyber"):
        group = group_html(page, thresholds[code])
        assert "<strong data-finding-state>No finding yet</strong>" in group
        assert '<details class="threshold-body">' in group  # folded
        assert f"Give a finding for {escape(code)}" in group
    autonomy = group_html(page, thresholds["Autonomy checkpoint"])
    assert "<strong data-finding-state>Crossed</strong>" in autonomy
    assert '<details class="threshold-body" open>' in autonomy


def test_the_picker_offers_the_runs_that_measure_the_threshold_and_flags_the_others(
    client, officers, report, runs, thresholds
):
    client.force_login(officers["safety"])
    response = client.get(edit_url(report))
    groups = {g.threshold.code: g for g in response.context["form"].threshold_groups}
    evaluation, bio, unmapped = runs["evaluation"], runs["bio"], runs["unmapped"]
    autonomy = groups["Autonomy checkpoint"]
    assert [c.token for c in autonomy.evidence.matching] == [f"evaluation:{evaluation.pk}"]
    assert [c.token for c in autonomy.evidence.others] == [f"run:{unmapped.pk}", f"run:{bio.pk}"]
    cbrn = groups["CBRN-3"]
    assert [c.token for c in cbrn.evidence.matching] == [f"run:{bio.pk}"]
    assert [c.token for c in cbrn.evidence.others] == [
        f"run:{unmapped.pk}",
        f"run:{runs['crossing'].pk}",
    ]
    page = response.content.decode()
    cbrn_html = group_html(page, thresholds["CBRN-3"])
    shown, others = cbrn_html.split('<details class="evidence-others">')
    assert f'value="run:{bio.pk}"' in shown and f"Run {bio.pk}</strong>" in shown
    assert "Bio uplift / bio_uplift" in shown and "2026-10-04" in shown
    assert f'value="run:{runs["crossing"].pk}"' not in shown
    assert "Show all runs (2 more, not about CBRN-3)" in others
    assert (
        f"Run {runs['crossing'].pk} measures Autonomy checkpoint, not CBRN-3: cite it under that "
        "threshold" in others
    )
    autonomy_html = group_html(page, thresholds["Autonomy checkpoint"])
    assert f'value="evaluation:{evaluation.pk}"' in autonomy_html
    assert 'Autonomy checkpoint <span class="outcome outcome-crossed">Crossed</span> 60%' in (
        autonomy_html
    )
    # Another model's run is offered nowhere, not even among "all runs".
    other = runs["other_model"]
    assert f"run:{other.pk}" not in page
    assert f"evaluation:{other.evaluations.get().pk}" not in page


def test_picked_evidence_is_saved_in_the_stored_format(
    client, officers, report, runs, thresholds, version
):
    autonomy, cbrn = thresholds["Autonomy checkpoint"], thresholds["CBRN-3"]
    evaluation, bio = runs["evaluation"], runs["bio"]
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report,
            **{
                f"finding_{autonomy.pk}_outcome": "crossed",
                f"finding_{autonomy.pk}_rationale": "Six of ten tasks.",
                f"finding_{autonomy.pk}_evidence": [f"evaluation:{evaluation.pk}"],
                f"finding_{cbrn.pk}_outcome": "cannot_rule_out",
                f"finding_{cbrn.pk}_rationale": "Uplift trial inconclusive.",
                f"finding_{cbrn.pk}_evidence": [f"run:{bio.pk}"],
                "required_level": version.levels.get(code="ASL-3").pk,
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    findings = {f.threshold.code: f for f in report.findings.select_related("threshold")}
    assert findings["Autonomy checkpoint"].evidence == [{"type": "evaluation", "id": evaluation.pk}]
    assert findings["CBRN-3"].evidence == [{"type": "run", "id": bio.pk}]
    page = client.get(edit_url(report)).content.decode()
    assert re.search(rf'value="evaluation:{evaluation.pk}" id="[^"]+" checked', page)
    assert re.search(rf'value="run:{bio.pk}" id="[^"]+" checked', page)


@pytest.mark.parametrize("cited", ["evaluation", "run"])
def test_evidence_of_another_threshold_is_refused_with_what_it_measures(
    client, officers, report, runs, thresholds, cited
):
    cbrn = thresholds["CBRN-3"]
    token = (
        f"evaluation:{runs['evaluation'].pk}"
        if cited == "evaluation"
        else f"run:{runs['crossing'].pk}"
    )
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report,
            **{
                f"finding_{cbrn.pk}_outcome": "below",
                f"finding_{cbrn.pk}_rationale": "No uplift.",
                f"finding_{cbrn.pk}_evidence": [token],
            },
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[f"finding_{cbrn.pk}_evidence"]
    expected = {
        "evaluation": f"Evaluation {runs['evaluation'].pk} scores Autonomy checkpoint, not CBRN-3: "
        "cite it under Autonomy checkpoint.",
        "run": f"Run {runs['crossing'].pk} measures Autonomy checkpoint, not CBRN-3: cite it "
        "under that threshold, or score its log against a suite that measures CBRN-3 (on the "
        "run's page).",
    }[cited]
    assert errors == [expected]
    page = response.content.decode()
    assert f'id="id_finding_{cbrn.pk}_evidence_error"' in page
    assert checklist_item(page, "evidence_matches") == "fix"
    # Shown where it was picked: under "all runs", unfolded, checked and flagged.
    group = group_html(page, cbrn)
    assert '<details class="evidence-others" open>' in group
    assert re.search(rf'value="{token}" id="[^"]+" checked data-mismatch=', group)
    assert not Finding.objects.filter(determination=report).exists()


def test_every_piece_of_evidence_that_does_not_fit_is_named(
    client, officers, report, runs, thresholds
):
    cbrn = thresholds["CBRN-3"]
    crossing, unmapped, bio = runs["crossing"], runs["unmapped"], runs["bio"]
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report,
            **{
                f"finding_{cbrn.pk}_outcome": "crossed",
                f"finding_{cbrn.pk}_evidence": [
                    f"run:{bio.pk}",
                    f"run:{crossing.pk}",
                    f"run:{unmapped.pk}",
                ],
            },
        ),
    )
    errors = response.context["form"].errors[f"finding_{cbrn.pk}_evidence"]
    assert [error.split(" ")[:2] for error in errors] == [
        ["Run", str(crossing.pk)],
        ["Run", str(unmapped.pk)],
    ]


def test_an_unmapped_run_is_no_evidence_until_scored_against_the_threshold(
    client, officers, report, runs, thresholds
):
    cyber = thresholds["Cyber"]
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report,
            **{
                f"finding_{cyber.pk}_outcome": "crossed",
                f"finding_{cyber.pk}_evidence": [f"run:{runs['unmapped'].pk}"],
            },
        ),
    )
    assert response.context["form"].errors[f"finding_{cyber.pk}_evidence"] == [
        f"Run {runs['unmapped'].pk} is scored against no threshold: score its log against a "
        "suite that measures Cyber (on the run's page) first."
    ]


def test_evidence_of_another_model_is_refused(client, officers, report, runs, thresholds):
    autonomy = thresholds["Autonomy checkpoint"]
    other = runs["other_model"]
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report,
            **{
                f"finding_{autonomy.pk}_outcome": "crossed",
                f"finding_{autonomy.pk}_evidence": [f"run:{other.pk}"],
            },
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"finding_{autonomy.pk}_evidence"] == [
        f"There is no eval run {other.pk} of {report.model}."
    ]
    assert not Finding.objects.filter(determination=report).exists()


def test_evidence_without_a_finding_is_refused_not_dropped(
    client, officers, report, runs, thresholds
):
    autonomy = thresholds["Autonomy checkpoint"]
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report, **{f"finding_{autonomy.pk}_evidence": [f"evaluation:{runs['evaluation'].pk}"]}
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"finding_{autonomy.pk}_outcome"] == [
        "You gave evidence or notes but no finding; choose a finding, or clear them."
    ]
    assert checklist_item(response.content.decode(), "evidence_has_finding") == "fix"


def test_a_draft_is_saved_incomplete_and_the_page_says_what_submitting_needs(
    client, officers, report, runs, thresholds
):
    autonomy = thresholds["Autonomy checkpoint"]
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report,
            elicitation_statement="",
            **{
                f"finding_{autonomy.pk}_outcome": "below",
                f"finding_{autonomy.pk}_evidence": [f"evaluation:{runs['evaluation'].pk}"],
            },
        ),
    )
    assert response.status_code == 302
    page = client.get(edit_url(report)).content.decode()
    assert checklist_item(page, "evidence_matches") == "done"
    assert checklist_item(page, "has_finding") == "done"
    for key in ("level_set", "below_elicitation", "report_elicitation"):
        assert checklist_item(page, key) == "todo"
    assert checklist_item(page, "below_standing") == "note"
    assert "Autonomy checkpoint: state the attempts per task." in page
    assert (
        f"Autonomy checkpoint: the model&#x27;s standing is Crossed (run {runs['crossing'].pk}, "
        "fx-autonomy); the deciders must justify a &quot;below&quot;." in page
    )
    assert "3 to do before submitting." in page


def test_save_and_submit_refuses_with_field_errors_and_saves_nothing(
    client, officers, report, runs, thresholds
):
    autonomy = thresholds["Autonomy checkpoint"]
    prefix = f"finding_{autonomy.pk}"
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report,
            then="submit",
            elicitation_statement="Tried.",
            **{
                f"{prefix}_outcome": "below",
                f"{prefix}_rationale": "None passed.",
                f"{prefix}_evidence": [f"evaluation:{runs['evaluation'].pk}"],
                f"{prefix}_attempts": "5",
            },
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["required_level"] == ["Choose the resulting required level."]
    assert errors["elicitation_statement"] == [
        "State the report's elicitation (at least a sentence)."
    ]
    assert errors[f"{prefix}_scaffolding"] == ["State the scaffolding and tools."]
    assert errors[f"{prefix}_helpful_only"] == ["Say whether a helpful-only snapshot was tested."]
    assert f"{prefix}_attempts" not in errors  # stated; fewer than the rule needs is a note
    page = response.content.decode()
    assert checklist_item(page, "attempts_rule") == "note"
    assert 'aria-describedby="id_required_level_helptext id_required_level_error"' in page
    assert 'id="id_required_level_error"' in page
    report.refresh_from_db()
    assert report.state == DeterminationState.DRAFT
    assert not report.findings.exists()


def test_save_and_submit_submits_when_the_checklist_holds(
    client, officers, report, runs, thresholds, version
):
    autonomy = thresholds["Autonomy checkpoint"]
    prefix = f"finding_{autonomy.pk}"
    client.force_login(officers["safety"])
    response = client.post(
        edit_url(report),
        form_data(
            report,
            then="submit",
            **{
                f"{prefix}_outcome": "crossed",
                f"{prefix}_rationale": "Six of ten tasks.",
                f"{prefix}_evidence": [f"evaluation:{runs['evaluation'].pk}"],
                "required_level": version.levels.get(code="ASL-2").pk,
            },
        ),
    )
    # The level falls short of what a crossed Autonomy checkpoint requires.
    assert response.status_code == 200
    assert response.context["form"].errors["required_safeguards"] == [
        "Autonomy checkpoint requires ASL-3 Security Standard."
    ]
    response = client.post(
        edit_url(report),
        form_data(
            report,
            then="submit",
            **{
                f"{prefix}_outcome": "crossed",
                f"{prefix}_rationale": "Six of ten tasks.",
                f"{prefix}_evidence": [f"evaluation:{runs['evaluation'].pk}"],
                "required_level": version.levels.get(code="ASL-3").pk,
                "required_safeguards": [version.safeguards.get(code="ASL-3-Security").pk],
            },
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    report.refresh_from_db()
    assert report.state == DeterminationState.IN_REVIEW


def test_stored_evidence_that_no_longer_fits_is_shown_flagged(
    client, officers, report, runs, thresholds
):
    cbrn = thresholds["CBRN-3"]
    Finding.objects.create(
        determination=report,
        threshold=cbrn,
        outcome="crossed",
        rationale="Old.",
        evidence=[
            {"type": "run", "id": runs["crossing"].pk},
            {"type": "run", "id": 99999},
            {"type": "bogus"},
            "junk",
        ],
    )
    client.force_login(officers["safety"])
    response = client.get(edit_url(report))
    assert response.status_code == 200
    group = group_html(response.content.decode(), cbrn)
    assert '<details class="evidence-others" open>' in group
    assert re.search(rf'value="run:{runs["crossing"].pk}" id="[^"]+" checked data-mismatch=', group)
    assert "Run 99999</strong> · not found" in group
    assert f"There is no eval run 99999 of {report.model}." in group


def test_the_page_reads_the_runs_in_a_fixed_number_of_queries(
    client, officers, report, runs, snapshot, thresholds
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officers["safety"])
    with CaptureQueriesContext(connection) as few:
        client.get(edit_url(report))
    for day in range(10, 16):
        make_run(
            snapshot,
            suite=runs["crossing"].suite,
            task="autonomy_tasks",
            day=day,
            outcome="below",
            threshold=thresholds["Autonomy checkpoint"],
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(edit_url(report)).status_code == 200
    assert len(many) == len(few)


def test_only_an_author_is_offered_the_buttons(client, make_user, report, version):
    client.force_login(make_user(Role.SAFETY_STAFF))
    page = client.get(edit_url(report)).content.decode()
    assert "You cannot change this report now" in page
    assert "Save draft" not in page and "Save and submit" not in page
    response = client.post(edit_url(report), form_data(report))
    assert response.status_code == 403
    assert Determination.objects.get(pk=report.pk).title == "Frontier report"
