"""The model registry: create, change and remove AI models and snapshots, audited."""

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q

from governance import evidence
from governance.audit import Actor, AuditActor, audit_record, fields_snapshot
from governance.choices import Role
from governance.permissions import require_role
from governance.registry.models import AIModel, Snapshot, SnapshotIdentifier
from governance.services.fields import apply_changes

MODEL_FIELDS = ("name", "family", "developer", "description")
SNAPSHOT_FIELDS = (
    "name",
    "stage",
    "training_compute_flop",
    "effective_compute_flop",
    "created_on",
    "deployment_status",
    "description",
)
# Set by comprehensive assessments (and seed data), never typed in by a person: it moves the
# cadence baseline.
SYSTEM_SNAPSHOT_FIELDS = (*SNAPSHOT_FIELDS, "comprehensively_assessed_on")
_IDENTIFIER = re.compile(r"^\S{1,300}$")


def _require_registry_writer(actor: Actor) -> None:
    if not isinstance(actor, AuditActor):
        require_role(actor, Role.SAFETY_STAFF, message="Only safety staff change the registry.")


def _save_validated(instance, *, update_fields: Iterable[str] | None = None) -> None:
    """Validate like a form would, then save; a race on a unique field is still a 400."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as error:
        raise ValidationError(
            f"Not saved: it conflicts with an existing record ({error})."
        ) from None


@transaction.atomic
def ai_model_create(*, actor: Actor, **fields: Any) -> AIModel:
    _require_registry_writer(actor)
    model = AIModel()
    apply_changes(model, fields, MODEL_FIELDS)
    _save_validated(model)
    audit_record(
        actor=actor,
        action="ai_model.created",
        target=model,
        after=fields_snapshot(model, MODEL_FIELDS),
    )
    return model


@transaction.atomic
def ai_model_update(*, actor: Actor, model: AIModel, **changes: Any) -> AIModel:
    _require_registry_writer(actor)
    model = AIModel.objects.select_for_update().get(pk=model.pk)
    before = fields_snapshot(model, MODEL_FIELDS)
    changed = apply_changes(model, changes, MODEL_FIELDS)
    if not changed:
        return model
    _save_validated(model, update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="ai_model.updated",
        target=model,
        before={name: before[name] for name in changed},
        after=fields_snapshot(model, changed),
    )
    return model


@transaction.atomic
def ai_model_delete(*, actor: Actor, model: AIModel) -> None:
    """Remove a model registered by mistake; refused while it has snapshots."""
    _require_registry_writer(actor)
    before = fields_snapshot(model, MODEL_FIELDS)
    audit_record(actor=actor, action="ai_model.deleted", target=model, before=before)
    try:
        model.delete()
    except ProtectedError:
        raise ValidationError(
            "This model has snapshots; delete or move them first (models with evaluations are "
            "kept for the record)."
        ) from None


def _validate_identifiers(identifiers: Iterable[str], snapshot: Snapshot | None) -> list[str]:
    cleaned = []
    for identifier in identifiers:
        identifier = str(identifier).strip()
        if not _IDENTIFIER.match(identifier):
            message = f"{identifier!r} is not an identifier (1-300 characters, no spaces)."
            raise ValidationError({"external_ids": message})
        if identifier.lower() not in {known.lower() for known in cleaned}:
            cleaned.append(identifier)
    clashes = Q()
    for identifier in cleaned:
        clashes |= Q(identifier__iexact=identifier)
    taken = SnapshotIdentifier.objects.filter(clashes).select_related("snapshot__model")
    if snapshot is not None:
        taken = taken.exclude(snapshot=snapshot)
    for clash in taken:
        raise ValidationError(
            {"external_ids": f"{clash.identifier!r} already names snapshot {clash.snapshot}."}
        )
    return cleaned


def _set_identifiers(snapshot: Snapshot, identifiers: list[str]) -> None:
    SnapshotIdentifier.objects.filter(snapshot=snapshot).exclude(
        identifier__in=identifiers
    ).delete()
    existing = set(snapshot.identifiers.values_list("identifier", flat=True))
    try:
        with transaction.atomic():
            SnapshotIdentifier.objects.bulk_create(
                SnapshotIdentifier(snapshot=snapshot, identifier=identifier)
                for identifier in identifiers
                if identifier not in existing
            )
    except IntegrityError:
        raise ValidationError(
            {"external_ids": "One of these identifiers was just taken by another snapshot."}
        ) from None


def _snapshot_fields(actor: Actor) -> tuple[str, ...]:
    return SYSTEM_SNAPSHOT_FIELDS if isinstance(actor, AuditActor) else SNAPSHOT_FIELDS


def _check_snapshot_name(snapshot: Snapshot) -> None:
    clash = Snapshot.objects.filter(model_id=snapshot.model_id, name=snapshot.name)
    if snapshot.pk:
        clash = clash.exclude(pk=snapshot.pk)
    if clash.exists():
        raise ValidationError(
            {"name": f"{snapshot.model} already has a snapshot named {snapshot.name!r}."}
        )


def _snapshot_state(snapshot: Snapshot) -> dict[str, Any]:
    state = fields_snapshot(snapshot, ("model", *SYSTEM_SNAPSHOT_FIELDS))
    state["external_ids"] = sorted(snapshot.identifiers.values_list("identifier", flat=True))
    return state


@transaction.atomic
def snapshot_create(
    *, actor: Actor, model: AIModel, external_ids: Iterable[str] = (), **fields: Any
) -> Snapshot:
    _require_registry_writer(actor)
    snapshot = Snapshot(model=model)
    apply_changes(snapshot, fields, _snapshot_fields(actor))
    _check_snapshot_name(snapshot)
    identifiers = _validate_identifiers(external_ids, None)
    _save_validated(snapshot)
    _set_identifiers(snapshot, identifiers)
    audit_record(
        actor=actor, action="snapshot.created", target=snapshot, after=_snapshot_state(snapshot)
    )
    _forecasts_may_move(snapshot)
    return snapshot


_COMPUTE_FIELDS = ("training_compute_flop", "effective_compute_flop")


def _forecasts_may_move(snapshot: Snapshot) -> None:
    """A new snapshot, or new compute, moves the multiples a model's forecasts count from: the
    evals app reviews them once this is committed (robust: the scheduled sweep catches up if it
    cannot be queued now)."""
    model_id = snapshot.model_id
    transaction.on_commit(lambda: evidence.compute_changed(model_id), robust=True)


@transaction.atomic
def snapshot_update(
    *, actor: Actor, snapshot: Snapshot, external_ids: Iterable[str] | None = None, **changes: Any
) -> Snapshot:
    _require_registry_writer(actor)
    snapshot = Snapshot.objects.select_for_update().select_related("model").get(pk=snapshot.pk)
    before = _snapshot_state(snapshot)
    changed = apply_changes(snapshot, changes, _snapshot_fields(actor))
    _check_snapshot_name(snapshot)
    if changed:
        _save_validated(snapshot, update_fields=[*changed, "updated_at"])
        if set(changed) & set(_COMPUTE_FIELDS):
            _forecasts_may_move(snapshot)
    if external_ids is not None:
        _set_identifiers(snapshot, _validate_identifiers(external_ids, snapshot))
    after = _snapshot_state(snapshot)
    if after != before:
        keys = [key for key in after if after[key] != before[key]]
        audit_record(
            actor=actor,
            action="snapshot.updated",
            target=snapshot,
            before={key: before[key] for key in keys},
            after={key: after[key] for key in keys},
        )
    return snapshot


@transaction.atomic
def snapshot_delete(*, actor: Actor, snapshot: Snapshot) -> None:
    """Remove a snapshot registered by mistake; refused once anything refers to it."""
    _require_registry_writer(actor)
    audit_record(
        actor=actor, action="snapshot.deleted", target=snapshot, before=_snapshot_state(snapshot)
    )
    try:
        with transaction.atomic():
            snapshot.delete()
    except ProtectedError:
        raise ValidationError("Other records refer to this snapshot; it is kept.") from None
