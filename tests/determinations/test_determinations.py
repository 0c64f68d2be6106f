"""ASL determinations and safeguards reports: who may take each step, separation of duties,
immutability after the decision, audit events, and the whole story end to end."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.choices import Role
from governance.determinations.models import SafeguardsReport
from governance.determinations.selectors import safeguards_in_force
from governance.determinations.services.determinations import (
    determination_acknowledge,
    determination_create,
    determination_review,
    determination_sign,
    determination_submit,
    determination_update,
    finding_justify,
)
from governance.determinations.services.safeguards import (
    safeguards_expiry_remind,
    safeguards_report_approve,
    safeguards_report_create,
    safeguards_report_submit,
)
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent
from governance.oversight.models import Restriction
from governance.oversight.selectors import model_clearance
from governance.oversight.services.escalations import escalation_resolve, restriction_sign_lift
from tests.evals.conftest import CROSSING_JSON, post_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(frameworks):
    return frameworks["2.2"]


def draft(officers, snapshot, version, outcome="crossed"):
    determination = determination_create(
        actor=officers["safety"],
        model=snapshot.model,
        title="Frontier X capability report",
        summary="Findings.",
    )
    determination_update(
        actor=officers["safety"],
        determination=determination,
        findings=[
            {
                "threshold": version.thresholds.get(code="Autonomy checkpoint"),
                "outcome": outcome,
                "rationale": "6 of 10 tasks passed at 1-of-10.",
                **ELICITED,
            }
        ],
        required_level=version.levels.get(code="ASL-3"),
        required_safeguards=version.safeguards.filter(code="ASL-3-Security"),
        precautionary=True,
        elicitation_statement=ELICITATION,
    )
    return determination


ELICITATION = "Ten attempts per task with a ReAct agent, bash and python tools; no fine-tuning."
ELICITED = {
    "attempts_per_task": 10,
    "scaffolding": "ReAct agent with bash and python tools",
    "helpful_only_tested": True,
}


def decide(officers, determination):
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="Sound.")
    determination_sign(actor=officers["rso"], determination=determination)
    determination_sign(actor=officers["ceo"], determination=determination)
    determination.refresh_from_db()
    return determination


@pytest.mark.parametrize(
    ("role", "allowed"), [("safety", True), ("rso", False), ("reviewer", False), ("auditor", False)]
)
def test_who_writes_a_capability_report(officers, snapshot, version, role, allowed):
    if allowed:
        determination_create(actor=officers[role], model=snapshot.model, title="t", summary="s")
    else:
        with pytest.raises(PermissionDenied):
            determination_create(actor=officers[role], model=snapshot.model, title="t", summary="s")


def test_the_workflow_with_each_step_audited(officers, snapshot, version):
    determination = decide(officers, draft(officers, snapshot, version))
    assert determination.state == "decided"
    assert set(determination.acknowledgers.values_list("username", flat=True)) == {
        "director",
        "trustee",
    }
    determination_acknowledge(actor=officers["director"], determination=determination)
    determination.refresh_from_db()
    assert determination.state == "decided"  # the trustee has not acknowledged yet
    determination_acknowledge(actor=officers["trustee"], determination=determination)
    determination.refresh_from_db()
    snapshot.model.refresh_from_db()
    assert determination.state == "final"
    assert snapshot.model.current_level.code == "ASL-3"
    actions = list(
        AuditEvent.objects.filter(target_type="governance.determination")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "determination.created",
        "determination.updated",
        "determination.submitted",
        "determination.reviewed",
        "determination.signed",
        "determination.decided",
        "determination.acknowledged",
        "determination.acknowledged",
        "determination.final",
    ]


def test_separation_of_duties(officers, snapshot, version, make_user):
    determination = draft(officers, snapshot, version)
    with pytest.raises(PermissionDenied):
        determination_submit(actor=officers["rso"], determination=determination)  # not an author
    determination_submit(actor=officers["safety"], determination=determination)
    reviewing_author = make_user(Role.INTERNAL_REVIEWER, Role.SAFETY_STAFF)
    determination.authors.add(reviewing_author)
    with pytest.raises(PermissionDenied, match="does not review their own"):
        determination_review(actor=reviewing_author, determination=determination, critique="Fine")
    with pytest.raises(PermissionDenied):
        determination_review(actor=officers["rso"], determination=determination, critique="Fine")
    determination_review(actor=officers["reviewer"], determination=determination, critique="Fine")
    signing_author = make_user(Role.RSO)
    determination.authors.add(signing_author)
    with pytest.raises(PermissionDenied, match="An author does not sign"):
        determination_sign(actor=signing_author, determination=determination)
    both = make_user(Role.RSO, Role.CEO)
    determination_sign(actor=both, determination=determination)
    with pytest.raises(TransitionNotAllowed, match="signed already"):
        determination_sign(actor=both, determination=determination)
    with pytest.raises(PermissionDenied):
        determination_sign(actor=officers["director"], determination=determination)
    determination_sign(actor=officers["ceo"], determination=determination)
    with pytest.raises(PermissionDenied):
        determination_acknowledge(actor=officers["auditor"], determination=determination)
    latecomer = make_user(Role.BOARD_DIRECTOR)  # joined after it was shared
    with pytest.raises(PermissionDenied, match="not among those"):
        determination_acknowledge(actor=latecomer, determination=determination)
    determination_acknowledge(actor=officers["director"], determination=determination)
    with pytest.raises(TransitionNotAllowed, match="acknowledged it already"):
        determination_acknowledge(actor=officers["director"], determination=determination)


def test_the_review_may_send_it_back(officers, snapshot, version):
    determination = draft(officers, snapshot, version)
    determination_submit(actor=officers["safety"], determination=determination)
    with pytest.raises(ValidationError):
        determination_review(actor=officers["reviewer"], determination=determination, critique="")
    determination_review(
        actor=officers["reviewer"],
        determination=determination,
        critique="Elicitation thin.",
        send_back=True,
    )
    determination.refresh_from_db()
    assert determination.state == "draft"
    with pytest.raises(TransitionNotAllowed):
        determination_review(actor=officers["reviewer"], determination=determination, critique="x")


def test_nothing_is_edited_after_the_decision(officers, snapshot, version):
    determination = decide(officers, draft(officers, snapshot, version))
    with pytest.raises(TransitionNotAllowed):
        determination_update(
            actor=officers["safety"], determination=determination, summary="Changed."
        )
    with pytest.raises(TransitionNotAllowed):
        determination_submit(actor=officers["safety"], determination=determination)


def test_a_below_finding_against_a_crossing_needs_a_deciders_justification(
    officers, snapshot, version, machine, autonomy_suite
):
    post_log(machine, CROSSING_JSON)  # the latest evaluation crossed
    determination = draft(officers, snapshot, version, outcome="below")
    finding = determination.findings.get()
    assert finding.contradicts_evidence is True
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(
        actor=officers["reviewer"], determination=determination, critique="Flagged."
    )
    with pytest.raises(TransitionNotAllowed, match="Justify the findings"):
        determination_sign(actor=officers["rso"], determination=determination)
    with pytest.raises(PermissionDenied):
        finding_justify(actor=officers["safety"], finding=finding, justification="x")
    finding_justify(
        actor=officers["ceo"], finding=finding, justification="The scaffold leaked answers."
    )
    determination_sign(actor=officers["rso"], determination=determination)
    finding.refresh_from_db()
    assert finding.contradicts_evidence is True  # stays flagged everywhere


def test_a_new_final_determination_supersedes_the_last(officers, snapshot, version):
    first = decide(officers, draft(officers, snapshot, version))
    for who in ("director", "trustee"):
        determination_acknowledge(actor=officers[who], determination=first)
    second = decide(officers, draft(officers, snapshot, version))
    for who in ("director", "trustee"):
        determination_acknowledge(actor=officers[who], determination=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state, second.supersedes_id) == ("superseded", "final", first.pk)


# Safeguards


def approved_safeguards(officers, snapshot, standard):
    evidence = {
        criterion.code: f"Evidence for {criterion.code}." for criterion in standard.criteria.all()
    }
    report = safeguards_report_create(
        actor=officers["safety"],
        model=snapshot.model,
        standard=standard,
        summary="Met.",
        evidence=evidence,
    )
    safeguards_report_submit(actor=officers["safety"], report=report)
    safeguards_report_approve(actor=officers["rso"], report=report)
    safeguards_report_approve(actor=officers["ceo"], report=report)
    report.refresh_from_db()
    return report


def test_safeguards_need_evidence_for_every_criterion_and_two_approvers(
    officers, snapshot, version, make_user
):
    standard = version.safeguards.get(code="ASL-3-Security")
    report = safeguards_report_create(
        actor=officers["safety"], model=snapshot.model, standard=standard, summary="Met."
    )
    with pytest.raises(ValidationError, match="missing"):
        safeguards_report_submit(actor=officers["safety"], report=report)
    with pytest.raises(ValidationError, match="Not criteria"):
        safeguards_report_create(
            actor=officers["safety"],
            model=snapshot.model,
            standard=standard,
            summary="x",
            evidence={"nope": "x"},
        )
    report = approved_safeguards(officers, snapshot, standard)
    assert report.state == "approved"
    assert safeguards_in_force(snapshot.model, [standard])


@pytest.mark.parametrize(
    ("approved", "lapses"),
    [
        # The policy's 12 months to the day, whatever day of the month the approval falls on.
        ("2026-11-29 16:00", "2027-11-29 16:00"),
        ("2026-01-30 09:30", "2027-01-30 09:30"),
        ("2026-12-31 23:59", "2027-12-31 23:59"),
        ("2027-03-31 12:00", "2028-03-31 12:00"),
        # 29 February: the shorter February rounds down, a day early rather than a day late.
        ("2028-02-29 12:00", "2029-02-28 12:00"),
        ("2027-02-28 12:00", "2028-02-28 12:00"),
    ],
)
def test_safeguards_approval_lapses_twelve_months_on_to_the_day(
    officers, snapshot, version, approved, lapses
):
    standard = version.safeguards.get(code="ASL-3-Security")
    approved_at = dt.datetime.fromisoformat(approved).replace(tzinfo=dt.UTC)
    with time_machine.travel(approved_at, tick=False):
        report = approved_safeguards(officers, snapshot, standard)
    assert report.approved_at == approved_at
    assert report.valid_until == dt.datetime.fromisoformat(lapses).replace(tzinfo=dt.UTC)
    with time_machine.travel(report.valid_until - dt.timedelta(seconds=1), tick=False):
        assert safeguards_in_force(snapshot.model, [standard])
    with time_machine.travel(report.valid_until, tick=False):
        assert not safeguards_in_force(snapshot.model, [standard])


def test_safeguards_approval_separation_of_duties(officers, snapshot, version, make_user):
    standard = version.safeguards.get(code="ASL-3-Security")
    author = make_user(Role.SAFETY_STAFF, Role.RSO)
    evidence = {criterion.code: "ok" for criterion in standard.criteria.all()}
    report = safeguards_report_create(
        actor=author, model=snapshot.model, standard=standard, summary="s", evidence=evidence
    )
    safeguards_report_submit(actor=author, report=report)
    with pytest.raises(TransitionNotAllowed, match="author"):
        safeguards_report_approve(actor=author, report=report)
    both = make_user(Role.RSO, Role.CEO)
    safeguards_report_approve(actor=both, report=report)
    with pytest.raises(TransitionNotAllowed, match="signed already"):
        safeguards_report_approve(actor=both, report=report)
    with pytest.raises(PermissionDenied):
        safeguards_report_approve(actor=officers["safety"], report=report)


def test_an_expired_approval_is_not_in_force_and_the_rso_is_reminded_once(
    officers, snapshot, version, run_on_commit
):
    from governance.models import Notification

    standard = version.safeguards.get(code="ASL-3-Security")
    report = approved_safeguards(officers, snapshot, standard)
    soon = report.valid_until - dt.timedelta(days=20)
    assert run_on_commit(safeguards_expiry_remind, now=soon) == 1
    assert run_on_commit(safeguards_expiry_remind, now=soon) == 0
    assert (
        Notification.objects.filter(
            event_type="safeguards_report.expiring", user=officers["rso"]
        ).count()
        == 1
    )
    assert (
        safeguards_in_force(
            snapshot.model, [standard], at=report.valid_until + dt.timedelta(seconds=1)
        )
        is False
    )
    SafeguardsReport.objects.filter(pk=report.pk).update(
        valid_until=timezone.now() - dt.timedelta(days=1)
    )
    assert not safeguards_in_force(snapshot.model, [standard])


def test_the_whole_story(officers, snapshot, version, machine, autonomy_suite, run_on_commit):
    """A crossing log -> escalation and restrictions -> report -> review -> two signatures ->
    board and trustees acknowledge -> safeguards approved -> restrictions lifted -> clearance."""
    from governance.oversight.models import Escalation
    from governance.oversight.services.escalations import restriction_sign_activation

    run_on_commit(post_log, machine, CROSSING_JSON)
    escalation = Escalation.objects.get()
    for restriction in Restriction.objects.all():
        restriction_sign_activation(actor=officers["rso"], restriction=restriction)
        restriction_sign_activation(actor=officers["ceo"], restriction=restriction)
    assert model_clearance(snapshot.model, "train")["result"] == "blocked"

    determination = decide(officers, draft(officers, snapshot, version))
    for who in ("director", "trustee"):
        determination_acknowledge(actor=officers[who], determination=determination)
    escalation_resolve(
        actor=officers["rso"],
        escalation=escalation,
        note="Determined ASL-3.",
        determination=determination,
    )
    escalation.refresh_from_db()
    assert (escalation.state, escalation.determination_id) == ("resolved", determination.pk)

    gate = model_clearance(snapshot.model, "deploy")
    assert gate["result"] == "blocked"
    assert any("Required safeguards not all approved" in reason for reason in gate["reasons"])
    approved_safeguards(officers, snapshot, version.safeguards.get(code="ASL-3-Security"))

    for restriction in Restriction.objects.filter(state="active"):
        restriction_sign_lift(actor=officers["ceo"], restriction=restriction)
        restriction_sign_lift(actor=officers["rso"], restriction=restriction)
    assert model_clearance(snapshot.model, "train")["result"] == "allowed"
    gate = model_clearance(snapshot.model, "deploy")
    assert gate == {**gate, "result": "allowed", "reasons": []}
    snapshot.model.refresh_from_db()
    assert snapshot.model.current_level.code == "ASL-3"


def test_a_crossing_on_record_flags_a_below_even_after_a_later_below(
    officers, snapshot, version, machine, autonomy_suite
):
    from tests.evals.conftest import BELOW_JSON

    post_log(machine, CROSSING_JSON)
    post_log(machine, BELOW_JSON)  # a weaker elicitation later: no evidence of absence
    determination = draft(officers, snapshot, version, outcome="below")
    assert determination.findings.get().contradicts_evidence is True


def test_a_crossing_by_an_earlier_snapshot_flags_a_below_for_a_later_one_alone(
    officers, snapshot, version, machine, autonomy_suite
):
    """A threshold met at any stage of training counts for the model: a report that covers
    only a later snapshot, which reads "below", still answers the earlier crossing."""
    from tests.factories import SnapshotFactory

    post_log(machine, CROSSING_JSON)  # snapshot A (fx-autonomy) crosses
    later = SnapshotFactory(model=snapshot.model, name="fx-later", external_ids=["acme/later"])
    determination = determination_create(
        actor=officers["safety"],
        model=snapshot.model,
        title="Report on the later snapshot only",
        summary="Below on the later snapshot.",
        snapshots=[later],
    )
    determination_update(
        actor=officers["safety"],
        determination=determination,
        findings=[
            {
                "threshold": version.thresholds.get(code="Autonomy checkpoint"),
                "outcome": "below",
                "rationale": "fx-later passed 2 of 10 tasks.",
                **ELICITED,
            }
        ],
        required_level=version.levels.get(code="ASL-2"),
        required_safeguards=[],
        elicitation_statement=ELICITATION,
    )
    assert list(determination.snapshots.all()) == [later]
    finding = determination.findings.get()
    assert finding.contradicts_evidence is True
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    with pytest.raises(TransitionNotAllowed, match="Justify the findings"):
        determination_sign(actor=officers["rso"], determination=determination)


def test_evidence_arriving_after_review_is_caught_at_signing(
    officers, snapshot, version, machine, autonomy_suite
):
    determination = draft(officers, snapshot, version, outcome="below")
    determination_update(
        actor=officers["safety"], determination=determination, required_safeguards=[]
    )
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    post_log(machine, CROSSING_JSON)
    with pytest.raises(TransitionNotAllowed, match="Justify the findings"):
        determination_sign(actor=officers["rso"], determination=determination)


def test_an_older_determination_finalised_late_does_not_replace_a_newer_one(
    officers, snapshot, version
):
    older = decide(officers, draft(officers, snapshot, version))
    newer = decide(officers, draft(officers, snapshot, version))
    for who in ("director", "trustee"):
        determination_acknowledge(actor=officers[who], determination=newer)
    for who in ("director", "trustee"):
        determination_acknowledge(actor=officers[who], determination=older)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.state, newer.state) == ("superseded", "final")


def test_someone_shown_it_may_acknowledge_after_leaving_their_role(officers, snapshot, version):
    determination = decide(officers, draft(officers, snapshot, version))
    officers["trustee"].groups.clear()
    determination_acknowledge(actor=officers["director"], determination=determination)
    determination_acknowledge(actor=officers["trustee"], determination=determination)
    determination.refresh_from_db()
    assert determination.state == "final"


def test_nothing_is_decided_without_a_board_or_trust_to_tell(officers, snapshot, version):
    from django.contrib.auth.models import Group

    determination = draft(officers, snapshot, version)
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    Group.objects.filter(name__in=["board_director", "trustee"]).delete()
    with pytest.raises(TransitionNotAllowed, match="No board director or trustee is sitting"):
        determination_sign(actor=officers["rso"], determination=determination)


def test_only_sitting_directors_and_trustees_are_asked_to_acknowledge(
    officers, snapshot, version, make_user
):
    """The role alone is not a seat: a director without one and a trustee whose term has ended
    are not asked, as with the RSO's quarterly report."""
    from trust.models import TrusteeTerm

    make_user(Role.BOARD_DIRECTOR, username="unseated")
    former = make_user(Role.TRUSTEE, username="former")
    TrusteeTerm.objects.create(
        user=former,
        starts_on=timezone.localdate() - dt.timedelta(days=800),
        ends_on=timezone.localdate() - dt.timedelta(days=435),
    )
    determination = decide(officers, draft(officers, snapshot, version))
    assert set(determination.acknowledgers.values_list("username", flat=True)) == {
        "director",
        "trustee",
    }
    with pytest.raises(PermissionDenied):
        determination_acknowledge(actor=former, determination=determination)


def test_the_deciders_may_send_it_back_and_signatures_lapse(officers, snapshot, version):
    from governance.determinations.services.determinations import determination_return

    determination = draft(officers, snapshot, version)
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    determination_sign(actor=officers["rso"], determination=determination)
    with pytest.raises(PermissionDenied):
        determination_return(actor=officers["safety"], determination=determination, reason="x")
    determination_return(
        actor=officers["ceo"], determination=determination, reason="Elicitation too weak."
    )
    determination.refresh_from_db()
    assert (determination.state, determination.decision_rso_id) == ("draft", None)


def test_a_justification_is_fixed_once_signing_begins(
    officers, snapshot, version, machine, autonomy_suite
):
    post_log(machine, CROSSING_JSON)
    determination = draft(officers, snapshot, version, outcome="below")
    determination_update(
        actor=officers["safety"], determination=determination, required_safeguards=[]
    )
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    finding = determination.findings.get()
    finding_justify(actor=officers["rso"], finding=finding, justification="A")
    with pytest.raises(TransitionNotAllowed):
        finding_justify(actor=officers["ceo"], finding=finding, justification="B")
    determination_sign(actor=officers["rso"], determination=determination)
    with pytest.raises(TransitionNotAllowed):
        finding_justify(actor=officers["ceo"], finding=finding, justification="B")


def test_a_refused_resolution_links_nothing(officers, snapshot, version, machine, autonomy_suite):
    from governance.oversight.models import Escalation

    post_log(machine, CROSSING_JSON)
    escalation = Escalation.objects.get()
    determination = decide(officers, draft(officers, snapshot, version))
    with pytest.raises(PermissionDenied):
        escalation_resolve(
            actor=officers["safety"], escalation=escalation, note="x", determination=determination
        )
    escalation.refresh_from_db()
    assert escalation.determination_id is None


def test_evidence_must_be_about_the_same_model(
    officers, snapshot, version, machine, autonomy_suite
):
    from evals.models import ThresholdEvaluation
    from tests.factories import SnapshotFactory

    post_log(machine, CROSSING_JSON)
    evaluation = ThresholdEvaluation.objects.get()
    other = SnapshotFactory(external_ids=["acme/other"])
    determination = determination_create(
        actor=officers["safety"], model=other.model, title="t", summary="s"
    )
    with pytest.raises(ValidationError, match="of this model"):
        determination_update(
            actor=officers["safety"],
            determination=determination,
            findings=[
                {
                    "threshold": evaluation.threshold,
                    "outcome": "crossed",
                    "evidence": [{"type": "evaluation", "id": evaluation.pk}],
                }
            ],
        )


def test_a_safeguards_report_is_for_a_standard_of_the_policy_in_force(
    officers, snapshot, frameworks
):
    old_standard = frameworks["1.0"].safeguards.first()
    with pytest.raises(ValidationError, match="policy in force"):
        safeguards_report_create(
            actor=officers["safety"], model=snapshot.model, standard=old_standard, summary="s"
        )
