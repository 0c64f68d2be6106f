"""The determination and safeguards pages as places to decide: each finding beside the model's
standing for its threshold over all snapshots (and where they disagree, said plainly), where the
two signatures stand for the person reading, no step offered that they cannot take, a
confirmation stating what each signature attests, and lists that say what each record awaits."""

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from evals.models import ThresholdEvaluation
from governance.determinations.services.determinations import (
    determination_acknowledge,
    determination_create,
    determination_review,
    determination_sign,
    determination_submit,
    determination_update,
)
from governance.determinations.services.safeguards import (
    safeguards_report_approve,
    safeguards_report_create,
    safeguards_report_submit,
)
from governance.determinations.standing import finding_standings
from tests.determinations.test_determinations import ELICITATION, ELICITED, draft
from tests.evals.conftest import BELOW_JSON, CROSSING_JSON, ERROR_JSON, post_log
from tests.factories import SnapshotFactory

pytestmark = pytest.mark.django_db

SIGNED_AT = dt.datetime(2030, 3, 4, 10, 15, tzinfo=dt.UTC)


@pytest.fixture
def version(frameworks):
    return frameworks["2.2"]


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def with_finding(officers, snapshot, version, outcome, evidence=()):
    """A draft whose one finding is on the autonomy checkpoint, with `outcome`."""
    determination = determination_create(
        actor=officers["safety"], model=snapshot.model, title="Report", summary="Findings."
    )
    determination_update(
        actor=officers["safety"],
        determination=determination,
        findings=[
            {
                "threshold": version.thresholds.get(code="Autonomy checkpoint"),
                "outcome": outcome,
                "rationale": "As measured.",
                "evidence": list(evidence),
                **ELICITED,
            }
        ],
        required_level=version.levels.get(code="ASL-3"),
        required_safeguards=version.safeguards.filter(code="ASL-3-Security"),
        elicitation_statement=ELICITATION,
    )
    return determination


# Each finding beside the model's standing


def test_a_below_against_an_earlier_crossing_disagrees_and_shows_each_snapshot(
    client, officers, snapshot, version, machine, autonomy_suite
):
    later = SnapshotFactory(
        model=snapshot.model,
        name="fx-later",
        created_on=dt.date(2026, 6, 1),
        external_ids=["acme/later"],
    )
    unevaluated = SnapshotFactory(
        model=snapshot.model, name="fx-new", created_on=dt.date(2026, 7, 1)
    )
    post_log(machine, CROSSING_JSON)  # the first snapshot crossed
    post_log(machine, BELOW_JSON, snapshot=str(later.pk))  # a later one read below
    crossing = ThresholdEvaluation.objects.get(snapshot=snapshot)
    determination = with_finding(officers, snapshot, version, "below")

    [row] = finding_standings(determination)
    assert row.standing.pk == crossing.pk  # the worst over all snapshots, not the latest
    assert [(item.snapshot.name, item.outcome, item.covered) for item in row.snapshots] == [
        ("fx-autonomy", "crossed", True),
        ("fx-later", "below", True),
        ("fx-new", None, True),
    ]
    assert not row.agrees
    assert row.disagreements[0].startswith(
        'The finding says "below", but the evaluations of Autonomy checkpoint crossed the '
        "threshold or could not rule it out on fx-autonomy (crossed)."
    )
    assert "covers fx-new, with no evaluation of Autonomy checkpoint" in row.disagreements[1]

    text = page(client, officers["reviewer"], determination.get_absolute_url())
    assert "Findings beside the model's standing" in text
    assert "Disagrees with the evaluations: fail closed." in text
    assert "treat it as crossed unless the deciders justify the finding" in text
    assert crossing.run.get_absolute_url() in text
    assert f"Run {crossing.run_id}" in text
    assert "Not evaluated" in text and unevaluated.name in text
    assert "Consistent with the evaluations" not in text


def test_a_crossed_finding_on_a_crossing_is_consistent(
    client, officers, snapshot, version, machine, autonomy_suite
):
    post_log(machine, CROSSING_JSON)
    determination = with_finding(officers, snapshot, version, "crossed")
    [row] = finding_standings(determination)
    assert row.agrees and row.notes == []
    text = page(client, officers["auditor"], determination.get_absolute_url())
    assert "Consistent with the evaluations" in text
    assert "Disagrees with the evaluations" not in text


def test_a_below_with_no_evaluation_at_all_is_not_a_below(client, officers, snapshot, version):
    determination = with_finding(officers, snapshot, version, "below")
    [row] = finding_standings(determination)
    assert row.standing is None
    assert row.disagreements == [
        'The finding says "below", but no snapshot of the model has an evaluation of '
        'Autonomy checkpoint. Missing evidence is not a "below": treat it as not ruled out.'
    ]
    text = page(client, officers["auditor"], determination.get_absolute_url())
    assert "No evaluation of this threshold on any snapshot." in text


def test_cannot_rule_out_against_a_crossing_should_say_crossed(
    officers, snapshot, version, machine, autonomy_suite
):
    post_log(machine, CROSSING_JSON)
    [row] = finding_standings(with_finding(officers, snapshot, version, "cannot_rule_out"))
    assert row.disagreements == [
        'The finding says "cannot rule out", but the evaluations of Autonomy checkpoint crossed '
        'the threshold on fx-autonomy (crossed): the finding should say "crossed".'
    ]


def test_a_broken_run_outweighed_by_a_complete_one_is_still_shown(
    officers, snapshot, version, machine, autonomy_suite
):
    post_log(machine, ERROR_JSON)
    [row] = finding_standings(with_finding(officers, snapshot, version, "below"))
    assert row.standing.outcome == "inconclusive"
    assert "fx-autonomy (inconclusive)" in row.disagreements[0]  # fail closed

    post_log(machine, BELOW_JSON)
    [row] = finding_standings(with_finding(officers, snapshot, version, "below"))
    assert [(item.outcome, item.inconclusive_runs) for item in row.snapshots] == [("below", 1)]
    assert row.standing.outcome == "below"


def test_the_standings_take_the_same_queries_however_many_snapshots_and_runs(
    officers, snapshot, version, machine, autonomy_suite, django_assert_num_queries
):
    from governance.determinations.selectors import determination_detail

    post_log(machine, CROSSING_JSON)
    determination = with_finding(officers, snapshot, version, "below")

    def queries() -> int:
        fresh = determination_detail().get(pk=determination.pk)
        list(fresh.findings.all()), list(fresh.snapshots.all())  # the page's prefetch
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            finding_standings(fresh)
        return len(captured)

    few = queries()
    for n in range(3):
        later = SnapshotFactory(model=snapshot.model, external_ids=[f"acme/s{n}"])
        post_log(machine, BELOW_JSON, snapshot=str(later.pk))
    assert queries() == few


# Signing state, the steps offered, and what each confirmation says


def reviewed(officers, snapshot, version):
    determination = draft(officers, snapshot, version)
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    determination.refresh_from_db()
    return determination


def test_after_the_rso_signs_the_page_says_so_and_offers_no_second_signature(
    client, officers, snapshot, version
):
    determination = reviewed(officers, snapshot, version)
    url = determination.get_absolute_url()
    before = page(client, officers["rso"], url)
    assert "Sign the determination</button>" in before
    assert (
        "You sign this ASL determination as the RSO, attesting that the findings and the "
        "required level (ASL-3, precautionary) are correct on the evidence shown" in before
    )
    assert "The CEO's signature is still needed. A signature cannot be withdrawn." in before

    with time_machine.travel(SIGNED_AT, tick=False):
        determination_sign(actor=officers["rso"], determination=determination)

    after = page(client, officers["rso"], url)
    assert "You signed on 2030-03-04 10:15 UTC · waiting for the CEO" in after
    assert "Sign the determination</button>" not in after
    assert "Record the justification" not in after  # signing has begun

    ceo = page(client, officers["ceo"], url)
    assert "Signed by the RSO; awaits the CEO's signature." in ceo
    assert "You signed on" not in ceo
    assert "Sign the determination</button>" in ceo
    assert "You sign this ASL determination as the CEO" in ceo
    assert "With your signature it is decided and shared with the board and the Trust." in ceo

    trustee = page(client, officers["trustee"], url)
    assert "Sign the determination</button>" not in trustee and "Your step" not in trustee


def test_every_step_of_a_determination_asks_to_confirm_what_it_does(
    client, officers, snapshot, version
):
    determination = draft(officers, snapshot, version)
    url = determination.get_absolute_url()
    text = page(client, officers["safety"], url)
    assert 'data-confirm="You submit this capability report for internal review' in text

    determination_submit(actor=officers["safety"], determination=determination)
    text = page(client, officers["reviewer"], url)
    assert 'data-confirm="You record your critique as the internal reviewer' in text

    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    text = page(client, officers["ceo"], url)
    assert 'data-confirm="You sign this ASL determination as the CEO' in text
    assert 'data-confirm="You send this report back to its authors' in text

    determination_sign(actor=officers["rso"], determination=determination)
    text = page(client, officers["ceo"], url)
    assert "the signature already given lapses" in text
    determination_sign(actor=officers["ceo"], determination=determination)

    text = page(client, officers["director"], url)
    assert 'data-confirm="You acknowledge, with your name, that this determination' in text
    determination_acknowledge(actor=officers["director"], determination=determination)
    text = page(client, officers["director"], url)
    assert "Acknowledge</button>" not in text


def test_the_justification_asks_to_confirm(
    client, officers, snapshot, version, machine, autonomy_suite
):
    post_log(machine, CROSSING_JSON)
    determination = with_finding(officers, snapshot, version, "below")
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    text = page(client, officers["rso"], determination.get_absolute_url())
    assert "Record the justification</button>" in text
    assert "why this Autonomy checkpoint finding stands against what the evaluations show" in text


def approvable(officers, snapshot, version):
    standard = version.safeguards.get(code="ASL-3-Security")
    return safeguards_report_create(
        actor=officers["safety"],
        model=snapshot.model,
        standard=standard,
        summary="Met.",
        evidence={criterion.code: "Done." for criterion in standard.criteria.all()},
    )


def test_safeguards_approval_state_and_confirmations(client, officers, snapshot, version):
    report = approvable(officers, snapshot, version)
    url = report.get_absolute_url()
    text = page(client, officers["safety"], url)
    assert 'data-confirm="You submit this safeguards report to the RSO and the CEO' in text

    safeguards_report_submit(actor=officers["safety"], report=report)
    text = page(client, officers["rso"], url)
    assert (
        "You approve this safeguards report as the RSO, attesting that ASL-3 Security Standard "
        "is met" in text
    )
    assert "The CEO's approval is still needed." in text

    with time_machine.travel(SIGNED_AT, tick=False):
        safeguards_report_approve(actor=officers["rso"], report=report)
    text = page(client, officers["rso"], url)
    assert "You approved on 2030-03-04 10:15 UTC · waiting for the CEO" in text
    assert "Approve</button>" not in text

    text = page(client, officers["ceo"], url)
    assert "Signed by the RSO; awaits the CEO's signature." in text
    assert "Yours is the last approval" in text and "Approve</button>" in text


# Lists: what each awaits, from whom


def test_the_determination_list_says_what_each_awaits_and_from_whom(
    client, officers, snapshot, version
):
    half_signed = reviewed(officers, snapshot, version)
    determination_sign(actor=officers["rso"], determination=half_signed)
    draft(officers, snapshot, version)
    text = page(client, officers["auditor"], reverse("determination-list"))
    assert "Awaits the CEO's signature: ceo" in text
    assert "Awaits the authors to complete and submit the report: safety" in text


def test_the_safeguards_list_puts_a_lapsed_approval_first(client, officers, snapshot, version):
    with time_machine.travel(dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        lapsed = approvable(officers, snapshot, version)
        safeguards_report_submit(actor=officers["safety"], report=lapsed)
        for who in ("rso", "ceo"):
            safeguards_report_approve(actor=officers[who], report=lapsed)
    lapsed.refresh_from_db()
    with time_machine.travel(dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        waiting = approvable(officers, snapshot, version)  # newer, so first by date
        safeguards_report_submit(actor=officers["safety"], report=waiting)

    with time_machine.travel(lapsed.valid_until + dt.timedelta(days=1), tick=False):
        text = page(client, officers["auditor"], reverse("safeguards-list"))
    first = text.index(f'href="{lapsed.get_absolute_url()}"')
    assert first < text.index(f'href="{waiting.get_absolute_url()}"')
    assert "overdue</span> Awaits a renewed report, approved before this one lapses" in text
    assert "Awaits the RSO's and the CEO's signatures: ceo, rso" in text
