"""A forecast of the compute at which a model's evaluations would reach a threshold's warning and
crossing levels: a logistic curve in log10 compute, fitted to (compute, value) points, with an
80% band from the fit's covariance.

Pure numpy/scipy (no Django), so the chart, the report and the forecast escalation all read one
plain, JSON-safe dict, and the same inputs always give the same numbers (the band is sampled with
a fixed seed): a stored quarterly report can be checked against a re-run.

Fail closed: a number people may act on is only given when the data carry it. Too few points, a
fit that fails or runs to the edge of its bounds, an abrupt step no evaluation lies on, no clear
trend towards the level, a poor fit or a band that reaches far beyond the evaluated compute each
give a status and one sentence that says so, and no levels and no curve to draw.

`forecast_crossing` returns:
    status            "forecast" | "too_few_points" | "poor_fit" | "no_trend" | "out_of_range"
    message           one sentence for people, whatever the status
    points_used       points fitted (those with a positive, finite compute)
    distinct_compute  how many different compute values they have
    r_squared         of the fit, when there is one, else None
    parameters        {"slope": k, "midpoint_log10_compute": x0} when there is a fit, else None
    levels            only for "forecast": warning (if any) then crossing, each with name, value,
                      compute, compute_low, compute_high (10th to 90th percentile), multiple,
                      multiple_low, multiple_high (over latest_compute; None without one) and
                      reached (the central estimate is at or below the latest compute, or
                      without one the most compute evaluated)
    curve             only for "forecast": [compute, low, mid, high] rows, CURVE_POINTS of them
    band              what the band means, in words
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.special import expit, logit

BAND = "80% (10th to 90th percentile) from the fit's covariance"
BAND_PERCENTILES = (10.0, 90.0)

# Three distinct compute values are the fewest that can tell a trend from a line through two
# points; with two parameters, three points leave one degree of freedom for the uncertainty.
MIN_DISTINCT_COMPUTE = 3
# The slope must stand two standard errors clear of zero, or the "trend" is noise.
SLOPE_STANDARD_ERRORS = 2.0
# Below this the curve explains less than half of the variation: no line is drawn from it.
MIN_R_SQUARED = 0.5
# Logistic slope per decade of compute. At 50 the curve goes from 10% to 90% within a factor
# of 1.22 in compute: a step between two snapshots, which the fit cannot place.
MAX_SLOPE = 50.0
# How far (in decades) from the evaluated compute the midpoint may be placed, and how far the
# band of a level may reach, before the forecast is an extrapolation of the curve's shape
# rather than of the evaluations: 10,000x beyond anything evaluated.
HORIZON_DECADES = 4.0
# A good start converges in tens of evaluations; the cap keeps the series that creep off
# towards a bound (saturated at 0 or 1) to a few milliseconds. Not converging is a poor fit.
MAX_EVALUATIONS = 300
DRAWS = 2000
SEED = 0
CURVE_POINTS = 60
# The curve runs at least to 10x the latest snapshot (past the 4x cadence and the 6x buffer) and
# follows a level's band up to 1000x, no further.
CURVE_MIN_DECADES = 1.0
CURVE_MAX_DECADES = 3.0
# Compute values closer than this (in log10) are the same compute: 1e-4 decades is 0.02%.
SAME_COMPUTE_DECADES = 1e-4

_SIGN = {"higher": 1.0, "lower": -1.0}
_COUNT_WORDS = {0: "No", 1: "One", 2: "Two"}


def _logistic(x, k, x0):
    return expit(k * (x - x0))


def _jacobian(x, k, x0):
    # Analytic derivatives: several times faster than finite differences on long series.
    y = expit(k * (x - x0))
    slope = y * (1.0 - y)
    return np.column_stack((slope * (x - x0), -k * slope))


def forecast_crossing(
    points: Sequence[tuple[float, float]],
    *,
    crossing_level: float,
    warning_level: float | None,
    direction: str,
    latest_compute: float | None,
) -> dict:
    """Fit value = 1 / (1 + exp(-k (log10(compute) - x0))) to `points` and give the compute
    (and the multiple over `latest_compute`) at which the warning and crossing levels would be
    reached, with an 80% band. Points whose compute is not a positive number cannot be placed
    on a log axis and are left out. `direction` is "higher" (a higher value is more capable) or
    "lower"; anything else is a programming error and raises ValueError. The result (see the
    module docstring) is plain JSON with finite floats only, to be stored as it is."""
    if direction not in _SIGN:
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
    sign = _SIGN[direction]
    data = np.asarray(points, dtype=float).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        data = data[np.isfinite(data[:, 0]) & (data[:, 0] > 0)]
    x = np.log10(data[:, 0])
    y = data[:, 1]
    distinct = int(np.unique(np.round(x / SAME_COMPUTE_DECADES)).size)
    result = _result(points_used=int(y.size), distinct_compute=distinct)
    levels = [("warning", warning_level)] if warning_level is not None else []
    levels.append(("crossing", crossing_level))

    problem = _out_of_range(y, levels)
    if problem:
        return result | {"status": "out_of_range", "message": problem}
    if y.size < MIN_DISTINCT_COMPUTE or distinct < MIN_DISTINCT_COMPUTE:
        return result | {"status": "too_few_points", "message": _too_few(y.size, distinct)}
    rises = "rise" if sign > 0 else "fall"
    if np.ptp(y) < 1e-9:
        return result | {
            "status": "no_trend",
            "message": f"The evaluations do not {rises} with compute: every value is the same.",
        }

    if _linear_slope(x, y)[0] * sign <= 0:
        # Not even a straight line moves towards the level; fitting a curve to such a series
        # only creeps towards the edge of its bounds (and takes longest doing it).
        return result | {
            "status": "no_trend",
            "message": f"The evaluations do not {rises} with compute.",
        }

    fit = _fit(x, y, sign)
    if isinstance(fit, str):
        # Without a usable curve, a straight line still tells "no trend" (a noisy flat series
        # sends the logistic's midpoint off to the edge) from "a trend the curve cannot follow".
        if not _linear_trend(x, y, sign):
            # A jump between two snapshots lands here too: say what is known of both.
            return result | {
                "status": "no_trend",
                "message": f"The evaluations do not {rises} with compute steadily enough to "
                f"forecast a crossing: a straight line shows no clear trend, and {fit[0].lower()}"
                f"{fit[1:]}",
            }
        return result | {"status": "poor_fit", "message": fit}
    (k, x0), covariance = fit
    residual = float(np.sum((y - _logistic(x, k, x0)) ** 2))
    r_squared = 1.0 - residual / float(np.sum((y - y.mean()) ** 2))
    k_error = math.sqrt(max(float(covariance[0, 0]), 0.0))
    result |= {
        "r_squared": r_squared,
        "parameters": {"slope": k, "midpoint_log10_compute": x0},
    }
    if sign * k <= 0 or abs(k) < SLOPE_STANDARD_ERRORS * k_error:
        return result | {
            "status": "no_trend",
            "message": f"The evaluations do not {rises} with compute clearly enough to forecast "
            f"a crossing (slope {k:.2g} ± {k_error:.2g} per decade of compute).",
        }
    if r_squared < MIN_R_SQUARED:
        return result | {
            "status": "poor_fit",
            "message": f"A logistic curve fits these evaluations poorly (R² {r_squared:.2f}, "
            f"below {MIN_R_SQUARED}), so no forecast is drawn.",
        }

    # The band: parameters drawn from the fit's normal approximation, with a fixed seed so that
    # a stored report and a re-run agree to the last digit.
    draws = _draws(np.array([k, x0]), covariance)
    x_latest = _log10_or_none(latest_compute)
    x_reference = x_latest if x_latest is not None else float(x.max())
    horizon = (float(x.min()) - HORIZON_DECADES, max(float(x.max()), x_reference) + HORIZON_DECADES)
    rows = []
    for name, value in levels:
        row = _level(name, value, k, x0, draws, sign, x_latest, x_reference, horizon)
        if isinstance(row, str):
            return result | {"status": "poor_fit", "message": row}
        rows.append(row)
    curve = _curve(x, x_reference, rows, k, x0, draws)
    result |= {
        "status": "forecast",
        "message": _summary(rows, r_squared, int(y.size), x_latest is not None),
        "levels": rows,
        "curve": curve,
    }
    if not _json_finite(result):
        # Compute near the largest float overflows 10**x: no number rather than an infinite one.
        return _result(points_used=int(y.size), distinct_compute=distinct) | {
            "status": "poor_fit",
            "message": "The forecast's compute values are beyond what can be represented, "
            "so no forecast is drawn.",
        }
    return result


def _result(*, points_used: int, distinct_compute: int) -> dict:
    return {
        "status": "poor_fit",
        "message": "",
        "points_used": points_used,
        "distinct_compute": distinct_compute,
        "r_squared": None,
        "parameters": None,
        "levels": [],
        "curve": [],
        "band": BAND,
    }


def _out_of_range(y: np.ndarray, levels: list[tuple[str, float]]) -> str | None:
    bad = y[~(np.isfinite(y) & (y >= 0.0) & (y <= 1.0))]
    if bad.size:
        found = f"{float(bad[0]):g}" if math.isfinite(bad[0]) else "a value that is not finite"
        return (
            "A logistic forecast needs values that are fractions between 0 and 1; "
            f"this series has {found}."
        )
    for name, level in levels:
        level = float(level) if level is not None else math.nan
        # A logistic curve only approaches 0 and 1, so a level at either is never reached.
        if not (math.isfinite(level) and 0.0 < level < 1.0):
            return (
                f"The {name} level {level:g} is not strictly between 0 and 1, which a logistic "
                "curve needs to reach it, so no forecast is made."
            )
    return None


def _too_few(points: int, distinct: int) -> str:
    needed = "at least three with different compute are needed for a forecast."
    if points == distinct:
        count = _COUNT_WORDS.get(points, str(points))
        noun = "snapshot" if points == 1 else "snapshots"
        if points == 0:
            return f"No snapshots with evaluations and compute: {needed}"
        return f"{count} {noun} with evaluations: {needed}"
    count = _COUNT_WORDS.get(distinct, str(distinct)).lower()
    value = "value" if distinct == 1 else "values"
    return f"{points} evaluations at only {count} compute {value}: {needed}"


def _starts(x: np.ndarray, y: np.ndarray, sign: float, bounds) -> list[tuple[float, float]]:
    """Two starting points: a straight line through the logits (usually close), and a gentle
    curve centred on the data (for series the logits mislead, e.g. ones pinned at 0 or 1)."""
    (k_low, x0_low), (k_high, x0_high) = bounds
    starts = []
    z = logit(np.clip(y, 0.02, 0.98))
    slope, intercept = np.polyfit(x, z, 1)
    if abs(slope) > 1e-3:
        starts.append((float(slope), float(-intercept / slope)))
    span = max(float(np.ptp(x)), 0.1)
    starts.append((sign * 4.0 / span, float(x.mean())))
    margin = 1e-6
    return [
        (
            float(np.clip(k, k_low + margin, k_high - margin)),
            float(np.clip(x0, x0_low + margin, x0_high - margin)),
        )
        for k, x0 in starts
    ]


def _fit(x: np.ndarray, y: np.ndarray, sign: float):
    """The best least-squares fit over the starts, as ((k, x0), covariance), or a message
    saying why there is none."""
    bounds = (
        (-MAX_SLOPE, float(x.min()) - HORIZON_DECADES),
        (MAX_SLOPE, float(x.max()) + HORIZON_DECADES),
    )
    best = None
    for start in _starts(x, y, sign, bounds):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OptimizeWarning)
            try:
                # MINPACK's Levenberg-Marquardt with the bounds checked after the fit, not
                # given to curve_fit: bounded fits run scipy's Python "trf" solver, several
                # times slower, and worst (tens of milliseconds) on exactly the series that are
                # refused anyway. A fit outside the bounds is refused as one stopped at them.
                parameters, covariance = curve_fit(
                    _logistic,
                    x,
                    y,
                    p0=start,
                    jac=_jacobian,
                    method="lm",
                    maxfev=MAX_EVALUATIONS,
                )
            except (RuntimeError, ValueError, np.linalg.LinAlgError):
                continue
        # scipy warns when it cannot estimate the covariance: no band, so no forecast.
        if any(issubclass(w.category, OptimizeWarning) for w in caught):
            continue
        residual = float(np.sum((y - _logistic(x, *parameters)) ** 2))
        if best is None or residual < best[0]:
            best = (residual, parameters, covariance)
        if _inside(parameters, bounds):
            break  # the second start is for series that send the first one astray
    if best is None:
        return (
            "The logistic fit did not converge, or its uncertainty could not be estimated, on "
            "these evaluations, so no forecast is drawn."
        )
    _, parameters, covariance = best
    if not (np.all(np.isfinite(parameters)) and np.all(np.isfinite(covariance))):
        return (
            "The logistic fit's uncertainty could not be estimated from these evaluations, "
            "so no forecast is drawn."
        )
    k, x0 = float(parameters[0]), float(parameters[1])
    if not _inside((0.0, x0), bounds):
        return (
            "The fitted curve's midpoint runs off more than "
            f"{10**HORIZON_DECADES:,.0f}x beyond the evaluated compute, too far from the "
            "evaluations to place a level, so no forecast is drawn."
        )
    # A step is located only to within the gap between the snapshots on either side of it: when
    # no evaluation lies on the rise (10% to 90% of the curve), the fit's sharp slope and its
    # tiny residuals would give a band far narrower than the data can carry.
    half_rise = math.log(9.0) / abs(k)
    below, above = x[x < x0], x[x > x0]
    on_rise = bool(np.any(np.abs(x - x0) <= half_rise))
    if not _inside((k, x0), bounds) or (below.size and above.size and not on_rise):
        if below.size and above.size:
            between = f"between {_flop(10 ** below.max())} and {_flop(10 ** above.min())}"
        else:
            between = "at the edge of the evaluated compute"
        return (
            "The evaluations jump abruptly between two snapshots, so the curve's rise can only "
            f"be placed {between}, not forecast."
        )
    return (k, x0), covariance


def _inside(parameters, bounds, edge: float = 1e-3) -> bool:
    """Whether a fit stopped clear of its bounds (beyond or at one, it ran off, not into
    data)."""
    return all(
        low + edge < value < high - edge
        for value, low, high in zip(parameters, bounds[0], bounds[1], strict=True)
    )


def _linear_slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The least-squares straight line's slope and its standard error."""
    dx = x - x.mean()
    spread = float(np.sum(dx * dx))
    slope = float(np.sum(dx * (y - y.mean()))) / spread
    residual = y - y.mean() - slope * dx
    error = math.sqrt(float(np.sum(residual * residual)) / (x.size - 2) / spread)
    return slope, error


def _linear_trend(x: np.ndarray, y: np.ndarray, sign: float) -> bool:
    """Whether a straight line through the points moves towards the level by more than two
    standard errors of its slope."""
    slope, error = _linear_slope(x, y)
    return sign * slope > 0 and abs(slope) >= SLOPE_STANDARD_ERRORS * error


def _draws(mean: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    # Through the eigen-decomposition, so a covariance that is only semi-definite (exact data
    # gives zeros) still samples, without numpy's warning.
    covariance = (covariance + covariance.T) / 2.0
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    scale = np.sqrt(np.clip(eigenvalues, 0.0, None))
    normal = np.random.default_rng(SEED).standard_normal((DRAWS, mean.size))
    return mean + (normal * scale) @ eigenvectors.T


def _log10_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return math.log10(value) if math.isfinite(value) and value > 0 else None


def _level(name, value, k, x0, draws, sign, x_latest, x_reference, horizon):
    """One level's row, or a message when its band reaches beyond the horizon."""
    target = float(logit(value))
    x_mid = x0 + target / k
    k_draws, x0_draws = draws[:, 0], draws[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        x_draws = x0_draws + target / k_draws
    # A draw whose slope points away from the level never reaches it as compute grows: count it
    # at infinity (a wider band), never drop it (a falsely narrow one).
    x_draws = np.where(sign * k_draws > 0, x_draws, np.inf)
    # "nearest" picks a draw instead of interpolating, so an infinite draw cannot make a NaN.
    x_low, x_high = (float(v) for v in np.percentile(x_draws, BAND_PERCENTILES, method="nearest"))
    x_low, x_high = min(x_low, x_mid), max(x_high, x_mid)
    if not (horizon[0] <= x_low and x_high <= horizon[1]):
        return (
            f"The fit is too uncertain to place the {name} level ({value:.0%}) within "
            f"{10**HORIZON_DECADES:,.0f}x of the evaluated compute, so no forecast is drawn; this "
            "is not evidence that the level is far off."
        )
    row = {
        "name": name,
        "value": float(value),
        "compute": _power(x_mid),
        "compute_low": _power(x_low),
        "compute_high": _power(x_high),
        "multiple": None,
        "multiple_low": None,
        "multiple_high": None,
        # With no latest snapshot, "reached" is judged against the most compute evaluated.
        "reached": bool(x_mid <= x_reference),
    }
    if x_latest is not None:
        row |= {
            "multiple": _power(x_mid - x_latest),
            "multiple_low": _power(x_low - x_latest),
            "multiple_high": _power(x_high - x_latest),
        }
    return row


def _power(exponent: float) -> float:
    with np.errstate(over="ignore"):
        return float(np.power(10.0, exponent))


def _curve(x, x_reference, rows, k, x0, draws) -> list[list[float]]:
    """The fitted curve and its band from the least compute evaluated to 10x the reference, or
    on to a level's upper band (up to 1000x) so the line is seen to meet the level."""
    x_end = max(float(x.max()), x_reference + CURVE_MIN_DECADES)
    for row in rows:
        x_high = math.log10(row["compute_high"]) if row["compute_high"] > 0 else -math.inf
        x_end = max(x_end, min(x_high, x_reference + CURVE_MAX_DECADES))
    grid = np.linspace(float(x.min()), x_end, CURVE_POINTS)
    mid = _logistic(grid, k, x0)
    sampled = expit(draws[:, :1] * (grid[None, :] - draws[:, 1:]))
    low, high = np.percentile(sampled, BAND_PERCENTILES, axis=0)
    low, high = np.minimum(low, mid), np.maximum(high, mid)
    compute = np.power(10.0, grid)
    return [
        [float(c), float(lo), float(m), float(hi)]
        for c, lo, m, hi in zip(compute, low, mid, high, strict=True)
    ]


def _flop(compute: float) -> str:
    mantissa, exponent = f"{compute:.1e}".split("e")
    return f"{mantissa}e{int(exponent)} FLOP"


def _times(multiple: float) -> str:
    return f"{multiple:.0f}x" if multiple >= 10 else f"{multiple:.2g}x"


def _summary(rows: list[dict], r_squared: float, points: int, has_latest: bool) -> str:
    parts = []
    for row in rows:
        where = (
            f"{_flop(row['compute'])} (80% band {_flop(row['compute_low'])} "
            f"to {_flop(row['compute_high'])})"
        )
        if has_latest:
            where += f", {_times(row['multiple'])} the latest snapshot"
        verb = (
            "already reached by the fit's central estimate, at about"
            if row["reached"]
            else "reached at about"
        )
        parts.append(f"{row['name']} level {row['value']:.0%} {verb} {where}")
    return f"Logistic fit to {points} evaluations (R² {r_squared:.2f}): " + "; ".join(parts) + "."


def _json_finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_json_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_json_finite(v) for v in value)
    return True
