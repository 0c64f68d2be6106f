"""Board meetings: scheduled by a director or an administrator, then recorded as held (the
directors present and the minutes) once the time has come, or cancelled with a reason.

Who may take each step, and from which state, is declared in `workflows.board.MEETING`: held
and cancelled are final. The directors sitting on the day of the meeting are told when it is
scheduled and when it is cancelled."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.audit import Actor, audit_record
from governance.board.models import Meeting
from governance.board.selectors import directors_sitting
from governance.board.workflows.board import (
    MEETING,
    MEETING_SCHEDULE,
    judge_at,
    meeting_day,
    meeting_when,
)
from governance.choices import MeetingState
from governance.services.notifications import notify


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


@transaction.atomic
def meeting_schedule(
    *,
    actor: Actor,
    title: str,
    scheduled_for: dt.datetime,
    location: str = "",
    agenda: str = "",
    now: dt.datetime | None = None,
) -> Meeting:
    """Call a board meeting for a time to come; the directors sitting that day are told."""
    MEETING_SCHEDULE.enforce(actor, None)
    now = now or timezone.now()
    errors = {}
    if not title.strip():
        errors["title"] = "Give the meeting a title."
    if timezone.is_naive(scheduled_for):
        errors["scheduled_for"] = "Give the time with its time zone."
    elif scheduled_for <= now:
        errors["scheduled_for"] = "A meeting is scheduled for a time to come."
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        title=title.strip(),
        scheduled_for=scheduled_for,
        location=location.strip(),
        agenda=agenda.strip(),
        convened_by=actor,
    )
    audit_record(
        actor=actor,
        action="meeting.scheduled",
        target=meeting,
        after={
            "title": meeting.title,
            "scheduled_for": scheduled_for.isoformat(),
            "location": meeting.location,
        },
    )
    notify(
        event_type="meeting.scheduled",
        users=directors_sitting(meeting_day(meeting)),
        title=f"Board meeting {meeting_when(meeting)}: {meeting.title}",
        body="\n\n".join(part for part in (meeting.location, meeting.agenda) if part),
        link=meeting.get_absolute_url(),
        payload={"meeting": meeting.pk, "scheduled_for": scheduled_for.isoformat()},
    )
    return meeting


@transaction.atomic
def meeting_record(
    *,
    actor: Actor,
    meeting: Meeting,
    attendees: Iterable,
    minutes: str,
    now: dt.datetime | None = None,
) -> Meeting:
    """Record that the meeting was held: the directors present (each sitting on that day) and
    its minutes. Only once its time has come."""
    now = now or timezone.now()
    meeting = judge_at(_locked(meeting), now=now)
    step = MEETING.require(actor, meeting, "record")
    present = {person.pk: person for person in attendees}
    sitting = {person.pk for person in directors_sitting(meeting_day(meeting))}
    errors = {}
    if not present:
        errors["attendees"] = "Name the directors present."
    elif strangers := [person for pk, person in present.items() if pk not in sitting]:
        names = ", ".join(sorted(str(person) for person in strangers))
        errors["attendees"] = f"Not directors sitting on {meeting_day(meeting)}: {names}."
    if not minutes.strip():
        errors["minutes"] = "Record the minutes."
    if errors:
        raise ValidationError(errors)
    meeting.state = step.target
    meeting.minutes = minutes.strip()
    meeting.recorded_by = actor
    meeting.recorded_at = now
    meeting.save(update_fields=["state", "minutes", "recorded_by", "recorded_at", "updated_at"])
    meeting.attendees.set(present.values())
    audit_record(
        actor=actor,
        action=step.audit,
        target=meeting,
        before={"state": MeetingState.SCHEDULED},
        after={
            "state": meeting.state,
            "attendees": sorted(person.get_username() for person in present.values()),
        },
    )
    return meeting


@transaction.atomic
def meeting_cancel(
    *, actor: Actor, meeting: Meeting, reason: str, now: dt.datetime | None = None
) -> Meeting:
    """Cancel a meeting not yet held, saying why; the directors sitting that day are told."""
    meeting = _locked(meeting)
    step = MEETING.require(actor, meeting, "cancel")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the meeting is cancelled."})
    meeting.state = step.target
    meeting.cancel_reason = reason.strip()
    meeting.cancelled_by = actor
    meeting.cancelled_at = now or timezone.now()
    meeting.save(
        update_fields=["state", "cancel_reason", "cancelled_by", "cancelled_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        action=step.audit,
        target=meeting,
        before={"state": MeetingState.SCHEDULED},
        after={"state": meeting.state, "reason": meeting.cancel_reason},
    )
    notify(
        event_type=step.audit,
        users=step.recipients(meeting),
        title=f"Cancelled: board meeting {meeting_when(meeting)}, {meeting.title}",
        body=meeting.cancel_reason,
        link=meeting.get_absolute_url(),
        payload={"meeting": meeting.pk, "scheduled_for": meeting.scheduled_for.isoformat()},
    )
    return meeting
