"""The yearly review of conflict-of-interest declarations: confirming and ending by the
declarer only, when a review falls due, the once-per-cycle reminder, the register page and the
API actions."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.models import ConflictDeclaration
from governance.board.services.board import conflict_declare, director_seat, motion_open
from governance.board.services.conflicts import (
    conflict_end,
    conflict_review,
    conflict_review_due_on,
    conflict_review_is_due,
    conflict_reviews_remind,
)
from governance.choices import Role, SeatType
from governance.dates import add_months
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent, Notification
from governance.services import user_set_roles
from tests.conftest import FIXED_NOW


def one_year_after(day: dt.date) -> dt.date:
    return add_months(day, 12)


# Dates here are relative to "today": the clock starts at one fixed moment (and ticks).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TODAY = timezone.localdate(FIXED_NOW)
YEAR = dt.timedelta(days=365)


def _declare(user, organisation="Acme", starts_on=None, **fields):
    return conflict_declare(
        actor=user,
        organisation=organisation,
        relationship="Holds shares",
        kind="financial",
        starts_on=starts_on or TODAY - YEAR,
        **fields,
    )


def _reviewed_on(declaration, day):
    ConflictDeclaration.objects.filter(pk=declaration.pk).update(reviewed_on=day)
    declaration.refresh_from_db()
    return declaration


@pytest.fixture
def director(make_user):
    return make_user(Role.BOARD_DIRECTOR, username="director")


@pytest.fixture
def declaration(director):
    return _declare(director)


def _reminders():
    return list(Notification.objects.filter(event_type="conflict.review_due"))


# When a review is due


def test_a_review_falls_due_one_year_after_the_last():
    assert one_year_after(dt.date(2026, 3, 15)) == dt.date(2027, 3, 15)
    assert one_year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


def test_due_date_from_the_last_review_or_the_declaration(declaration):
    assert declaration.reviewed_on == TODAY  # declaring is a review
    assert conflict_review_due_on(declaration) == one_year_after(TODAY)
    declaration = _reviewed_on(declaration, dt.date(2025, 6, 1))
    assert conflict_review_due_on(declaration) == dt.date(2026, 6, 1)
    assert conflict_review_is_due(declaration, dt.date(2026, 5, 31)) is False
    assert conflict_review_is_due(declaration, dt.date(2026, 6, 1)) is True
    # Declarations from before reviews were recorded count from the day they were declared.
    declaration = _reviewed_on(declaration, None)
    assert conflict_review_due_on(declaration) == one_year_after(
        timezone.localdate(declaration.created_at)
    )


def test_an_ended_declaration_is_never_due(declaration):
    declaration = _reviewed_on(declaration, TODAY - 2 * YEAR)
    assert conflict_review_is_due(declaration, TODAY)
    declaration.ends_on = TODAY
    assert conflict_review_is_due(declaration, TODAY)  # still in force today
    declaration.ends_on = TODAY - dt.timedelta(days=1)
    assert not conflict_review_is_due(declaration, TODAY)


# Confirm and end: the declarer only

ACTORS = {
    "declaring director": None,
    "declaring trustee": None,
    "another director": lambda make_user: make_user(Role.BOARD_DIRECTOR),
    "rso": lambda make_user: make_user(Role.RSO),
    "auditor": lambda make_user: make_user(Role.AUDITOR),
    "administrator": lambda make_user: make_user(is_staff=True),
    "system": lambda make_user: SYSTEM,
}
ROLE_MATRIX = [(who, who.startswith("declaring")) for who in ACTORS]


def _declarer_and_actor(make_user, who):
    role = Role.TRUSTEE if who == "declaring trustee" else Role.BOARD_DIRECTOR
    declarer = make_user(role)
    declaration = _reviewed_on(_declare(declarer), TODAY - YEAR)
    actor = declarer if ACTORS[who] is None else ACTORS[who](make_user)
    return declaration, actor


@pytest.mark.parametrize(("who", "allowed"), ROLE_MATRIX)
def test_who_may_confirm(make_user, who, allowed):
    declaration, actor = _declarer_and_actor(make_user, who)
    if allowed:
        declaration = conflict_review(actor=actor, declaration=declaration)
        assert declaration.reviewed_on == TODAY
    else:
        with pytest.raises(PermissionDenied):
            conflict_review(actor=actor, declaration=declaration)
        declaration.refresh_from_db()
        assert declaration.reviewed_on == TODAY - YEAR


@pytest.mark.parametrize(("who", "allowed"), ROLE_MATRIX)
def test_who_may_end(make_user, who, allowed):
    declaration, actor = _declarer_and_actor(make_user, who)
    if allowed:
        declaration = conflict_end(actor=actor, declaration=declaration, ends_on=TODAY)
        assert declaration.ends_on == TODAY
    else:
        with pytest.raises(PermissionDenied):
            conflict_end(actor=actor, declaration=declaration, ends_on=TODAY)
        declaration.refresh_from_db()
        assert declaration.ends_on is None


def test_confirming_is_audited(declaration, director):
    declaration = _reviewed_on(declaration, TODAY - YEAR)
    later = TODAY + dt.timedelta(days=3)
    declaration = conflict_review(actor=director, declaration=declaration, today=later)
    assert declaration.reviewed_on == later
    event = AuditEvent.objects.get(action="conflict.reviewed", target_id=str(declaration.pk))
    assert event.actor_user == director
    assert (event.before, event.after) == (
        {"reviewed_on": (TODAY - YEAR).isoformat()},
        {"reviewed_on": later.isoformat()},
    )


def test_ending_is_audited_and_stops_recusing(declaration, director, make_user):
    director_seat(
        actor=SYSTEM, user=director, seat_type=SeatType.STOCKHOLDERS, term_start=TODAY - YEAR
    )
    chair = make_user(Role.BOARD_DIRECTOR)
    director_seat(actor=SYSTEM, user=chair, seat_type=SeatType.TRUST, term_start=TODAY - YEAR)
    assert list(motion_open(actor=chair, title="Before", organisations=["Acme"]).recused.all()) == [
        director
    ]
    yesterday = TODAY - dt.timedelta(days=1)
    conflict_end(actor=director, declaration=declaration, ends_on=yesterday)
    event = AuditEvent.objects.get(action="conflict.ended", target_id=str(declaration.pk))
    assert (event.before, event.after) == ({"ends_on": None}, {"ends_on": yesterday.isoformat()})
    assert not motion_open(actor=chair, title="After", organisations=["Acme"]).recused.exists()


def test_ending_refusals(declaration, director):
    with pytest.raises(ValidationError) as error:
        conflict_end(
            actor=director,
            declaration=declaration,
            ends_on=declaration.starts_on - dt.timedelta(days=1),
        )
    assert error.value.message_dict == {"ends_on": ["A declaration cannot end before it starts."]}
    conflict_end(actor=director, declaration=declaration, ends_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(TransitionNotAllowed, match="ended on"):
        conflict_end(actor=director, declaration=declaration, ends_on=TODAY)
    with pytest.raises(TransitionNotAllowed, match="ended on"):
        conflict_review(actor=director, declaration=declaration)
    # A declaration ending later can still be confirmed, or ended sooner.
    later = _declare(director, organisation="Beta", ends_on=TODAY + YEAR)
    conflict_review(actor=director, declaration=later)
    assert conflict_end(actor=director, declaration=later, ends_on=TODAY).ends_on == TODAY


# The reminder


def test_reminded_once_the_year_is_up_and_once_only(declaration, director, make_user):
    make_user(Role.BOARD_DIRECTOR)  # someone else, never told
    reviewed = declaration.reviewed_on
    due = one_year_after(reviewed)
    assert conflict_reviews_remind(today=due - dt.timedelta(days=1)) == 0
    assert conflict_reviews_remind(today=due) == 1
    [reminder] = _reminders()
    assert reminder.user == director
    assert "Acme" in reminder.title and reminder.link == declaration.get_absolute_url()
    event = AuditEvent.objects.get(action="conflict.review_reminded")
    assert (event.actor_label, event.after) == ("system", {"due_on": due.isoformat()})
    declaration.refresh_from_db()
    assert declaration.review_reminded_on == due
    # Once per cycle: not the next day, nor a year later if still not reviewed.
    assert conflict_reviews_remind(today=due + dt.timedelta(days=1)) == 0
    assert conflict_reviews_remind(today=due + YEAR + dt.timedelta(days=1)) == 0
    assert len(_reminders()) == 1


def test_reminded_on_the_exact_day_across_a_leap_year(declaration):
    _reviewed_on(declaration, dt.date(2027, 3, 1))
    assert conflict_reviews_remind(today=dt.date(2028, 2, 29)) == 0  # 365 days on, not due
    assert conflict_reviews_remind(today=dt.date(2028, 3, 1)) == 1


def test_reminded_again_a_year_after_a_late_review(declaration, director):
    due = one_year_after(declaration.reviewed_on)
    assert conflict_reviews_remind(today=due) == 1
    late = due + dt.timedelta(days=30)
    conflict_review(actor=director, declaration=declaration, today=late)
    assert conflict_reviews_remind(today=late) == 0
    next_due = one_year_after(late)
    assert conflict_reviews_remind(today=next_due - dt.timedelta(days=1)) == 0
    assert conflict_reviews_remind(today=next_due) == 1
    assert conflict_reviews_remind(today=next_due) == 0
    assert len(_reminders()) == 2


def test_reviewed_on_the_day_of_the_reminder_starts_a_new_cycle(declaration, director):
    due = one_year_after(declaration.reviewed_on)
    assert conflict_reviews_remind(today=due) == 1
    conflict_review(actor=director, declaration=declaration, today=due)
    assert conflict_reviews_remind(today=one_year_after(due)) == 1


def test_not_reminded_when_reviewed_recently(declaration, director):
    due = one_year_after(declaration.reviewed_on)
    conflict_review(actor=director, declaration=declaration, today=due - dt.timedelta(days=10))
    assert conflict_reviews_remind(today=due) == 0
    assert conflict_reviews_remind(today=due + dt.timedelta(days=300)) == 0
    assert _reminders() == []


def test_not_reminded_for_ended_declarations(director):
    ended = _declare(director, organisation="Old", ends_on=TODAY + dt.timedelta(days=10))
    due = one_year_after(ended.reviewed_on)
    assert conflict_reviews_remind(today=due) == 0
    assert _reminders() == []


def test_not_reminded_without_the_role_or_when_inactive(declaration, director, make_user):
    trustee = make_user(Role.TRUSTEE)
    _declare(trustee, organisation="Beta")
    inactive = make_user(Role.TRUSTEE, is_active=False)
    _declare(inactive, organisation="Gamma")
    user_set_roles(actor=SYSTEM, user=director, roles=[Role.AUDITOR])
    assert conflict_reviews_remind(today=one_year_after(TODAY)) == 1
    assert [n.user for n in _reminders()] == [trustee]


def test_legacy_declarations_count_from_the_day_declared(declaration):
    ConflictDeclaration.objects.filter(pk=declaration.pk).update(
        reviewed_on=None, created_at=timezone.now() - 2 * YEAR
    )
    assert conflict_reviews_remind() == 1
    assert conflict_reviews_remind() == 0


def test_the_beat_task_runs_the_reminder(declaration):
    _reviewed_on(declaration, TODAY - 2 * YEAR)
    entry = settings.CELERY_BEAT_SCHEDULE["conflict-reviews-remind"]
    assert entry["task"] == "governance.tasks.conflict_reviews_remind"
    assert entry["schedule"] <= 24 * 3600
    call_command("run_scheduled_tasks", only=["conflict-reviews-remind"])
    assert len(_reminders()) == 1


# The register page


def test_register_shows_review_due_and_the_declarers_buttons(declaration, director, client_for):
    _reviewed_on(declaration, TODAY - YEAR - dt.timedelta(days=1))
    other = _declare(director, organisation="Beta")  # confirmed today
    client = client_for(Role.BOARD_DIRECTOR)  # another director
    page = client.get(reverse("conflict-list")).content.decode()
    assert "review due" in page and "Confirm still accurate" not in page
    client.force_login(director)
    page = client.get(reverse("conflict-list")).content.decode()
    assert page.count("review due") == 1
    assert reverse("conflict-step", args=[declaration.pk, "review"]) in page
    assert reverse("conflict-step", args=[other.pk, "end"]) in page


def test_confirm_and_end_through_the_page(declaration, director, client):
    _reviewed_on(declaration, TODAY - YEAR - dt.timedelta(days=1))
    client.force_login(director)
    response = client.post(reverse("conflict-step", args=[declaration.pk, "review"]))
    assert response.status_code == 302 and response.url == declaration.get_absolute_url()
    declaration.refresh_from_db()
    assert declaration.reviewed_on == TODAY
    assert "review due" not in client.get(reverse("conflict-list")).content.decode()

    end_url = reverse("conflict-step", args=[declaration.pk, "end"])
    response = client.post(end_url, {"ends_on": "not a date"}, follow=True)
    assert "Enter a valid date." in response.content.decode()
    response = client.post(end_url, {"ends_on": "1999-01-01"}, follow=True)
    assert "cannot end before it starts" in response.content.decode()
    assert client.post(end_url, {"ends_on": TODAY.isoformat()}).status_code == 302
    declaration.refresh_from_db()
    assert declaration.ends_on == TODAY
    assert AuditEvent.objects.filter(action="conflict.ended").count() == 1


@pytest.mark.parametrize("role", [Role.BOARD_DIRECTOR, Role.AUDITOR, Role.RSO])
def test_others_cannot_confirm_or_end_through_the_page(declaration, client_for, role):
    client = client_for(role)
    for step, data in (("review", {}), ("end", {"ends_on": TODAY.isoformat()})):
        response = client.post(reverse("conflict-step", args=[declaration.pk, step]), data)
        assert response.status_code == 403
    declaration.refresh_from_db()
    assert declaration.ends_on is None
    assert not AuditEvent.objects.filter(action__in=["conflict.reviewed", "conflict.ended"])


# The API


def test_review_and_end_through_the_api(declaration, director, api):
    _reviewed_on(declaration, TODAY - 2 * YEAR)
    url = f"/api/v1/conflicts/{declaration.pk}"
    listed = api(director).get("/api/v1/conflicts/").json()["results"]
    assert listed[0]["review_due_on"] == one_year_after(TODAY - 2 * YEAR).isoformat()
    reviewed = api(director).post(f"{url}/review/")
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["reviewed_on"] == TODAY.isoformat()
    assert reviewed.json()["review_due_on"] == one_year_after(TODAY).isoformat()

    assert api(director).post(f"{url}/end/", {}).json() == {"ends_on": ["This field is required."]}
    before = api(director).post(f"{url}/end/", {"ends_on": "1990-01-01"})
    assert before.status_code == 400 and "ends_on" in before.json()
    ended = api(director).post(
        f"{url}/end/", {"ends_on": (TODAY - dt.timedelta(days=1)).isoformat()}
    )
    assert ended.status_code == 200
    assert (ended.json()["ends_on"], ended.json()["review_due_on"]) == (
        (TODAY - dt.timedelta(days=1)).isoformat(),
        None,
    )
    again = api(director).post(f"{url}/review/")
    assert again.status_code == 400 and "ended on" in again.json()["detail"]


def test_api_refusals(declaration, api, make_user):
    url = f"/api/v1/conflicts/{declaration.pk}"
    other = api(make_user(Role.BOARD_DIRECTOR))
    assert other.post(f"{url}/review/").status_code == 403
    assert other.post(f"{url}/end/", {"ends_on": TODAY.isoformat()}).status_code == 403
    assert api(make_user(Role.AUDITOR)).post(f"{url}/review/").status_code == 403
    assert api(make_user(Role.RSO)).post(f"{url}/review/").status_code == 403
    assert api(make_user(Role.SAFETY_STAFF)).get(f"{url}/").status_code == 403
    director = api(declaration.user)
    assert director.post("/api/v1/conflicts/999999/review/").status_code == 404
    assert (
        director.post("/api/v1/conflicts/999999/end/", {"ends_on": "2020-01-01"}).status_code == 404
    )
    declaration.refresh_from_db()
    assert (declaration.ends_on, declaration.reviewed_on) == (None, TODAY)


def test_conflict_list_query_counts_are_flat(make_user, client, django_assert_num_queries):
    people = [make_user(Role.TRUSTEE) for _ in range(6)]
    client.force_login(people[0])

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    _declare(people[0])
    few = {url: queries(url) for url in (reverse("conflict-list"), "/api/v1/conflicts/")}
    for person in people[1:]:
        _declare(person, organisation="Beta")
    for url, count in few.items():
        with django_assert_num_queries(count):
            client.get(url)
