"""Irreversible steps on the board's pages ask for confirmation stating what is done: recording
or cancelling a meeting, confirming or ending a declaration of interest (static/js/confirm.js
opens the dialog from the form's data-confirm)."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from governance.audit import SYSTEM
from governance.board.services.board import conflict_declare, director_seat
from governance.board.services.meetings import meeting_schedule
from governance.choices import Role, SeatType
from tests.conftest import FIXED_NOW

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]


def confirmation(page: str, action: str) -> str | None:
    """The data-confirm of the form posting to `action` (None when there is no such form or it
    asks nothing)."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>', page)
    if form is None:
        return None
    text = re.search(r'data-confirm="([^"]*)"', form.group(0))
    return html.unescape(text.group(1)) if text else None


@pytest.fixture
def director(make_user):
    user = make_user(Role.BOARD_DIRECTOR, username="dana", first_name="Dana", last_name="D")
    director_seat(
        actor=SYSTEM,
        user=user,
        seat_type=SeatType.STOCKHOLDERS,
        term_start=FIXED_NOW.date() - dt.timedelta(days=365),
    )
    return user


def test_recording_and_cancelling_a_meeting_ask_for_confirmation(client, director):
    meeting = meeting_schedule(
        actor=director,
        title="Budget meeting",
        scheduled_for=FIXED_NOW - dt.timedelta(hours=2),
        now=FIXED_NOW - dt.timedelta(days=1),
    )
    client.force_login(director)
    page = client.get(meeting.get_absolute_url()).content.decode()
    record = confirmation(page, reverse("meeting-step", args=[meeting.pk, "record"]))
    assert record.startswith("You record “Budget meeting” as held")
    assert "cannot be changed or cancelled afterwards" in record
    cancel = confirmation(page, reverse("meeting-step", args=[meeting.pk, "cancel"]))
    assert "Cancelling is final" in cancel and "are told" in cancel
    assert 'class="table-scroll"' in page


def test_confirming_and_ending_a_declaration_say_what_is_attested(client, director):
    declaration = conflict_declare(
        actor=director,
        organisation="Acme Bio",
        relationship="Holds shares",
        kind="financial",
        starts_on=FIXED_NOW.date() - dt.timedelta(days=400),
    )
    client.force_login(director)
    page = client.get(reverse("conflict-list")).content.decode()
    review = confirmation(page, reverse("conflict-step", args=[declaration.pk, "review"]))
    assert review.startswith(
        "You confirm that your declaration — Holds shares with Acme Bio — is still accurate"
    )
    end = confirmation(page, reverse("conflict-step", args=[declaration.pk, "end"]))
    assert "no longer recuses you" in end and "cannot be undone" in end


def test_readers_are_offered_no_step(client, director, make_user):
    meeting = meeting_schedule(
        actor=director,
        title="Budget meeting",
        scheduled_for=FIXED_NOW - dt.timedelta(hours=2),
        now=FIXED_NOW - dt.timedelta(days=1),
    )
    client.force_login(make_user(Role.AUDITOR))
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "data-confirm" not in page and "Record as held" not in page
