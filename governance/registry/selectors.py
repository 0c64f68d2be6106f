"""Named reads, shared by the pages, the API and the services."""

from django.db.models import Count, Q, QuerySet

from governance.audit import audit_type
from governance.models import (
    AuditEvent,
)
from governance.registry.models import AIModel, Snapshot

UNASSESSED = "Unassessed"


def audit_events_for_registry_model(model, snapshots) -> list[AuditEvent]:
    """The history of a model and its snapshots, newest first."""
    return list(
        AuditEvent.objects.filter(
            Q(target_type=audit_type(model), target_id=str(model.pk))
            | Q(target_type=audit_type(Snapshot), target_id__in=[str(s.pk) for s in snapshots])
        ).order_by("-sequence")[:50]
    )


def ai_models_list() -> QuerySet[AIModel]:
    return (
        AIModel.objects.select_related("current_level")
        .annotate(snapshot_count=Count("snapshots", distinct=True))
        .order_by("name")
    )


def snapshots_list() -> QuerySet[Snapshot]:
    return (
        Snapshot.objects.select_related("model")
        .prefetch_related("identifiers")
        .order_by("model__name", "created_on", "id")
    )


def snapshots_of_model(model: AIModel) -> QuerySet[Snapshot]:
    return snapshots_list().filter(model=model)


def snapshot_by_identifier(identifier: str) -> Snapshot | None:
    return snapshots_list().filter(identifiers__identifier__iexact=identifier).first()


def ai_model_search(queryset: QuerySet[AIModel], text: str) -> QuerySet[AIModel]:
    """Match name, family, developer, description, or any snapshot's external identifier."""
    if not text:
        return queryset
    matching = (
        Q(name__icontains=text)
        | Q(family__icontains=text)
        | Q(developer__icontains=text)
        | Q(description__icontains=text)
        | Q(snapshots__identifiers__identifier__icontains=text)
    )
    return queryset.filter(pk__in=AIModel.objects.filter(matching).values("pk"))


def ai_model_current_level_label(model: AIModel) -> str:
    """The model's current ASL (from its latest final determination), or "Unassessed"."""
    return model.current_level.name if model.current_level_id else UNASSESSED


def last_comprehensively_assessed_snapshot(
    model: AIModel, *, snapshots: list[Snapshot] | None = None
) -> Snapshot | None:
    candidates = snapshots if snapshots is not None else list(model.snapshots.all())
    assessed = [s for s in candidates if s.comprehensively_assessed_on is not None]
    return max(
        assessed, key=lambda s: (s.comprehensively_assessed_on, s.created_on, s.pk), default=None
    )


def snapshot_compute_multiple(snapshot: Snapshot, baseline: Snapshot | None) -> float | None:
    """Effective compute of `snapshot` over `baseline` (the last comprehensively assessed
    snapshot); None when either compute is unknown or there is no baseline."""
    if baseline is None:
        return None
    numerator, denominator = snapshot.compute_for_cadence, baseline.compute_for_cadence
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def snapshot_compute_multiples(
    model: AIModel, snapshots: list[Snapshot]
) -> dict[int, float | None]:
    baseline = last_comprehensively_assessed_snapshot(model, snapshots=snapshots)
    return {snapshot.pk: snapshot_compute_multiple(snapshot, baseline) for snapshot in snapshots}
