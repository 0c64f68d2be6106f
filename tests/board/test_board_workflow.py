"""The board's workflow declarations (governance/board/workflows/board.py): the steps the
declaration offers a person (`actions`, the pages' buttons, the API) are exactly those the
services let them take; a page stops offering a step once it is taken; and what each state
awaits, from whom and by when."""

import datetime as dt

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.models import Motion
from governance.board.services.board import (
    conflict_declare,
    director_seat,
    motion_close,
    motion_open,
    vote_cast,
)
from governance.board.services.conflicts import conflict_end, conflict_review
from governance.board.services.meetings import meeting_cancel, meeting_record, meeting_schedule
from governance.board.services.policy_changes import (
    policy_change_consultation_closed,
    policy_change_consultation_opened,
    policy_change_create,
    policy_change_sign,
    policy_change_vote_open,
    policy_change_withdraw,
)
from governance.board.workflows.board import CONFLICT, MEETING, MOTION, POLICY_CHANGE
from governance.choices import MeetingState, MotionState, PolicyChangeState, Role, SeatType
from governance.errors import DomainError
from governance.models import FrameworkVersion
from tests.conftest import FIXED_NOW

# Dates here are relative to "today": the clock starts at one fixed moment (and ticks).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

NOW = FIXED_NOW
TODAY = timezone.localdate(FIXED_NOW)
YEAR_AGO = TODAY - dt.timedelta(days=365)


@pytest.fixture
def people(make_user):
    """Three seated directors and one in every other position."""
    directors = [make_user(Role.BOARD_DIRECTOR, username=f"director{i}") for i in range(3)]
    for director in directors:
        director_seat(
            actor=SYSTEM, user=director, seat_type=SeatType.STOCKHOLDERS, term_start=YEAR_AGO
        )
    return {
        "director": directors[0],
        "directors": directors,
        "unseated director": make_user(Role.BOARD_DIRECTOR, username="unseated"),
        "rso": make_user(Role.RSO, username="rso"),
        "ceo": make_user(Role.CEO, username="ceo"),
        "another rso": make_user(Role.RSO, username="rso2"),
        "rso and ceo": make_user(Role.RSO, Role.CEO, username="both"),
        "trustee": make_user(Role.TRUSTEE, username="trustee"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
        "safety staff": make_user(Role.SAFETY_STAFF, username="safety"),
        "administrator": make_user(is_staff=True, username="admin"),
        "auditing administrator": make_user(Role.AUDITOR, is_staff=True, username="auditadmin"),
        "system": SYSTEM,
    }


def _agree(workflow, name, actor, obj, take, allowed: bool) -> bool:
    """The declaration offers `actor` the step exactly when the service lets them take it, and
    that is when they are `allowed` to."""
    offered = bool(workflow.actions(actor, obj).get(name))
    assert rules.test_rule(f"{workflow.name}.{name}", actor, obj) is offered
    try:
        take()
    except (PermissionDenied, DomainError):
        taken = False
    else:
        taken = True
    assert offered is taken, f"{name}: offered {offered}, taken {taken}"
    assert taken is allowed
    return taken


# Motions

MOTION_ACTORS = [
    ("director", True),
    ("recused director", False),
    ("voted director", False),
    ("unseated director", False),
    ("trustee", False),
    ("rso", False),
    ("auditor", False),
    ("administrator", False),
    ("system", False),
]


@pytest.fixture
def motion(people):
    conflict_declare(
        actor=people["directors"][2],
        organisation="Acme",
        relationship="Holds shares",
        kind="financial",
        starts_on=YEAR_AGO,
    )
    motion = motion_open(actor=people["director"], title="Contract", organisations=["Acme"])
    vote_cast(actor=people["directors"][1], motion=motion, choice="yes")
    director_seat(
        actor=SYSTEM, user=people["unseated director"], seat_type=SeatType.TRUST, term_start=TODAY
    )
    people["recused director"] = people["directors"][2]
    people["voted director"] = people["directors"][1]
    return Motion.objects.get(pk=motion.pk)


@pytest.mark.parametrize(("who", "allowed"), MOTION_ACTORS)
def test_who_may_vote(people, motion, who, allowed):
    actor = people[who]
    vote = lambda: vote_cast(actor=actor, motion=motion, choice="no")  # noqa: E731
    _agree(MOTION, "vote", actor, motion, vote, allowed)
    assert motion.votes.filter(choice="no").exists() is allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [(who, allowed or who == "voted director") for who, allowed in MOTION_ACTORS],
)
def test_who_may_close(people, motion, who, allowed):
    actor = people[who]
    _agree(
        MOTION, "close", actor, motion, lambda: motion_close(actor=actor, motion=motion), allowed
    )
    motion.refresh_from_db()
    assert (motion.state == MotionState.CLOSED) is allowed


def test_a_closed_motion_offers_nothing(people, motion):
    motion_close(actor=people["director"], motion=motion)
    motion.refresh_from_db()
    assert MOTION.actions(people["director"], motion) == {}
    assert MOTION.awaiting(motion) is None


def test_the_vote_buttons_go_once_the_director_has_voted(people, motion, client):
    client.force_login(people["director"])
    page = client.get(motion.get_absolute_url()).content.decode()
    assert 'name="choice"' in page and "Close the vote" in page
    assert "Awaits 1 more vote(s) from the eligible directors" in page
    client.post(reverse("motion-step", args=[motion.pk, "vote"]), {"choice": "yes"})
    page = client.get(motion.get_absolute_url()).content.decode()
    assert 'name="choice"' not in page and "Close the vote" in page
    assert "Awaits a director to close the vote" in page
    client.force_login(people["recused director"])
    page = client.get(motion.get_absolute_url()).content.decode()
    assert 'name="choice"' not in page and "Close the vote" not in page


def test_motion_api_actions_and_awaiting(people, motion, api):
    url = f"/api/v1/motions/{motion.pk}/"
    body = api(people["director"]).get(url).json()
    assert body["actions"] == ["close", "vote"]
    assert body["awaiting"] == {
        "what": "1 more vote(s) from the eligible directors, then a director to close the vote",
        "who": ["director0"],
        "due": None,
    }
    voted = api(people["director"]).post(f"{url}vote/", {"choice": "yes"}).json()
    assert voted["actions"] == ["close"]
    assert voted["awaiting"]["who"] == ["director0", "director1"]
    assert api(people["auditor"]).get(url).json()["actions"] == []


# Meetings

MEETING_ACTORS = [
    ("director", True),
    ("unseated director", True),  # any director convenes, seated or not, as before
    ("administrator", True),
    ("auditing administrator", False),
    ("auditor", False),
    ("rso", False),
    ("trustee", False),
    ("system", False),
]


def _meeting(people, when):
    return meeting_schedule(
        actor=people["director"],
        title="Board meeting",
        scheduled_for=when,
        now=min(NOW, when - dt.timedelta(days=1)),
    )


@pytest.mark.parametrize(("who", "allowed"), MEETING_ACTORS)
def test_who_may_cancel_a_meeting(people, who, allowed):
    meeting = _meeting(people, NOW + dt.timedelta(days=7))
    actor = people[who]
    _agree(
        MEETING,
        "cancel",
        actor,
        meeting,
        lambda: meeting_cancel(actor=actor, meeting=meeting, reason="Off."),
        allowed,
    )
    meeting.refresh_from_db()
    assert (meeting.state == MeetingState.CANCELLED) is allowed
    assert rules.test_rule("meeting.schedule", actor) is allowed


@pytest.mark.parametrize(("who", "allowed"), MEETING_ACTORS)
def test_who_may_record_a_meeting_once_held(people, who, allowed):
    meeting = _meeting(people, NOW - dt.timedelta(hours=2))
    actor = people[who]
    _agree(
        MEETING,
        "record",
        actor,
        meeting,
        lambda: meeting_record(
            actor=actor, meeting=meeting, attendees=[people["director"]], minutes="M."
        ),
        allowed,
    )
    meeting.refresh_from_db()
    assert (meeting.state == MeetingState.HELD) is allowed


def test_recording_is_offered_once_the_time_has_come_and_judged_at_the_services_clock(people):
    when = NOW + dt.timedelta(days=2)
    meeting = _meeting(people, when)
    director = people["director"]
    assert MEETING.actions(director, meeting) == {"cancel": True, "put_motion": True}
    # The service's clock, not the wall clock, decides whether its time has come.
    meeting_record(actor=director, meeting=meeting, attendees=[director], minutes="M.", now=when)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    assert MEETING.actions(director, meeting) == {}
    assert MEETING.table() == {
        MeetingState.SCHEDULED: {MeetingState.HELD, MeetingState.CANCELLED},
        MeetingState.HELD: set(),
        MeetingState.CANCELLED: set(),
    }


def test_meeting_awaits_the_meeting_then_its_record(people):
    meeting = _meeting(people, NOW + dt.timedelta(days=7))
    waiting = MEETING.awaiting(meeting)
    assert waiting.what == "the meeting, then its record"
    assert waiting.due == meeting.scheduled_for
    assert [u.username for u in waiting.who] == ["director0", "director1", "director2"]
    past = _meeting(people, NOW - dt.timedelta(hours=1))
    assert MEETING.awaiting(past).what == "its record: the directors present and the minutes"
    meeting_cancel(actor=people["director"], meeting=meeting, reason="Off.")
    meeting.refresh_from_db()
    assert MEETING.awaiting(meeting) is None


def test_meeting_api_actions_and_awaiting(people, api):
    meeting = _meeting(people, NOW + dt.timedelta(days=7))
    url = f"/api/v1/meetings/{meeting.pk}/"
    body = api(people["director"]).get(url).json()
    assert body["actions"] == ["cancel", "put_motion"]
    assert body["awaiting"]["what"] == "the meeting, then its record"
    assert body["awaiting"]["due"] == meeting.scheduled_for.isoformat().replace("+00:00", "Z")
    assert api(people["administrator"]).get(url).json()["actions"] == ["cancel"]
    assert api(people["auditor"]).get(url).json()["actions"] == []
    cancelled = api(people["administrator"]).post(f"{url}cancel/", {"reason": "Off."}).json()
    assert (cancelled["actions"], cancelled["awaiting"]) == ([], None)


# Policy changes


@pytest.fixture
def draft(people, frameworks):
    return policy_change_create(
        actor=people["rso"],
        version=FrameworkVersion.objects.get(framework__slug="google-deepmind-fsf"),
        title="Adopt the new framework",
        rationale="It covers more risks.",
        changelog_entry="Replaced the policy.",
        effective_from=timezone.now() + dt.timedelta(days=10),
    )


SIGNERS = [
    ("rso", True),
    ("ceo", True),
    ("rso and ceo", True),
    ("director", False),
    ("trustee", False),
    ("auditor", False),
    ("safety staff", False),
    ("administrator", False),
    ("system", False),
]


@pytest.mark.parametrize(("who", "allowed"), SIGNERS)
def test_who_may_sign_a_draft(people, draft, who, allowed):
    actor = people[who]
    sign = lambda: policy_change_sign(actor=actor, change=draft)  # noqa: E731
    _agree(POLICY_CHANGE, "sign", actor, draft, sign, allowed)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("rso", False), ("another rso", False), ("rso and ceo", True), ("ceo", True)],
)
def test_who_may_sign_after_the_rso(people, draft, who, allowed):
    policy_change_sign(actor=people["rso"], change=draft)
    draft.refresh_from_db()
    actor = people[who]
    sign = lambda: policy_change_sign(actor=actor, change=draft)  # noqa: E731
    _agree(POLICY_CHANGE, "sign", actor, draft, sign, allowed)
    draft.refresh_from_db()
    assert (draft.state == PolicyChangeState.PROPOSED) is allowed


def _proposed(people, change):
    for who in ("rso", "ceo"):
        policy_change_sign(actor=people[who], change=change)
    change.refresh_from_db()
    return change


def _consulted(people, change):
    change = _proposed(people, change)
    policy_change_consultation_opened(actor=people["ceo"], change=change)
    policy_change_consultation_closed(actor=people["ceo"], change=change)
    change.refresh_from_db()
    return change


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("director", True),
        ("unseated director", True),  # any director puts it; those sitting then vote
        ("rso", False),
        ("trustee", False),
        ("administrator", False),
    ],
)
def test_who_may_put_a_change_to_the_board(people, draft, who, allowed):
    change = _consulted(people, draft)
    actor = people[who]
    _agree(
        POLICY_CHANGE,
        "open_vote",
        actor,
        change,
        lambda: policy_change_vote_open(actor=actor, change=change),
        allowed,
    )


@pytest.mark.parametrize(
    ("who", "voting", "allowed"),
    [
        ("rso", False, True),
        ("ceo", False, True),
        ("rso", True, False),  # not while the board votes
        ("ceo", True, False),
        ("director", False, False),
        ("auditor", False, False),
    ],
)
def test_who_may_withdraw(people, draft, who, voting, allowed):
    change = _consulted(people, draft)
    if voting:
        policy_change_vote_open(actor=people["director"], change=change)
        change.refresh_from_db()
    actor = people[who]
    _agree(
        POLICY_CHANGE,
        "withdraw",
        actor,
        change,
        lambda: policy_change_withdraw(actor=actor, change=change, reason="Superseded"),
        allowed,
    )
    change.refresh_from_db()
    assert (change.state == PolicyChangeState.WITHDRAWN) is allowed


def test_no_person_is_offered_the_systems_steps(people, draft):
    change = _consulted(people, draft)
    policy_change_vote_open(actor=people["director"], change=change)
    change.refresh_from_db()
    for who in ("rso", "ceo", "director", "administrator"):
        offered = POLICY_CHANGE.actions(people[who], change)
        assert not {"approve", "reject", "take_effect", "close_consultation"} & set(offered)


def test_policy_change_awaits(people, draft):
    waiting = POLICY_CHANGE.awaiting(draft)
    assert waiting.what == "the RSO's and the CEO's signatures"
    assert {u.username for u in waiting.who} == {"rso", "rso2", "ceo", "both"}
    policy_change_sign(actor=people["rso"], change=draft)
    draft.refresh_from_db()
    waiting = POLICY_CHANGE.awaiting(draft)
    assert waiting.what == "the CEO's signature"
    assert {u.username for u in waiting.who} == {"ceo", "both"}
    policy_change_sign(actor=people["ceo"], change=draft)
    draft.refresh_from_db()
    assert POLICY_CHANGE.awaiting(draft).what == "the RSO or the CEO to consult the Trust"
    policy_change_consultation_opened(actor=people["ceo"], change=draft)
    draft.refresh_from_db()
    assert POLICY_CHANGE.awaiting(draft).what == "the Trust's advice"
    policy_change_consultation_closed(actor=people["ceo"], change=draft)
    draft.refresh_from_db()
    assert POLICY_CHANGE.awaiting(draft).what == "a director to put it to the board"
    motion = policy_change_vote_open(actor=people["director"], change=draft)
    draft.refresh_from_db()
    waiting = POLICY_CHANGE.awaiting(draft)
    assert waiting.what == "the board's vote"
    assert [u.username for u in waiting.who] == ["director0", "director1", "director2"]
    for director in people["directors"][:2]:
        vote_cast(actor=director, motion=motion, choice="yes")
    motion_close(actor=people["director"], motion=motion)
    draft.refresh_from_db()
    assert draft.state == PolicyChangeState.APPROVED
    waiting = POLICY_CHANGE.awaiting(draft)
    assert waiting.what == "the RSO to publish it before it takes effect"
    assert waiting.due == draft.effective_from
    assert {u.username for u in waiting.who} == {"rso", "rso2", "both"}


def test_the_sign_button_goes_once_the_officer_has_signed(people, draft, client):
    url = draft.get_absolute_url()
    sign = reverse("policy-change-step", args=[draft.pk, "sign"])
    client.force_login(people["rso"])
    page = client.get(url).content.decode()
    assert sign in page and "Awaits the RSO&#x27;s and the CEO&#x27;s signatures" in page
    assert client.post(sign).status_code == 302
    page = client.get(url).content.decode()
    assert sign not in page  # signed: never a second "Sign" for the same person
    assert "Signed by the RSO; awaits the CEO&#x27;s signature." in page
    client.force_login(people["ceo"])
    assert sign in client.get(url).content.decode()
    assert client.post(sign).status_code == 302
    page = client.get(url).content.decode()
    assert sign not in page and "Consult the Trust" in page
    client.force_login(people["director"])
    page = client.get(url).content.decode()
    assert "Consult the Trust" not in page and "Withdraw" not in page


def test_policy_change_api_actions_and_awaiting(people, draft, api):
    url = f"/api/v1/policy-changes/{draft.pk}/"
    body = api(people["rso"]).get(url).json()
    assert body["actions"] == ["sign", "withdraw"]
    assert body["awaiting"]["what"] == "the RSO's and the CEO's signatures"
    signed = api(people["rso"]).post(f"{url}sign/").json()
    assert signed["actions"] == ["withdraw"]
    assert (signed["awaiting"]["what"], sorted(signed["awaiting"]["who"])) == (
        "the CEO's signature",
        ["both", "ceo"],
    )
    assert api(people["director"]).get(url).json()["actions"] == []
    proposed = api(people["ceo"]).post(f"{url}sign/").json()
    assert proposed["state"] == "proposed"
    assert proposed["actions"] == ["consult", "withdraw"]


# Conflicts of interest


@pytest.fixture
def declaration(people):
    return conflict_declare(
        actor=people["director"],
        organisation="Acme",
        relationship="Holds shares",
        kind="financial",
        starts_on=YEAR_AGO,
    )


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("director", True),
        ("unseated director", False),
        ("trustee", False),
        ("administrator", False),
        ("system", False),
    ],
)
def test_who_may_confirm_or_end_a_declaration(people, declaration, who, allowed):
    actor = people[who]
    _agree(
        CONFLICT,
        "review",
        actor,
        declaration,
        lambda: conflict_review(actor=actor, declaration=declaration),
        allowed,
    )
    _agree(
        CONFLICT,
        "end",
        actor,
        declaration,
        lambda: conflict_end(actor=actor, declaration=declaration, ends_on=TODAY),
        allowed,
    )


def test_an_ended_declaration_offers_nothing_and_awaits_nothing(people, declaration, api):
    waiting = CONFLICT.awaiting(declaration)
    assert waiting.who == (people["director"],)
    assert timezone.localdate(waiting.due) == TODAY.replace(year=TODAY.year + 1)
    assert str(waiting).startswith("Awaits its declarer's yearly confirmation")
    url = f"/api/v1/conflicts/{declaration.pk}/"
    assert api(people["director"]).get(url).json()["actions"] == ["end", "review"]
    assert api(people["directors"][1]).get(url).json()["actions"] == []
    conflict_end(
        actor=people["director"], declaration=declaration, ends_on=TODAY - dt.timedelta(days=1)
    )
    declaration.refresh_from_db()
    assert CONFLICT.actions(people["director"], declaration) == {}
    assert CONFLICT.awaiting(declaration) is None
    body = api(people["director"]).get(url).json()
    assert (body["actions"], body["awaiting"]) == ([], None)


def test_creation_rules(people):
    expected = {
        "motion.create": {"director", "unseated director"},
        "meeting.schedule": {"director", "unseated director", "administrator"},
        "policy_change.create": {"rso", "ceo", "another rso", "rso and ceo"},
        "conflict.declare": {"director", "unseated director", "trustee"},
    }
    for rule, allowed in expected.items():
        may = {who for who, person in people.items() if who != "directors"}
        may = {who for who in may if rules.test_rule(rule, people[who])}
        assert may == allowed, rule
