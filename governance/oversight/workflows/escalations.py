"""Escalations and restrictions: who may take each step, and what each state awaits.

An escalation: open -> acknowledged -> resolved or dismissed (from open too) -> reopened (open).
Acknowledging stops the 48-hour raise to the CEO; past its due date it is raised to the CEO, then
to the board and the trustees (the system's steps).

A restriction (a pause on training, a hold on deployment): proposed (by the system, with a
threshold escalation; it blocks at once) -> active (the RSO and the CEO both sign) -> lifted (both
sign again, on grounds). Proposed, active or waived, it may be waived under written interim
measures until a date (both sign the same measures); either officer ends them early. A proposal
is withdrawn when its escalation is dismissed.

Creating an escalation or proposing a restriction is no transition from a state: the system does
it (`escalation_raise`, `_propose_restrictions` in the services).
"""

import datetime as dt

import rules

from governance.choices import (
    DeterminationState,
    EscalationKind,
    EscalationLevel,
    FindingOutcome,
    Role,
)
from governance.choices import EscalationState as E
from governance.choices import RestrictionState as R
from governance.determinations.models import Finding
from governance.determinations.selectors import safeguards_in_force
from governance.errors import TransitionNotAllowed
from governance.oversight.models import Escalation, Restriction
from governance.rules import holds, is_machine, is_officer, is_rso, is_system, role_labels
from governance.selectors import users_with_roles
from governance.signatures import ROLE_OF_SLOT, TITLE_OF_SLOT, TwoKey
from governance.workflow import Check, Guard, Transition, Wait, Workflow, declare

# Who works an escalation; resolving needs a decider; dismissing is the RSO's alone.
HANDLERS = (Role.RSO, Role.CEO, Role.SAFETY_STAFF)
RESOLVERS = (Role.RSO, Role.CEO)
# Not acknowledged within this long after opening (or after being raised): raised a level.
ACKNOWLEDGE_WITHIN = dt.timedelta(hours=48)

ACTIVATION = TwoKey(prefix="activation", act="sign to activate a restriction")
LIFT = TwoKey(prefix="lift", act="sign to lift a restriction")
WAIVER = TwoKey(prefix="waiver", act="sign interim measures")


@rules.predicate
def only_with_dismissal(user, restriction) -> bool:
    """Nobody withdraws a proposal by hand: it goes with its escalation's dismissal."""
    return False


def acknowledgers(escalation: Escalation) -> tuple[str, ...]:
    """Who may acknowledge it. Acknowledging stops the 48-hour raise to the CEO, so a threshold
    escalation (a crossing, or a run that cannot rule one out) is acknowledged by the deciders
    themselves; safety staff acknowledge warnings and the rest."""
    return RESOLVERS if escalation.kind == EscalationKind.THRESHOLD else HANDLERS


ACKNOWLEDGERS_IN_WORDS = {
    RESOLVERS: "the RSO or the CEO",
    HANDLERS: "the RSO, the CEO or safety staff",
}

is_handler = holds(*HANDLERS)
is_resolver = holds(*RESOLVERS)


@rules.predicate
def may_acknowledge(user, escalation) -> bool:
    deciders_only = escalation.kind == EscalationKind.THRESHOLD
    return (is_resolver if deciders_only else is_handler).test(user)


def _acknowledge_refusal(escalation: Escalation) -> str:
    labels = role_labels(*acknowledgers(escalation), joiner=", ")
    if escalation.kind == EscalationKind.THRESHOLD:
        return (
            f"Only {labels} may acknowledge a threshold escalation (it stops the 48-hour raise "
            "to the CEO)."
        )
    return f"Only {labels} may acknowledge an escalation."


def _only(roles: tuple[str, ...], what: str) -> str:
    return f"Only {role_labels(*roles, joiner=', ')} may {what}."


def _watchers(escalation: Escalation) -> list:
    """Told of each step taken by hand: the assignee, the RSO and safety staff."""
    return [escalation.assignee, *users_with_roles(Role.RSO, Role.SAFETY_STAFF)]


def _raised_to(escalation: Escalation) -> list:
    """Told once it is raised (read at its new level): the CEO first, then the board and the
    trustees; and the assignee."""
    roles = (
        (Role.CEO,)
        if escalation.level == EscalationLevel.CEO
        else (Role.BOARD_DIRECTOR, Role.TRUSTEE)
    )
    return [*users_with_roles(*roles), escalation.assignee]


def acknowledge_by(escalation: Escalation) -> dt.datetime:
    """When it is raised a level unless acknowledged (or resolved) first."""
    if escalation.level == EscalationLevel.ASSIGNEE:
        return min(escalation.opened_at + ACKNOWLEDGE_WITHIN, escalation.due_at)
    return (escalation.raised_at or escalation.opened_at) + ACKNOWLEDGE_WITHIN


def _people(*roles: str) -> list:
    return sorted(users_with_roles(*roles), key=lambda user: user.get_username())


ESCALATION = declare(
    Workflow(
        name="escalation",
        noun="escalation",
        states=E,
        transitions=(
            Transition(
                name="update",
                label="Record new evidence",
                doing="updated",
                sources=(E.OPEN, E.ACKNOWLEDGED),
                target=None,
                who=(Check(is_machine, "Only the system records new evidence on an escalation."),),
                audit="escalation.updated",
                notifies="when a warning becomes a crossing, the assignee and safety staff",
                recipients=lambda e: [e.assignee, *users_with_roles(Role.SAFETY_STAFF)],
            ),
            Transition(
                name="raise",
                label="Raise a level",
                doing="raised",
                sources=(E.OPEN, E.ACKNOWLEDGED),
                target=None,
                who=(Check(is_machine, "Only the system raises an escalation."),),
                audit="escalation.raised",
                notifies="the CEO, then the board directors and trustees; the assignee",
                recipients=_raised_to,
            ),
            Transition(
                name="acknowledge",
                label="Acknowledge",
                doing="acknowledged",
                sources=(E.OPEN,),
                target=E.ACKNOWLEDGED,
                who=(Check(is_system | may_acknowledge, _acknowledge_refusal),),
                audit="escalation.acknowledged",
                notifies="the assignee, the RSO and safety staff",
                recipients=_watchers,
            ),
            Transition(
                name="resolve",
                label="Resolve",
                doing="resolved",
                sources=(E.OPEN, E.ACKNOWLEDGED),
                target=E.RESOLVED,
                who=(Check(is_system | is_resolver, _only(RESOLVERS, "resolve an escalation")),),
                audit="escalation.resolved",
                notifies="the assignee, the RSO and safety staff",
                recipients=_watchers,
            ),
            Transition(
                name="dismiss",
                label="Dismiss",
                doing="dismissed",
                sources=(E.OPEN, E.ACKNOWLEDGED),
                target=E.DISMISSED,
                who=(Check(is_system | is_rso, _only((Role.RSO,), "dismiss an escalation")),),
                audit="escalation.dismissed",  # its proposals: restriction.withdrawn
                notifies="the assignee, the RSO and safety staff",
                recipients=_watchers,
            ),
            Transition(
                name="reopen",
                label="Reopen",
                doing="reopened",
                sources=(E.RESOLVED, E.DISMISSED),
                target=E.OPEN,
                who=(Check(is_system | is_handler, _only(HANDLERS, "reopen an escalation")),),
                audit="escalation.open",
                notifies="the assignee, the RSO and safety staff",
                recipients=_watchers,
            ),
        ),
        waits=(
            Wait(
                E.OPEN,
                lambda e: (
                    f"acknowledgement by {ACKNOWLEDGERS_IN_WORDS[acknowledgers(e)]} before it "
                    "is raised "
                    + ("to the CEO" if e.level == EscalationLevel.ASSIGNEE else "further")
                ),
                who=lambda e: _people(*acknowledgers(e)),
                due=acknowledge_by,
            ),
            Wait(
                E.ACKNOWLEDGED,
                lambda e: (
                    "a resolution by the RSO or the CEO"
                    + (
                        ", with a decided determination on the model"
                        if e.kind == EscalationKind.THRESHOLD
                        else ""
                    )
                ),
                who=lambda e: _people(*RESOLVERS),
                due=lambda e: e.due_at,
            ),
        ),
    ),
    Escalation,
)


# Restrictions

NOT_SYSTEM = Check(~is_machine, "A restriction is signed by people, not by the system.")


@rules.predicate
def waiver_on(user, restriction) -> bool:
    return restriction.waiver_in_force()


@rules.predicate
def waiver_renewable(user, restriction) -> bool:
    """Interim measures both officers signed that are no longer in force (ended, or past their
    date): the officers decide anew, both signing again, whoever signed the last ones."""
    return restriction.waived_at is not None and not restriction.waiver_in_force()


def waiver_pending(restriction: Restriction) -> bool:
    """Interim measures one officer has signed and the other not yet."""
    return restriction.waived_at is None and WAIVER.is_started(restriction)


def _renewable(check: Check) -> Check:
    """A TwoKey check that a new round of interim measures passes: their earlier signatures
    are cleared when the first officer signs the new ones."""
    return Check(check.predicate | waiver_renewable, check.message, check.refusal)


WAIVER_OFFICER, *WAIVER_SIGNATURE = WAIVER.checks()


def _signer(restriction: Restriction, slot: str):
    """Who gave `slot`'s signature on the decision about a proposed restriction: to activate it,
    or failing that, to waive it."""
    for key in (ACTIVATION, WAIVER):
        if key.signer_id(restriction, slot) is not None:
            return getattr(restriction, key.fields(slot)[0])
    return None


def decision_awaited(restriction: Restriction) -> str:
    """'the RSO (robin has signed) and the CEO': whose decision a proposed restriction awaits."""
    parts = []
    for slot in ROLE_OF_SLOT:
        person = _signer(restriction, slot)
        title = TITLE_OF_SLOT[slot]
        parts.append(f"{title} ({person} has signed)" if person else title)
    return " and ".join(parts)


def grounds_to_lift(restriction: Restriction) -> None:
    """A pause ends when the safeguards it waits for are in force, or when a final
    determination finds the threshold not crossed. Checked with the second signature: the first
    may be given while the grounds are still coming."""
    if len(LIFT.missing_slots(restriction)) != 1:
        return
    threshold = restriction.escalation.threshold if restriction.escalation_id else None
    if threshold is None:
        return
    if safeguards_in_force(restriction.model, list(threshold.required_safeguards.all())):
        return
    cleared = Finding.objects.filter(
        determination__model=restriction.model,
        determination__state=DeterminationState.FINAL,
        threshold__code=threshold.code,
        outcome=FindingOutcome.BELOW,
    ).exists()
    if not cleared:
        raise TransitionNotAllowed(
            f"{threshold.code}'s required safeguards are not approved and in force, and no final "
            "determination finds it not crossed: the restriction stays."
        )


def _told_of_restriction(restriction: Restriction) -> list:
    return users_with_roles(Role.RSO, Role.CEO, Role.SAFETY_STAFF)


def _pending_waiver(state: str) -> Wait:
    return Wait(
        state,
        lambda r: (
            f"{WAIVER.awaits(r)} on the interim measures until "
            f"{r.waiver_until:%Y-%m-%d %H:%M} UTC (until then it keeps blocking)"
        ),
        who=WAIVER.awaited_from,
        when=waiver_pending,
    )


RESTRICTION = declare(
    Workflow(
        name="restriction",
        noun="restriction",
        states=R,
        transitions=(
            Transition(
                name="activate",
                label="Sign to activate",
                doing="signed to activate",
                sources=(R.PROPOSED,),
                # Active with the second signature; the first leaves it proposed.
                target=R.ACTIVE,
                who=(NOT_SYSTEM, *ACTIVATION.checks()),
                audit="restriction.activate_signed (restriction.active with both)",
                notifies="with both signatures, the RSO, the CEO and safety staff",
                recipients=_told_of_restriction,
            ),
            Transition(
                name="lift",
                label="Sign to lift",
                doing="signed to lift",
                # A waived restriction is lifted on the same grounds as an active one.
                sources=(R.ACTIVE, R.WAIVED),
                target=R.LIFTED,
                who=(NOT_SYSTEM, *LIFT.checks()),
                guards=(Guard(check=grounds_to_lift),),
                audit="restriction.lift_signed (restriction.lifted with both)",
                notifies="with both signatures, the RSO, the CEO and safety staff",
                recipients=_told_of_restriction,
            ),
            Transition(
                name="waive",
                label="Sign interim measures",
                doing="waived",
                sources=(R.PROPOSED, R.ACTIVE, R.WAIVED),
                # Waived with the second signature on the same measures.
                target=R.WAIVED,
                who=(
                    NOT_SYSTEM,
                    WAIVER_OFFICER,
                    Check(
                        ~waiver_on,
                        lambda r: (
                            f"Interim measures are in force until "
                            f"{r.waiver_until:%Y-%m-%d %H:%M} UTC; decide again when they end."
                        ),
                        TransitionNotAllowed,
                    ),
                    *(_renewable(check) for check in WAIVER_SIGNATURE),
                ),
                audit="restriction.waiver_signed (restriction.waived with both)",
                notifies="with both signatures, the RSO, the CEO, safety staff, the board "
                "directors and the trustees",
                recipients=lambda r: users_with_roles(
                    Role.RSO, Role.CEO, Role.SAFETY_STAFF, Role.BOARD_DIRECTOR, Role.TRUSTEE
                ),
            ),
            Transition(
                name="end_waiver",
                label="End interim measures",
                doing="relieved of interim measures",
                sources=(R.WAIVED,),
                # Stays waived; the measures' end moves to now, and it blocks again.
                target=None,
                who=(
                    NOT_SYSTEM,
                    Check(is_officer, _only(RESOLVERS, "end interim measures")),
                    Check(
                        waiver_on,
                        "No interim measures are in force for this restriction.",
                        TransitionNotAllowed,
                    ),
                ),
                audit="restriction.waiver_ended",
                notifies="the RSO, the CEO and safety staff",
                recipients=_told_of_restriction,
            ),
            Transition(
                name="withdraw",
                label="Withdraw",
                doing="withdrawn",
                sources=(R.PROPOSED,),
                target=R.WITHDRAWN,
                who=(
                    Check(
                        only_with_dismissal,
                        "A proposed restriction is withdrawn by dismissing its escalation.",
                    ),
                ),
                audit="restriction.withdrawn",
            ),
        ),
        waits=(
            _pending_waiver(R.PROPOSED),
            _pending_waiver(R.ACTIVE),
            _pending_waiver(R.WAIVED),
            Wait(
                R.PROPOSED,
                lambda r: (
                    f"a decision by {decision_awaited(r)}: both sign to activate it, or to waive "
                    "it under interim measures (until then it blocks)"
                ),
                who=ACTIVATION.awaited_from,
            ),
            Wait(
                R.ACTIVE,
                lambda r: (
                    f"{LIFT.awaits(r)} to lift it, once the required safeguards are in force or "
                    "a final determination finds the threshold not crossed"
                ),
                who=LIFT.awaited_from,
            ),
            Wait(
                R.WAIVED,
                "the end of the interim measures, when it blocks again",
                due=lambda r: r.waiver_until,
                when=lambda r: r.waiver_in_force(),
            ),
            Wait(
                R.WAIVED,
                "a new decision by the RSO and the CEO: the interim measures ended and it blocks "
                "again (sign to lift it, or new interim measures)",
                who=lambda r: _people(*RESOLVERS),
            ),
        ),
    ),
    Restriction,
)
