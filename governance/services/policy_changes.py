"""Policy changes: a new framework version goes from draft, to proposed (signed by the CEO and
the RSO, two people), to Trust consultation, to a board vote, to approved, published, and in
effect — or is rejected or withdrawn. One function per transition, each audited.

The board vote cannot open until the Trust consultation is closed (trust.services closes it and
calls `policy_change_consultation_closed`). When the change takes effect its version becomes the
one in force, adopted by the system."""

import datetime as dt
import difflib
import logging
from collections.abc import Iterable

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..audit import SYSTEM, Actor, audit_record
from ..choices import MotionResult, MotionState, PolicyChangeState, Role
from ..errors import DomainError, TransitionNotAllowed
from ..models import FrameworkAdoption, FrameworkVersion, Motion, PolicyChange
from ..permissions import has_role, require_person
from ..selectors import framework_version_in_force
from .board import motion_open, organisation_names
from .frameworks import framework_version_adopt

logger = logging.getLogger(__name__)

PROPOSERS = (Role.RSO, Role.CEO)
# Withdrawable until it takes effect, except while the board is voting on it.
WITHDRAWABLE = (
    PolicyChangeState.DRAFT,
    PolicyChangeState.PROPOSED,
    PolicyChangeState.CONSULTATION,
    PolicyChangeState.BOARD_VOTE,
    PolicyChangeState.APPROVED,
)


def _locked(change: PolicyChange, *states: str, what: str) -> PolicyChange:
    change = PolicyChange.objects.select_for_update().get(pk=change.pk)
    if change.state not in states:
        raise TransitionNotAllowed(
            f"Cannot {what}: the change is {change.get_state_display().lower()}."
        )
    return change


def _move(
    change: PolicyChange, actor: Actor, state: str, action: str, *, note: str = "", **fields
) -> PolicyChange:
    before = change.state
    change.state = state
    for name, value in fields.items():
        setattr(change, name, value)
    change.save(update_fields=["state", *fields])
    audit_record(
        actor=actor,
        action=f"policy_change.{action}",
        target=change,
        before={"state": before},
        after={
            "state": state,
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


def policy_change_diff(change: PolicyChange, against: FrameworkVersion | None = None) -> str:
    """A unified diff of the proposed version's file content against the version in force."""
    against = against or framework_version_in_force()

    def lines(version):
        if version is None:
            return []
        text = yaml.safe_dump(version.document, sort_keys=False, allow_unicode=True, width=100)
        return text.splitlines(keepends=True)

    return "".join(
        difflib.unified_diff(
            lines(against),
            lines(change.version),
            fromfile=str(against) if against else "(no version in force)",
            tofile=str(change.version),
        )
    )


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
    require_person(actor, PROPOSERS, "draft a policy change")
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
    require_person(actor, PROPOSERS, "sign a policy change proposal")
    change = _locked(change, PolicyChangeState.DRAFT, what="sign the proposal")
    as_rso = has_role(actor, Role.RSO) and change.proposal_rso_id is None
    as_ceo = has_role(actor, Role.CEO) and change.proposal_ceo_id is None and not as_rso
    if actor.pk in (change.proposal_rso_id, change.proposal_ceo_id) or not (as_rso or as_ceo):
        raise TransitionNotAllowed(
            "The proposal needs the signatures of the RSO and the CEO, two different people; "
            "you have signed it or your role's signature is already there."
        )
    field = "proposal_rso" if as_rso else "proposal_ceo"
    setattr(change, field, actor)
    change.save(update_fields=[field])
    audit_record(actor=actor, action="policy_change.signed", target=change, after={"as": field[9:]})
    if change.proposal_rso_id and change.proposal_ceo_id:
        change = _move(
            change, actor, PolicyChangeState.PROPOSED, "proposed", proposed_at=timezone.now()
        )
    return change


@transaction.atomic
def policy_change_consultation_opened(*, actor: Actor, change: PolicyChange) -> PolicyChange:
    """Called by trust.services when the question is put to the Trust."""
    change = _locked(change, PolicyChangeState.PROPOSED, what="consult the Trust")
    return _move(
        change,
        actor,
        PolicyChangeState.CONSULTATION,
        "consultation_opened",
        consultation_opened_at=timezone.now(),
    )


@transaction.atomic
def policy_change_consultation_closed(*, actor: Actor, change: PolicyChange) -> PolicyChange:
    """Called by trust.services when the consultation closes; the state stays until the vote."""
    change = _locked(change, PolicyChangeState.CONSULTATION, what="close the consultation")
    change.consultation_closed_at = timezone.now()
    change.save(update_fields=["consultation_closed_at"])
    audit_record(actor=actor, action="policy_change.consultation_closed", target=change)
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
    require_person(actor, (Role.BOARD_DIRECTOR,), "put a policy change to the board")
    change = _locked(
        change,
        PolicyChangeState.CONSULTATION,
        PolicyChangeState.BOARD_VOTE,
        what="open the board vote",
    )
    if change.consultation_closed_at is None:
        raise TransitionNotAllowed(
            "The board vote cannot open before the Trust consultation is closed."
        )
    if change.motions.filter(state=MotionState.OPEN).exists():
        raise TransitionNotAllowed("A board vote on this change is already open.")
    motion = motion_open(
        actor=actor,
        title=f"Approve the policy change “{change.title}”",
        text=change.rationale,
        organisations=change.organisations,
        quorum_fraction=quorum_fraction,
        pass_fraction=pass_fraction,
        policy_change=change,
    )
    if change.state != PolicyChangeState.BOARD_VOTE:
        _move(change, actor, PolicyChangeState.BOARD_VOTE, "vote_opened")
    return motion


def policy_change_vote_counted(*, actor: Actor, motion: Motion) -> PolicyChange:
    """The board's decision on a change's motion: passed approves, failed rejects; without a
    quorum the change waits for the motion to be put again."""
    change = _locked(motion.policy_change, PolicyChangeState.BOARD_VOTE, what="count the vote")
    if motion.result == MotionResult.PASSED:
        return _move(
            change, actor, PolicyChangeState.APPROVED, "approved", decided_at=timezone.now()
        )
    if motion.result == MotionResult.FAILED:
        return _move(
            change, actor, PolicyChangeState.REJECTED, "rejected", decided_at=timezone.now()
        )
    return change


@transaction.atomic
def policy_change_publish(*, actor: Actor, change: PolicyChange) -> PolicyChange:
    """Publish the approved change; it must be public on or before the day it takes effect."""
    require_person(actor, (Role.RSO,), "publish a policy change")
    change = _locked(change, PolicyChangeState.APPROVED, what="publish")
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
    now = timezone.now()
    if now > change.effective_from:
        raise ValidationError(
            {
                "effective_from": (
                    f"The change was to take effect at {change.effective_from:%Y-%m-%d %H:%M}; "
                    "a change is published before it takes effect. Propose it again with a "
                    "later date."
                )
            }
        )
    return _move(change, actor, PolicyChangeState.PUBLISHED, "published", published_at=now)


@transaction.atomic
def policy_change_take_effect(
    *, change: PolicyChange, now: dt.datetime | None = None
) -> PolicyChange:
    """Put the published change's version in force (the system acts, at the effective time)."""
    change = _locked(change, PolicyChangeState.PUBLISHED, what="take effect")
    if (now or timezone.now()) < change.effective_from:
        raise TransitionNotAllowed(
            f"The change takes effect at {change.effective_from:%Y-%m-%d %H:%M}, not before."
        )
    framework_version_adopt(
        actor=SYSTEM,
        version=change.version,
        effective_from=change.effective_from,
        note=f"Policy change #{change.pk}: {change.title}",
    )
    return _move(change, SYSTEM, PolicyChangeState.EFFECTIVE, "took_effect")


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
    require_person(actor, PROPOSERS, "withdraw a policy change")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the change is withdrawn."})
    change = _locked(change, *WITHDRAWABLE, what="withdraw")
    if change.motions.filter(state=MotionState.OPEN).exists():
        raise TransitionNotAllowed("Cannot withdraw the change while the board is voting on it.")
    return _move(change, actor, PolicyChangeState.WITHDRAWN, "withdrawn", note=reason.strip())
