"""The tamper-evident audit log: append events to a hash chain, and verify the chain.

Each event's hash is SHA-256 over the canonical JSON of its fields plus the previous event's hash.
Appends are serialized (an advisory lock on PostgreSQL, IMMEDIATE transactions on SQLite) so two
writers can never both chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .choices import ActorType
from .context import current_request_id
from .models import AuditEvent

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
_CHAIN_LOCK_KEY = 0x5A17_AD17


@dataclass(frozen=True)
class AuditActor:
    """An actor that is not a person: a machine client or the system itself."""

    type: ActorType
    label: str
    ref: str = ""


SYSTEM = AuditActor(type=ActorType.SYSTEM, label="system")

Actor = AbstractBaseUser | AnonymousUser | AuditActor | None


def canonical_value(value: Any) -> Any:
    """The JSON value as the database will give it back, so hashes survive a round trip.

    Integral floats become ints (jsonb drops the exponent of 1e25) and NaN/infinity become None
    (JSON has no such numbers).
    """
    if isinstance(value, dict):
        return {str(key): canonical_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(item) for item in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    if value is None or isinstance(value, bool | int | str):
        return value
    return canonical_value(json.loads(json.dumps(value, cls=DjangoJSONEncoder)))


def _canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def event_hash(event: AuditEvent) -> str:
    payload = {
        "sequence": event.sequence,
        "created_at": event.created_at.astimezone(UTC).isoformat(),
        "actor_type": event.actor_type,
        "actor_user_id": event.actor_user_id,
        "actor_label": event.actor_label,
        "actor_ref": event.actor_ref,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "before": canonical_value(event.before),
        "after": canonical_value(event.after),
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical_json(payload).encode()).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: transactions are IMMEDIATE (settings), so the write lock is already held.


def _actor_fields(actor: Actor) -> dict[str, Any]:
    if isinstance(actor, AuditActor):
        return {"actor_type": actor.type, "actor_label": actor.label, "actor_ref": actor.ref}
    if actor is None or not actor.is_authenticated:
        return {"actor_type": SYSTEM.type, "actor_label": SYSTEM.label, "actor_ref": ""}
    name = actor.get_full_name() or actor.get_username()
    return {
        "actor_type": ActorType.USER,
        "actor_user": actor,
        "actor_label": f"{name} ({actor.get_username()})" if name != actor.get_username() else name,
        "actor_ref": "",
    }


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. Call it inside the transaction that makes the change."""
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
        event = AuditEvent(
            sequence=(last["sequence"] + 1) if last else 1,
            created_at=timezone.now(),
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:300] if target is not None else "",
            before=canonical_value(before),
            after=canonical_value(after),
            request_id=current_request_id(),
            prev_hash=last["hash"] if last else GENESIS_HASH,
            **_actor_fields(actor),
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_verified: int
    last_hash: str
    broken_event_id: int | None = None
    broken_sequence: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"Audit log intact: {self.events_verified} events verified."
        return (
            f"Audit log broken at event id={self.broken_event_id} "
            f"(sequence {self.broken_sequence}): {self.reason}. "
            f"{self.events_verified} events before it verified."
        )


def verify_chain(events: Iterable[AuditEvent]) -> ChainReport:
    """Walk events in sequence order and report the first one that does not chain."""
    expected_sequence, expected_prev, verified = 1, GENESIS_HASH, 0
    for event in events:
        reason = ""
        if event.sequence != expected_sequence:
            reason = (
                f"expected sequence {expected_sequence}, found {event.sequence} "
                "(an event was deleted or reordered)"
            )
        elif event.prev_hash != expected_prev:
            reason = "prev_hash does not match the previous event's hash"
        elif event_hash(event) != event.hash:
            reason = "content does not match its hash (the row was edited)"
        if reason:
            return ChainReport(
                ok=False,
                events_verified=verified,
                last_hash=expected_prev,
                broken_event_id=event.pk,
                broken_sequence=event.sequence,
                reason=reason,
            )
        expected_sequence, expected_prev, verified = event.sequence + 1, event.hash, verified + 1
    return ChainReport(ok=True, events_verified=verified, last_hash=expected_prev)


def audit_chain_verify() -> ChainReport:
    return verify_chain(AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000))
