"""The board: director seats, declared conflicts of interest, and motions with their votes.

Quorum and majority are computed by `motion_result`, a pure function, so the rules at the edges
(ties, abstentions, recusals) are tested without a database. Recusal is decided on the server:
a director with a conflict declared on an organisation the motion names cannot vote on it.
Who sits, who is conflicted and the tally so far are reads, in `selectors`."""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.audit import Actor, AuditActor, audit_record
from governance.board.models import ConflictDeclaration, Director, Meeting, Motion, Vote
from governance.board.selectors import (
    Tally,
    conflicted,
    directors_sitting,
    motion_count,
    organisation_key,
)

# Reads that moved to `selectors`, re-exported: the oversight workflow and the tests import
# them from here (as the trust app, the app config and the tests do the reads above).
from governance.board.selectors import board_chair as board_chair
from governance.board.selectors import trust_seat_share as trust_seat_share
from governance.board.workflows.board import CONFLICT_DECLARE, MEETING, MOTION, MOTION_CREATE
from governance.choices import ConflictKind, MotionResult, Role, SeatType, VoteChoice
from governance.errors import DomainError
from governance.permissions import has_role


def _administrator(actor: Actor, what: str) -> None:
    if isinstance(actor, AuditActor):
        return
    if not (getattr(actor, "is_authenticated", False) and actor.is_staff):
        raise PermissionDenied(f"Only an administrator may {what}.")


def organisation_names(names: Iterable[str]) -> list[str]:
    cleaned, seen = [], set()
    for name in names or ():
        if not isinstance(name, str) or not name.strip():
            raise ValidationError({"organisations": "Each organisation must be a non-empty name."})
        key = organisation_key(name)
        if key not in seen:
            seen.add(key)
            cleaned.append(" ".join(name.split()))
    return cleaned


# --- Seats and conflicts -------------------------------------------------------------------


def _seat_fields(director: Director) -> dict:
    return {
        "user": director.user.get_username(),
        "seat_type": director.seat_type,
        "term_start": director.term_start.isoformat(),
        "term_end": director.term_end.isoformat() if director.term_end else None,
        "chair": director.chair,
    }


def _take_the_chair(director: Director) -> None:
    Director.objects.filter(chair=True).exclude(pk=director.pk).update(chair=False)


def director_seat_validate(*, user, seat_type: str, term_start, term_end) -> None:
    """The rules of a seat, for the service and the admin form alike."""
    errors = {}
    if seat_type not in SeatType.values:
        errors["seat_type"] = f"Choose one of: {', '.join(SeatType.values)}."
    if term_start is not None and term_end is not None and term_end < term_start:
        errors["term_end"] = "A term cannot end before it starts."
    if user is not None and not has_role(user, Role.BOARD_DIRECTOR):
        errors["user"] = f"{user} does not hold the board director role."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def director_seat(
    *,
    actor: Actor,
    user,
    seat_type: str,
    term_start: dt.date,
    term_end: dt.date | None = None,
    chair: bool = False,
) -> Director:
    """Record that `user` holds a board seat for a term (administrators, or the system)."""
    _administrator(actor, "record a board seat")
    director_seat_validate(user=user, seat_type=seat_type, term_start=term_start, term_end=term_end)
    director = Director.objects.create(
        user=user, seat_type=seat_type, term_start=term_start, term_end=term_end, chair=chair
    )
    if chair:
        _take_the_chair(director)
    audit_record(
        actor=actor, action="director.seated", target=director, after=_seat_fields(director)
    )
    return director


@transaction.atomic
def director_seat_change(
    *, actor: Actor, director: Director, term_end: dt.date | None, chair: bool
) -> Director:
    """End a seat's term (or set its end), and give it the chair or take it away."""
    _administrator(actor, "change a board seat")
    director = Director.objects.select_for_update().select_related("user").get(pk=director.pk)
    if term_end is not None and term_end < director.term_start:
        raise ValidationError({"term_end": "A term cannot end before it starts."})
    before = _seat_fields(director)
    director.term_end = term_end
    director.chair = bool(chair)
    director.save(update_fields=["term_end", "chair"])
    if director.chair:
        _take_the_chair(director)
    after = _seat_fields(director)
    if after != before:
        audit_record(
            actor=actor, action="director.seat_changed", target=director, before=before, after=after
        )
    return director


@transaction.atomic
def conflict_declare(
    *,
    actor: Actor,
    organisation: str,
    relationship: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
) -> ConflictDeclaration:
    """A director or trustee declares their own interest in an organisation."""
    for check in CONFLICT_DECLARE:
        check.enforce(actor, None)
    names = organisation_names([organisation])
    if not names:
        raise ValidationError({"organisation": "Name the organisation."})
    if not relationship.strip():
        raise ValidationError({"relationship": "Say what the relationship is."})
    if kind not in ConflictKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(ConflictKind.values)}."})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "A declaration cannot end before it starts."})
    declaration = ConflictDeclaration.objects.create(
        user=actor,
        organisation=names[0],
        relationship=relationship.strip(),
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        reviewed_on=timezone.localdate(),
    )
    audit_record(
        actor=actor,
        action="conflict.declared",
        target=declaration,
        after={"organisation": names[0], "kind": kind, "starts_on": starts_on.isoformat()},
    )
    return declaration


# --- Motions and votes ---------------------------------------------------------------------


def motion_result(tally: Tally, *, quorum_fraction: float, pass_fraction: float) -> str:
    """Quorum: strictly more than `quorum_fraction` of the eligible directors took part
    (abstaining is taking part). Passing: yes votes are strictly more than `pass_fraction` of the
    votes cast (yes + no), so a tie fails and a motion nobody voted yes or no on fails."""
    if tally.eligible == 0 or tally.participants <= quorum_fraction * tally.eligible:
        return MotionResult.NO_QUORUM
    if tally.yes > pass_fraction * (tally.yes + tally.no):
        return MotionResult.PASSED
    return MotionResult.FAILED


def _fraction(value, field: str, floor: float) -> float:
    """A motion may set a stricter rule than the board's (e.g. two thirds), never a laxer one."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValidationError({field: "Give a number between 0 and 1."}) from None
    if not floor <= value < 1:
        raise ValidationError(
            {field: f"Give a number from the board's rule, {floor:g}, up to (not including) 1."}
        )
    return value


@transaction.atomic
def motion_open(
    *,
    actor: Actor,
    title: str,
    text: str = "",
    organisations: Iterable[str] = (),
    quorum_fraction: float | None = None,
    pass_fraction: float | None = None,
    policy_change=None,
    meeting: Meeting | None = None,
) -> Motion:
    """Put a question to the board, at a meeting still scheduled if one is given. The sitting
    directors and those recused are fixed now, whether or not there is a meeting."""
    for check in MOTION_CREATE:
        check.enforce(actor, None)
    if not title.strip():
        raise ValidationError({"title": "Give the motion a title."})
    if meeting is not None:
        # Locked, so the meeting cannot be recorded or cancelled while the motion is put.
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not MEETING.in_source_state(meeting, "put_motion"):
            raise ValidationError(
                {
                    "meeting": f"The meeting “{meeting}” is "
                    f"{meeting.get_state_display().lower()}; a motion is put at a meeting "
                    "still scheduled."
                }
            )
    names = organisation_names(organisations)
    sitting = directors_sitting()
    if not sitting:
        raise DomainError("No director holds a seat today; record the board's seats first.")
    recused = conflicted(sitting, names)
    motion = Motion.objects.create(
        title=title.strip(),
        text=text.strip(),
        organisations=names,
        quorum_fraction=_fraction(
            settings.BOARD_QUORUM_FRACTION if quorum_fraction is None else quorum_fraction,
            "quorum_fraction",
            settings.BOARD_QUORUM_FRACTION,
        ),
        pass_fraction=_fraction(
            settings.BOARD_PASS_FRACTION if pass_fraction is None else pass_fraction,
            "pass_fraction",
            settings.BOARD_PASS_FRACTION,
        ),
        policy_change=policy_change,
        meeting=meeting,
        opened_by=actor,
        opened_at=timezone.now(),
    )
    motion.sitting.set(sitting)
    motion.recused.set([person for person in sitting if person.pk in recused])
    audit_record(
        actor=actor,
        action="motion.opened",
        target=motion,
        after={
            "title": motion.title,
            "organisations": names,
            "quorum_fraction": motion.quorum_fraction,
            "pass_fraction": motion.pass_fraction,
            "sitting": [person.get_username() for person in sitting],
            "recused": sorted(p.get_username() for p in sitting if p.pk in recused),
            **({"meeting": meeting.pk} if meeting is not None else {}),
        },
    )
    return motion


def _locked(motion: Motion) -> Motion:
    return Motion.objects.select_for_update().get(pk=motion.pk)


@transaction.atomic
def vote_cast(*, actor: Actor, motion: Motion, choice: str) -> Vote:
    """One vote per sitting director who is not recused (then or since); a vote once cast
    stands."""
    motion = _locked(motion)
    step = MOTION.require(actor, motion, "vote")
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": f"Choose one of: {', '.join(VoteChoice.values)}."})
    vote = Vote.objects.create(motion=motion, director=actor, choice=choice, at=timezone.now())
    audit_record(actor=actor, action=step.audit, target=motion, after={"choice": choice})
    return vote


@transaction.atomic
def motion_close(*, actor: Actor, motion: Motion) -> Motion:
    """Close the vote and record the result with its tally."""
    motion = _locked(motion)
    step = MOTION.require(actor, motion, "close")
    tally = motion_count(motion)
    motion.result = motion_result(
        tally, quorum_fraction=motion.quorum_fraction, pass_fraction=motion.pass_fraction
    )
    motion.tally = tally.as_dict()
    motion.state = step.target
    motion.closed_at = timezone.now()
    motion.save(update_fields=["result", "tally", "state", "closed_at"])
    audit_record(
        actor=actor,
        action="motion.closed",
        target=motion,
        after={"result": motion.result, **motion.tally},
    )
    if motion.policy_change_id:
        # Imported here: policy changes open their motions through this module.
        from governance.board.services.policy_changes import policy_change_vote_counted

        policy_change_vote_counted(actor=actor, motion=motion)
    return motion
