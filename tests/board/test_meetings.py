"""Board meetings: who may schedule, record and cancel; the state table; attendees who must sit
on the day; the audit trail and notifications; motions put at a meeting; pages and API."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.models import Meeting, Motion
from governance.board.services.board import director_seat, motion_open
from governance.board.services.meetings import meeting_cancel, meeting_record, meeting_schedule
from governance.choices import MeetingState, Role, SeatType
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent, Notification
from tests.conftest import FIXED_NOW

# Dates here are relative to "today": the clock starts at one fixed moment (and ticks).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

NOW = FIXED_NOW
TODAY = timezone.localdate(FIXED_NOW)
YEAR_AGO = TODAY - dt.timedelta(days=365)
# Past, but today: the former director (whose term ended yesterday) does not sit then.
TODAY_START = timezone.localtime(NOW).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture
def board(make_user):
    """Three directors seated a year ago, and one whose term ended yesterday."""
    directors = [make_user(Role.BOARD_DIRECTOR, username=f"director{i}") for i in range(3)]
    for director in directors:
        director_seat(
            actor=SYSTEM, user=director, seat_type=SeatType.STOCKHOLDERS, term_start=YEAR_AGO
        )
    former = make_user(Role.BOARD_DIRECTOR, username="former")
    director_seat(
        actor=SYSTEM,
        user=former,
        seat_type=SeatType.TRUST,
        term_start=YEAR_AGO,
        term_end=TODAY - dt.timedelta(days=1),
    )
    return {"directors": directors, "former": former}


def _schedule(actor, *, when=None, title="Quarterly board meeting", **fields):
    """A meeting at `when` (in a week by default), scheduled before that time."""
    when = when or NOW + dt.timedelta(days=7)
    return meeting_schedule(
        actor=actor,
        title=title,
        scheduled_for=when,
        now=min(NOW, when - dt.timedelta(days=1)),
        **fields,
    )


def _past(actor, **fields):
    """A meeting whose time has come: scheduled three days ago for two hours ago."""
    return _schedule(actor, when=NOW - dt.timedelta(hours=2), **fields)


ACTORS = {
    "director": lambda make_user: make_user(Role.BOARD_DIRECTOR),
    "administrator": lambda make_user: make_user(is_staff=True),
    "rso": lambda make_user: make_user(Role.RSO),
    "ceo": lambda make_user: make_user(Role.CEO),
    "trustee": lambda make_user: make_user(Role.TRUSTEE),
    "auditor": lambda make_user: make_user(Role.AUDITOR),
    "auditing administrator": lambda make_user: make_user(Role.AUDITOR, is_staff=True),
    "safety staff": lambda make_user: make_user(Role.SAFETY_STAFF),
    "internal reviewer": lambda make_user: make_user(Role.INTERNAL_REVIEWER),
    "system": lambda make_user: SYSTEM,
}
ALLOWED = {"director", "administrator"}
ROLE_MATRIX = [(who, who in ALLOWED) for who in ACTORS]


@pytest.mark.parametrize(("who", "allowed"), ROLE_MATRIX)
def test_who_may_schedule(board, make_user, who, allowed):
    actor = ACTORS[who](make_user)
    if allowed:
        assert _schedule(actor).state == MeetingState.SCHEDULED
    else:
        with pytest.raises(PermissionDenied, match="board director or an administrator"):
            _schedule(actor)
        assert not Meeting.objects.exists()


@pytest.mark.parametrize(("who", "allowed"), ROLE_MATRIX)
def test_who_may_record(board, make_user, who, allowed):
    meeting = _past(board["directors"][0])
    actor = ACTORS[who](make_user)
    attendees = board["directors"][:2]
    if allowed:
        meeting = meeting_record(actor=actor, meeting=meeting, attendees=attendees, minutes="M.")
        assert meeting.state == MeetingState.HELD
    else:
        with pytest.raises(PermissionDenied):
            meeting_record(actor=actor, meeting=meeting, attendees=attendees, minutes="M.")
        meeting.refresh_from_db()
        assert meeting.state == MeetingState.SCHEDULED


@pytest.mark.parametrize(("who", "allowed"), ROLE_MATRIX)
def test_who_may_cancel(board, make_user, who, allowed):
    meeting = _schedule(board["directors"][0])
    actor = ACTORS[who](make_user)
    if allowed:
        meeting = meeting_cancel(actor=actor, meeting=meeting, reason="No quorum expected.")
        assert meeting.state == MeetingState.CANCELLED
    else:
        with pytest.raises(PermissionDenied):
            meeting_cancel(actor=actor, meeting=meeting, reason="No quorum expected.")
        meeting.refresh_from_db()
        assert meeting.state == MeetingState.SCHEDULED


def test_schedule_is_audited_and_tells_the_directors_sitting_that_day(board):
    chair = board["directors"][0]
    when = NOW + dt.timedelta(days=7)
    meeting = _schedule(chair, when=when, location="Room 4 / call link", agenda="1. Budget")
    assert (meeting.title, meeting.location, meeting.agenda) == (
        "Quarterly board meeting",
        "Room 4 / call link",
        "1. Budget",
    )
    assert meeting.convened_by == chair
    event = AuditEvent.objects.get(action="meeting.scheduled", target_id=str(meeting.pk))
    assert event.actor_user == chair
    assert event.after["scheduled_for"] == when.isoformat()
    told = Notification.objects.filter(event_type="meeting.scheduled")
    # The former director's term ended yesterday: they do not sit on the day.
    assert sorted(n.user.username for n in told) == ["director0", "director1", "director2"]
    assert all(n.link == meeting.get_absolute_url() for n in told)
    assert "Room 4 / call link" in told[0].body


def test_schedule_validation(board):
    chair = board["directors"][0]
    with pytest.raises(ValidationError, match="time to come") as error:
        meeting_schedule(actor=chair, title="Late", scheduled_for=NOW - dt.timedelta(minutes=1))
    assert list(error.value.message_dict) == ["scheduled_for"]
    with pytest.raises(ValidationError) as error:
        meeting_schedule(actor=chair, title="  ", scheduled_for=NOW + dt.timedelta(days=1))
    assert list(error.value.message_dict) == ["title"]
    with pytest.raises(ValidationError, match="time zone"):
        meeting_schedule(
            actor=chair,
            title="Naive",
            scheduled_for=dt.datetime(2030, 1, 1, 10, 0),  # noqa: DTZ001
        )
    assert not Meeting.objects.exists()


def test_record_is_audited_with_the_directors_present(board):
    chair, *others = board["directors"]
    meeting = _past(chair)
    meeting = meeting_record(
        actor=chair, meeting=meeting, attendees=[chair, others[0]], minutes="  Approved.  "
    )
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    assert meeting.minutes == "Approved."
    assert set(meeting.attendees.all()) == {chair, others[0]}
    assert (meeting.recorded_by, meeting.recorded_at is not None) == (chair, True)
    actions = list(
        AuditEvent.objects.filter(target_id=str(meeting.pk), action__startswith="meeting.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["meeting.scheduled", "meeting.held"]
    held = AuditEvent.objects.get(action="meeting.held")
    assert held.after == {"state": "held", "attendees": ["director0", "director1"]}
    # Recording tells no one: the directors were there.
    assert not Notification.objects.filter(event_type__startswith="meeting.held").exists()


def test_cancel_is_audited_and_tells_the_directors(board):
    meeting = _schedule(board["directors"][0])
    Notification.objects.all().delete()
    meeting = meeting_cancel(actor=board["directors"][1], meeting=meeting, reason="  Chair ill. ")
    assert (meeting.state, meeting.cancel_reason) == (MeetingState.CANCELLED, "Chair ill.")
    event = AuditEvent.objects.get(action="meeting.cancelled")
    assert event.after == {"state": "cancelled", "reason": "Chair ill."}
    told = Notification.objects.filter(event_type="meeting.cancelled")
    assert sorted(n.user.username for n in told) == ["director0", "director1", "director2"]
    assert told[0].body == "Chair ill."


def test_cancel_needs_a_reason(board):
    meeting = _schedule(board["directors"][0])
    with pytest.raises(ValidationError) as error:
        meeting_cancel(actor=board["directors"][0], meeting=meeting, reason=" ")
    assert list(error.value.message_dict) == ["reason"]
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED


def test_record_only_once_the_time_has_come(board):
    chair = board["directors"][0]
    when = NOW + dt.timedelta(days=2)
    meeting = _schedule(chair, when=when)
    with pytest.raises(TransitionNotAllowed, match="once it has taken place"):
        meeting_record(actor=chair, meeting=meeting, attendees=[chair], minutes="Early.")
    with pytest.raises(TransitionNotAllowed):
        meeting_record(
            actor=chair,
            meeting=meeting,
            attendees=[chair],
            minutes="Early.",
            now=when - dt.timedelta(seconds=1),
        )
    meeting = meeting_record(
        actor=chair, meeting=meeting, attendees=[chair], minutes="On time.", now=when
    )
    assert meeting.state == MeetingState.HELD


def test_held_and_cancelled_are_final(board):
    chair = board["directors"][0]
    held = meeting_record(actor=chair, meeting=_past(chair), attendees=[chair], minutes="Done.")
    with pytest.raises(TransitionNotAllowed, match="the meeting is held"):
        meeting_cancel(actor=chair, meeting=held, reason="Too late.")
    with pytest.raises(TransitionNotAllowed, match="the meeting is held"):
        meeting_record(actor=chair, meeting=held, attendees=[chair], minutes="Again.")
    cancelled = meeting_cancel(actor=chair, meeting=_past(chair), reason="Did not happen.")
    with pytest.raises(TransitionNotAllowed, match="the meeting is cancelled"):
        meeting_record(actor=chair, meeting=cancelled, attendees=[chair], minutes="Oops.")
    with pytest.raises(TransitionNotAllowed, match="the meeting is cancelled"):
        meeting_cancel(actor=chair, meeting=cancelled, reason="Twice.")
    held.refresh_from_db()
    cancelled.refresh_from_db()
    assert (held.state, held.minutes) == (MeetingState.HELD, "Done.")
    assert cancelled.state == MeetingState.CANCELLED


def test_attendees_must_be_directors_sitting_on_the_day(board, make_user):
    chair = board["directors"][0]
    trustee = make_user(Role.TRUSTEE, username="trustee")
    newcomer = make_user(Role.BOARD_DIRECTOR, username="newcomer")
    director_seat(actor=SYSTEM, user=newcomer, seat_type=SeatType.TRUST, term_start=TODAY)
    # Tomorrow: the former director's term has ended.
    tomorrow = _schedule(chair, when=NOW + dt.timedelta(days=1))
    for stranger in (trustee, board["former"]):
        with pytest.raises(ValidationError, match=f"Not directors sitting.*{stranger}") as error:
            meeting_record(
                actor=chair,
                meeting=tomorrow,
                attendees=[chair, stranger],
                minutes="M.",
                now=NOW + dt.timedelta(days=2),
            )
        assert list(error.value.message_dict) == ["attendees"]
    # Three days ago the former director sat and the newcomer did not yet.
    earlier = _schedule(chair, when=NOW - dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="newcomer"):
        meeting_record(actor=chair, meeting=earlier, attendees=[newcomer], minutes="M.")
    meeting_record(actor=chair, meeting=earlier, attendees=[board["former"]], minutes="M.")
    assert list(earlier.attendees.all()) == [board["former"]]
    tomorrow.refresh_from_db()
    assert tomorrow.state == MeetingState.SCHEDULED and not tomorrow.attendees.exists()


def test_record_needs_attendees_and_minutes(board):
    chair = board["directors"][0]
    meeting = _past(chair)
    with pytest.raises(ValidationError) as error:
        meeting_record(actor=chair, meeting=meeting, attendees=[], minutes="  ")
    assert error.value.message_dict == {
        "attendees": ["Name the directors present."],
        "minutes": ["Record the minutes."],
    }


def test_a_motion_is_put_at_a_scheduled_meeting_only(board):
    chair = board["directors"][0]
    meeting = _schedule(chair)
    motion = motion_open(actor=chair, title="Approve the budget", meeting=meeting)
    assert list(meeting.motions.all()) == [motion]
    opened = AuditEvent.objects.get(action="motion.opened", target_id=str(motion.pk))
    assert opened.after["meeting"] == meeting.pk
    # Without a meeting the motion is as before.
    assert motion_open(actor=chair, title="Elsewhere").meeting is None
    held = meeting_record(actor=chair, meeting=_past(chair), attendees=[chair], minutes="M.")
    cancelled = meeting_cancel(actor=chair, meeting=_schedule(chair), reason="Off.")
    for closed in (held, cancelled):
        with pytest.raises(ValidationError, match="still scheduled") as error:
            motion_open(actor=chair, title="Late", meeting=closed)
        assert list(error.value.message_dict) == ["meeting"]
    assert Motion.objects.count() == 2


# Pages


def test_meeting_pages_through_the_forms(board, client):
    chair, second, _ = board["directors"]
    client.force_login(chair)
    when = (NOW + dt.timedelta(days=3)).astimezone(dt.UTC)
    response = client.post(
        reverse("meeting-create"),
        {
            "title": "Budget meeting",
            "scheduled_for": when.strftime("%Y-%m-%dT%H:%M"),
            "location": "Boardroom",
            "agenda": "The budget",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    assert meeting.scheduled_for == when.replace(second=0, microsecond=0)
    assert (meeting.title, meeting.location) == ("Budget meeting", "Boardroom")

    board_page = client.get(reverse("board")).content.decode()
    assert meeting.get_absolute_url() in board_page and "Budget meeting" in board_page

    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Cancel the meeting" in page
    assert "Record as held" not in page  # not before its time
    assert f"{reverse('motion-create')}?meeting={meeting.pk}" in page

    # A motion put at it from the motion form, and shown on the meeting's page.
    response = client.post(
        reverse("motion-create"),
        {
            "title": "Adopt the budget",
            "quorum_fraction": 0.5,
            "pass_fraction": 0.5,
            "meeting": meeting.pk,
        },
    )
    assert response.status_code == 302
    motion = Motion.objects.get()
    assert motion.meeting == meeting
    assert motion.get_absolute_url() in client.get(meeting.get_absolute_url()).content.decode()
    assert meeting.get_absolute_url() in client.get(motion.get_absolute_url()).content.decode()

    # Recording before the time is refused as a message; nothing changes.
    response = client.post(
        reverse("meeting-step", args=[meeting.pk, "record"]),
        {"attendees": [chair.pk], "minutes": "Early"},
        follow=True,
    )
    assert "once it has taken place" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED

    Meeting.objects.filter(pk=meeting.pk).update(scheduled_for=TODAY_START)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Record as held" in page and f'value="{second.pk}"' in page
    assert f'value="{board["former"].pk}"' not in page  # not sitting today
    response = client.post(
        reverse("meeting-step", args=[meeting.pk, "record"]),
        {"attendees": [chair.pk, second.pk], "minutes": "Budget adopted."},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    assert set(meeting.attendees.all()) == {chair, second}
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Budget adopted." in page and "Meeting held" in page
    assert "Record as held" not in page and "Cancel the meeting" not in page


def test_record_form_refusals_are_messages(board, client):
    chair = board["directors"][0]
    meeting = _past(chair)
    client.force_login(chair)
    url = reverse("meeting-step", args=[meeting.pk, "record"])
    for data, message in (
        ({"attendees": ["999999"], "minutes": "M."}, "Select a valid choice"),
        ({"attendees": [chair.pk], "minutes": ""}, "Record the minutes."),
        ({"minutes": "M."}, "Name the directors present."),
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert message in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED


def test_cancel_through_the_page(board, client, make_user):
    meeting = _schedule(board["directors"][0])
    admin = make_user(is_staff=True)
    client.force_login(admin)
    url = reverse("meeting-step", args=[meeting.pk, "cancel"])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Say why the meeting is cancelled." in response.content.decode()
    assert client.post(url, {"reason": "Moved to next month."}).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancelled_by) == (MeetingState.CANCELLED, admin)
    assert "Moved to next month." in client.get(meeting.get_absolute_url()).content.decode()


def test_an_administrator_schedules_through_the_page(board, client, make_user):
    client.force_login(make_user(is_staff=True))
    assert client.get(reverse("meeting-create")).status_code == 200
    response = client.post(
        reverse("meeting-create"),
        {"title": "Special meeting", "scheduled_for": "2099-01-01T09:00"},
    )
    assert response.status_code == 302
    assert Meeting.objects.get().scheduled_for == dt.datetime(2099, 1, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.BOARD_DIRECTOR, 200, 302),
        (Role.TRUSTEE, 200, 403),
        (Role.RSO, 200, 403),
        (Role.CEO, 200, 403),
        (Role.AUDITOR, 200, 403),
        (Role.SAFETY_STAFF, 403, 403),
        (Role.INTERNAL_REVIEWER, 403, 403),
    ],
)
def test_meeting_pages_by_role(board, make_user, client, role, read, write):
    meeting = _schedule(board["directors"][0])
    client.force_login(make_user(role))
    assert client.get(reverse("meeting-list")).status_code == read
    assert client.get(meeting.get_absolute_url()).status_code == read
    create = client.get(reverse("meeting-create")).status_code
    assert create == (200 if write == 302 else 403)
    cancel = client.post(reverse("meeting-step", args=[meeting.pk, "cancel"]), {"reason": "x"})
    assert cancel.status_code == write
    meeting.refresh_from_db()
    expected = MeetingState.CANCELLED if write == 302 else MeetingState.SCHEDULED
    assert meeting.state == expected


def test_unknown_meeting_and_step(board, client):
    client.force_login(board["directors"][0])
    meeting = _schedule(board["directors"][0])
    assert client.get(reverse("meeting-detail", args=[999999])).status_code == 404
    assert client.post(reverse("meeting-step", args=[999999, "cancel"])).status_code == 404
    assert client.post(reverse("meeting-step", args=[meeting.pk, "delete"])).status_code == 403


def test_meeting_list_shows_past_and_scheduled_and_filters(board, client):
    chair = board["directors"][0]
    held = meeting_record(
        actor=chair, meeting=_past(chair, title="Held one"), attendees=[chair], minutes="M."
    )
    _schedule(chair, title="Coming one")
    client.force_login(board["directors"][1])
    page = client.get(reverse("meeting-list")).content.decode()
    assert "Held one" in page and "Coming one" in page
    page = client.get(reverse("meeting-list"), {"state": "held"}).content.decode()
    assert "Held one" in page and "Coming one" not in page
    board_page = client.get(reverse("board")).content.decode()
    assert held.get_absolute_url() in board_page and "Coming one" in board_page


def _meetings(chair, count):
    for i in range(count):
        meeting = _past(chair, title=f"Past {i}")
        meeting_record(actor=chair, meeting=meeting, attendees=[chair], minutes="M.")
        motion_open(actor=chair, title=f"At {i}", meeting=_schedule(chair, title=f"Next {i}"))


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/board/", "/board/meetings/", "/api/v1/meetings/"])
def test_query_count_does_not_grow_with_meetings(board, client, django_assert_num_queries, url):
    chair = board["directors"][0]
    client.force_login(chair)
    _meetings(chair, 1)
    few = _queries(client, url)
    _meetings(chair, 5)
    with django_assert_num_queries(few):
        assert client.get(url).status_code == 200


def test_meeting_detail_query_count_does_not_grow_with_motions(
    board, client, django_assert_num_queries
):
    chair = board["directors"][0]
    meeting = _schedule(chair)
    motion_open(actor=chair, title="First", meeting=meeting)
    client.force_login(chair)
    few = _queries(client, meeting.get_absolute_url())
    for i in range(5):
        motion_open(actor=chair, title=f"More {i}", meeting=meeting)
    with django_assert_num_queries(few):
        client.get(meeting.get_absolute_url())


# API


def test_meeting_through_the_api(board, api):
    chair, second, _ = board["directors"]
    when = NOW + dt.timedelta(days=5)
    created = api(chair).post(
        "/api/v1/meetings/",
        {"title": "API meeting", "scheduled_for": when.isoformat(), "location": "Call"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert (body["state"], body["convened_by"], body["attendees"], body["motions"]) == (
        "scheduled",
        "director0",
        [],
        [],
    )
    motion = (
        api(second).post("/api/v1/motions/", {"title": "Put at the meeting", "meeting": pk}).json()
    )
    assert motion["meeting"] == pk
    listed = api(chair).get("/api/v1/motions/", {"meeting": pk}).json()
    assert [m["id"] for m in listed["results"]] == [motion["id"]]
    detail = api(chair).get(f"/api/v1/meetings/{pk}/").json()
    assert [m["title"] for m in detail["motions"]] == ["Put at the meeting"]

    early = api(chair).post(
        f"/api/v1/meetings/{pk}/record/", {"attendees": [chair.pk], "minutes": "M."}
    )
    assert early.status_code == 400 and "once it has taken place" in early.json()["detail"]
    Meeting.objects.filter(pk=pk).update(scheduled_for=NOW - dt.timedelta(hours=1))
    recorded = api(chair).post(
        f"/api/v1/meetings/{pk}/record/",
        {"attendees": [second.pk, chair.pk], "minutes": "Agreed."},
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["state"] == "held"
    assert recorded.json()["attendees"] == [
        {"id": chair.pk, "name": "director0"},
        {"id": second.pk, "name": "director1"},
    ]
    again = api(chair).post(f"/api/v1/meetings/{pk}/cancel/", {"reason": "Too late."})
    assert again.status_code == 400 and "the meeting is held" in again.json()["detail"]


def test_api_refusals(board, api, make_user):
    chair = board["directors"][0]
    meeting = _schedule(chair, when=TODAY_START)
    url = f"/api/v1/meetings/{meeting.pk}"
    past = api(chair).post("/api/v1/meetings/", {"title": "Late", "scheduled_for": NOW.isoformat()})
    assert past.status_code == 400 and "scheduled_for" in past.json()
    assert api(chair).post("/api/v1/meetings/", {"title": "No time"}).status_code == 400
    trustee = make_user(Role.TRUSTEE, username="trustee")
    for stranger in (trustee, board["former"]):
        refused = api(chair).post(
            f"{url}/record/", {"attendees": [chair.pk, stranger.pk], "minutes": "M."}
        )
        assert refused.status_code == 400
        assert refused.json() == {
            "attendees": [f"Not directors sitting on {TODAY}: {stranger.username}."]
        }
    unknown = api(chair).post(f"{url}/record/", {"attendees": [999999], "minutes": "M."})
    assert unknown.status_code == 400 and "attendees" in unknown.json()
    assert api(chair).post(f"{url}/cancel/", {}).status_code == 400
    assert api(chair).post(f"{url}/cancel/", {"reason": ""}).json() == {
        "reason": ["Say why the meeting is cancelled."]
    }
    assert api(chair).post(f"{url}/cancel/", ["not", "an", "object"]).status_code == 400
    assert api(chair).get("/api/v1/meetings/999999/").status_code == 404
    assert api(chair).post("/api/v1/meetings/999999/cancel/", {"reason": "x"}).status_code == 404
    assert api(chair).post("/api/v1/meetings/999999/record/", {}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.BOARD_DIRECTOR, 200, 201),
        (Role.TRUSTEE, 200, 403),
        (Role.RSO, 200, 403),
        (Role.CEO, 200, 403),
        (Role.AUDITOR, 200, 403),
        (Role.SAFETY_STAFF, 403, 403),
        (Role.INTERNAL_REVIEWER, 403, 403),
        (None, 200, 201),  # an administrator with no role
    ],
)
def test_api_by_role(board, api, make_user, role, read, write):
    meeting = _schedule(board["directors"][0])
    user = make_user(role) if role else make_user(is_staff=True)
    session = api(user)
    assert session.get("/api/v1/meetings/").status_code == read
    assert session.get(f"/api/v1/meetings/{meeting.pk}/").status_code == read
    body = {"title": "T", "scheduled_for": (NOW + dt.timedelta(days=1)).isoformat()}
    assert session.post("/api/v1/meetings/", body).status_code == write
    cancelled = session.post(f"/api/v1/meetings/{meeting.pk}/cancel/", {"reason": "Off."})
    assert cancelled.status_code == (200 if write == 201 else 403)


def test_api_requires_sign_in(client):
    assert client.get("/api/v1/meetings/").status_code in (401, 403)
