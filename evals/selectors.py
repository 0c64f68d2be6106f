"""Named reads of the evals app."""

from collections import defaultdict

from django.db.models import Max, Prefetch, Q, QuerySet

from governance.choices import ThresholdOutcome

from .models import EvalRun, EvalSuite, EvalSystem, Ingestion, ThresholdEvaluation
from .standing import per_snapshot

_SEVERITY = {outcome.value: outcome.severity for outcome in ThresholdOutcome}


def ingestions_list() -> QuerySet[Ingestion]:
    return Ingestion.objects.select_related(
        "snapshot__model", "suite", "eval_system"
    ).prefetch_related(
        Prefetch(
            "runs",
            queryset=EvalRun.objects.select_related("suite")
            .prefetch_related("evaluations__threshold")
            .order_by("pk"),
        )
    )


def ingestions_visible_to_system(system, queryset: QuerySet[Ingestion]) -> QuerySet[Ingestion]:
    """The ingestions an eval system may open: its own posts, and any stored evaluation within
    its scope. A run is one evaluation whoever posts it, so a second system that posts it is
    answered with the first ingestion and must be able to poll it (the rule of `_check_scope`).
    Its list stays its own posts."""
    limits = []
    if not system.all_models:
        limits.append(Q(snapshot__model__in=system.allowed_models.all()))
    if not system.all_suites:
        limits.append(Q(suite__isnull=True) | Q(suite__in=system.allowed_suites.all()))
    if not limits:
        return queryset  # every model and suite is in its scope
    in_scope = limits[0] if len(limits) == 1 else limits[0] & limits[1]
    return queryset.filter(Q(eval_system=system) | in_scope).distinct()


def eval_runs_list() -> QuerySet[EvalRun]:
    return (
        EvalRun.objects.select_related(
            "snapshot__model", "suite", "eval_system", "framework_version__framework", "ingestion"
        )
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=ThresholdEvaluation.objects.select_related("threshold").order_by("id"),
            )
        )
        .order_by("-created_at")
    )


def eval_run_detail() -> QuerySet[EvalRun]:
    return eval_runs_list().prefetch_related("task_results")


def eval_suites_list() -> QuerySet[EvalSuite]:
    return EvalSuite.objects.prefetch_related("thresholds__version__framework").order_by("name")


def eval_systems_list() -> QuerySet[EvalSystem]:
    return EvalSystem.objects.select_related("owner").prefetch_related(
        "allowed_models", "allowed_suites"
    )


def model_threshold_standings(model) -> list[ThresholdEvaluation]:
    """Per threshold, the model's standing: the maximum over its snapshots (a threshold counts
    if met at any stage). Per snapshot, the worst conclusive evaluation (any elicitation that
    showed the capability counts); only with none conclusive, the latest inconclusive one, so a
    complete run can show otherwise what a broken one could not."""
    evaluations = (
        ThresholdEvaluation.objects.filter(snapshot__model=model)
        .select_related("threshold__version__framework", "snapshot", "run")
        .order_by("threshold_id", "-created_at")
    )
    by_threshold: dict[int, list[ThresholdEvaluation]] = defaultdict(list)
    for evaluation in evaluations:  # newest first
        by_threshold[evaluation.threshold_id].append(evaluation)
    chosen = [e for rows in by_threshold.values() for e in per_snapshot(rows).values()]
    worst: dict[int, ThresholdEvaluation] = {}
    for evaluation in chosen:
        current = worst.get(evaluation.threshold_id)
        if current is None or _SEVERITY[evaluation.outcome] > _SEVERITY[current.outcome]:
            worst[evaluation.threshold_id] = evaluation
    return sorted(worst.values(), key=lambda e: (-_SEVERITY[e.outcome], e.threshold.code))


def latest_run_at_by_model() -> dict[int, object]:
    return dict(
        EvalRun.objects.values_list("snapshot__model_id").annotate(latest=Max("created_at"))
    )


def worst_threshold_outcome(model, threshold, snapshots=None) -> str | None:
    """The worst outcome of this threshold's evaluations on the model's snapshots (or the given
    ones): a failed elicitation is no evidence of absence, so one crossing is enough.
    Inconclusive counts as crossed until shown otherwise."""
    evaluations = ThresholdEvaluation.objects.filter(snapshot__model=model, threshold=threshold)
    if snapshots is not None:
        evaluations = evaluations.filter(snapshot__in=list(snapshots))
    outcomes = set(evaluations.values_list("outcome", flat=True))
    for outcome in (
        ThresholdOutcome.CROSSED,
        ThresholdOutcome.INCONCLUSIVE,
        ThresholdOutcome.WARNING,
    ):
        if outcome in outcomes:
            return outcome
    return ThresholdOutcome.BELOW if outcomes else None


def evidence_elicitation(reference: dict) -> dict | None:
    """How hard the run behind a finding's evidence tried: attempts per task and whether the
    snapshot was helpful-only."""
    if not isinstance(reference, dict) or not isinstance(reference.get("id"), int):
        return None
    runs = EvalRun.objects.only("pk", "epochs", "helpful_only")
    if reference.get("type") == "evaluation":
        run = runs.filter(evaluations__pk=reference["id"]).first()
    elif reference.get("type") == "run":
        run = runs.filter(pk=reference["id"]).first()
    else:
        return None
    if run is None:
        return None
    return {"run": run.pk, "attempts": run.epochs, "helpful_only": run.helpful_only}


def describe_evidence(reference: dict, model=None) -> tuple[str, str]:
    """A finding's evidence reference: {"type": "evaluation" | "run", "id": <id>}, which must
    be about the model the finding is about."""
    if not isinstance(reference, dict):
        raise ValueError('give {"type": ..., "id": ...}')
    kind, pk = reference.get("type"), reference.get("id")
    if not isinstance(pk, int):
        raise ValueError("give an integer id")
    if kind == "evaluation":
        evaluation = (
            ThresholdEvaluation.objects.select_related("threshold", "run", "snapshot")
            .filter(pk=pk)
            .first()
        )
        if evaluation is None or (model is not None and evaluation.snapshot.model_id != model.pk):
            raise ValueError(f"no threshold evaluation {pk} of this model")
        label = f"{evaluation.threshold.code} {evaluation.outcome} (run {evaluation.run_id})"
        return label, evaluation.run.get_absolute_url()
    if kind == "run":
        run = EvalRun.objects.select_related("snapshot").filter(pk=pk).first()
        if run is None or (model is not None and run.snapshot.model_id != model.pk):
            raise ValueError(f"no eval run {pk} of this model")
        return str(run), run.get_absolute_url()
    raise ValueError('type must be "evaluation" or "run"')
