"""Each finding of a determination beside the model's standing for its threshold, for the pages
where the review and the decision are made.

The standing is the evals app's (`model_threshold_standings`: the worst over every snapshot, since
a threshold counts if met at any stage of training). Beside it, the outcome on each snapshot, so the
reviewer sees the trend, and in plain words where the finding disagrees with what the evaluations
show. It fails closed: a "below" against a snapshot that crossed or could not be ruled out, or
against no evaluation at all, is a disagreement, never a quiet agreement.

Evaluations are matched to a finding by the threshold's code, whatever framework version they were
scored under (an earlier version's crossing is still evidence); the page names the version when it
is not the determination's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evals.models import ThresholdEvaluation
from evals.selectors import model_threshold_standings
from evals.standing import per_snapshot
from governance.choices import FindingOutcome, ThresholdOutcome
from governance.determinations.models import Determination, Finding
from governance.registry.models import Snapshot

_SEVERITY = {outcome.value: outcome.severity for outcome in ThresholdOutcome}
# What the evaluations must not show for a "below" to stand (the policy's default rule:
# inconclusive counts as crossed until shown otherwise).
_AGAINST_BELOW = (ThresholdOutcome.CROSSED, ThresholdOutcome.INCONCLUSIVE)


def _severity(outcome: str | None) -> int:
    # A stored value outside the choices must not break the page: treat it as the worst.
    return _SEVERITY.get(outcome, len(_SEVERITY)) if outcome else -1


@dataclass(frozen=True)
class SnapshotOutcome:
    """One snapshot's standing for a threshold: its evaluation (None when not evaluated), and
    whether the determination covers the snapshot."""

    snapshot: Snapshot
    evaluation: ThresholdEvaluation | None
    covered: bool
    # Inconclusive runs that a conclusive one on the same snapshot outweighs: shown, not hidden.
    inconclusive_runs: int = 0

    @property
    def outcome(self) -> str | None:
        return self.evaluation.outcome if self.evaluation is not None else None


@dataclass(frozen=True)
class FindingStanding:
    """A finding, the model's standing for its threshold over all snapshots, the outcome per
    snapshot (oldest first), and what the reviewer must be told."""

    finding: Finding
    standing: ThresholdEvaluation | None
    snapshots: list[SnapshotOutcome]
    # Plain sentences where the finding disagrees with the evaluations; empty when it agrees.
    disagreements: list[str] = field(default_factory=list)
    # Remarks that are no disagreement (a warning level reached, a finding more cautious).
    notes: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.disagreements


def _version_note(evaluation: ThresholdEvaluation, determination: Determination) -> str:
    version = evaluation.threshold.version
    if version.pk == determination.framework_version_id:
        return ""
    return f" (scored under {version})"


def _names(outcomes: list[SnapshotOutcome], determination: Determination) -> str:
    return ", ".join(
        f"{item.snapshot.name} ({item.evaluation.get_outcome_display().lower()}"
        f"{_version_note(item.evaluation, determination)})"
        for item in outcomes
    )


def _per_snapshot(
    evaluations: list[ThresholdEvaluation],
) -> dict[int, tuple[ThresholdEvaluation, int]]:
    """Per snapshot, as the standings choose it: the worst conclusive evaluation, or with none
    conclusive the latest inconclusive one; and how many inconclusive runs were outweighed.
    `evaluations` come newest first."""
    inconclusive: dict[int, int] = {}
    for evaluation in evaluations:
        if evaluation.outcome == ThresholdOutcome.INCONCLUSIVE:
            inconclusive[evaluation.snapshot_id] = inconclusive.get(evaluation.snapshot_id, 0) + 1
    chosen = per_snapshot(evaluations)
    return {
        key: (
            evaluation,
            0 if evaluation.outcome == ThresholdOutcome.INCONCLUSIVE else inconclusive.get(key, 0),
        )
        for key, evaluation in chosen.items()
    }


def _judge(
    finding: Finding,
    standing: ThresholdEvaluation | None,
    rows: list[SnapshotOutcome],
    determination: Determination,
) -> tuple[list[str], list[str]]:
    disagreements: list[str] = []
    notes: list[str] = []
    code = finding.threshold.code
    evaluated = [row for row in rows if row.evaluation is not None]
    if finding.outcome == FindingOutcome.BELOW:
        against = [row for row in evaluated if row.outcome in _AGAINST_BELOW]
        if against:
            disagreements.append(
                f'The finding says "below", but the evaluations of {code} crossed the threshold '
                f"or could not rule it out on {_names(against, determination)}. A threshold met "
                "at any stage counts for the model: treat it as crossed unless the deciders "
                "justify the finding."
            )
        if not evaluated:
            disagreements.append(
                f'The finding says "below", but no snapshot of the model has an evaluation of '
                f'{code}. Missing evidence is not a "below": treat it as not ruled out.'
            )
        else:
            unevaluated = [row for row in rows if row.covered and row.evaluation is None]
            if unevaluated:
                names = ", ".join(row.snapshot.name for row in unevaluated)
                disagreements.append(
                    f"This determination covers {names}, with no evaluation of {code}. Missing "
                    'evidence is not a "below".'
                )
        warned = [row for row in evaluated if row.outcome == ThresholdOutcome.WARNING]
        if warned and not against:
            notes.append(
                f"The warning level was reached on {_names(warned, determination)}: the "
                "capability is close to the threshold."
            )
    elif finding.outcome == FindingOutcome.CANNOT_RULE_OUT:
        crossed = [row for row in evaluated if row.outcome == ThresholdOutcome.CROSSED]
        if crossed:
            disagreements.append(
                f'The finding says "cannot rule out", but the evaluations of {code} crossed the '
                f'threshold on {_names(crossed, determination)}: the finding should say "crossed".'
            )
    if (
        finding.outcome in (FindingOutcome.CROSSED, FindingOutcome.CANNOT_RULE_OUT)
        and standing is not None
        and _severity(standing.outcome) < _severity(ThresholdOutcome.INCONCLUSIVE)
    ):
        notes.append("The finding is more cautious than the evaluations, as the policy allows.")
    if finding.contradicts_evidence and not disagreements:
        # The service's flag, set when the report was submitted or signed, stands for the
        # justification the deciders owe even where later evidence reads otherwise.
        disagreements.append(
            "When the report was last checked an evaluation of this threshold crossed it or was "
            "inconclusive; the deciders must justify the finding."
        )
    return disagreements, notes


def finding_standings(determination: Determination) -> list[FindingStanding]:
    """Each finding of the determination beside the model's standing for its threshold and the
    outcome on each of the model's snapshots, with its disagreements in words. A fixed number of
    queries, whatever the number of findings, snapshots and evaluations."""
    if "findings" in getattr(determination, "_prefetched_objects_cache", {}):
        findings = list(determination.findings.all())  # the page's prefetch
    else:
        findings = list(determination.findings.select_related("threshold", "justified_by"))
    if not findings:
        return []
    model = determination.model
    codes = {finding.threshold.code for finding in findings}
    snapshots = list(model.snapshots.order_by("created_on", "id"))
    covered = {snapshot.pk for snapshot in determination.snapshots.all()}
    evaluations = list(
        ThresholdEvaluation.objects.filter(snapshot__model=model, threshold__code__in=codes)
        .select_related("threshold__version__framework", "run")
        .order_by("-created_at", "-id")
    )
    worst_by_code: dict[str, ThresholdEvaluation] = {}
    for evaluation in model_threshold_standings(model):
        code = evaluation.threshold.code
        current = worst_by_code.get(code)
        if current is None or _severity(evaluation.outcome) > _severity(current.outcome):
            worst_by_code[code] = evaluation
    results = []
    for finding in findings:
        code = finding.threshold.code
        chosen = _per_snapshot([e for e in evaluations if e.threshold.code == code])
        rows = [
            SnapshotOutcome(
                snapshot=snapshot,
                evaluation=chosen[snapshot.pk][0] if snapshot.pk in chosen else None,
                covered=snapshot.pk in covered,
                inconclusive_runs=chosen[snapshot.pk][1] if snapshot.pk in chosen else 0,
            )
            for snapshot in snapshots
        ]
        standing = worst_by_code.get(code)
        disagreements, notes = _judge(finding, standing, rows, determination)
        results.append(FindingStanding(finding, standing, rows, disagreements, notes))
    return results
