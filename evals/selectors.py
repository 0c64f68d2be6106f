"""Named reads of the evals app."""

from django.db.models import Max, Prefetch, QuerySet

from governance.choices import ThresholdOutcome

from .models import EvalRun, EvalSuite, EvalSystem, Ingestion, ThresholdEvaluation

_SEVERITY = {outcome.value: outcome.severity for outcome in ThresholdOutcome}


def ingestions_list() -> QuerySet[Ingestion]:
    return Ingestion.objects.select_related("snapshot__model", "suite", "eval_system", "run")


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
    per_snapshot: dict[tuple[int, int], ThresholdEvaluation] = {}
    for evaluation in evaluations:  # newest first
        key = (evaluation.threshold_id, evaluation.snapshot_id)
        current = per_snapshot.get(key)
        if current is None:
            per_snapshot[key] = evaluation
        elif current.outcome == ThresholdOutcome.INCONCLUSIVE:
            if evaluation.outcome != ThresholdOutcome.INCONCLUSIVE:
                per_snapshot[key] = evaluation
        elif evaluation.outcome != ThresholdOutcome.INCONCLUSIVE and (
            _SEVERITY[evaluation.outcome] > _SEVERITY[current.outcome]
        ):
            per_snapshot[key] = evaluation
    worst: dict[int, ThresholdEvaluation] = {}
    for evaluation in per_snapshot.values():
        current = worst.get(evaluation.threshold_id)
        if current is None or _SEVERITY[evaluation.outcome] > _SEVERITY[current.outcome]:
            worst[evaluation.threshold_id] = evaluation
    return sorted(worst.values(), key=lambda e: (-_SEVERITY[e.outcome], e.threshold.code))


def latest_run_at_by_model() -> dict[int, object]:
    return dict(
        EvalRun.objects.values_list("snapshot__model_id").annotate(latest=Max("created_at"))
    )


def latest_threshold_outcome(model, threshold) -> str | None:
    """The outcome of the latest evaluation of this threshold on any of the model's snapshots."""
    latest = (
        ThresholdEvaluation.objects.filter(snapshot__model=model, threshold=threshold)
        .order_by("-created_at", "-id")
        .values_list("outcome", flat=True)
        .first()
    )
    return latest


def describe_evidence(reference: dict) -> tuple[str, str]:
    """A finding's evidence reference: {"type": "evaluation" | "run", "id": <id>}."""
    kind, pk = reference.get("type"), reference.get("id")
    if not isinstance(pk, int):
        raise ValueError("give an integer id")
    if kind == "evaluation":
        evaluation = (
            ThresholdEvaluation.objects.select_related("threshold", "run").filter(pk=pk).first()
        )
        if evaluation is None:
            raise ValueError(f"no threshold evaluation {pk}")
        return (
            f"{evaluation.threshold.code} {evaluation.outcome} (run {evaluation.run_id})",
            evaluation.run.get_absolute_url(),
        )
    if kind == "run":
        run = EvalRun.objects.filter(pk=pk).first()
        if run is None:
            raise ValueError(f"no eval run {pk}")
        return str(run), run.get_absolute_url()
    raise ValueError('type must be "evaluation" or "run"')
