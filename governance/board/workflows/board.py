"""The board: who may take each step on a motion, a meeting, a policy change and a declared
conflict of interest, and what each state awaits.

- A motion: open (each director sitting when it opened and not recused votes once; any of them
  closes the vote) -> closed, with its result. A policy change's motion, once counted, moves
  the change on.
- A meeting: scheduled (by a director or an administrator; motions may be put at it) -> held
  (recorded once its time has come, with the directors present and the minutes) or cancelled
  (with a reason). Held and cancelled are final.
- A policy change: draft -> proposed (the RSO and the CEO sign, two people) -> consultation
  (the Trust is consulted; its closing lets the board vote) -> board vote -> approved (the
  motion passed) or rejected (it failed; without a quorum it is put again) -> published (by the
  RSO, before it takes effect) -> in effect (the system, at the time set). The RSO or the CEO
  may withdraw it until it takes effect, except while the board is voting on it.
- A declaration of a conflict of interest: in force (its declarer confirms it yearly, or ends
  it) -> ended (its end date has passed). It has no state column: the state is read from
  `ends_on`.

The steps a person takes only as a consequence of another record's (the change's consultation
closing, its motion counted) or that the clock takes (a change taking effect, a review reminder)
are the system's: no person is offered them, and their services check only the state here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import rules
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from governance.board.models import ConflictDeclaration, Meeting, Motion, PolicyChange
from governance.choices import MeetingState, MotionState, PolicyChangeState, Role
from governance.errors import TransitionNotAllowed
from governance.models import FrameworkAdoption
from governance.permissions import has_role, is_read_only
from governance.rules import holds, is_director, is_officer, is_system
from governance.selectors import users_with_roles
from governance.signatures import TwoKey
from governance.sitting import trustees_sitting
from governance.workflow import Check, Guard, Transition, Wait, Workflow, declare, person_with

PROPOSAL = TwoKey(prefix="proposal", act="sign a policy change proposal")
DECLARER_ROLES = (Role.BOARD_DIRECTOR, Role.TRUSTEE)


def board_refusal(noun: str) -> Callable[[Any, Transition], str]:
    """Refused states read as the board's pages have always put them ("Cannot publish: the
    change is rejected.")."""

    def refusal(obj, transition: Transition) -> str:
        return f"Cannot {transition.doing}: the {noun} is {obj.get_state_display().lower()}."

    return refusal


# --- The clock ----------------------------------------------------------------------------
# Some steps depend on the time (a meeting is recorded once it has taken place, a change takes
# effect at its time, a declaration is in force until it ends). Their services take a `now` or
# a `today` (for the record, and for tests); they pin it on the locked row with `judge_at`, so
# the declaration judges the step at that moment. Pages and the API judge it at the wall clock.


def judge_at(obj, *, now: dt.datetime | None = None, today: dt.date | None = None):
    obj._judged_at, obj._judged_on = now, today
    return obj


def moment(obj) -> dt.datetime:
    return getattr(obj, "_judged_at", None) or timezone.now()


def day_of(obj) -> dt.date:
    return getattr(obj, "_judged_on", None) or timezone.localdate(moment(obj))


def _end_of(day: dt.date) -> dt.datetime:
    """The last moment of `day` where the lab is: a deadline "by" that day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


# --- Who ----------------------------------------------------------------------------------


@rules.predicate
def is_convener(user) -> bool:
    """Directors and administrators (who may hold no role) convene meetings; auditors never,
    not even an auditing administrator."""
    if not getattr(user, "is_authenticated", False) or is_read_only(user):
        return False
    return bool(user.is_staff) or has_role(user, Role.BOARD_DIRECTOR)


def _director(what: str) -> tuple[Check, ...]:
    return person_with(what, Role.BOARD_DIRECTOR)


def _officer(what: str) -> tuple[Check, ...]:
    return person_with(what, Role.RSO, Role.CEO)


def _convener(what: str) -> Check:
    return Check(is_convener, f"Only a board director or an administrator may {what}.")


def _system(what: str) -> tuple[Check, ...]:
    return (Check(is_system, f"Only the system may {what}."),)


# --- Motions ------------------------------------------------------------------------------


def _pk(user) -> int | None:
    return getattr(user, "pk", None)


@rules.predicate
def sat_when_opened(user, motion: Motion) -> bool:
    # Read through `.all()`, so a page that prefetched the motion's people asks no more.
    return _pk(user) is not None and _pk(user) in {p.pk for p in motion.sitting.all()}


@rules.predicate
def is_recused(user, motion: Motion) -> bool:
    """Recused when the motion opened, or since by a declaration naming one of its
    organisations."""
    from governance.board.selectors import conflicted

    if _pk(user) is None:
        return False
    if _pk(user) in {p.pk for p in motion.recused.all()}:
        return True
    return bool(conflicted([user], motion.organisations))


@rules.predicate
def has_voted(user, motion: Motion) -> bool:
    return _pk(user) is not None and any(v.director_id == _pk(user) for v in motion.votes.all())


def _recusal(motion: Motion) -> str:
    return (
        "You have declared a conflict of interest with an organisation this motion names "
        f"({', '.join(motion.organisations)}), so you are recused from voting on it."
    )


def _eligible(motion: Motion) -> list:
    """The directors who sat when it opened and are not recused (then or since)."""
    from governance.board.selectors import conflicted

    recused = {p.pk for p in motion.recused.all()}
    sitting = [p for p in motion.sitting.all() if p.pk not in recused]
    since = conflicted(sitting, motion.organisations)
    return sorted((p for p in sitting if p.pk not in since), key=lambda p: p.get_username())


def _yet_to_vote(motion: Motion) -> list:
    voted = {v.director_id for v in motion.votes.all()}
    return [p for p in _eligible(motion) if p.pk not in voted]


MOTION = declare(
    Workflow(
        name="motion",
        noun="motion",
        states=MotionState,
        refusal=lambda motion, _: f"The motion “{motion}” is {motion.get_state_display().lower()}.",
        transitions=(
            Transition(
                name="vote",
                label="Vote",
                doing="voted on",
                sources=(MotionState.OPEN,),
                target=None,
                who=(
                    *_director("vote on a motion"),
                    Check(
                        sat_when_opened,
                        "Only directors sitting when the motion opened may vote on it.",
                    ),
                    Check(~is_recused, _recusal),
                    Check(
                        ~has_voted, "You have already voted on this motion.", TransitionNotAllowed
                    ),
                ),
                audit="motion.vote_cast",
            ),
            Transition(
                name="close",
                label="Close the vote",
                doing="closed",
                sources=(MotionState.OPEN,),
                target=MotionState.CLOSED,
                who=(
                    *_director("close a vote"),
                    Check(
                        sat_when_opened,
                        "Only directors sitting when the motion opened may close it.",
                    ),
                    Check(
                        ~is_recused,
                        "You are recused from this motion, so you cannot close its vote.",
                    ),
                ),
                audit="motion.closed (and, for a policy change's motion, the change approved "
                "or rejected)",
            ),
        ),
        waits=(
            Wait(
                MotionState.OPEN,
                lambda motion: (
                    f"{len(_yet_to_vote(motion))} more vote(s) from the eligible directors, "
                    "then a director to close the vote"
                ),
                who=_yet_to_vote,
                when=lambda motion: bool(_yet_to_vote(motion)),
            ),
            Wait(
                MotionState.OPEN,
                "a director to close the vote (every eligible director has voted)",
                who=_eligible,
            ),
        ),
    ),
    Motion,
)

# Who may put a motion to the board (the page's button; `motion_open` enforces it).
MOTION_CREATE = _director("put a motion to the board")
rules.set_rule("motion.create", is_director)


# --- Meetings -----------------------------------------------------------------------------


def meeting_day(meeting: Meeting) -> dt.date:
    return timezone.localdate(meeting.scheduled_for)


def meeting_when(meeting: Meeting) -> str:
    return timezone.localtime(meeting.scheduled_for).strftime("%Y-%m-%d %H:%M %Z")


@rules.predicate
def has_taken_place(user, meeting: Meeting) -> bool:
    return moment(meeting) >= meeting.scheduled_for


def _directors_on_the_day(meeting: Meeting) -> list:
    from governance.board.selectors import directors_sitting

    return directors_sitting(meeting_day(meeting))


MEETING = declare(
    Workflow(
        name="meeting",
        noun="meeting",
        refusal=board_refusal("meeting"),
        states=MeetingState,
        transitions=(
            Transition(
                name="record",
                label="Record as held",
                doing="record the meeting as held",
                sources=(MeetingState.SCHEDULED,),
                target=MeetingState.HELD,
                who=(
                    _convener("record a board meeting"),
                    Check(
                        has_taken_place,
                        lambda meeting: (
                            f"The meeting is scheduled for {meeting_when(meeting)}; record it "
                            "once it has taken place."
                        ),
                        TransitionNotAllowed,
                    ),
                ),
                audit="meeting.held",
            ),
            Transition(
                name="cancel",
                label="Cancel the meeting",
                doing="cancel the meeting",
                sources=(MeetingState.SCHEDULED,),
                target=MeetingState.CANCELLED,
                who=(_convener("cancel a board meeting"),),
                audit="meeting.cancelled",
                notifies="the directors sitting on the day of the meeting",
                recipients=_directors_on_the_day,
            ),
            Transition(
                name="put_motion",
                label="New motion at this meeting",
                doing="put a motion at it",
                sources=(MeetingState.SCHEDULED,),
                target=None,
                who=_director("put a motion to the board"),
                audit="motion.opened",
            ),
        ),
        waits=(
            Wait(
                MeetingState.SCHEDULED,
                "its record: the directors present and the minutes",
                who=_directors_on_the_day,
                when=lambda meeting: moment(meeting) >= meeting.scheduled_for,
            ),
            Wait(
                MeetingState.SCHEDULED,
                "the meeting, then its record",
                who=_directors_on_the_day,
                due=lambda meeting: meeting.scheduled_for,
            ),
        ),
    ),
    Meeting,
)

# Who may schedule a meeting: the service enforces it, the pages and the API read the rule.
MEETING_SCHEDULE = _convener("schedule a board meeting")
rules.set_rule("meeting.schedule", is_convener)


# --- Policy changes -----------------------------------------------------------------------


@rules.predicate
def consultation_closed(user, change: PolicyChange) -> bool:
    return change.consultation_closed_at is not None


@rules.predicate
def vote_open(user, change: PolicyChange) -> bool:
    return any(motion.state == MotionState.OPEN for motion in change.motions.all())


def _open_motion(change: PolicyChange) -> Motion | None:
    return next((m for m in change.motions.all() if m.state == MotionState.OPEN), None)


def _consultation(change: PolicyChange):
    # The reverse accessor of the Trust's model: the core does not import the trust app.
    return getattr(change, "consultation", None)


def _advised(change: PolicyChange) -> bool:
    consultation = _consultation(change)
    return consultation is not None and consultation.advised_at is not None


def _advice_due(change: PolicyChange) -> dt.datetime | None:
    consultation = _consultation(change)
    return _end_of(consultation.respond_by) if consultation is not None else None


def no_clash(change: PolicyChange) -> None:
    """No other version is set to take effect at the same moment."""
    clash = PolicyChange.objects.filter(
        state=PolicyChangeState.PUBLISHED, effective_from=change.effective_from
    ).first()
    if clash or FrameworkAdoption.objects.filter(effective_from=change.effective_from).exists():
        raise ValidationError(
            {
                "effective_from": (
                    f"Another version is already set to take effect at "
                    f"{change.effective_from:%Y-%m-%d %H:%M}"
                    + (f" (policy change #{clash.pk})" if clash else "")
                    + "; withdraw one and propose it again with another time."
                )
            }
        )


def published_in_time(change: PolicyChange) -> None:
    """A change is public on or before the moment it takes effect."""
    if moment(change) > change.effective_from:
        raise ValidationError(
            {
                "effective_from": (
                    f"The change was to take effect at {change.effective_from:%Y-%m-%d %H:%M}; "
                    "a change is published before it takes effect. Propose it again with a "
                    "later date."
                )
            }
        )


def _officers(change: PolicyChange | None = None) -> list:
    return sorted(users_with_roles(Role.RSO, Role.CEO), key=lambda user: user.get_username())


def _directors(change: PolicyChange | None = None) -> list:
    from governance.board.selectors import directors_sitting

    return directors_sitting()


_COUNTED = (PolicyChangeState.BOARD_VOTE,)

POLICY_CHANGE = declare(
    Workflow(
        name="policy_change",
        noun="change",
        refusal=board_refusal("change"),
        states=PolicyChangeState,
        transitions=(
            Transition(
                name="sign",
                label="Sign the proposal",
                doing="sign the proposal",
                sources=(PolicyChangeState.DRAFT,),
                # Proposed with the second signature; the first leaves it a draft.
                target=PolicyChangeState.PROPOSED,
                who=PROPOSAL.checks(),
                audit="policy_change.signed (and policy_change.proposed with both)",
            ),
            Transition(
                name="consult",
                label="Consult the Trust",
                doing="consult the Trust",
                sources=(PolicyChangeState.PROPOSED,),
                target=PolicyChangeState.CONSULTATION,
                who=_officer("consult the Trust"),
                audit="policy_change.consultation_opened",
            ),
            Transition(
                name="close_consultation",
                label="Close the Trust consultation",
                doing="close the consultation",
                sources=(PolicyChangeState.CONSULTATION,),
                # The state stays until the board votes; the board may now vote.
                target=None,
                who=_system("record that the Trust consultation is closed"),
                audit="policy_change.consultation_closed",
            ),
            Transition(
                name="open_vote",
                label="Put it to the board",
                doing="open the board vote",
                sources=(PolicyChangeState.CONSULTATION, PolicyChangeState.BOARD_VOTE),
                target=PolicyChangeState.BOARD_VOTE,
                who=(
                    *_director("put a policy change to the board"),
                    Check(
                        consultation_closed,
                        "The board vote cannot open before the Trust consultation is closed.",
                        TransitionNotAllowed,
                    ),
                    Check(
                        ~vote_open,
                        "A board vote on this change is already open.",
                        TransitionNotAllowed,
                    ),
                ),
                audit="policy_change.vote_opened (motion.opened)",
            ),
            Transition(
                name="approve",
                label="Approve",
                doing="count the vote",
                sources=_COUNTED,
                target=PolicyChangeState.APPROVED,
                who=_system("count the board's vote"),
                audit="policy_change.approved",
            ),
            Transition(
                name="reject",
                label="Reject",
                doing="count the vote",
                sources=_COUNTED,
                target=PolicyChangeState.REJECTED,
                who=_system("count the board's vote"),
                audit="policy_change.rejected",
            ),
            Transition(
                name="publish",
                label="Publish",
                doing="publish",
                sources=(PolicyChangeState.APPROVED,),
                target=PolicyChangeState.PUBLISHED,
                who=person_with("publish a policy change", Role.RSO),
                guards=(Guard(check=no_clash), Guard(check=published_in_time)),
                audit="policy_change.published",
            ),
            Transition(
                name="take_effect",
                label="Take effect",
                doing="take effect",
                sources=(PolicyChangeState.PUBLISHED,),
                target=PolicyChangeState.EFFECTIVE,
                who=_system("put a policy change in effect"),
                guards=(
                    Guard(
                        lambda change: moment(change) >= change.effective_from,
                        lambda change: (
                            f"The change takes effect at {change.effective_from:%Y-%m-%d %H:%M}, "
                            "not before."
                        ),
                    ),
                ),
                audit="policy_change.took_effect (framework_version.adopted)",
            ),
            Transition(
                name="withdraw",
                label="Withdraw",
                doing="withdraw",
                sources=(
                    PolicyChangeState.DRAFT,
                    PolicyChangeState.PROPOSED,
                    PolicyChangeState.CONSULTATION,
                    PolicyChangeState.BOARD_VOTE,
                    PolicyChangeState.APPROVED,
                ),
                target=PolicyChangeState.WITHDRAWN,
                who=(
                    *_officer("withdraw a policy change"),
                    Check(
                        ~vote_open,
                        "Cannot withdraw the change while the board is voting on it.",
                        TransitionNotAllowed,
                    ),
                ),
                audit="policy_change.withdrawn",
            ),
        ),
        waits=(
            Wait(PolicyChangeState.DRAFT, PROPOSAL.awaits, who=PROPOSAL.awaited_from),
            Wait(
                PolicyChangeState.PROPOSED, "the RSO or the CEO to consult the Trust", who=_officers
            ),
            Wait(
                PolicyChangeState.CONSULTATION,
                "a director to put it to the board",
                who=_directors,
                when=lambda change: change.consultation_closed_at is not None,
            ),
            Wait(
                PolicyChangeState.CONSULTATION,
                "the lab's response to the Trust's advice, closing the consultation",
                who=_officers,
                when=_advised,
            ),
            Wait(
                PolicyChangeState.CONSULTATION,
                "the Trust's advice",
                who=lambda change: trustees_sitting(),
                due=_advice_due,
            ),
            Wait(
                PolicyChangeState.BOARD_VOTE,
                "the board's vote",
                who=lambda change: _yet_to_vote(_open_motion(change)),
                when=lambda change: _open_motion(change) is not None,
            ),
            Wait(
                PolicyChangeState.BOARD_VOTE,
                "a director to put it to the board again (the last vote had no quorum)",
                who=_directors,
            ),
            Wait(
                PolicyChangeState.APPROVED,
                "the RSO to publish it before it takes effect",
                who=lambda change: users_with_roles(Role.RSO),
                due=lambda change: change.effective_from,
            ),
            Wait(
                PolicyChangeState.PUBLISHED,
                "its time to take effect",
                due=lambda change: change.effective_from,
            ),
        ),
    ),
    PolicyChange,
)

# Who may draft a policy change: the service enforces it, the list page reads the rule.
POLICY_CHANGE_CREATE = _officer("draft a policy change")
rules.set_rule("policy_change.create", is_officer)


# --- Conflicts of interest ----------------------------------------------------------------


class ConflictState(models.TextChoices):
    CURRENT = "current", "In force"
    ENDED = "ended", "Ended"


def conflict_state(declaration: ConflictDeclaration, today: dt.date | None = None) -> str:
    """In force until the day it ends (on `today`, else the day its step is judged on)."""
    ends_on = declaration.ends_on
    if ends_on is None or ends_on >= (today or day_of(declaration)):
        return ConflictState.CURRENT
    return ConflictState.ENDED


@rules.predicate
def is_declarer(user, declaration: ConflictDeclaration) -> bool:
    return _pk(user) is not None and declaration.user_id == _pk(user)


def _declarer(what: str) -> tuple[Check, ...]:
    return (
        *person_with(what, *DECLARER_ROLES),
        Check(is_declarer, f"Only the person who made a declaration may {what}."),
    )


def _review_due(declaration: ConflictDeclaration) -> dt.datetime:
    from governance.board.selectors import conflict_review_due_on

    return _end_of(conflict_review_due_on(declaration))


CONFLICT = declare(
    Workflow(
        name="conflict",
        noun="declaration",
        open_rows=lambda rows: rows.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate())
        ),
        states=ConflictState,
        derive=conflict_state,
        refusal=lambda declaration, _: (
            f"The declaration ended on {declaration.ends_on:%Y-%m-%d}; nothing to change."
        ),
        transitions=(
            Transition(
                name="review",
                label="Confirm still accurate",
                doing="confirmed",
                sources=(ConflictState.CURRENT,),
                target=None,
                who=_declarer("confirm this declaration"),
                audit="conflict.reviewed",
            ),
            Transition(
                name="end",
                label="End",
                doing="ended",
                sources=(ConflictState.CURRENT,),
                # Ended once its end date has passed; one ending later stays in force until then.
                target=ConflictState.ENDED,
                who=_declarer("end this declaration"),
                audit="conflict.ended",
            ),
            Transition(
                name="remind",
                label="Remind the declarer of the yearly review",
                doing="reminded of",
                sources=(ConflictState.CURRENT,),
                target=None,
                who=_system("remind a declarer of the yearly review"),
                audit="conflict.review_reminded",
                notifies="the declarer",
                recipients=lambda declaration: [declaration.user],
            ),
        ),
        waits=(
            Wait(
                ConflictState.CURRENT,
                "its declarer's yearly confirmation that it is still accurate (or its end)",
                who=lambda declaration: [declaration.user],
                due=_review_due,
            ),
        ),
    ),
    ConflictDeclaration,
)

# Who may declare a conflict: the service enforces it, the register reads the rule.
CONFLICT_DECLARE = person_with("declare a conflict of interest", *DECLARER_ROLES)
rules.set_rule("conflict.declare", holds(*DECLARER_ROLES))
