"""Two keys: decisions the RSO and the CEO both sign, as two different people.

Every such decision (a determination, a restriction's activation, its lifting and its waiver, a
policy change proposal, a safeguards report) declares a `TwoKey` naming the fields that hold the
two signatures. The rules, the messages, the audit shape and what it awaits are written here once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import rules
from django.contrib.auth import get_user_model
from django.utils import timezone

from .choices import Role
from .errors import TransitionNotAllowed
from .permissions import has_role
from .rules import is_officer
from .workflow import Check

ROLE_OF_SLOT = {"rso": Role.RSO, "ceo": Role.CEO}
TITLE_OF_SLOT = {"rso": "the RSO", "ceo": "the CEO"}


@dataclass(frozen=True)
class Signed:
    """The outcome of one signature: whose slot it filled, and whether both are now given."""

    slot: str
    complete: bool

    def audit_after(self, **extra) -> dict:
        return {"signature": self.slot, "complete": bool(self.complete), **extra}


@dataclass(frozen=True)
class TwoKey:
    """The RSO's and the CEO's signatures held in `<prefix>_rso` and `<prefix>_ceo` (foreign keys
    to the signer), with `<prefix>_rso_at`/`_ceo_at` when `timed`."""

    prefix: str
    # "sign the determination", "sign to activate the restriction": how refusals name the act.
    act: str
    timed: bool = False

    def _field(self, slot: str) -> str:
        return f"{self.prefix}_{slot}"

    def signer_id(self, obj, slot: str) -> int | None:
        return getattr(obj, f"{self._field(slot)}_id")

    def signed_slots(self, obj) -> list[str]:
        return [slot for slot in ROLE_OF_SLOT if self.signer_id(obj, slot) is not None]

    def missing_slots(self, obj) -> list[str]:
        return [slot for slot in ROLE_OF_SLOT if self.signer_id(obj, slot) is None]

    def is_complete(self, obj) -> bool:
        return not self.missing_slots(obj)

    def is_started(self, obj) -> bool:
        return bool(self.signed_slots(obj))

    def has_signed(self, user, obj) -> bool:
        pk = getattr(user, "pk", None)
        return pk is not None and pk in {self.signer_id(obj, s) for s in ROLE_OF_SLOT}

    def slot_for(self, user, obj) -> str | None:
        """The signature this person would give: the RSO's if they are the RSO and it is
        missing, else the CEO's likewise; never both from one person."""
        if self.has_signed(user, obj):
            return None
        for slot in self.missing_slots(obj):
            if has_role(user, ROLE_OF_SLOT[slot]):
                return slot
        return None

    def checks(self) -> tuple[Check, ...]:
        """The who-may checks of a signing step, with the same messages everywhere."""
        not_signed = rules.Predicate(lambda user, obj: not self.has_signed(user, obj))
        slot_open = rules.Predicate(lambda user, obj: self.slot_for(user, obj) is not None)
        return (
            Check(is_officer, f"Only the RSO or the CEO may {self.act}."),
            Check(
                not_signed,
                "You have signed already; the other signature must come from someone else.",
                TransitionNotAllowed,
            ),
            Check(
                slot_open,
                lambda obj: (
                    f"The {TITLE_OF_SLOT[self.signed_slots(obj)[0]][4:]}'s signature is "
                    f"given already; {self.awaits(obj)} is still needed."
                    if self.signed_slots(obj)
                    else "Your role's signature is given already."
                ),
                TransitionNotAllowed,
            ),
        )

    def sign(self, obj, actor, *, now: dt.datetime | None = None) -> Signed:
        """Put `actor`'s signature in its slot (the caller has run `checks`, under the lock) and
        return the fields to save with it."""
        slot = self.slot_for(actor, obj)
        if slot is None:  # the checks were skipped: fail closed all the same
            raise TransitionNotAllowed(f"You cannot {self.act} now.")
        setattr(obj, self._field(slot), actor)
        if self.timed:
            setattr(obj, f"{self._field(slot)}_at", now or timezone.now())
        return Signed(slot=slot, complete=self.is_complete(obj))

    def fields(self, slot: str | None = None) -> list[str]:
        """Fields to pass to `save(update_fields=...)`: one slot's, or both slots'."""
        slots = [slot] if slot else list(ROLE_OF_SLOT)
        names = [self._field(s) for s in slots]
        if self.timed:
            names += [f"{self._field(s)}_at" for s in slots]
        return names

    def clear(self, obj) -> list[str]:
        """Withdraw both signatures (a report sent back, a waiver ended); returns the fields."""
        for name in self.fields():
            setattr(obj, name, None)
        return self.fields()

    def awaits(self, obj) -> str:
        """'the CEO's signature' or 'the RSO's and the CEO's signatures'."""
        missing = [TITLE_OF_SLOT[slot] + "'s" for slot in self.missing_slots(obj)]
        if len(missing) == 2:
            return f"{missing[0]} and {missing[1]} signatures"
        return f"{missing[0]} signature" if missing else "no signature"

    def awaited_from(self, obj) -> list:
        """The people who could give a missing signature (not one who has signed)."""
        roles = [ROLE_OF_SLOT[slot] for slot in self.missing_slots(obj)]
        signed = {self.signer_id(obj, s) for s in ROLE_OF_SLOT} - {None}
        users = get_user_model().objects.filter(is_active=True, groups__name__in=roles)
        return list(users.exclude(pk__in=signed).distinct().order_by("username"))

    def state_text(self, obj) -> str:
        """For pages: who has signed and what is still needed."""
        if self.is_complete(obj):
            return "Signed by the RSO and the CEO."
        signed = self.signed_slots(obj)
        if not signed:
            return f"Awaits {self.awaits(obj)}."
        return f"Signed by {TITLE_OF_SLOT[signed[0]]}; awaits {self.awaits(obj)}."
