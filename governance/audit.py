"""The tamper-evident audit log: append events to a hash chain, and verify the chain.

Each event's hash is SHA-256 over the canonical JSON of its fields plus the previous event's hash.
Appends are serialized (an advisory lock on PostgreSQL, IMMEDIATE transactions on SQLite) so two
writers can never both chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .choices import ActorType
from .context import current_request_id
from .models import AuditEvent, AuditVerification

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


def canonical_json(data: dict[str, Any]) -> str:
    """The one text a JSON value hashes as: sorted keys, no spaces, UTF-8, no NaN."""
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
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: transactions are IMMEDIATE (settings), so the write lock is already held.


def _actor_fields(actor: Actor) -> dict[str, Any]:
    if isinstance(actor, AuditActor):
        return {
            "actor_type": actor.type,
            "actor_label": actor.label[:200],
            "actor_ref": actor.ref[:100],
        }
    if actor is None or not actor.is_authenticated:
        return {"actor_type": SYSTEM.type, "actor_label": SYSTEM.label, "actor_ref": ""}
    username = actor.get_username()
    name = actor.get_full_name() or username
    label = f"{name} ({username})" if name != username else name
    return {
        "actor_type": ActorType.USER,
        "actor_user": actor,
        "actor_label": label[:200],
        "actor_ref": "",
    }


# The log names an object "app.model" as the chain first named it. Models that moved from the
# core app to an area app keep their "governance." name, so an object's history reads as one and
# filters people wrote against the log keep working.
AUDIT_APP_LABELS = {
    "registry": "governance",
    "oversight": "governance",
    "determinations": "governance",
    "board": "governance",
}


def audit_type(model_or_object) -> str:
    """The `target_type` the log gives a model (or one of its objects)."""
    meta = model_or_object._meta
    return f"{AUDIT_APP_LABELS.get(meta.app_label, meta.app_label)}.{meta.model_name}"


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
            target_type=audit_type(target) if target is not None else "",
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
    if target is not None:
        # Whatever the change, once it commits, whoever the object now awaits is told.
        from .services.awaited import awaited_tell_after_commit

        awaited_tell_after_commit(target, actor)
    return event


@dataclass(frozen=True)
class Anchor:
    """A (sequence, hash) pair known from outside the chain: a past check or a kept copy.

    The chain alone cannot show that events were cut from its end; an anchor can.
    """

    sequence: int
    hash: str
    source: str


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
        where = (
            f"event id={self.broken_event_id} (sequence {self.broken_sequence})"
            if self.broken_event_id is not None
            else f"sequence {self.broken_sequence}"
        )
        return (
            f"Audit log broken at {where}: {self.reason}. "
            f"{self.events_verified} events before it verified."
        )


def verify_chain(events: Iterable[AuditEvent], anchors: Iterable[Anchor] = ()) -> ChainReport:
    """Walk events in sequence order and report the first one that does not chain, or the
    first anchor the chain no longer holds."""
    pending: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        if anchor.sequence > 0:
            pending.setdefault(anchor.sequence, []).append(anchor)
    expected_sequence, expected_prev, verified = 1, GENESIS_HASH, 0

    def broken(event, reason):
        return ChainReport(
            ok=False,
            events_verified=verified,
            last_hash=expected_prev,
            broken_event_id=event.pk if event is not None else None,
            broken_sequence=event.sequence if event is not None else min(pending),
            reason=reason,
        )

    for event in events:
        if event.sequence != expected_sequence:
            return broken(
                event,
                f"expected sequence {expected_sequence}, found {event.sequence} "
                "(an event was deleted or reordered)",
            )
        if event.prev_hash != expected_prev:
            return broken(
                event,
                "prev_hash does not match the previous event's hash "
                "(this event or the one before it was altered)",
            )
        if event_hash(event) != event.hash:
            return broken(event, "content does not match its hash (the row was edited)")
        for anchor in pending.pop(event.sequence, ()):
            if anchor.hash != event.hash:
                return broken(event, f"hash differs from the one recorded by {anchor.source}")
        expected_sequence, expected_prev, verified = event.sequence + 1, event.hash, verified + 1
    if pending:
        anchor = pending[min(pending)][0]
        return broken(
            None,
            f"the event recorded by {anchor.source} is gone (events were deleted from the end)",
        )
    return ChainReport(ok=True, events_verified=verified, last_hash=expected_prev)


def latest_check_anchor() -> Anchor | None:
    """The end of the chain as the latest successful scheduled check saw it."""
    check = (
        AuditVerification.objects.filter(ok=True, events_verified__gt=0)
        .order_by("-checked_at")
        .first()
    )
    if check is None:
        return None
    return Anchor(
        sequence=check.events_verified,
        hash=check.last_hash,
        source=f"the check of {check.checked_at:%Y-%m-%d %H:%M:%S} UTC",
    )


_HEAD = re.compile(r"(\d+):([0-9a-f]{64})")


def head_file_anchor() -> Anchor | None:
    """The end of the chain as last verified, kept in AUDIT_HEAD_FILE: outside the database,
    where the application's database role cannot reach, so emptying or shortening the audit
    tables (and their checks) cannot also erase the record of how long the chain was."""
    if not settings.AUDIT_HEAD_FILE:
        return None
    path = Path(settings.AUDIT_HEAD_FILE)
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None  # never verified here yet
    except OSError as error:
        text = f"unreadable: {error.strerror}"
    match = _HEAD.fullmatch(text)
    if match is None:
        # Fail closed: a head that cannot be read is one the chain cannot be shown to hold.
        return Anchor(1, "0" * 64, source=f"the head file {path} (it is not SEQUENCE:HASH)")
    return Anchor(int(match[1]), match[2], source=f"the head file {path}")


def record_head(report: ChainReport) -> None:
    """After a successful verification, move the head file to the chain's end (atomically)."""
    if not settings.AUDIT_HEAD_FILE or not report.ok or report.events_verified == 0:
        return
    path = Path(settings.AUDIT_HEAD_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(f"{report.events_verified}:{report.last_hash}\n")
    os.replace(partial, path)


def audit_chain_verify(extra_anchors: Iterable[Anchor] = ()) -> ChainReport:
    anchors = [*extra_anchors]
    for anchor in (latest_check_anchor(), head_file_anchor()):
        if anchor is not None:
            anchors.append(anchor)
    return verify_chain(AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000), anchors)


def fields_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of an instance as audit JSON (foreign keys as their ids)."""
    snapshot = {}
    for name in fields:
        field = instance._meta.get_field(name)
        snapshot[name] = getattr(instance, field.attname)
    return canonical_value(snapshot)
