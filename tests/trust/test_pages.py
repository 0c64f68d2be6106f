"""The board, policy-change and Trust pages, driven through forms and buttons as people would."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.models import Motion, PolicyChange
from governance.board.services.board import director_seat
from governance.choices import MotionResult, PolicyChangeState, Role, SeatType
from governance.models import FrameworkVersion
from trust.models import TrustConsultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(make_user, frameworks):
    people = {
        "rso": make_user(Role.RSO, username="rso"),
        "ceo": make_user(Role.CEO, username="ceo"),
        "trustee": make_user(Role.TRUSTEE, username="trustee"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
        "safety": make_user(Role.SAFETY_STAFF, username="safety"),
    }
    for i in range(2):
        director = make_user(Role.BOARD_DIRECTOR, username=f"director{i}")
        director_seat(
            actor=SYSTEM,
            user=director,
            seat_type=SeatType.STOCKHOLDERS,
            term_start=timezone.localdate() - dt.timedelta(days=1),
        )
        people[f"director{i}"] = director
    signed_in = {}
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        signed_in[name] = client
    return signed_in


def _ok(response):
    assert response.status_code == 302, response.content[:500]
    return response


def test_a_policy_change_through_the_pages(clients):
    version = FrameworkVersion.objects.get(framework__slug="openai-preparedness")
    effective = (timezone.now() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = _ok(
        clients["rso"].post(
            reverse("policy-change-create"),
            {
                "version": version.pk,
                "title": "Adopt Preparedness v2",
                "rationale": "Broader coverage.",
                "changelog_entry": "Now Preparedness v2.",
                "effective_from": effective,
                "organisations": "OpenAI\n",
            },
        )
    )
    change = PolicyChange.objects.get()
    assert response.url == change.get_absolute_url()
    assert change.organisations == ["OpenAI"]

    page = clients["ceo"].get(change.get_absolute_url()).content.decode()
    assert "Sign the proposal" in page and "What the change does" in page
    assert 'class="add"' in page and 'class="del"' in page
    for who in ("rso", "ceo"):
        _ok(clients[who].post(reverse("policy-change-step", args=[change.pk, "sign"])))
    change.refresh_from_db()
    assert change.state == PolicyChangeState.PROPOSED

    _ok(
        clients["ceo"].post(
            reverse("trust:consultation-create"),
            {
                "policy_change": change.pk,
                "question": "Should we adopt it?",
                "documents": "Draft\nGap analysis",
                "respond_by": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
            },
        )
    )
    consultation = TrustConsultation.objects.get()
    assert consultation.documents == ["Draft", "Gap analysis"]
    home = clients["trustee"].get(reverse("trust:home")).content.decode()
    assert consultation.get_absolute_url() in home
    # No vote button for directors while the consultation is open.
    assert (
        "Put it to the board"
        not in clients["director0"].get(change.get_absolute_url()).content.decode()
    )

    step = "trust:consultation-step"
    _ok(clients["trustee"].post(reverse(step, args=[consultation.pk, "advice"]), {"text": "Yes"}))
    _ok(
        clients["trustee"].post(
            reverse(step, args=[consultation.pk, "trust-advice"]), {"text": "Adopt"}
        )
    )
    _ok(clients["rso"].post(reverse(step, args=[consultation.pk, "close"]), {"text": "We will."}))
    consultation.refresh_from_db()
    assert consultation.is_closed

    assert (
        "Put it to the board"
        in clients["director0"].get(change.get_absolute_url()).content.decode()
    )
    _ok(clients["director0"].post(reverse("policy-change-step", args=[change.pk, "open-vote"])))
    motion = Motion.objects.get(policy_change=change)
    board = clients["director1"].get(reverse("board")).content.decode()
    assert motion.get_absolute_url() in board  # awaiting my vote
    for who in ("director0", "director1"):
        _ok(clients[who].post(reverse("motion-step", args=[motion.pk, "vote"]), {"choice": "yes"}))
    _ok(clients["director0"].post(reverse("motion-step", args=[motion.pk, "close"])))
    motion.refresh_from_db()
    assert motion.result == MotionResult.PASSED
    _ok(clients["rso"].post(reverse("policy-change-step", args=[change.pk, "publish"])))
    change.refresh_from_db()
    assert change.state == PolicyChangeState.PUBLISHED
    page = clients["auditor"].get(change.get_absolute_url()).content.decode()
    assert "Policy change published" in page


def test_refusals_show_as_messages_and_roles_are_enforced(clients):
    version = FrameworkVersion.objects.get(framework__slug="openai-preparedness")
    assert clients["safety"].get(reverse("policy-change-create")).status_code == 403
    assert clients["safety"].get(reverse("board")).status_code == 403
    assert clients["safety"].get(reverse("trust:home")).status_code == 403
    assert clients["auditor"].get(reverse("board")).status_code == 200
    assert clients["auditor"].get(reverse("conflict-list")).status_code == 200
    response = clients["rso"].post(
        reverse("policy-change-create"),
        {
            "version": version.pk,
            "title": "Late",
            "rationale": "r",
            "changelog_entry": "c",
            "effective_from": "2020-01-01T00:00",
        },
    )
    assert response.status_code == 200
    assert "at the earliest" in response.content.decode()
    assert not PolicyChange.objects.exists()


def test_declaring_a_conflict_recuses_from_the_motion(clients):
    response = clients["director1"].post(
        reverse("conflict-create"),
        {
            "organisation": "Acme",
            "relationship": "Shareholder",
            "kind": "financial",
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert "Acme" in clients["trustee"].get(reverse("conflict-list")).content.decode()
    _ok(
        clients["director0"].post(
            reverse("motion-create"),
            {
                "title": "Sign with Acme",
                "organisations": "acme",
                "quorum_fraction": 0.5,
                "pass_fraction": 0.5,
            },
        )
    )
    motion = Motion.objects.get()
    page = clients["director1"].get(motion.get_absolute_url()).content.decode()
    assert 'name="choice"' not in page
    response = clients["director1"].post(
        reverse("motion-step", args=[motion.pk, "vote"]), {"choice": "yes"}, follow=True
    )
    assert "recused" in response.content.decode()
    assert not motion.votes.exists()


def test_a_workflow_refusal_on_a_form_is_a_message_not_an_error(make_user, client):
    unseated = make_user(Role.BOARD_DIRECTOR)
    client.force_login(unseated)
    response = client.post(
        reverse("motion-create"), {"title": "X", "quorum_fraction": 0.5, "pass_fraction": 0.5}
    )
    assert response.status_code == 200
    assert "No director holds a seat" in response.content.decode()
    assert not Motion.objects.exists()
