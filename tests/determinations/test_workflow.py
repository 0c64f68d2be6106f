"""The determination's workflow declaration: pages, the API and the services agree on who may
take each step, and the two-key signature reads the same everywhere."""

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.choices import DeterminationState, Role
from governance.determinations.services.determinations import (
    determination_review,
    determination_sign,
    determination_submit,
)
from governance.determinations.workflows.determinations import DECISION, DETERMINATION
from governance.errors import TransitionNotAllowed
from tests.determinations.test_determinations import draft

pytestmark = pytest.mark.django_db

ROLES = ["rso", "ceo", "safety", "reviewer", "director", "trustee", "auditor"]


@pytest.fixture
def version(frameworks):
    return frameworks["2.2"]


@pytest.fixture
def reviewed(officers, snapshot, version):
    determination = draft(officers, snapshot, version)
    determination_submit(actor=officers["safety"], determination=determination)
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    determination.refresh_from_db()
    return determination


@pytest.mark.parametrize("role", ROLES)
def test_who_may_sign_is_what_the_service_allows(officers, reviewed, role):
    person = officers[role]
    offered = "sign" in DETERMINATION.actions(person, reviewed)
    assert offered == (role in ("rso", "ceo"))
    assert rules.test_rule("determination.sign", person, reviewed) == offered
    if offered:
        determination_sign(actor=person, determination=reviewed)
    else:
        with pytest.raises(PermissionDenied):
            determination_sign(actor=person, determination=reviewed)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_submit_a_draft(officers, snapshot, version, role):
    determination = draft(officers, snapshot, version)
    offered = DETERMINATION.actions(officers[role], determination)
    assert ("submit" in offered) == (role == "safety")
    assert ("edit" in offered) == (role == "safety")


def test_after_signing_the_step_is_no_longer_offered_and_it_awaits_the_other(officers, reviewed):
    determination_sign(actor=officers["rso"], determination=reviewed)
    reviewed.refresh_from_db()
    assert "sign" not in DETERMINATION.actions(officers["rso"], reviewed)
    assert "sign" in DETERMINATION.actions(officers["ceo"], reviewed)
    waiting = DETERMINATION.awaiting(reviewed)
    assert waiting.what == "the CEO's signature"
    assert [u.username for u in waiting.who] == ["ceo"]
    with pytest.raises(TransitionNotAllowed, match="You have signed already"):
        determination_sign(actor=officers["rso"], determination=reviewed)


def test_one_person_holding_both_roles_gives_one_signature(officers, reviewed, make_user):
    both = make_user(Role.RSO, Role.CEO, username="both")
    determination_sign(actor=both, determination=reviewed)
    reviewed.refresh_from_db()
    assert DECISION.signed_slots(reviewed) == ["rso"]
    assert "sign" not in DETERMINATION.actions(both, reviewed)
    with pytest.raises(TransitionNotAllowed, match="You have signed already"):
        determination_sign(actor=both, determination=reviewed)
    determination_sign(actor=officers["ceo"], determination=reviewed)
    reviewed.refresh_from_db()
    assert reviewed.state == DeterminationState.DECIDED


def test_the_signature_audit_says_which_key_and_whether_complete(officers, reviewed):
    from governance.models import AuditEvent

    determination_sign(actor=officers["ceo"], determination=reviewed)
    determination_sign(actor=officers["rso"], determination=reviewed)
    events = AuditEvent.objects.filter(
        target_type="governance.determination",
        action__in=["determination.signed", "determination.decided"],
    ).order_by("sequence")
    assert [(e.action, e.after) for e in events] == [
        ("determination.signed", {"signature": "ceo", "complete": False}),
        ("determination.decided", {"signature": "rso", "complete": True}),
    ]


def test_a_role_refusal_comes_before_the_state(officers, snapshot, version):
    determination = draft(officers, snapshot, version)
    # Not "a draft cannot be signed": they may never sign, whatever the state.
    with pytest.raises(PermissionDenied, match="Only the RSO or the CEO may sign"):
        determination_sign(actor=officers["reviewer"], determination=determination)
    with pytest.raises(PermissionDenied, match="Auditors read the records; they take no step"):
        determination_sign(actor=officers["auditor"], determination=determination)
    with pytest.raises(TransitionNotAllowed, match="that is draft cannot be signed"):
        determination_sign(actor=officers["rso"], determination=determination)


def test_what_each_state_awaits(officers, snapshot, version):
    determination = draft(officers, snapshot, version)
    assert DETERMINATION.awaiting(determination).what == (
        "the authors to complete and submit the report"
    )
    determination_submit(actor=officers["safety"], determination=determination)
    determination.refresh_from_db()
    waiting = DETERMINATION.awaiting(determination)
    assert waiting.what == "an internal reviewer's critique"
    assert [u.username for u in waiting.who] == ["reviewer"]
    determination_review(actor=officers["reviewer"], determination=determination, critique="ok")
    determination.refresh_from_db()
    assert DETERMINATION.awaiting(determination).what == "the RSO's and the CEO's signatures"
    determination_sign(actor=officers["rso"], determination=determination)
    determination_sign(actor=officers["ceo"], determination=determination)
    determination.refresh_from_db()
    waiting = DETERMINATION.awaiting(determination)
    assert waiting.what.startswith("acknowledgement by 2 more")
    assert {u.username for u in waiting.who} == {"director", "trustee"}


def test_the_declared_state_table(version):
    S = DeterminationState
    assert DETERMINATION.table() == {
        S.DRAFT: {S.IN_REVIEW},
        S.IN_REVIEW: {S.REVIEWED, S.DRAFT},
        S.REVIEWED: {S.DECIDED, S.DRAFT},
        S.DECIDED: set(),
        S.FINAL: set(),
        S.SUPERSEDED: set(),
    }


def test_the_page_offers_only_the_steps_the_person_may_take(client, officers, reviewed):
    url = reverse("determination-detail", args=[reviewed.pk])
    client.force_login(officers["rso"])
    page = client.get(url).content.decode()
    assert "Sign the determination" in page
    determination_sign(actor=officers["rso"], determination=reviewed)
    page = client.get(url).content.decode()
    assert "Sign the determination" not in page
    assert "Awaits the CEO&#x27;s signature: ceo." in page
    client.force_login(officers["ceo"])
    assert "Sign the determination" in client.get(url).content.decode()
    client.force_login(officers["auditor"])
    page = client.get(url).content.decode()
    assert "Sign the determination" not in page and "Send back" not in page


def test_the_api_lists_the_persons_actions_and_what_it_awaits(client, officers, reviewed):
    client.force_login(officers["ceo"])
    body = client.get(f"/api/v1/determinations/{reviewed.pk}/").json()
    assert body["actions"] == ["justify", "return", "sign"]
    assert body["awaiting"] == {
        "what": "the RSO's and the CEO's signatures",
        "who": ["ceo", "rso"],
        "due": None,
    }
    client.force_login(officers["auditor"])
    assert client.get(f"/api/v1/determinations/{reviewed.pk}/").json()["actions"] == []


def test_an_auditor_who_also_holds_a_role_is_offered_no_step(officers, reviewed, make_user):
    """Auditors read everything and write nothing (the middleware refuses their every write),
    so no page or API answer offers them a step, whatever else they hold."""
    both = make_user(Role.AUDITOR, Role.RSO, username="auditing-rso")
    assert DETERMINATION.actions(both, reviewed) == {}
    with pytest.raises(PermissionDenied, match="Auditors read"):
        determination_sign(actor=both, determination=reviewed)
