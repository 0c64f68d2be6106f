"""Policy changes: a new framework version goes from draft, to proposed (signed by the CEO and
the RSO, two people), to Trust consultation, to a board vote, to approved, published, and in
effect — or is rejected or withdrawn. One function per transition, each audited; who may take
each, and from which state, is declared in `workflows.board.POLICY_CHANGE`.

The board vote cannot open until the Trust consultation is closed (trust.services closes it and
calls `policy_change_consultation_closed`). When the change takes effect its version becomes the
one in force, adopted by the system."""

import datetime as dt
import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.audit import SYSTEM, Actor, audit_record
from governance.board.models import Motion, PolicyChange

# The diff is a read, in `selectors`; still imported from here by the trust's tests.
from governance.board.selectors import policy_change_diff as policy_change_diff
from governance.board.services.board import motion_open, organisation_names
from governance.board.workflows.board import POLICY_CHANGE, POLICY_CHANGE_CREATE, PROPOSAL, judge_at
from governance.choices import MotionResult, PolicyChangeState
from governance.errors import DomainError, TransitionNotAllowed
from governance.models import FrameworkVersion
from governance.selectors import framework_version_in_force
from governance.services.frameworks import framework_version_adopt
from governance.workflow import Transition

logger = logging.getLogger(__name__)


def _locked(change: PolicyChange) -> PolicyChange:
    return PolicyChange.objects.select_for_update().get(pk=change.pk)


def _follows(change: PolicyChange, name: str) -> Transition:
    """A step no person takes (it follows the consultation's closing, the motion's count, or the
    clock): its state and guards are checked through the declaration, not who takes it."""
    step = POLICY_CHANGE.transition(name)
    if not POLICY_CHANGE.in_source_state(change, name):
        raise TransitionNotAllowed(POLICY_CHANGE.refusal_for_state(change, step))
    for guard in step.guards:
        guard.enforce(change)
    return step


def _move(
    change: PolicyChange, actor: Actor, step: Transition, *, action: str = "", note="", **fields
) -> PolicyChange:
    """Take `step`: to its target state, with `fields`, audited as its action (or `action`)."""
    before = change.state
    change.state = step.target
    for name, value in fields.items():
        setattr(change, name, value)
    change.save(update_fields=["state", *fields])
    audit_record(
        actor=actor,
        action=action or step.audit,
        target=change,
        before={"state": before},
        after={
            "state": change.state,
            **{name: _plain(value) for name, value in fields.items()},
            **({"note": note} if note else {}),
        },
    )
    return change


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "get_username"):
        return value.get_username()
    return value


@transaction.atomic
def policy_change_create(
    *,
    actor: Actor,
    version: FrameworkVersion,
    title: str,
    rationale: str,
    changelog_entry: str,
    effective_from: dt.datetime,
    organisations: Iterable[str] = (),
) -> PolicyChange:
    for check in POLICY_CHANGE_CREATE:
        check.enforce(actor, None)
    errors = {}
    if not title.strip():
        errors["title"] = "Give the change a title."
    if not rationale.strip():
        errors["rationale"] = "Say why the policy should change."
    if not changelog_entry.strip():
        errors["changelog_entry"] = "Write the changelog entry readers will see."
    if version == framework_version_in_force():
        errors["version"] = f"{version} is already the version in force."
    if effective_from.date() < version.effective_date:
        errors["effective_from"] = (
            f"{version} takes effect on {version.effective_date:%Y-%m-%d} at the earliest."
        )
    elif effective_from < timezone.now():
        errors["effective_from"] = "A change takes effect in the future."
    if errors:
        raise ValidationError(errors)
    change = PolicyChange.objects.create(
        title=title.strip(),
        version=version,
        rationale=rationale.strip(),
        changelog_entry=changelog_entry.strip(),
        effective_from=effective_from,
        organisations=organisation_names(organisations),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="policy_change.created",
        target=change,
        after={
            "title": change.title,
            "version": str(version),
            "effective_from": effective_from.isoformat(),
            "organisations": change.organisations,
        },
    )
    return change


@transaction.atomic
def policy_change_sign(*, actor: Actor, change: PolicyChange) -> PolicyChange:
    """The RSO and the CEO each sign the proposal; with both (two people) it is proposed."""
    change = _locked(change)
    step = POLICY_CHANGE.require(actor, change, "sign")
    signed = PROPOSAL.sign(change, actor)
    change.save(update_fields=PROPOSAL.fields(signed.slot))
    audit_record(
        actor=actor, action="policy_change.signed", target=change, after=signed.audit_after()
    )
    if signed.complete:
        change = _move(
            change, actor, step, action="policy_change.proposed", proposed_at=timezone.now()
        )
    return change


@transaction.atomic
def policy_change_consultation_opened(*, actor: Actor, change: PolicyChange) -> PolicyChange:
    """Called by trust.services when the RSO or the CEO puts the question to the Trust."""
    change = _locked(change)
    step = POLICY_CHANGE.require(actor, change, "consult")
    return _move(change, actor, step, consultation_opened_at=timezone.now())


@transaction.atomic
def policy_change_consultation_closed(*, actor: Actor, change: PolicyChange) -> PolicyChange:
    """Called by trust.services when the consultation closes; the state stays until the vote."""
    change = _locked(change)
    step = _follows(change, "close_consultation")
    change.consultation_closed_at = timezone.now()
    change.save(update_fields=["consultation_closed_at"])
    audit_record(actor=actor, action=step.audit, target=change)
    return change


@transaction.atomic
def policy_change_vote_open(
    *,
    actor: Actor,
    change: PolicyChange,
    quorum_fraction: float | None = None,
    pass_fraction: float | None = None,
) -> Motion:
    """Put the change to the board — only once the Trust consultation is closed."""
    change = _locked(change)
    step = POLICY_CHANGE.require(actor, change, "open_vote")
    motion = motion_open(
        actor=actor,
        title=f"Approve the policy change “{change.title}”",
        text=change.rationale,
        organisations=change.organisations,
        quorum_fraction=quorum_fraction,
        pass_fraction=pass_fraction,
        policy_change=change,
    )
    if change.state != step.target:
        _move(change, actor, step, action="policy_change.vote_opened")
    return motion


def policy_change_vote_counted(*, actor: Actor, motion: Motion) -> PolicyChange:
    """The board's decision on a change's motion: passed approves, failed rejects; without a
    quorum the change waits for the motion to be put again."""
    change = _locked(motion.policy_change)
    if motion.result == MotionResult.PASSED:
        return _move(change, actor, _follows(change, "approve"), decided_at=timezone.now())
    if motion.result == MotionResult.FAILED:
        return _move(change, actor, _follows(change, "reject"), decided_at=timezone.now())
    _follows(change, "approve")  # still before the board: the state is checked all the same
    return change


@transaction.atomic
def policy_change_publish(*, actor: Actor, change: PolicyChange) -> PolicyChange:
    """Publish the approved change; it must be public on or before the day it takes effect."""
    now = timezone.now()
    change = judge_at(_locked(change), now=now)
    step = POLICY_CHANGE.require(actor, change, "publish")
    return _move(change, actor, step, published_at=now)


@transaction.atomic
def policy_change_take_effect(
    *, change: PolicyChange, now: dt.datetime | None = None
) -> PolicyChange:
    """Put the published change's version in force (the system acts, at the effective time)."""
    change = judge_at(_locked(change), now=now)
    step = _follows(change, "take_effect")
    framework_version_adopt(
        actor=SYSTEM,
        version=change.version,
        effective_from=change.effective_from,
        note=f"Policy change #{change.pk}: {change.title}",
    )
    return _move(change, SYSTEM, step, action="policy_change.took_effect")


def policy_changes_take_effect_due(now: dt.datetime | None = None) -> int:
    """The beat task's body: every published change whose time has come takes effect."""
    now = now or timezone.now()
    due = PolicyChange.objects.filter(
        state=PolicyChangeState.PUBLISHED, effective_from__lte=now
    ).order_by("effective_from")
    count = 0
    for change in due:
        # One change that cannot take effect must not hold back the others; it stays
        # published, and the error is logged for the RSO to act on.
        try:
            policy_change_take_effect(change=change, now=now)
        except (ValidationError, DomainError):
            logger.exception("Policy change #%s could not take effect", change.pk)
        else:
            count += 1
    return count


@transaction.atomic
def policy_change_withdraw(*, actor: Actor, change: PolicyChange, reason: str) -> PolicyChange:
    """The RSO or the CEO withdraws the change, saying why: until it takes effect, except while
    the board is voting on it."""
    change = _locked(change)
    step = POLICY_CHANGE.require(actor, change, "withdraw")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the change is withdrawn."})
    return _move(change, actor, step, note=reason.strip())
