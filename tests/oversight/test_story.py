"""The story the policy demands: a crossing log -> one escalation, proposed restrictions,
notifications; the pipeline gate answers blocked once the RSO and the CEO have both signed."""

import pytest
from rest_framework.test import APIClient

from governance.choices import Role
from governance.errors import TransitionNotAllowed
from governance.models import Notification
from governance.oversight.models import Escalation, Restriction
from governance.oversight.services.escalations import (
    restriction_sign_activation,
    restriction_sign_lift,
)
from tests.evals.conftest import (
    BELOW_JSON,
    CROSSING_EVAL,
    CROSSING_JSON,
    ERROR_JSON,
    WARNING_EVAL,
    post_log,
)

pytestmark = pytest.mark.django_db


def clearance(client, model, action):
    return client.get(f"/api/v1/models/{model.pk}/clearance/", {"action": action})


def test_crossing_log_escalates_proposes_pauses_and_blocks_once_signed(
    machine, snapshot, autonomy_suite, officers, run_on_commit, mailoutbox
):
    response = run_on_commit(post_log, machine, CROSSING_JSON)
    assert response.status_code == 202
    escalation = Escalation.objects.get()
    assert (escalation.kind, escalation.severity, escalation.outcome) == (
        "threshold",
        "high",
        "crossed",
    )
    assert escalation.assignee == officers["rso"]
    assert (escalation.due_at - escalation.created_at).days == 30  # RSP 2.2's decision deadline
    assert escalation.threshold.code == "Autonomy checkpoint"
    restrictions = Restriction.objects.order_by("kind")
    assert [(r.kind, r.state) for r in restrictions] == [
        ("hold_deployment", "proposed"),
        ("pause_training", "proposed"),
    ]
    assert restrictions[1].compute_cap_flop == snapshot.training_compute_flop
    told = set(
        Notification.objects.filter(event_type="escalation.created").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"rso", "safety"}
    assert {m.to[0] for m in mailoutbox} >= {"rso@example.org", "safety@example.org"}

    # Posting it again changes nothing.
    counts = (Escalation.objects.count(), Restriction.objects.count(), Notification.objects.count())
    assert run_on_commit(post_log, machine, CROSSING_JSON).status_code == 200
    assert (
        Escalation.objects.count(),
        Restriction.objects.count(),
        Notification.objects.count(),
    ) == counts

    # Fail closed: a proposed pause blocks at once (stopping needs no decision, proceeding does),
    # and the answer says whose decision it awaits. The pipeline (a machine token) may ask.
    gate = clearance(machine, snapshot.model, "train").json()
    assert gate["result"] == "blocked"
    assert gate["pending"] == ["Pause training proposed, pending a decision by the RSO and the CEO"]
    assert any("in effect until the RSO and the CEO decide" in r for r in gate["reasons"])
    pause = Restriction.objects.get(kind="pause_training")
    restriction_sign_activation(actor=officers["rso"], restriction=pause)
    gate = clearance(machine, snapshot.model, "train").json()
    assert gate["result"] == "blocked"
    assert gate["pending"] == [
        f"Pause training proposed, pending a decision by the RSO ({officers['rso']} has signed) "
        "and the CEO"
    ]
    restriction_sign_activation(actor=officers["ceo"], restriction=pause)
    gate = clearance(machine, snapshot.model, "train").json()
    assert gate["result"] == "blocked" and "not approved and in force" in gate["reasons"][0]
    assert gate["pending"] == []
    # Deployment is blocked anyway until a final determination exists; the hold adds to it.
    hold = Restriction.objects.get(kind="hold_deployment")
    restriction_sign_activation(actor=officers["rso"], restriction=hold)
    restriction_sign_activation(actor=officers["ceo"], restriction=hold)
    gate = clearance(machine, snapshot.model, "deploy").json()
    assert gate["result"] == "blocked"
    assert any("Hold deployment active" in reason for reason in gate["reasons"])
    assert "No final ASL determination for this model." in gate["reasons"]

    # Lifting takes both signatures again, and grounds: the safeguards in force.
    pause = Restriction.objects.get(kind="pause_training")
    restriction_sign_lift(actor=officers["ceo"], restriction=pause)
    with pytest.raises(TransitionNotAllowed, match="required safeguards are not approved"):
        restriction_sign_lift(actor=officers["rso"], restriction=pause)
    approve_security(officers, snapshot, frameworks_in_force())
    assert clearance(machine, snapshot.model, "train").json()["result"] == "blocked"
    restriction_sign_lift(actor=officers["rso"], restriction=pause)
    # The pause is lifted, but the crossing's escalation is open until a determination
    # resolves it: training stays blocked until then.
    gate = clearance(machine, snapshot.model, "train").json()
    assert gate["result"] == "blocked"
    assert gate["reasons"] == [
        f"Open escalation, not yet resolved by a determination: {escalation.title} "
        f"(opened {escalation.created_at:%Y-%m-%d %H:%M} UTC)."
    ]
    assert clearance(machine, snapshot.model, "deploy").json()["result"] == "blocked"


def test_a_warning_that_becomes_a_crossing_is_one_escalation(
    machine, snapshot, autonomy_suite, officers
):
    post_log(machine, WARNING_EVAL)
    post_log(machine, CROSSING_JSON)
    escalation = Escalation.objects.get()
    assert (escalation.kind, escalation.outcome, escalation.severity) == (
        "threshold",
        "crossed",
        "high",
    )
    assert Restriction.objects.filter(escalation=escalation).count() == 2
    post_log(machine, BELOW_JSON)  # a later below does not lower it
    escalation.refresh_from_db()
    assert escalation.outcome == "crossed"


def test_dismissing_withdraws_proposals_and_a_new_crossing_proposes_again(
    machine, snapshot, autonomy_suite, officers
):
    from governance.oversight.services.escalations import escalation_dismiss

    post_log(machine, CROSSING_JSON)
    escalation = Escalation.objects.get()
    escalation_dismiss(actor=officers["rso"], escalation=escalation, reason="Scorer bug.")
    assert set(Restriction.objects.values_list("state", flat=True)) == {"withdrawn"}
    post_log(machine, CROSSING_EVAL)
    assert Escalation.objects.filter(state="open").count() == 1
    assert Restriction.objects.filter(state="proposed").count() == 2


def test_lifted_restrictions_are_proposed_again_on_new_evidence(
    machine, snapshot, autonomy_suite, officers
):
    post_log(machine, CROSSING_JSON)
    approve_security(officers, snapshot, frameworks_in_force())
    for restriction in Restriction.objects.all():
        for officer in ("rso", "ceo"):
            restriction_sign_activation(actor=officers[officer], restriction=restriction)
        for officer in ("rso", "ceo"):
            restriction_sign_lift(actor=officers[officer], restriction=restriction)
    from django.utils import timezone

    from governance.determinations.models import SafeguardsReport

    post_log(machine, CROSSING_EVAL)  # safeguards in force: nothing to pause
    assert Restriction.objects.filter(state="proposed").count() == 0
    SafeguardsReport.objects.update(valid_until=timezone.now())  # the approval lapses
    post_log(machine, WARNING_EVAL)
    assert Restriction.objects.filter(state="proposed").count() == 2


def test_a_second_crossing_log_updates_the_open_escalation(
    machine, snapshot, autonomy_suite, officers
):
    post_log(machine, CROSSING_JSON)
    post_log(machine, CROSSING_EVAL)
    escalation = Escalation.objects.get()
    assert [e.kind for e in escalation.events.all()][:2] == ["created", "restriction"]
    assert escalation.events.filter(kind="evidence").count() == 1
    assert Restriction.objects.count() == 2


def test_warning_log_opens_a_medium_warning_escalation_without_restrictions(
    machine, snapshot, autonomy_suite, officers
):
    post_log(machine, WARNING_EVAL)
    escalation = Escalation.objects.get()
    assert (escalation.kind, escalation.severity, escalation.outcome) == (
        "warning",
        "medium",
        "warning",
    )
    assert Restriction.objects.count() == 0


def test_inconclusive_counts_as_crossed(machine, snapshot, autonomy_suite, officers):
    post_log(machine, ERROR_JSON)
    escalation = Escalation.objects.get()
    assert (escalation.kind, escalation.severity, escalation.outcome) == (
        "threshold",
        "high",
        "inconclusive",
    )
    assert Restriction.objects.count() == 2


def test_clearance_needs_a_valid_action_and_a_reader(client_for, snapshot):
    assert clearance(client_for(), snapshot.model, "train").status_code == 403  # no role
    client = client_for(Role.TRUSTEE)
    bad = clearance(client, snapshot.model, "launch")
    assert bad.status_code == 400 and "action" in bad.json()
    assert clearance(APIClient(), snapshot.model, "train").status_code == 401
    assert client.get("/api/v1/models/999/clearance/", {"action": "train"}).status_code == 404


def frameworks_in_force():
    from governance.selectors import framework_version_in_force

    return framework_version_in_force()


def approve_security(officers, snapshot, version):
    from tests.determinations.test_determinations import approved_safeguards

    return approved_safeguards(officers, snapshot, version.safeguards.get(code="ASL-3-Security"))
