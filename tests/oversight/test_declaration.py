"""The escalation's and the restriction's workflow declarations (governance/oversight/
workflows/escalations.py): what they offer a person (`actions`, the pages' buttons, the API)
agrees with what the services let that person do, and what each state awaits, from whom, by
when."""

import datetime as dt

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance.choices import EscalationKind, EscalationState, Severity
from governance.errors import TransitionNotAllowed
from governance.oversight.models import Restriction
from governance.oversight.services.escalations import (
    escalation_acknowledge,
    escalation_dismiss,
    escalation_raise,
    escalation_reopen,
    escalation_resolve,
    restriction_sign_activation,
    restriction_sign_lift,
    restriction_sign_waiver,
    restriction_waiver_end,
)
from governance.oversight.workflows.escalations import ACKNOWLEDGE_WITHIN, ESCALATION, RESTRICTION
from tests.factories import AIModelFactory

pytestmark = pytest.mark.django_db

ROLES = ("rso", "ceo", "safety", "reviewer", "director", "trustee", "auditor")
MEASURES = "Weights stay on the air-gapped cluster; two-person access with hardware keys."


def _raise(kind: EscalationKind, name: str):
    escalation, _ = escalation_raise(
        kind=kind,
        subject="ARA",
        title=f"ARA {kind}: {name}",
        summary="6 of 10 tasks passed",
        severity=Severity.HIGH,
        model=AIModelFactory(name=name),
    )
    return escalation


@pytest.fixture
def warning(officers, frameworks):
    return _raise(EscalationKind.WARNING, "Frontier W")


@pytest.fixture
def threshold(officers, frameworks):
    return _raise(EscalationKind.THRESHOLD, "Frontier T")


def pause(escalation) -> Restriction:
    return Restriction.objects.get(escalation=escalation, kind="pause_training")


STEPS = {
    "acknowledge": lambda actor, e: escalation_acknowledge(actor=actor, escalation=e),
    "resolve": lambda actor, e: escalation_resolve(actor=actor, escalation=e, note="Handled."),
    "dismiss": lambda actor, e: escalation_dismiss(actor=actor, escalation=e, reason="Bug."),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", sorted(STEPS))
def test_escalation_actions_agree_with_the_services(warning, officers, role, step):
    """On an open warning: a step is offered to a person exactly when the service lets them."""
    person = officers[role]
    offered = ESCALATION.actions(person, warning).get(step, False)
    assert offered == rules.test_rule(f"escalation.{step}", person, warning)
    try:
        STEPS[step](person, warning)
    except PermissionDenied:
        taken = False
    else:
        taken = True
    assert offered == taken
    expected = {
        "acknowledge": {"rso", "ceo", "safety"},
        "resolve": {"rso", "ceo"},
        "dismiss": {"rso"},
    }[step]
    assert taken == (role in expected)


@pytest.mark.parametrize("role", ROLES)
def test_a_threshold_escalation_is_acknowledged_by_the_deciders_only(threshold, officers, role):
    person = officers[role]
    offered = "acknowledge" in ESCALATION.actions(person, threshold)
    assert offered == (role in ("rso", "ceo"))
    if offered:
        assert escalation_acknowledge(actor=person, escalation=threshold).state == "acknowledged"
    else:
        with pytest.raises(PermissionDenied):
            escalation_acknowledge(actor=person, escalation=threshold)


def test_reopening_is_offered_only_once_closed(warning, officers):
    safety = officers["safety"]
    assert ESCALATION.actions(safety, warning) == {"acknowledge": True}
    with pytest.raises(TransitionNotAllowed, match="that is open cannot be reopened"):
        escalation_reopen(actor=safety, escalation=warning)
    escalation_resolve(actor=officers["rso"], escalation=warning, note="Done.")
    warning.refresh_from_db()
    assert ESCALATION.actions(safety, warning) == {"reopen": True}
    assert ESCALATION.actions(officers["trustee"], warning) == {}
    escalation_reopen(actor=safety, escalation=warning)


def test_the_declaration_keeps_the_state_table():
    assert ESCALATION.table() == {
        EscalationState.OPEN: {
            EscalationState.ACKNOWLEDGED,
            EscalationState.RESOLVED,
            EscalationState.DISMISSED,
        },
        EscalationState.ACKNOWLEDGED: {EscalationState.RESOLVED, EscalationState.DISMISSED},
        EscalationState.RESOLVED: {EscalationState.OPEN},
        EscalationState.DISMISSED: {EscalationState.OPEN},
    }
    assert RESTRICTION.table() == {
        "proposed": {"active", "waived", "withdrawn"},
        "active": {"lifted", "waived"},
        "waived": {"lifted", "waived"},
        "lifted": set(),
        "withdrawn": set(),
    }


@pytest.mark.parametrize("role", ROLES)
def test_restriction_activation_offered_exactly_to_those_the_service_lets_sign(
    threshold, officers, role
):
    restriction = pause(threshold)
    person = officers[role]
    offered = RESTRICTION.actions(person, restriction)
    assert set(offered) == ({"activate", "waive"} if role in ("rso", "ceo") else set())
    if "activate" in offered:
        restriction_sign_activation(actor=person, restriction=restriction)
        restriction.refresh_from_db()
        assert "activate" not in RESTRICTION.actions(person, restriction)  # signed: not again
        with pytest.raises(TransitionNotAllowed, match="signed already"):
            restriction_sign_activation(actor=person, restriction=restriction)
    else:
        with pytest.raises(PermissionDenied):
            restriction_sign_activation(actor=person, restriction=restriction)


def test_nobody_is_offered_the_withdrawal_it_comes_with_dismissal(threshold, officers):
    restriction = pause(threshold)
    for role in ROLES:
        assert "withdraw" not in RESTRICTION.actions(officers[role], restriction)
    escalation_dismiss(actor=officers["rso"], escalation=threshold, reason="Scorer bug.")
    restriction.refresh_from_db()
    assert restriction.state == "withdrawn"
    assert RESTRICTION.actions(officers["rso"], restriction) == {}
    assert RESTRICTION.awaiting(restriction) is None


def test_interim_measures_steps_follow_the_waiver(threshold, officers):
    rso, ceo = officers["rso"], officers["ceo"]
    restriction = pause(threshold)
    until = timezone.now() + dt.timedelta(days=10)
    restriction_sign_waiver(actor=rso, restriction=restriction, measures=MEASURES, until=until)
    restriction.refresh_from_db()
    assert "waive" not in RESTRICTION.actions(rso, restriction)
    assert "waive" in RESTRICTION.actions(ceo, restriction)
    waiting = RESTRICTION.awaiting(restriction)
    assert waiting.what.startswith("the CEO's signature on the interim measures until")
    assert [u.username for u in waiting.who] == ["ceo"]

    restriction_sign_waiver(actor=ceo, restriction=restriction)
    restriction.refresh_from_db()
    for person in (rso, ceo):  # in force: they may end it, not sign anew
        assert set(RESTRICTION.actions(person, restriction)) == {"end_waiver", "lift"}
    waiting = RESTRICTION.awaiting(restriction)
    assert (waiting.what, waiting.who, waiting.due) == (
        "the end of the interim measures, when it blocks again",
        (),
        restriction.waiver_until,
    )

    restriction_waiver_end(actor=ceo, restriction=restriction, reason="A gap was found.")
    restriction.refresh_from_db()
    for person in (rso, ceo):  # ended: a new round, both signing again
        assert set(RESTRICTION.actions(person, restriction)) == {"waive", "lift"}
    assert RESTRICTION.awaiting(restriction).what.startswith("a new decision by the RSO and")
    restriction_sign_waiver(actor=ceo, restriction=restriction, measures=MEASURES, until=until)
    restriction.refresh_from_db()
    assert (restriction.waiver_ceo, restriction.waiver_rso, restriction.waived_at) == (
        ceo,
        None,
        None,
    )
    assert "waive" not in RESTRICTION.actions(ceo, restriction)
    assert "waive" in RESTRICTION.actions(rso, restriction)


def test_lifting_awaits_the_missing_signature(threshold, officers):
    restriction = pause(threshold)
    for officer in ("rso", "ceo"):
        restriction_sign_activation(actor=officers[officer], restriction=restriction)
    restriction.refresh_from_db()
    waiting = RESTRICTION.awaiting(restriction)
    assert waiting.what.startswith("the RSO's and the CEO's signatures to lift it")
    assert [u.username for u in waiting.who] == ["ceo", "rso"]
    restriction_sign_lift(actor=officers["ceo"], restriction=restriction)
    restriction.refresh_from_db()
    waiting = RESTRICTION.awaiting(restriction)
    assert waiting.what.startswith("the RSO's signature to lift it")
    assert [u.username for u in waiting.who] == ["rso"]
    assert RESTRICTION.actions(officers["ceo"], restriction) == {"waive": True}


def test_escalation_awaits_acknowledgement_then_resolution(warning, threshold, officers):
    waiting = ESCALATION.awaiting(threshold)
    assert waiting.what == ("acknowledgement by the RSO or the CEO before it is raised to the CEO")
    assert [u.username for u in waiting.who] == ["ceo", "rso"]
    assert waiting.due == threshold.opened_at + ACKNOWLEDGE_WITHIN
    assert [u.username for u in ESCALATION.awaiting(warning).who] == ["ceo", "rso", "safety"]
    escalation_acknowledge(actor=officers["rso"], escalation=threshold)
    threshold.refresh_from_db()
    waiting = ESCALATION.awaiting(threshold)
    assert waiting.what == (
        "a resolution by the RSO or the CEO, with a decided determination on the model"
    )
    assert waiting.due == threshold.due_at
    escalation_dismiss(actor=officers["rso"], escalation=threshold, reason="Scorer bug.")
    threshold.refresh_from_db()
    assert ESCALATION.awaiting(threshold) is None


def _sign_form(restriction, stage):
    return f'action="{reverse("restriction-sign", args=[restriction.pk, stage])}"'


def test_the_model_page_stops_offering_a_signature_once_given(client, threshold, officers):
    restriction = pause(threshold)
    model_url = threshold.model.get_absolute_url()
    client.force_login(officers["rso"])
    assert _sign_form(restriction, "activate") in client.get(model_url).content.decode()
    client.post(reverse("restriction-sign", args=[restriction.pk, "activate"]))
    page = client.get(model_url).content.decode()
    assert _sign_form(restriction, "activate") not in page
    assert f"Awaits a decision by the RSO ({officers['rso']} has signed) and the CEO" in page
    client.force_login(officers["ceo"])
    assert _sign_form(restriction, "activate") in client.get(model_url).content.decode()


def test_the_escalation_page_stops_offering_acknowledgement_once_given(client, threshold, officers):
    client.force_login(officers["rso"])
    url = threshold.get_absolute_url()
    page = client.get(url).content.decode()
    assert "Acknowledge</button>" in page and "Awaits acknowledgement by" in page
    client.post(reverse("escalation-action", args=[threshold.pk, "acknowledge"]))
    page = client.get(url).content.decode()
    assert "Acknowledge</button>" not in page and "Dismiss</button>" in page
    assert "Awaits a resolution by the RSO or the CEO" in page


def test_the_api_lists_the_steps_and_what_it_awaits(api, threshold, officers):
    url = f"/api/v1/escalations/{threshold.pk}/"
    body = api(officers["rso"]).get(url).json()
    assert body["actions"] == ["acknowledge", "dismiss", "resolve"]
    assert body["awaiting"]["who"] == ["ceo", "rso"]
    assert body["awaiting"]["what"].startswith("acknowledgement by")
    assert api(officers["safety"]).get(url).json()["actions"] == []
    acknowledged = api(officers["ceo"]).post(f"{url}acknowledge/").json()
    assert acknowledged["actions"] == ["resolve"]  # the CEO's steps: dismissing is the RSO's
    assert acknowledged["awaiting"]["what"].startswith("a resolution by the RSO or the CEO")

    restriction = pause(threshold)
    signed = api(officers["rso"]).post(f"/api/v1/restrictions/{restriction.pk}/sign-activation/")
    assert signed.json()["actions"] == ["waive"]
    body = api(officers["ceo"]).get(f"/api/v1/restrictions/{restriction.pk}/").json()
    assert body["actions"] == ["activate", "waive"]
    assert body["awaiting"]["who"] == ["ceo"]
    assert f"the RSO ({officers['rso']} has signed) and the CEO" in body["awaiting"]["what"]
    listing = api(officers["ceo"]).get("/api/v1/restrictions/").json()
    assert "actions" not in listing["results"][0]  # the list stays one query per page


@pytest.mark.parametrize(
    ("rule", "who"),
    [
        ("registry.edit", {"safety"}),
        ("framework.adopt", {"rso"}),
        # Administrators are not offered it: the webhook pages and API let only the RSO write.
        ("webhook.edit", {"rso"}),
    ],
)
def test_rules_for_steps_outside_a_workflow(officers, make_user, rule, who):
    people = {**officers, "admin": make_user(username="admin", is_staff=True)}
    assert {name for name, person in people.items() if rules.test_rule(rule, person)} == who


@pytest.mark.parametrize(
    ("role", "url_name", "button", "shown"),
    [
        ("safety_staff", "model-list", "Register a model", True),
        ("rso", "model-list", "Register a model", False),
        ("rso", "framework-list", "Put a version in force", True),
        ("ceo", "framework-list", "Put a version in force", False),
        ("rso", "webhook-list", "New subscription", True),
        (None, "webhook-list", "New subscription", False),  # an administrator: 403 if offered
    ],
)
def test_pages_show_buttons_by_those_rules(client_for, role, url_name, button, shown):
    client = client_for(role) if role else client_for(is_staff=True)
    page = client.get(reverse(url_name))
    assert page.status_code == 200
    assert (button in page.content.decode()) == shown
