"""Named reads, shared by the pages, the API and the services."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from governance.audit import audit_type
from governance.choices import ThresholdOutcome
from governance.models import (
    AuditEvent,
    SafetyLevel,
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


NOT_YET_DETERMINED = "No determination yet"


def ai_model_current_level_label(model: AIModel, *, evaluated: bool = False) -> str:
    """The model's current ASL (from its latest final determination); without one, "No
    determination yet" once it has evaluations (it may well have crossed a threshold: never
    read as "not assessed"), else "Unassessed"."""
    if model.current_level_id:
        return model.current_level.name
    return NOT_YET_DETERMINED if evaluated else UNASSESSED


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


# The models list's risk column: each model's standing against the thresholds, read for a
# whole page at once.

_SEVERITY = {outcome.value: outcome.severity for outcome in ThresholdOutcome}
# Outcomes that require the threshold's level: a crossing, and what cannot rule one out
# (inconclusive counts as crossed until a conclusive run shows otherwise).
_REQUIRING = (ThresholdOutcome.CROSSED, ThresholdOutcome.INCONCLUSIVE)


@dataclass(frozen=True)
class LevelRef:
    """A safety level as the list names it, with what ranks it against another."""

    code: str
    name: str
    rank: int
    framework_id: int


@dataclass(frozen=True)
class ModelStanding:
    """A model's standing: per threshold the worst outcome over its snapshots (the model page's
    standings), and over all thresholds the worst of those. `outcome` None: nothing evaluated,
    which is not "below". `required_level`: the highest level a crossed or inconclusive
    threshold requires."""

    outcome: str | None = None
    # {outcome: threshold codes}, most severe first, "below" left out.
    codes_by_outcome: dict[str, list[str]] = field(default_factory=dict)
    # Threshold codes evaluated (a code of several framework versions counts once).
    evaluated: int = 0
    required_level: LevelRef | None = None
    required_by: tuple[str, ...] = ()
    current_level: LevelRef | None = None

    @property
    def label(self) -> str:
        return self.outcome.capitalize() if self.outcome else "Not evaluated"

    @property
    def level_short(self) -> bool:
        """The required level is above the current one (or there is none), where the two can
        be ranked: levels of one framework."""
        required, current = self.required_level, self.current_level
        if required is None:
            return False
        if current is None:
            return True
        return current.framework_id == required.framework_id and current.rank < required.rank


def _snapshot_outcome(outcomes: set[str]) -> str:
    """One snapshot's outcome on one threshold, as `model_threshold_standings` reads it: the
    worst conclusive evaluation (any elicitation that showed the capability counts); only with
    none conclusive, inconclusive."""
    inconclusive = ThresholdOutcome.INCONCLUSIVE.value
    conclusive = outcomes - {inconclusive}
    return max(conclusive, key=_SEVERITY.__getitem__) if conclusive else inconclusive


def model_standings(models) -> dict[int, ModelStanding]:
    """For each model, its standing against the thresholds, in two queries however many models:
    its snapshots' threshold evaluations, and the levels named. It agrees with the model page's
    per-threshold standings (evals' `model_threshold_standings`; a test holds them together),
    reached through the snapshots' relation so that the core does not import evals."""
    models = list(models)
    rows = Snapshot.objects.filter(model_id__in=[m.pk for m in models]).values_list(
        "model_id",
        "pk",
        "evaluations__threshold_id",
        "evaluations__threshold__code",
        "evaluations__threshold__required_level_id",
        "evaluations__outcome",
    )
    outcomes: dict[tuple[int, int, int], set[str]] = {}
    thresholds: dict[int, tuple[str, int | None]] = {}
    for model_id, snapshot_id, threshold_id, code, level_id, outcome in rows:
        if threshold_id is None or outcome not in _SEVERITY:
            continue  # a snapshot without evaluations
        outcomes.setdefault((model_id, threshold_id, snapshot_id), set()).add(outcome)
        thresholds[threshold_id] = (code, level_id)
    worst: dict[int, dict[int, str]] = {}
    for (model_id, threshold_id, _), seen in outcomes.items():
        per_threshold = worst.setdefault(model_id, {})
        outcome = _snapshot_outcome(seen)
        if _SEVERITY[outcome] > _SEVERITY.get(per_threshold.get(threshold_id, ""), -1):
            per_threshold[threshold_id] = outcome

    level_ids = {thresholds[t][1] for by in worst.values() for t in by} - {None}
    level_ids |= {m.current_level_id for m in models if m.current_level_id}
    levels = {
        pk: LevelRef(code, name, rank, framework_id)
        for pk, code, name, rank, framework_id in SafetyLevel.objects.filter(
            pk__in=level_ids
        ).values_list("pk", "code", "name", "rank", "version__framework_id")
    }

    standings = {}
    for model in models:
        by_threshold = worst.get(model.pk, {})
        current = levels.get(model.current_level_id)
        if not by_threshold:
            standings[model.pk] = ModelStanding(current_level=current)
            continue
        codes: dict[str, list[str]] = {}
        required, required_by = None, []
        for threshold_id, outcome in sorted(
            by_threshold.items(), key=lambda item: thresholds[item[0]][0]
        ):
            code, level_id = thresholds[threshold_id]
            if outcome != ThresholdOutcome.BELOW and code not in codes.get(outcome, []):
                codes.setdefault(outcome, []).append(code)
            level = levels.get(level_id)
            if outcome in _REQUIRING and level is not None:
                if required is None or level.rank > required.rank:
                    required, required_by = level, [code]
                elif level.code == required.code and code not in required_by:
                    required_by.append(code)
        standings[model.pk] = ModelStanding(
            outcome=max(by_threshold.values(), key=_SEVERITY.__getitem__),
            codes_by_outcome={
                o: codes[o] for o in sorted(codes, key=_SEVERITY.__getitem__, reverse=True)
            },
            evaluated=len({thresholds[t][0] for t in by_threshold}),
            required_level=required,
            required_by=tuple(required_by),
            current_level=current,
        )
    return standings
