"""Signing state of two-key decisions, in words for the person looking at the page.

Every decision the RSO and the CEO both sign declares a `TwoKey` (governance/signatures.py):
a determination's decision, a safeguards report's approval, a restriction's activation, lifting
and interim measures, a policy change's proposal. `signing_state(obj, key, user)` says who has
signed and when, what is still needed, and what this person's signature would do:

- "You signed as the RSO on 3 Dec 2026 · waiting for the CEO (Casey Chen)."
- "The RSO (Robin Officer) signed on 3 Dec 2026 · waiting for you, as the CEO."
- "Signed by the RSO (Robin Officer) on 3 Dec 2026 and the CEO (you) on 4 Dec 2026."
- "Awaiting both signatures (RSO and CEO)."

In a template: `{% load signing %}{% signing_state restriction "activation" as activation %}`
then `{{ activation }}` (the sentence), `activation.your_title` ("the RSO" when this person may
sign now), `activation.after_yours` (what a confirmation says happens next). The key is the
`TwoKey` itself or its prefix ("decision", "approval", "activation", "lift", "waiver",
"proposal"). `{% step_blockers obj "lift" as blockers %}` lists what stops a step that the
person may take (its guards), so a page can say so beside the button instead of after the click.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.utils import dateformat, timezone

from ..errors import DomainError
from ..permissions import has_role
from ..signatures import ROLE_OF_SLOT, TITLE_OF_SLOT, TwoKey

register = template.Library()

# Keys without `_at` fields keep the moment of each signature only in the audit log: the
# actions their services write for one signature (first or second), by prefix. A prefix not
# named here is read from any event that carries its signature.
SIGNING_ACTIONS = {
    "decision": ("determination.signed", "determination.decided"),
    "approval": ("safeguards_report.approval_given", "safeguards_report.approved"),
    "proposal": ("policy_change.signed",),
    "activation": ("restriction.activate_signed", "restriction.active"),
    "lift": ("restriction.lift_signed", "restriction.lifted"),
    "waiver": ("restriction.waiver_signed", "restriction.waived"),
}
# More people than this who could give a missing signature are not named one by one.
MOST_NAMED = 3


@dataclass(frozen=True)
class Signature:
    """One signature given: whose slot, by whom, when (None when the record does not say)."""

    slot: str
    signer: object
    at: dt.datetime | None
    is_you: bool

    @property
    def title(self) -> str:
        return TITLE_OF_SLOT[self.slot]


@dataclass(frozen=True)
class SigningState:
    """Who has signed a two-key decision and what it still needs, as seen by one person."""

    text: str
    complete: bool
    signatures: tuple[Signature, ...]
    # "the CEO", for each signature still missing.
    awaited: tuple[str, ...]
    awaited_people: tuple
    you_signed: bool
    # The title this person would sign as now ("the RSO"), or "" when they cannot sign.
    your_title: str
    # The officer this person is ("the RSO", "the CEO"), whether or not they may sign now.
    officer_title: str
    # For a confirmation: what is still needed after this person's signature, or that theirs
    # is the second one.
    after_yours: str

    @property
    def started(self) -> bool:
        return bool(self.signatures)

    def __str__(self) -> str:
        return self.text


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()).strip() if user is not None else ""


def _day(moment: dt.datetime | None) -> str:
    return dateformat.format(timezone.localtime(moment), "j M Y") if moment else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _on(moment: dt.datetime | None) -> str:
    return f" on {_day(moment)}" if moment else ""


def key_for(obj, key: TwoKey | str) -> TwoKey:
    """The `TwoKey` itself, or the one a model's `<prefix>_rso`/`_ceo` fields hold: the
    signatures' behaviour depends only on the prefix and on whether moments are kept."""
    if isinstance(key, TwoKey):
        return key
    prefix = str(key)
    try:
        obj._meta.get_field(f"{prefix}_rso")
    except FieldDoesNotExist:
        raise ValueError(f"{type(obj).__name__} holds no '{prefix}' signatures.") from None
    try:
        obj._meta.get_field(f"{prefix}_rso_at")
        timed = True
    except FieldDoesNotExist:
        timed = False
    return TwoKey(prefix=prefix, act="sign", timed=timed)


def _moments(obj, key: TwoKey, signed: dict[str, int]) -> dict[str, dt.datetime | None]:
    """When each given signature was given: from the row when the key keeps it, else the latest
    audit event of that signature by that signer."""
    if key.timed:
        return {slot: getattr(obj, f"{key.prefix}_{slot}_at") for slot in signed}
    from ..audit import audit_type
    from ..models import AuditEvent

    events = AuditEvent.objects.filter(
        target_type=audit_type(obj),
        target_id=str(obj.pk),
        actor_user_id__in=set(signed.values()),
    )
    if key.prefix in SIGNING_ACTIONS:
        events = events.filter(action__in=SIGNING_ACTIONS[key.prefix])
    moments: dict[str, dt.datetime | None] = dict.fromkeys(signed)
    for after, actor_id, at in events.order_by("-sequence").values_list(
        "after", "actor_user_id", "created_at"
    ):
        slot = after.get("signature") if isinstance(after, dict) else None
        if slot in moments and moments[slot] is None and signed[slot] == actor_id:
            moments[slot] = at
    return moments


def _awaited_words(titles: list[str], people: list) -> str:
    """'the CEO (Casey Chen)'; the names only when there are few."""
    words = " and ".join(titles)
    if people and len(people) <= MOST_NAMED:
        words += f" ({' or '.join(_person(person) for person in people)})"
    return words


def signing_state(obj, key: TwoKey | str, user=None) -> SigningState:
    """The signing state of `obj`'s `key` signatures, as `user` sees it."""
    key = key_for(obj, key)
    signed = {slot: key.signer_id(obj, slot) for slot in key.signed_slots(obj)}
    moments = _moments(obj, key, signed) if signed else {}
    user_pk = getattr(user, "pk", None)
    signatures = tuple(
        Signature(
            slot=slot,
            signer=getattr(obj, f"{key.prefix}_{slot}"),
            at=moments.get(slot),
            is_you=user_pk is not None and signer_id == user_pk,
        )
        for slot, signer_id in signed.items()
    )
    missing = key.missing_slots(obj)
    awaited = tuple(TITLE_OF_SLOT[slot] for slot in missing)
    people = key.awaited_from(obj) if missing else []
    your_slot = key.slot_for(user, obj) if user_pk is not None else None
    your_title = TITLE_OF_SLOT[your_slot] if your_slot else ""
    yours = next((s for s in signatures if s.is_you), None)

    def by(signature: Signature) -> str:
        name = "you" if signature.is_you else _person(signature.signer)
        return f"{signature.title} ({name}){_on(signature.at)}"

    if not missing:
        text = "Signed by " + " and ".join(by(s) for s in signatures) + "."
    elif not signatures:
        text = "Awaiting both signatures (RSO and CEO)."
    elif yours is not None:
        text = (
            f"You signed as {yours.title}{_on(yours.at)} · waiting for "
            f"{_awaited_words(list(awaited), people)}."
        )
    else:
        first = signatures[0]
        waiting = (
            f"waiting for you, as {your_title}"
            if your_title
            else f"waiting for {_awaited_words(list(awaited), people)}"
        )
        text = _capital(
            f"{first.title} ({_person(first.signer)}) signed{_on(first.at)} · {waiting}."
        )

    after_yours = ""
    if your_slot:
        others = [slot for slot in missing if slot != your_slot]
        if others:
            after_yours = _capital(
                f"{' and '.join(TITLE_OF_SLOT[s] for s in others)}'s signature is still needed "
                "after yours."
            )
        else:
            after_yours = "Yours is the second signature: with it the decision takes effect."
    return SigningState(
        text=text,
        complete=not missing,
        signatures=signatures,
        awaited=awaited,
        awaited_people=tuple(people),
        you_signed=yours is not None,
        your_title=your_title,
        officer_title=next(
            (TITLE_OF_SLOT[slot] for slot, role in ROLE_OF_SLOT.items() if has_role(user, role)),
            "",
        ),
        after_yours=after_yours,
    )


def still_needed(obj, key: TwoKey | str) -> str:
    """ "The CEO's signature is still needed (Casey Chen)", or "" once both are given."""
    key = key_for(obj, key)
    missing = key.missing_slots(obj)
    if not missing:
        return ""
    titles = " and ".join(f"{TITLE_OF_SLOT[slot]}'s" for slot in missing)
    plural = "signatures are" if len(missing) > 1 else "signature is"
    # Named only when one signature is missing: whoever of them gives it.
    people = key.awaited_from(obj) if len(missing) == 1 else []
    names = f" ({' or '.join(_person(p) for p in people)})" if 0 < len(people) <= MOST_NAMED else ""
    return f"{_capital(titles)} {plural} still needed{names}"


def signed_message(obj, key: TwoKey | str, user) -> str:
    """What a person is told once they have signed: as whom, and whose signature is still
    needed ("Signed as the RSO. The CEO's signature is still needed (Casey Chen).")."""
    key = key_for(obj, key)
    slot = next(
        (s for s in key.signed_slots(obj) if key.signer_id(obj, s) == getattr(user, "pk", None)),
        None,
    )
    as_whom = f" as {TITLE_OF_SLOT[slot]}" if slot else ""
    needed = still_needed(obj, key)
    return (
        f"Signed{as_whom}. {needed}." if needed else f"Signed{as_whom}: both signatures are given."
    )


def _people_names(people) -> str:
    return ", ".join(_person(person) for person in people)


@register.simple_tag(takes_context=True, name="signing_state")
def signing_state_tag(context, obj, key) -> SigningState | None:
    """`{% signing_state obj "activation" as state %}`: the signing state for the signed-in
    person (None for no object, so an empty slot on a page renders nothing)."""
    if getattr(obj, "_meta", None) is None:  # no record here (an unset variable reads as "")
        return None
    request = context.get("request")
    return signing_state(obj, key, getattr(request, "user", None))


@register.simple_tag
def step_blockers(obj, step: str, filled_in: str = "") -> list[str]:
    """What stops `step` on `obj` now besides who may take it (the declaration's guards), in the
    words the person would be told after the click; an empty list when nothing does.
    `filled_in` names fields ("commentary,deficiencies") that the form sends with the step: a
    guard's complaint about one of them is not a blocker, the person fills it in."""
    from ..workflow import workflow_for

    workflow = workflow_for(obj) if obj is not None else None
    if workflow is None:
        return []
    skipped = {name.strip() for name in filled_in.split(",") if name.strip()}
    problems: list[str] = []
    for guard in workflow.transition(step).guards:
        try:
            guard.enforce(obj)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                problems += [
                    message
                    for field, errors in error.message_dict.items()
                    if field not in skipped
                    for message in errors
                ]
            else:
                problems += error.messages
        except (DomainError, PermissionDenied) as error:
            problems.append(str(error))
    return problems


@register.filter
def people_names(people) -> str:
    """'Casey Chen, Robin Officer': people by name (full name, else username)."""
    return _people_names(people or [])
