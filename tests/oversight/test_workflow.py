"""Escalation transitions by role, the two-signature rule, deadlines and cadence under frozen
time, and notifications."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.audit import SYSTEM
from governance.choices import EscalationKind, Severity
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent, Notification
from governance.oversight.models import Escalation, Restriction
from governance.oversight.services.escalations import (
    cadence_check,
    escalation_acknowledge,
    escalation_dismiss,
    escalation_raise,
    escalation_reopen,
    escalation_resolve,
    escalations_enforce_deadlines,
    restriction_sign_activation,
    rso_report_due_check,
)
from governance.oversight.tasks import (
    cadence_check_task,
    escalation_deadlines_task,
    rso_report_due_task,
)
from tests.factories import AIModelFactory, SnapshotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def warning(officers, frameworks):
    escalation, _ = escalation_raise(
        kind=EscalationKind.WARNING,
        subject="ARA",
        title="ARA warning: Frontier X",
        summary="4 of 10 tasks passed",
        severity=Severity.MEDIUM,
        model=AIModelFactory(name="Frontier X"),
    )
    return escalation


@pytest.fixture
def escalation(officers, frameworks):
    escalation, _ = escalation_raise(
        kind=EscalationKind.THRESHOLD,
        subject="ARA",
        title="ARA crossed: Frontier X",
        summary="6 of 10 tasks passed",
        severity=Severity.HIGH,
        model=AIModelFactory(name="Frontier X"),
    )
    return escalation


ACK = lambda actor, e: escalation_acknowledge(actor=actor, escalation=e)  # noqa: E731
RESOLVE = lambda actor, e: escalation_resolve(actor=actor, escalation=e, note="Handled.")  # noqa: E731
DISMISS = lambda actor, e: escalation_dismiss(actor=actor, escalation=e, reason="Eval bug.")  # noqa: E731


@pytest.mark.parametrize(
    ("verb", "role", "allowed"),
    [
        (ACK, "rso", True),
        (ACK, "ceo", True),
        (ACK, "safety", True),
        (ACK, "reviewer", False),
        (ACK, "director", False),
        (ACK, "trustee", False),
        (ACK, "auditor", False),
        (RESOLVE, "rso", True),
        (RESOLVE, "ceo", True),
        (RESOLVE, "safety", False),
        (RESOLVE, "auditor", False),
        (DISMISS, "rso", True),
        (DISMISS, "ceo", False),
        (DISMISS, "safety", False),
    ],
)
def test_transition_matrix_by_role(warning, officers, verb, role, allowed):
    if allowed:
        verb(officers[role], warning)
        assert AuditEvent.objects.filter(
            target_id=str(warning.pk), actor_user=officers[role]
        ).exists()
    else:
        with pytest.raises(PermissionDenied):
            verb(officers[role], warning)
        warning.refresh_from_db()
        assert warning.state == "open"


@pytest.mark.parametrize(("role", "allowed"), [("rso", True), ("ceo", True), ("safety", False)])
def test_only_the_deciders_acknowledge_a_threshold_escalation(escalation, officers, role, allowed):
    """Acknowledging stops the 48-hour raise to the CEO: for a threshold escalation, that is the
    deciders' call."""
    if allowed:
        assert ACK(officers[role], escalation).state == "acknowledged"
    else:
        with pytest.raises(PermissionDenied, match="48-hour raise to the CEO"):
            ACK(officers[role], escalation)
        escalation.refresh_from_db()
        assert escalation.state == "open"


def test_the_page_offers_acknowledging_a_threshold_escalation_to_the_deciders_only(
    escalation, officers, client
):
    client.force_login(officers["safety"])
    assert "Acknowledge</button>" not in client.get(escalation.get_absolute_url()).content.decode()
    client.force_login(officers["rso"])
    assert "Acknowledge</button>" in client.get(escalation.get_absolute_url()).content.decode()


def test_states_follow_the_table(warning, officers):
    escalation = warning
    escalation_acknowledge(actor=officers["rso"], escalation=escalation)
    with pytest.raises(TransitionNotAllowed):
        escalation_acknowledge(actor=officers["rso"], escalation=escalation)
    escalation_resolve(actor=officers["ceo"], escalation=escalation, note="Looked into it.")
    with pytest.raises(TransitionNotAllowed):
        escalation_dismiss(actor=officers["rso"], escalation=escalation, reason="x")
    escalation_reopen(actor=officers["safety"], escalation=escalation, reason="New evidence")
    escalation.refresh_from_db()
    assert escalation.state == "open"
    assert [e.kind for e in escalation.events.all()] == [
        "created",
        "acknowledged",
        "resolved",
        "open",
    ]


def test_resolving_needs_a_note_and_dismissing_a_reason(warning, officers):
    escalation = warning
    with pytest.raises(ValidationError):
        escalation_resolve(actor=officers["rso"], escalation=escalation, note=" ")
    with pytest.raises(ValidationError):
        escalation_dismiss(actor=officers["rso"], escalation=escalation, reason="")


def test_one_person_cannot_give_both_signatures(escalation, make_user):
    both = make_user("rso", "ceo", username="both")
    restriction = Restriction.objects.get(kind="pause_training")
    restriction_sign_activation(actor=both, restriction=restriction)
    with pytest.raises(TransitionNotAllowed, match="signed already"):
        restriction_sign_activation(actor=both, restriction=restriction)
    restriction.refresh_from_db()
    assert restriction.state == "proposed"


def test_only_the_rso_and_ceo_sign_and_only_in_the_right_state(escalation, officers, make_user):
    restriction = Restriction.objects.get(kind="hold_deployment")
    with pytest.raises(PermissionDenied):
        restriction_sign_activation(actor=officers["safety"], restriction=restriction)
    with pytest.raises(PermissionDenied):
        restriction_sign_activation(actor=SYSTEM, restriction=restriction)
    restriction_sign_activation(actor=officers["rso"], restriction=restriction)
    second_rso = make_user("rso", username="rso2")
    with pytest.raises(
        TransitionNotAllowed, match="given already; the CEO.s signature is still needed"
    ):
        restriction_sign_activation(actor=second_rso, restriction=restriction)
    restriction_sign_activation(actor=officers["ceo"], restriction=restriction)
    with pytest.raises(TransitionNotAllowed, match="that is active cannot be signed to activate"):
        restriction_sign_activation(actor=second_rso, restriction=restriction)


@pytest.fixture
def frozen(monkeypatch):
    """Move the clock: every timezone.now() call answers the moment set."""

    def at(moment: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return at


def test_deadlines_raise_to_the_ceo_then_the_board_and_trustees(
    escalation, officers, frozen, run_on_commit
):
    start = escalation.created_at
    frozen(start + dt.timedelta(hours=47))
    assert run_on_commit(escalation_deadlines_task) == 0
    frozen(start + dt.timedelta(hours=49))
    assert run_on_commit(escalation_deadlines_task) == 1
    escalation.refresh_from_db()
    assert escalation.level == 1
    raised = Notification.objects.filter(event_type="escalation.raised")
    assert set(raised.values_list("user__username", flat=True)) == {"ceo", "rso"}
    escalation_acknowledge(actor=officers["rso"], escalation=escalation)
    frozen(start + dt.timedelta(hours=49, minutes=15))
    assert run_on_commit(escalation_deadlines_task) == 0  # the CEO has 48 hours of their own
    frozen(start + dt.timedelta(days=10))
    assert run_on_commit(escalation_deadlines_task) == 0  # acknowledged, not yet overdue
    frozen(start + dt.timedelta(days=31))
    assert run_on_commit(escalation_deadlines_task) == 1
    escalation.refresh_from_db()
    assert escalation.level == 2
    told = set(raised.values_list("user__username", flat=True))
    assert {"director", "trustee"} <= told
    assert run_on_commit(escalation_deadlines_task) == 0  # nothing further to raise to


def test_cadence_monitor_flags_compute_and_time(frameworks, frozen):
    model = AIModelFactory(name="Frontier X")
    SnapshotFactory(
        model=model, training_compute_flop=1e25, comprehensively_assessed_on=dt.date(2026, 3, 1)
    )
    frozen(dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    assert cadence_check_task() == 0  # nothing bigger, under 6 months
    SnapshotFactory(model=model, training_compute_flop=4.5e25)
    assert cadence_check_task() == 1
    escalation = Escalation.objects.get(kind="assessment_due")
    assert "4.5x the effective compute" in escalation.summary
    assert cadence_check_task() == 0  # the open one is not duplicated
    other = AIModelFactory(name="Old")
    SnapshotFactory(
        model=other, training_compute_flop=1e24, comprehensively_assessed_on=dt.date(2025, 10, 1)
    )
    frozen(dt.datetime(2026, 4, 2, tzinfo=dt.UTC))
    assert [e.model.name for e in cadence_check()] == ["Old"]
    assert "6 months have passed" in Escalation.objects.get(model=other).summary


def test_cadence_flags_a_model_never_assessed(frameworks):
    SnapshotFactory(model=AIModelFactory(name="New"))
    [escalation] = cadence_check()
    assert "no comprehensive assessment is on record" in escalation.summary


def test_rso_report_is_due_once_a_quarter(officers, frozen):
    frozen(dt.datetime(2026, 10, 2, tzinfo=dt.UTC))
    assert rso_report_due_task() is True
    assert rso_report_due_task() is False
    report = Escalation.objects.get(kind="rso_report_due")
    assert report.assignee == officers["rso"]
    escalation_resolve(actor=officers["rso"], escalation=report, note="Sent to the board.")
    assert rso_report_due_check() is None  # resolved this quarter: not again
    frozen(dt.datetime(2027, 1, 3, tzinfo=dt.UTC))
    assert rso_report_due_task() is True
    assert Escalation.objects.filter(kind="rso_report_due").count() == 2


def test_notifications_are_sent_only_after_commit(escalation, officers, mailoutbox):
    # The escalation fixture ran outside run_on_commit: rows exist, nothing was sent.
    assert Notification.objects.filter(event_type="escalation.created").count() == 2
    assert mailoutbox == []


def test_an_overdue_escalation_still_goes_to_the_ceo_first(warning, officers, frozen):
    escalation_acknowledge(actor=officers["rso"], escalation=warning)
    past_due = warning.due_at + dt.timedelta(minutes=1)
    frozen(past_due)
    assert escalations_enforce_deadlines() == 1
    frozen(past_due + dt.timedelta(minutes=15))
    assert escalations_enforce_deadlines() == 0
    frozen(past_due + dt.timedelta(hours=49))
    assert escalations_enforce_deadlines() == 1
    warning.refresh_from_db()
    assert warning.level == 2


def test_reopening_starts_the_clock_again(warning, officers, frozen):
    frozen(warning.created_at + dt.timedelta(days=40))
    escalations_enforce_deadlines()
    escalations_enforce_deadlines()
    escalation_resolve(actor=officers["rso"], escalation=warning, note="Done.")
    escalation_reopen(actor=officers["rso"], escalation=warning, reason="Again")
    warning.refresh_from_db()
    assert warning.level == 0 and warning.due_at > timezone.now() + dt.timedelta(days=29)
    assert escalations_enforce_deadlines() == 0


def test_month_arithmetic_keeps_month_ends():
    from governance.dates import add_months

    assert add_months(dt.date(2026, 1, 31), 6) == dt.date(2026, 7, 31)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)


def test_scheduled_tasks_can_run_without_a_broker(officers, frameworks, capsys):
    from django.core.management import CommandError, call_command

    call_command("run_scheduled_tasks")
    out = capsys.readouterr().out
    assert "escalation-deadlines: 0" in out and "rso-report-due: True" in out
    call_command("run_scheduled_tasks", only=["rso-report-due"])
    assert capsys.readouterr().out.strip() == "rso-report-due: False"
    with pytest.raises(CommandError, match="Unknown beat entries"):
        call_command("run_scheduled_tasks", only=["nope"])
