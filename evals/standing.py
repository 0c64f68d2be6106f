"""Where a model stands on every threshold of the policy in force: crossed, inconclusive,
warning, below, or not evaluated; judged from the evidence where the policy sets no numeric rule.

The standing is the worst over every snapshot (a threshold counts if met at any stage of
training), and over the evaluations and the latest decided finding alike: a determination that
found "crossed" is not undone by a later "below" run, and a crossing run is not undone by a
"below" finding. Missing evidence is never "below": a threshold nobody evaluated reads "not
evaluated", and its evidence is stale.

Evaluations are matched to the threshold in force by its code, whatever framework version they
were scored under (an earlier version's crossing is still evidence), as the determination pages
match them. Read in a fixed number of queries for any number of models, as plain values, so the
models list can carry every model's badges and the model page stays fast with hundreds of runs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from governance.choices import DeterminationState, FindingOutcome, ThresholdOutcome
from governance.dates import add_months
from governance.determinations.models import Finding
from governance.models import CapabilityThreshold, FrameworkVersion
from governance.registry.models import AIModel, Snapshot
from governance.selectors import framework_version_in_force

from .models import ThresholdEvaluation

NOT_EVALUATED = "not_evaluated"
_SEVERITY = {outcome.value: outcome.severity for outcome in ThresholdOutcome}
# A decided finding in the evaluations' vocabulary: "cannot rule out" is what inconclusive is.
_FINDING_AS_OUTCOME = {
    FindingOutcome.BELOW: ThresholdOutcome.BELOW,
    FindingOutcome.CANNOT_RULE_OUT: ThresholdOutcome.INCONCLUSIVE,
    FindingOutcome.CROSSED: ThresholdOutcome.CROSSED,
}
# Determinations whose findings were decided by the CEO and the RSO.
_DECIDED = (DeterminationState.DECIDED, DeterminationState.FINAL, DeterminationState.SUPERSEDED)
LABELS = {
    ThresholdOutcome.CROSSED: "Crossed",
    ThresholdOutcome.INCONCLUSIVE: "Inconclusive",
    ThresholdOutcome.WARNING: "Warning",
    ThresholdOutcome.BELOW: "Below",
    NOT_EVALUATED: "Not evaluated",
}


def severity(status: str) -> int:
    # A value outside the choices must not break a page: it ranks as the worst.
    return -1 if status == NOT_EVALUATED else _SEVERITY.get(status, len(_SEVERITY))


@dataclass(frozen=True)
class EvidenceRun:
    """The evaluation a standing comes from, read as values (no model instances)."""

    evaluation_id: int
    run_id: int
    snapshot_id: int
    snapshot_name: str
    outcome: str
    value: float | None
    at: dt.datetime
    version: str  # the framework version it was scored under


@dataclass(frozen=True)
class DecidedFinding:
    determination_id: int
    determination_title: str
    outcome: str
    decided_at: dt.datetime | None

    @property
    def label(self) -> str:
        try:
            return FindingOutcome(self.outcome).label
        except ValueError:
            return self.outcome


@dataclass(frozen=True)
class Freshness:
    """How old the evidence is against the cadence of the policy in force."""

    evidence_at: dt.datetime | None
    age_days: int | None
    cadence_months: int | None
    due_on: dt.date | None
    # The latest snapshot's compute over the most compute any evaluated snapshot had.
    compute_multiple: float | None
    cadence_multiple: float | None
    reasons: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class ThresholdStanding:
    threshold: CapabilityThreshold
    status: str  # a ThresholdOutcome value, or NOT_EVALUATED
    numeric: bool  # the policy sets a numeric rule; else judged from the evidence
    worst: EvidenceRun | None  # the evaluation the status comes from, when it does
    finding: DecidedFinding | None  # the latest decided finding on this threshold
    evaluations: int
    snapshots_evaluated: int
    freshness: Freshness
    basis: str  # "evaluations", "finding" or "" (nothing)
    notes: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        if self.basis == "finding" and self.finding is not None:
            return f"{self.finding.label} (judged)"
        return LABELS.get(self.status, self.status)

    @property
    def css(self) -> str:
        return self.status if self.status in LABELS else "crossed"


@dataclass(frozen=True)
class ModelThresholdStandings:
    model_id: int
    version: FrameworkVersion | None
    thresholds: list[ThresholdStanding]
    latest_snapshot: Snapshot | None
    as_of: dt.datetime

    @property
    def worst(self) -> str | None:
        statuses = [item.status for item in self.thresholds]
        return max(statuses, key=severity) if statuses else None


def _thresholds_in_force(version: FrameworkVersion | None) -> list[CapabilityThreshold]:
    if version is None:
        return []
    return list(
        CapabilityThreshold.objects.filter(version=version)
        .select_related("required_level", "version__framework")
        .order_by("position")
    )


def _cadence(version: FrameworkVersion | None) -> tuple[int | None, float | None]:
    if version is None:
        return None, None
    rules = list(version.cadence_rules.all())
    months = [rule.months for rule in rules if rule.months]
    multiples = [rule.compute_multiple for rule in rules if rule.compute_multiple]
    return (min(months) if months else None), (min(multiples) if multiples else None)


def latest_snapshot(snapshots: list[Snapshot]) -> Snapshot | None:
    """The newest snapshot with its compute recorded: where forecasts count multiples from."""
    with_compute = [s for s in snapshots if s.compute_for_cadence]
    return max(with_compute, key=lambda s: (s.created_on, s.pk), default=None)


def _freshness(
    evidence_at, evaluated_compute, latest, months, multiple, now, *, evaluated: bool
) -> Freshness:
    reasons = []
    age = (now - evidence_at).days if evidence_at else None
    due = add_months(evidence_at, months).date() if evidence_at and months else None
    if not evaluated:
        reasons.append("no evidence on record")
    elif due is not None and now.date() >= due:
        reasons.append(f"older than the cadence of {months} months")
    compute_multiple = None
    if latest is not None and evaluated_compute and latest.compute_for_cadence:
        compute_multiple = latest.compute_for_cadence / evaluated_compute
        if multiple and compute_multiple >= multiple:
            reasons.append(
                f"{latest.name} has {compute_multiple:.3g}x the compute of the most capable "
                f"snapshot evaluated (the cadence is {multiple:g}x)"
            )
    return Freshness(evidence_at, age, months, due, compute_multiple, multiple, tuple(reasons))


def _evaluation_rows(model_ids: list[int], codes: set[str]):
    return (
        ThresholdEvaluation.objects.filter(
            snapshot__model_id__in=model_ids, threshold__code__in=codes
        )
        .order_by("-created_at", "-id")
        .values_list(
            "pk",
            "run_id",
            "snapshot_id",
            "snapshot__model_id",
            "threshold__code",
            "threshold__version__version",
            "threshold__version__framework__name",
            "outcome",
            "value",
            "run__started_at",
            "run__completed_at",
            "created_at",
        )
    )


def _latest_findings(
    model_ids: list[int], codes: set[str]
) -> dict[tuple[int, str], DecidedFinding]:
    rows = (
        Finding.objects.filter(
            determination__model_id__in=model_ids,
            determination__state__in=_DECIDED,
            threshold__code__in=codes,
        )
        .order_by("-determination__decided_at", "-determination_id")
        .values_list(
            "determination__model_id",
            "threshold__code",
            "determination_id",
            "determination__title",
            "outcome",
            "determination__decided_at",
        )
    )
    latest: dict[tuple[int, str], DecidedFinding] = {}
    for model_id, code, determination_id, title, outcome, decided_at in rows:
        latest.setdefault(
            (model_id, code), DecidedFinding(determination_id, title, outcome, decided_at)
        )
    return latest


def per_snapshot(rows):
    """Per snapshot, the evaluation that stands for it: the worst conclusive one (any
    elicitation that showed the capability counts), or with none conclusive the latest
    inconclusive one, so a complete run can show otherwise what a broken one could not.
    `rows` (anything with `snapshot_id` and `outcome`) come newest first."""
    chosen: dict = {}
    for row in rows:
        current = chosen.get(row.snapshot_id)
        if current is None:
            chosen[row.snapshot_id] = row
        elif current.outcome == ThresholdOutcome.INCONCLUSIVE:
            if row.outcome != ThresholdOutcome.INCONCLUSIVE:
                chosen[row.snapshot_id] = row
        elif row.outcome != ThresholdOutcome.INCONCLUSIVE and severity(row.outcome) > severity(
            current.outcome
        ):
            chosen[row.snapshot_id] = row
    return chosen


def standings_for_models(
    models: Iterable[AIModel], *, version: FrameworkVersion | None = None, now=None
) -> dict[int, ModelThresholdStandings]:
    """Every threshold of the version in force (or `version`), for each model: a fixed few
    queries however many models, snapshots and evaluations."""
    now = now or timezone.now()
    models = list(models)
    version = version or framework_version_in_force(now)
    thresholds = _thresholds_in_force(version)
    months, multiple = _cadence(version)
    ids = [model.pk for model in models]
    codes = {threshold.code for threshold in thresholds}
    snapshots_by_model: dict[int, list[Snapshot]] = defaultdict(list)
    for snapshot in Snapshot.objects.filter(model_id__in=ids).order_by("created_on", "id"):
        snapshots_by_model[snapshot.model_id].append(snapshot)
    names = {s.pk: s.name for group in snapshots_by_model.values() for s in group}
    computes = {s.pk: s.compute_for_cadence for group in snapshots_by_model.values() for s in group}
    evidence: dict[tuple[int, str], list[EvidenceRun]] = defaultdict(list)
    if codes and ids:
        for row in _evaluation_rows(ids, codes):
            (pk, run_id, snapshot_id, model_id, code, number, framework, outcome, value) = row[:9]
            started, completed, created = row[9:]
            evidence[(model_id, code)].append(
                EvidenceRun(
                    pk,
                    run_id,
                    snapshot_id,
                    names.get(snapshot_id, ""),
                    outcome,
                    value,
                    started or completed or created,
                    f"{framework} v{number}",
                )
            )
    findings = _latest_findings(ids, codes) if codes and ids else {}

    result = {}
    for model in models:
        snapshots = snapshots_by_model.get(model.pk, [])
        latest = latest_snapshot(snapshots)
        items = []
        for threshold in thresholds:
            rows = evidence.get((model.pk, threshold.code), [])
            finding = findings.get((model.pk, threshold.code))
            chosen = per_snapshot(rows)
            # The most severe; among equals the newest, the most recent word on it.
            worst = max(
                chosen.values(),
                key=lambda r: (severity(r.outcome), r.at, r.evaluation_id),
                default=None,
            )
            status, basis = NOT_EVALUATED, ""
            if worst is not None:
                status, basis = worst.outcome, "evaluations"
            if finding is not None:
                judged = _FINDING_AS_OUTCOME.get(finding.outcome, ThresholdOutcome.CROSSED)
                if severity(judged) > severity(status):
                    status, basis = judged.value, "finding"
            evidence_at = max(
                [row.at for row in rows]
                + ([finding.decided_at] if finding and finding.decided_at else []),
                default=None,
            )
            evaluated_compute = max((computes[s] for s in chosen if computes.get(s)), default=None)
            items.append(
                ThresholdStanding(
                    threshold=threshold,
                    status=status,
                    numeric=threshold.scoring_rule is not None,
                    worst=worst,
                    finding=finding,
                    evaluations=len(rows),
                    snapshots_evaluated=len(chosen),
                    freshness=_freshness(
                        evidence_at,
                        evaluated_compute,
                        latest,
                        months,
                        multiple,
                        now,
                        evaluated=bool(basis),
                    ),
                    basis=basis,
                )
            )
        result[model.pk] = ModelThresholdStandings(model.pk, version, items, latest, now)
    return result


def model_standing(model: AIModel, *, now=None) -> ModelThresholdStandings:
    return standings_for_models([model], now=now)[model.pk]
