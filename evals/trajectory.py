"""Where a model is heading on each threshold with a numeric rule: every evaluation's aggregate
against its snapshot's compute, and a forecast of the compute at which the warning and the
crossing levels would be reached.

A trajectory is plain JSON (see `governance/charts/`, which draws it): the model page draws it
live, and the RSO's quarterly report stores it in its contents, so the chart in an issued report
is the record as it stood, whatever is ingested later.

What is plotted: the evaluations of the threshold's code (any framework version) scored with the
rule in force's aggregate and direction; others measure something else and are counted, not drawn.
The x axis is effective compute, or training compute where the effective one is not recorded
(labelled so). On each snapshot, the first run is the compute series; later runs on the same
snapshot are elicitation progress, their own series.

What is fitted: per snapshot, the most capable conclusive value (elicitation is evidence: the
model can do at least what the best run showed). Inconclusive runs are drawn, marked, and left out
of the fit: their value is a bound, not a measurement. Where some snapshots record effective
compute and others only training compute, the fit takes the effective ones: one axis, one curve.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse

from governance.choices import ScoreAggregate, ScoreDirection, ThresholdOutcome
from governance.models import CapabilityThreshold, FrameworkVersion
from governance.registry.models import AIModel, Snapshot
from governance.selectors import framework_version_in_force

from .models import ThresholdEvaluation
from .standing import latest_snapshot, model_standing

CONCLUSIVE = {ThresholdOutcome.BELOW, ThresholdOutcome.WARNING, ThresholdOutcome.CROSSED}


def _numeric_thresholds(version: FrameworkVersion | None) -> list[CapabilityThreshold]:
    if version is None:
        return []
    thresholds = version.thresholds.select_related("version__framework").order_by("position")
    return [threshold for threshold in thresholds if threshold.scoring_rule is not None]


def _cadence_multiple(version: FrameworkVersion) -> float | None:
    multiples = [r.compute_multiple for r in version.cadence_rules.all() if r.compute_multiple]
    return min(multiples) if multiples else None


def _compute(snapshot: Snapshot) -> tuple[float | None, str]:
    if snapshot.effective_compute_flop:
        return snapshot.effective_compute_flop, "effective"
    if snapshot.training_compute_flop:
        return snapshot.training_compute_flop, "training"
    return None, ""


def _iso(moment) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _evaluations(model_ids: list[int], codes: set[str], until):
    rows = ThresholdEvaluation.objects.filter(
        snapshot__model_id__in=model_ids, threshold__code__in=codes
    )
    if until is not None:
        rows = rows.filter(created_at__lte=until)
    return rows.order_by("created_at", "id").values_list(
        "snapshot__model_id",
        "threshold__code",
        "run_id",
        "snapshot_id",
        "outcome",
        "value",
        "aggregate",
        "direction",
        "run__started_at",
        "run__completed_at",
        "created_at",
    )


def _fitted(points: list[dict]) -> tuple[list[dict], dict[str, int]]:
    """The points the forecast fits, and how many it leaves out, by reason: inconclusive runs
    (their value is a bound), and training-compute points when some snapshots record effective
    compute (the two are different axes: mixing them would bend the curve)."""
    conclusive = [p for p in points if p["outcome"] in CONCLUSIVE]
    left_out = {"inconclusive": len(points) - len(conclusive), "training_compute": 0}
    if {p["compute_kind"] for p in conclusive} == {"effective", "training"}:
        fitted = [p for p in conclusive if p["compute_kind"] == "effective"]
        left_out["training_compute"] = len(conclusive) - len(fitted)
        return fitted, left_out
    return conclusive, left_out


def _fit_points(points: list[dict], direction: str) -> list[tuple[float, float]]:
    """Per snapshot, the most capable value."""
    best: dict[int, tuple[float, float]] = {}
    more_capable = max if direction == ScoreDirection.HIGHER else min
    for point in points:
        key = point["snapshot_id"]
        value = point["value"]
        if key in best:
            value = more_capable(best[key][1], value)
        best[key] = (point["compute"], value)
    return list(best.values())


def _trajectory(model, threshold, version, snapshots, rows, cadence_multiple) -> dict:
    rule = threshold.scoring_rule
    by_pk = {snapshot.pk: snapshot for snapshot in snapshots}
    points: list[dict] = []
    not_plotted = {"no_compute": 0, "other_rule": 0, "no_value": 0}
    runs_seen: dict[int, int] = defaultdict(int)
    ordered = sorted(rows, key=lambda r: (r[8] or r[9] or r[10], r[2]))
    for _, _, run_id, snapshot_id, outcome, value, aggregate, direction, *times in ordered:
        snapshot = by_pk.get(snapshot_id)
        if aggregate != rule.aggregate or direction != rule.direction:
            not_plotted["other_rule"] += 1
            continue
        compute, kind = _compute(snapshot) if snapshot else (None, "")
        if compute is None:
            not_plotted["no_compute"] += 1
            continue
        if value is None:
            not_plotted["no_value"] += 1
            continue
        runs_seen[snapshot_id] += 1
        points.append(
            {
                "run": run_id,
                "url": reverse("evals:run-detail", args=[run_id]),
                "snapshot": snapshot.name,
                "snapshot_id": snapshot_id,
                "compute": compute,
                "compute_kind": kind,
                "value": value,
                "outcome": outcome,
                "series": "compute" if runs_seen[snapshot_id] == 1 else "elicitation",
                "at": _iso(times[0] or times[1] or times[2]),
            }
        )
    latest = latest_snapshot(snapshots)
    latest_ref = None
    if latest is not None:
        compute, kind = _compute(latest)
        latest_ref = {
            "snapshot": latest.name,
            "snapshot_id": latest.pk,
            "compute": compute,
            "compute_kind": kind,
        }
    # numpy and scipy take a second or two to import: loaded when a forecast is first made,
    # not by every process that starts Django (commands, web and Celery workers).
    from .forecast import forecast_crossing

    fitted, not_fitted = _fitted(points)
    forecast = forecast_crossing(
        _fit_points(fitted, rule.direction),
        crossing_level=rule.crossing_level,
        warning_level=rule.warning_level,
        direction=str(rule.direction),
        latest_compute=latest_ref["compute"] if latest_ref else None,
    )
    return {
        "model": {"id": model.pk, "name": model.name},
        "threshold": {
            "id": threshold.pk,
            "code": threshold.code,
            "name": threshold.name,
            "version": str(version),
        },
        "measure": ScoreAggregate(rule.aggregate).label,
        "direction": str(rule.direction),
        "warning_level": rule.warning_level,
        "crossing_level": rule.crossing_level,
        "points": points,
        "latest": latest_ref,
        "buffer_multiple": version.safety_buffer_compute_multiple,
        "cadence_multiple": cadence_multiple,
        "not_plotted": not_plotted,
        "not_fitted": not_fitted,
        "forecast": forecast,
    }


def trajectories_for_models(
    models, *, version: FrameworkVersion | None = None, until=None
) -> dict[int, list[dict]]:
    """Per model, a trajectory for each threshold of the version in force that has a numeric
    rule, with evaluations recorded up to `until` (default: all). A fixed few queries."""
    models = list(models)
    version = version or framework_version_in_force(until)
    thresholds = _numeric_thresholds(version)
    if not thresholds or not models:
        return {model.pk: [] for model in models}
    cadence_multiple = _cadence_multiple(version)
    ids = [model.pk for model in models]
    snapshots: dict[int, list[Snapshot]] = defaultdict(list)
    for snapshot in Snapshot.objects.filter(model_id__in=ids).order_by("created_on", "id"):
        snapshots[snapshot.model_id].append(snapshot)
    rows: dict[tuple[int, str], list] = defaultdict(list)
    for row in _evaluations(ids, {t.code for t in thresholds}, until):
        rows[(row[0], row[1])].append(row)
    return {
        model.pk: [
            _trajectory(
                model,
                threshold,
                version,
                snapshots.get(model.pk, []),
                rows.get((model.pk, threshold.code), []),
                cadence_multiple,
            )
            for threshold in thresholds
        ]
        for model in models
    }


def model_trajectories(model: AIModel) -> list[dict]:
    return trajectories_for_models([model])[model.pk]


def buffer_breach(trajectory: dict) -> tuple[str, str] | None:
    """Where the forecast puts the crossing, when it is within the safety buffer of the latest
    snapshot or the next cadence step: (what it is within, e.g. "the 6x safety buffer"; the
    numbers in words). None when it is not, or with no forecast to go by (too few points or a
    poor fit: no number to act on)."""
    forecast = trajectory.get("forecast") or {}
    latest = trajectory.get("latest")
    if forecast.get("status") != "forecast" or not latest:
        return None
    crossing = next((lv for lv in forecast.get("levels", []) if lv["name"] == "crossing"), None)
    buffer, step = trajectory.get("buffer_multiple"), trajectory.get("cadence_multiple")
    if crossing is None or crossing.get("multiple") is None or not (buffer or step):
        return None
    multiple = crossing["multiple"]
    within, reach = [], ""
    if buffer and multiple <= buffer:
        within.append(f"inside the {buffer:g}x safety buffer")
        reach = f"the {buffer:g}x safety buffer"
    if step and multiple <= step:
        reach = reach or f"the next {step:g}x cadence step"
        within.append(
            f"the next {step:g}x cadence step ({latest['compute'] * step:.2g} FLOP) would pass it"
        )
    if not within:
        return None
    if crossing.get("reached"):
        within.insert(0, "already reached by the fit's central estimate")
    code = trajectory["threshold"]["code"]
    level = trajectory["crossing_level"]
    text = (
        f"The forecast puts the {code} crossing ({level:.0%}) at {crossing['compute']:.2g} FLOP, "
        f"{multiple:.2g}x the compute of {latest['snapshot']} (80% band "
        f"{crossing['multiple_low']:.2g}x to {crossing['multiple_high']:.2g}x): "
        + "; ".join(within)
        + "."
    )
    warning = next((lv for lv in forecast.get("levels", []) if lv["name"] == "warning"), None)
    if warning is not None and warning.get("multiple") is not None:
        text += f" The warning level would be reached at {warning['multiple']:.2g}x."
    used = forecast.get("points_used")
    r_squared = forecast.get("r_squared")
    if used:
        text += f" Fitted on {used} snapshots" + (
            f", R² {r_squared:.2f}." if r_squared is not None else "."
        )
    return reach, text


def standing_panel(model: AIModel) -> dict:
    """The model page's panel: the standing, and a trajectory per threshold with a numeric rule."""
    trajectories = model_trajectories(model)
    return {
        "standing": model_standing(model),
        "trajectories": {t["threshold"]["code"]: t for t in trajectories},
        "trajectory_list": trajectories,
    }
