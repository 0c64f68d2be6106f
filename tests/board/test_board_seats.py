"""Board seats and the chair, recorded by administrators in the admin through the services;
founding trustee terms likewise. The chair receives noncompliance reports about the RSO."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.audit import SYSTEM
from governance.board.models import Director
from governance.board.services.board import board_chair, director_seat, director_seat_change
from governance.choices import Role, SeatType
from governance.models import AuditEvent, Notification
from governance.oversight.services.noncompliance import (
    noncompliance_investigate,
    noncompliance_report_file,
)
from trust.models import TrusteeTerm

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 1)


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True, username="admin"))
    return client


def seat(user, **fields):
    return director_seat(
        actor=SYSTEM, user=user, seat_type=SeatType.STOCKHOLDERS, term_start=START, **fields
    )


def test_the_chair_is_one_sitting_director(make_user):
    first, second = make_user(Role.BOARD_DIRECTOR), make_user(Role.BOARD_DIRECTOR)
    assert board_chair() is None
    first_seat = seat(first, chair=True)
    second_seat = seat(second)
    assert board_chair() == first
    director_seat_change(actor=SYSTEM, director=second_seat, term_end=None, chair=True)
    first_seat.refresh_from_db()
    assert (board_chair(), first_seat.chair) == (second, False)
    # A chair whose term has ended is no longer in the chair.
    director_seat_change(actor=SYSTEM, director=second_seat, term_end=START, chair=True)
    assert board_chair() is None
    change = AuditEvent.objects.filter(action="director.seat_changed").first()  # newest
    assert change.before["term_end"] is None and change.after["term_end"] == "2025-01-01"


def test_only_administrators_change_seats(make_user):
    director = make_user(Role.BOARD_DIRECTOR)
    director_seat_obj = seat(director)
    with pytest.raises(PermissionDenied):
        director_seat_change(actor=director, director=director_seat_obj, term_end=None, chair=True)


def test_a_report_on_the_rso_goes_to_the_chair_who_handles_it(make_user):
    chair, other = make_user(Role.BOARD_DIRECTOR), make_user(Role.BOARD_DIRECTOR)
    seat(chair, chair=True)
    seat(other)
    reporter = make_user(Role.SAFETY_STAFF)
    report = noncompliance_report_file(
        actor=reporter, summary="About the RSO", details="D", concerns_rso=True, anonymous=True
    )
    told = Notification.objects.filter(event_type="noncompliance.filed")
    assert list(told.values_list("user", flat=True)) == [chair.pk]
    with pytest.raises(PermissionDenied, match="chair"):
        noncompliance_investigate(actor=other, report=report)
    assert noncompliance_investigate(actor=chair, report=report).handler == chair


def test_an_administrator_records_a_seat_in_the_admin(admin_client, make_user):
    director = make_user(Role.BOARD_DIRECTOR, username="new-director")
    response = admin_client.post(
        reverse("admin:board_director_add"),
        {
            "user": director.pk,
            "seat_type": SeatType.TRUST,
            "term_start": "2026-01-01",
            "chair": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    seat_row = Director.objects.get(user=director)
    assert seat_row.chair and board_chair() == director
    assert AuditEvent.objects.get(action="director.seated").actor_user.username == "admin"

    response = admin_client.post(
        reverse("admin:board_director_change", args=[seat_row.pk]),
        {"term_end": "2026-06-30"},
    )
    assert response.status_code == 302
    seat_row.refresh_from_db()
    assert (seat_row.term_end, seat_row.chair) == (dt.date(2026, 6, 30), False)
    assert AuditEvent.objects.filter(action="director.seat_changed").count() == 1
    delete = admin_client.get(reverse("admin:board_director_delete", args=[seat_row.pk]))
    assert delete.status_code == 403


def test_the_admin_names_what_is_wrong_with_a_seat(admin_client, make_user):
    not_a_director = make_user(Role.SAFETY_STAFF, username="staffer")
    response = admin_client.post(
        reverse("admin:board_director_add"),
        {
            "user": not_a_director.pk,
            "seat_type": SeatType.TRUST,
            "term_start": "2026-01-01",
            "term_end": "2025-01-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "does not hold the board director role" in page
    assert "A term cannot end before it starts" in page
    assert not Director.objects.exists()


def test_an_administrator_records_a_founding_trustee_term(admin_client, make_user):
    trustee = make_user(Role.TRUSTEE, username="founder")
    url = reverse("admin:trust_trusteeterm_add")
    response = admin_client.post(url, {"user": trustee.pk, "starts_on": "2026-06-01"})
    assert response.status_code == 302
    term = TrusteeTerm.objects.get(user=trustee)
    assert term.ends_on == dt.date(2027, 5, 31)
    assert AuditEvent.objects.filter(action="trustee.term_recorded").exists()
    again = admin_client.post(url, {"user": trustee.pk, "starts_on": "2026-12-01"})
    assert again.status_code == 200 and "already has a term" in again.content.decode()
    outsider = make_user(Role.SAFETY_STAFF)
    refused = admin_client.post(url, {"user": outsider.pk, "starts_on": "2026-06-01"})
    assert "does not hold the trustee role" in refused.content.decode()
    assert TrusteeTerm.objects.count() == 1
