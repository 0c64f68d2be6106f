"""The crossing forecast against series whose answer is known: points drawn from a logistic with
known parameters (clean and noisy, checked against the generator and an independent reference
fit), and the series it must refuse (flat, too few, a step, out of range)."""

import json
import math
import warnings

import numpy as np
import pytest
from scipy.optimize import OptimizeWarning, least_squares
from scipy.special import expit, logit

import evals.forecast
from evals.forecast import BAND, CURVE_POINTS, forecast_crossing

STATUSES = {"forecast", "too_few_points", "poor_fit", "no_trend", "out_of_range"}
KEYS = {
    "status",
    "message",
    "points_used",
    "distinct_compute",
    "r_squared",
    "parameters",
    "levels",
    "curve",
    "band",
}
LEVEL_KEYS = {
    "name",
    "value",
    "compute",
    "compute_low",
    "compute_high",
    "multiple",
    "multiple_low",
    "multiple_high",
    "reached",
}
# 90th minus 10th percentile of a normal, in standard deviations.
Z80 = 2 * 1.2815515655446004


def sigmoid_points(x, k, x0, noise=0.0, seed=0):
    y = expit(k * (np.asarray(x, dtype=float) - x0))
    if noise:
        y = np.clip(y + np.random.default_rng(seed).normal(0.0, noise, len(x)), 0.0, 1.0)
    return [(float(10.0**a), float(b)) for a, b in zip(x, y, strict=True)]


def forecast(points, **kwargs):
    kwargs.setdefault("crossing_level", 0.5)
    kwargs.setdefault("warning_level", 0.3)
    kwargs.setdefault("direction", "higher")
    kwargs.setdefault("latest_compute", 1e26)
    return forecast_crossing(points, **kwargs)


def level(result, name):
    return next(row for row in result["levels"] if row["name"] == name)


def assert_plain_json(value):
    """Only the types JSON has, with finite floats (numpy scalars and NaN are refused)."""
    if isinstance(value, dict):
        assert all(type(key) is str for key in value)
        for item in value.values():
            assert_plain_json(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain_json(item)
    elif type(value) is float:
        assert math.isfinite(value), value
    else:
        assert value is None or type(value) in (str, int, bool), (type(value), value)


def reference_fit(points):
    """An independent least-squares fit (Levenberg-Marquardt, no bounds, started at a plain
    guess) with the textbook covariance s^2 (J^T J)^-1."""
    x = np.log10([c for c, _ in points])
    y = np.array([v for _, v in points])

    def residuals(p):
        return expit(p[0] * (x - p[1])) - y

    fit = least_squares(residuals, x0=[1.0, float(np.mean(x))], method="lm", xtol=1e-14)
    jacobian = fit.jac
    dof = len(x) - 2
    covariance = np.linalg.inv(jacobian.T @ jacobian) * float(fit.fun @ fit.fun) / dof
    return fit.x, covariance


# A clean logistic: slope 2.5 per decade, midpoint 10^26.5 FLOP, seven snapshots from 1e23 to
# 1e26 (the latest), so the series is still well below the crossing level.
CLEAN_K, CLEAN_X0 = 2.5, 26.5
CLEAN = sigmoid_points(np.linspace(23, 26, 7), CLEAN_K, CLEAN_X0)
NOISY_K, NOISY_X0 = 2.0, 26.3
NOISY = sigmoid_points(np.linspace(23, 26, 12), NOISY_K, NOISY_X0, noise=0.03, seed=7)


def test_forecast_clean_sigmoid_recovers_generator():
    result = forecast(CLEAN)

    assert result["status"] == "forecast"
    assert result["points_used"] == 7
    assert result["distinct_compute"] == 7
    assert result["parameters"]["slope"] == pytest.approx(CLEAN_K, abs=1e-6)
    assert result["parameters"]["midpoint_log10_compute"] == pytest.approx(CLEAN_X0, abs=1e-6)
    assert result["r_squared"] == pytest.approx(1.0, abs=1e-9)
    assert [row["name"] for row in result["levels"]] == ["warning", "crossing"]
    assert result["band"] == BAND


def test_forecast_clean_sigmoid_levels_and_multiples():
    result = forecast(CLEAN)

    # Solved by hand: x* = x0 + logit(level) / k, multiple = 10^(x* - 26).
    warning_x = CLEAN_X0 + logit(0.3) / CLEAN_K
    warning, crossing = level(result, "warning"), level(result, "crossing")
    assert warning["value"] == 0.3
    assert warning["compute"] == pytest.approx(10**warning_x, rel=1e-5)
    assert warning["multiple"] == pytest.approx(10 ** (warning_x - 26), rel=1e-5)
    assert warning["multiple"] == pytest.approx(1.449, abs=1e-3)
    assert crossing["value"] == 0.5
    assert crossing["compute"] == pytest.approx(10**26.5, rel=1e-5)
    assert crossing["multiple"] == pytest.approx(math.sqrt(10), rel=1e-5)
    assert warning["reached"] is False
    assert crossing["reached"] is False
    # Exact data: the band closes on the estimate.
    for row in (warning, crossing):
        assert row["compute_low"] <= row["compute"] <= row["compute_high"]
        assert row["compute_high"] / row["compute_low"] == pytest.approx(1.0, abs=1e-6)
        assert row["multiple_low"] <= row["multiple"] <= row["multiple_high"]
    assert "crossing level 50% reached at about 3.2e26 FLOP" in result["message"]
    assert "3.2x the latest snapshot" in result["message"]


def test_forecast_clean_sigmoid_curve():
    result = forecast(CLEAN)
    curve = result["curve"]

    assert len(curve) == CURVE_POINTS
    computes = [row[0] for row in curve]
    assert computes[0] == pytest.approx(1e23, rel=1e-9)
    # The crossing is 3.2x the latest snapshot: the curve runs on to 10x it.
    assert computes[-1] == pytest.approx(1e27, rel=1e-9)
    assert computes == sorted(computes)
    for compute, low, mid, high in curve:
        assert 0.0 <= low <= mid <= high <= 1.0
        assert mid == pytest.approx(expit(CLEAN_K * (math.log10(compute) - CLEAN_X0)), abs=1e-9)


def test_forecast_curve_follows_a_far_crossing_up_to_1000x():
    near = forecast(sigmoid_points(np.linspace(23, 26, 7), 2.0, 27.5))
    far = forecast(sigmoid_points(np.linspace(23, 24, 5), 2.0, 27.5), latest_compute=1e24)

    # 10^27.5 is 32x the latest: the curve ends at the top of the crossing's band.
    assert near["status"] == "forecast"
    assert near["curve"][-1][0] == pytest.approx(level(near, "crossing")["compute_high"])
    assert level(near, "crossing")["multiple"] == pytest.approx(10**1.5, rel=1e-4)
    # 3162x the latest: the curve stops at 1000x.
    assert far["status"] == "forecast"
    assert level(far, "crossing")["multiple"] == pytest.approx(10**3.5, rel=1e-3)
    assert far["curve"][-1][0] == pytest.approx(1e27, rel=1e-9)


def test_forecast_noisy_matches_reference_fit():
    result = forecast(NOISY)
    (k, x0), covariance = reference_fit(NOISY)

    assert result["status"] == "forecast"
    assert result["parameters"]["slope"] == pytest.approx(k, rel=1e-5)
    assert result["parameters"]["midpoint_log10_compute"] == pytest.approx(x0, abs=1e-5)
    crossing = level(result, "crossing")
    # At 50% the level's compute is the midpoint itself, normal under the fit's approximation:
    # its 80% band is 2 x 1.28 standard errors wide (2000 draws: within a few per cent).
    assert math.log10(crossing["compute"]) == pytest.approx(x0, abs=1e-5)
    width = math.log10(crossing["compute_high"]) - math.log10(crossing["compute_low"])
    assert width == pytest.approx(Z80 * math.sqrt(covariance[1, 1]), rel=0.08)


def test_forecast_noisy_band_wider_and_holds_truth():
    noisy, clean = forecast(NOISY), forecast(sigmoid_points(np.linspace(23, 26, 12), 2.0, 26.3))

    assert noisy["status"] == clean["status"] == "forecast"
    for name, value in (("warning", 0.3), ("crossing", 0.5)):
        noisy_row, clean_row = level(noisy, name), level(clean, name)
        noisy_width = noisy_row["compute_high"] / noisy_row["compute_low"]
        clean_width = clean_row["compute_high"] / clean_row["compute_low"]
        assert noisy_width > 1.05
        assert clean_width < 1.0 + 1e-6
        true_x = NOISY_X0 + logit(value) / NOISY_K
        assert math.log10(noisy_row["compute"]) == pytest.approx(true_x, abs=0.15)
    # The band of the curve widens with noise too.
    assert max(high - low for _, low, _, high in noisy["curve"]) > 0.01
    assert max(high - low for _, low, _, high in clean["curve"]) < 1e-6


def test_forecast_very_noisy_is_poor_fit():
    # A real but weak rise buried in noise: significant over 200 points, yet the curve explains
    # little of the variation.
    points = sigmoid_points(np.linspace(22, 26, 200), 1.0, 24.0, noise=0.35, seed=0)
    result = forecast(points)

    assert result["status"] == "poor_fit"
    assert result["r_squared"] < 0.5
    assert "R² 0.30" in result["message"]
    assert result["levels"] == []
    assert result["curve"] == []


def test_forecast_flat_series_is_no_trend():
    result = forecast([(1e23, 0.2), (1e24, 0.2), (1e25, 0.2), (1e26, 0.2)])

    assert result["status"] == "no_trend"
    assert result["message"] == "The evaluations do not rise with compute: every value is the same."
    assert result["levels"] == []
    assert result["curve"] == []


@pytest.mark.parametrize("seed", range(5))
def test_forecast_noisy_flat_series_is_no_trend(seed):
    x = np.linspace(22, 26, 10)
    y = 0.2 + np.random.default_rng(seed).normal(0.0, 0.05, 10)
    result = forecast([(10.0**a, float(b)) for a, b in zip(x, y, strict=True)])

    assert result["status"] == "no_trend"
    assert "do not rise with compute" in result["message"]
    assert result["levels"] == []


def test_forecast_slope_within_two_standard_errors_is_no_trend():
    values = [0.47, 0.16, 0.45, 0.44, 0.50, 0.58]
    points = [(10.0**a, v) for a, v in zip(np.linspace(23, 26, 6), values, strict=True)]
    result = forecast(points, crossing_level=0.8, warning_level=None)

    assert result["status"] == "no_trend"
    slope = result["parameters"]["slope"]
    assert slope > 0  # rising, but not clearly
    assert "per decade of compute" in result["message"]
    assert result["levels"] == []


def test_forecast_falling_series_is_no_trend_for_higher():
    result = forecast(sigmoid_points(np.linspace(23, 26, 6), -2.0, 25.0))

    assert result["status"] == "no_trend"
    assert result["message"] == "The evaluations do not rise with compute."
    assert result["parameters"] is None


@pytest.mark.parametrize(
    ("points", "used", "distinct", "start"),
    [
        ([], 0, 0, "No snapshots with evaluations"),
        ([(1e24, 0.1)], 1, 1, "One snapshot with evaluations"),
        ([(1e24, 0.1), (1e25, 0.3)], 2, 2, "Two snapshots with evaluations"),
        (
            [(1e24, 0.1), (1e24, 0.15), (1e25, 0.3), (1e25, 0.35), (1e25, 0.4)],
            5,
            2,
            "5 evaluations at only two compute values",
        ),
        # 1e25 and 1.000001e25 are the same compute.
        ([(1e24, 0.1), (1e25, 0.3), (1.000001e25, 0.31)], 3, 2, "3 evaluations at only two"),
    ],
)
def test_forecast_too_few_points(points, used, distinct, start):
    result = forecast(points)

    assert result["status"] == "too_few_points"
    assert result["points_used"] == used
    assert result["distinct_compute"] == distinct
    assert result["message"].startswith(start)
    assert "at least three with different compute are needed" in result["message"]
    assert result["parameters"] is None
    assert result["levels"] == []
    assert result["curve"] == []


def test_forecast_two_points_exact_message():
    result = forecast([(1e24, 0.1), (1e25, 0.3)])

    assert result["message"] == (
        "Two snapshots with evaluations: at least three with different compute are needed for "
        "a forecast."
    )


def test_forecast_crossing_already_past():
    # The evaluations are all above the crossing level, rising on from it.
    points = sigmoid_points(np.linspace(24.5, 26, 5), 2.0, 24.0)
    result = forecast(points)

    assert result["status"] == "forecast"
    warning, crossing = level(result, "warning"), level(result, "crossing")
    assert crossing["reached"] is True
    assert warning["reached"] is True
    assert crossing["compute"] == pytest.approx(1e24, rel=1e-6)
    assert crossing["multiple"] == pytest.approx(0.01, rel=1e-6)
    assert crossing["multiple"] < 1
    assert crossing["multiple_high"] <= 1
    assert warning["multiple"] < crossing["multiple"]
    assert "crossing level 50% already reached" in result["message"]


@pytest.mark.parametrize(
    ("latest", "reached", "multiple"),
    [(1e26, True, 10**-0.2), (10**25.75, False, 10**0.05)],
)
def test_forecast_reached_at_the_latest_snapshot(latest, reached, multiple):
    # The crossing (50%) at 10^25.8 FLOP: just below one latest snapshot, just above the other.
    result = forecast(sigmoid_points(np.linspace(23, 25.75, 6), 2.0, 25.8), latest_compute=latest)

    crossing = level(result, "crossing")
    assert crossing["reached"] is reached
    assert crossing["multiple"] == pytest.approx(multiple, rel=1e-5)
    assert level(result, "warning")["reached"] is True


def test_forecast_reached_without_latest_is_judged_at_most_compute_evaluated():
    result = forecast(sigmoid_points(np.linspace(24.5, 26, 5), 2.0, 24.0), latest_compute=None)

    crossing = level(result, "crossing")
    assert crossing["reached"] is True
    assert crossing["multiple"] is None
    assert crossing["multiple_low"] is None
    assert crossing["multiple_high"] is None
    assert crossing["compute"] == pytest.approx(1e24, rel=1e-6)
    assert "latest snapshot" not in result["message"]


@pytest.mark.parametrize("latest", [None, 0.0, -1e25, math.nan, math.inf])
def test_forecast_without_usable_latest_gives_no_multiples(latest):
    result = forecast(CLEAN, latest_compute=latest)

    assert result["status"] == "forecast"
    for row in result["levels"]:
        assert row["multiple"] is None
        assert row["multiple_low"] is None
        assert row["multiple_high"] is None
    # Judged against the most compute evaluated (1e26): not yet reached.
    assert level(result, "crossing")["reached"] is False
    assert_plain_json(result)


def test_forecast_lower_direction():
    # Lower is more capable: the value falls from 1 as compute grows.
    points = [(c, 1.0 - v) for c, v in sigmoid_points(np.linspace(23, 26, 6), 2.0, 26.3)]
    result = forecast(points, crossing_level=0.2, warning_level=0.4, direction="lower")

    assert result["status"] == "forecast"
    assert result["parameters"]["slope"] == pytest.approx(-2.0, abs=1e-6)
    assert result["parameters"]["midpoint_log10_compute"] == pytest.approx(26.3, abs=1e-6)
    warning, crossing = level(result, "warning"), level(result, "crossing")
    crossing_x = 26.3 + logit(0.2) / -2.0
    warning_x = 26.3 + logit(0.4) / -2.0
    assert crossing["compute"] == pytest.approx(10**crossing_x, rel=1e-5)
    assert crossing["multiple"] == pytest.approx(10 ** (crossing_x - 26), rel=1e-5)
    assert warning["multiple"] == pytest.approx(10 ** (warning_x - 26), rel=1e-5)
    assert 1 < warning["multiple"] < crossing["multiple"]
    assert crossing["reached"] is False
    # The curve falls.
    mids = [row[2] for row in result["curve"]]
    assert mids == sorted(mids, reverse=True)


def test_forecast_lower_direction_already_past():
    points = [(c, 1.0 - v) for c, v in sigmoid_points(np.linspace(24.5, 26, 5), 2.0, 24.0)]
    result = forecast(points, crossing_level=0.5, warning_level=0.7, direction="lower")

    assert result["status"] == "forecast"
    assert level(result, "crossing")["reached"] is True
    assert level(result, "crossing")["multiple"] == pytest.approx(0.01, rel=1e-6)


def test_forecast_lower_direction_rising_values_is_no_trend():
    result = forecast(CLEAN, crossing_level=0.2, warning_level=None, direction="lower")

    assert result["status"] == "no_trend"
    assert result["message"].startswith("The evaluations do not fall with compute")


@pytest.mark.parametrize(
    ("points", "levels", "found"),
    [
        (CLEAN[:-1] + [(1e26, 1.5)], {}, "this series has 1.5"),
        ([(1e23, -0.1)] + CLEAN[1:], {}, "this series has -0.1"),
        (CLEAN[:-1] + [(1e26, math.nan)], {}, "a value that is not finite"),
        (CLEAN[:-1] + [(1e26, math.inf)], {}, "a value that is not finite"),
        (CLEAN, {"crossing_level": 1.0}, "crossing level 1"),
        (CLEAN, {"crossing_level": 0.0}, "crossing level 0"),
        (CLEAN, {"crossing_level": 50.0}, "crossing level 50"),
        (CLEAN, {"crossing_level": math.nan}, "crossing level nan"),
        (CLEAN, {"warning_level": 1.2}, "warning level 1.2"),
        (CLEAN, {"warning_level": -0.3}, "warning level -0.3"),
    ],
)
def test_forecast_out_of_range(points, levels, found):
    result = forecast(points, **levels)

    assert result["status"] == "out_of_range"
    assert found in result["message"]
    assert "between 0 and 1" in result["message"]
    assert result["levels"] == []
    assert result["curve"] == []
    assert result["parameters"] is None
    assert_plain_json(result)


def test_forecast_out_of_range_before_too_few():
    result = forecast([(1e24, 2.0)])

    assert result["status"] == "out_of_range"


def test_forecast_values_at_zero_and_one_are_in_range():
    points = [(1e22, 0.0), (1e23, 0.05), (1e24, 0.5), (1e25, 0.95), (1e26, 1.0)]
    result = forecast(points)

    assert result["status"] == "forecast"
    assert level(result, "crossing")["compute"] == pytest.approx(1e24, rel=0.05)


def test_forecast_abrupt_step_is_poor_fit():
    points = [(1e22, 0.0), (1e23, 0.0), (1e24, 0.0), (1e25, 1.0), (1e26, 1.0)]
    result = forecast(points)

    # The data only say "between 1e24 and 1e25": no band narrower than that.
    assert result["status"] == "poor_fit"
    assert "between 1.0e24 FLOP and 1.0e25 FLOP" in result["message"]
    assert result["levels"] == []


def test_forecast_noisy_step_is_poor_fit():
    # Tails slightly off 0 and 1 keep the slope finite (about 7 per decade), but no evaluation
    # lies on the rise: without the rule the fit would claim 2.7e24 to 3.7e24 FLOP.
    points = [(1e22, 0.02), (1e23, 0.01), (1e24, 0.03), (1e25, 0.97), (1e26, 0.99), (1e27, 0.98)]
    result = forecast(points, latest_compute=1e27)

    assert result["status"] == "poor_fit"
    assert result["message"] == (
        "The evaluations jump abruptly between two snapshots, so the curve's rise can only be "
        "placed between 1.0e24 FLOP and 1.0e25 FLOP, not forecast."
    )
    assert result["levels"] == []


def test_forecast_midpoint_far_beyond_the_evaluations_is_poor_fit():
    result = forecast([(1e22, 0.001), (1e23, 0.0012), (1e24, 0.0015)], latest_compute=1e24)

    assert result["status"] == "poor_fit"
    assert "10,000x beyond the evaluated compute" in result["message"]
    assert result["levels"] == []


def test_forecast_band_beyond_horizon_is_poor_fit(monkeypatch):
    # With a horizon narrower than the noisy band, the forecast refuses rather than report a
    # band cut short.
    monkeypatch.setattr(evals.forecast, "HORIZON_DECADES", 0.01)
    points = sigmoid_points(np.linspace(25.6, 26, 12), 2.0, 25.8, noise=0.03, seed=7)
    result = forecast(points)

    assert result["status"] == "poor_fit"
    assert "too uncertain to place the warning level (30%)" in result["message"]
    assert "not evidence that the level is far off" in result["message"]
    assert result["levels"] == []
    assert result["curve"] == []


def test_forecast_optimize_warning_is_poor_fit_and_silenced(monkeypatch):
    real = evals.forecast.curve_fit

    def warns(*args, **kwargs):
        # The warning alone (with a finite covariance) must be enough to refuse.
        fit = real(*args, **kwargs)
        warnings.warn("Covariance of the parameters could not be estimated", OptimizeWarning, 2)
        return fit

    monkeypatch.setattr(evals.forecast, "curve_fit", warns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning that escapes fails the test
        result = forecast(CLEAN)

    assert result["status"] == "poor_fit"
    assert "could not be estimated" in result["message"]
    assert result["levels"] == []


def test_forecast_fit_failure_is_poor_fit(monkeypatch):
    def fails(*args, **kwargs):
        raise RuntimeError("Optimal parameters not found: The maximum number of evaluations")

    monkeypatch.setattr(evals.forecast, "curve_fit", fails)
    result = forecast(CLEAN)

    assert result["status"] == "poor_fit"
    assert "did not converge" in result["message"]
    assert result["parameters"] is None


def test_forecast_second_start_when_the_first_fails(monkeypatch):
    real = evals.forecast.curve_fit
    calls = []

    def first_fails(*args, **kwargs):
        calls.append(kwargs["p0"])
        if len(calls) == 1:
            raise RuntimeError("Optimal parameters not found")
        return real(*args, **kwargs)

    monkeypatch.setattr(evals.forecast, "curve_fit", first_fails)
    result = forecast(CLEAN)

    assert len(calls) == 2
    assert calls[0] != calls[1]
    assert result["status"] == "forecast"
    assert result["parameters"]["midpoint_log10_compute"] == pytest.approx(CLEAN_X0, abs=1e-6)


def test_forecast_fit_failure_without_trend_is_no_trend(monkeypatch):
    def fails(*args, **kwargs):
        raise RuntimeError("Optimal parameters not found")

    monkeypatch.setattr(evals.forecast, "curve_fit", fails)
    # Rising a little, well within the noise: a straight line finds no trend either.
    result = forecast([(1e23, 0.3), (1e24, 0.1), (1e25, 0.35), (1e26, 0.32)])

    assert result["status"] == "no_trend"
    assert result["parameters"] is None


def test_forecast_band_counts_draws_sloping_away_as_never_reached():
    # 15% of the parameter draws slope away from the level: they never reach it, so the 90th
    # percentile is "never" and the level cannot be bounded. Dropped, or solved as if they
    # reached it, they would give a falsely finite band.
    draws = np.array([[1.0, 25.0]] * 85 + [[-1.0, 25.0]] * 15)
    row = evals.forecast._level(
        "crossing", 0.8, 1.0, 25.0, draws, 1.0, 25.0, 25.0, horizon=(15.0, 35.0)
    )
    assert isinstance(row, str)
    assert "too uncertain to place the crossing level (80%)" in row
    # With 5% sloping away, the 90th percentile is a draw that does reach it.
    draws = np.array([[1.0, 25.0]] * 95 + [[-1.0, 25.0]] * 5)
    row = evals.forecast._level(
        "crossing", 0.8, 1.0, 25.0, draws, 1.0, 25.0, 25.0, horizon=(15.0, 35.0)
    )
    assert row["compute_low"] == row["compute"] == row["compute_high"]
    assert row["compute"] == pytest.approx(10 ** (25.0 + logit(0.8)), rel=1e-9)


def test_forecast_points_without_usable_compute_are_left_out():
    bad = [(0.0, 0.9), (-1e25, 0.9), (math.nan, 0.9), (math.inf, 0.9)]
    result = forecast(bad + CLEAN)

    assert result["points_used"] == 7
    assert result == forecast(CLEAN)


def test_forecast_is_deterministic():
    first, second = forecast(NOISY), forecast(NOISY)

    assert first == second
    assert json.dumps(first, allow_nan=False) == json.dumps(second, allow_nan=False)


def test_forecast_rejects_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        forecast(CLEAN, direction="up")


SCENARIOS = {
    "forecast": (CLEAN, {}),
    "noisy": (NOISY, {}),
    "reached": (sigmoid_points(np.linspace(24.5, 26, 5), 2.0, 24.0), {}),
    "no_warning": (CLEAN, {"warning_level": None}),
    "too_few_points": ([(1e24, 0.1), (1e25, 0.2)], {}),
    "no_trend": ([(1e23, 0.2), (1e24, 0.2), (1e25, 0.2)], {}),
    "poor_fit": ([(1e22, 0.0), (1e23, 0.0), (1e24, 1.0), (1e25, 1.0)], {}),
    "out_of_range": (CLEAN, {"crossing_level": math.nan}),
    "huge_compute": (
        sigmoid_points(np.linspace(300, 305, 6), 2.0, 303.0),
        {"latest_compute": 1e305},
    ),
    "tiny_compute": (
        sigmoid_points(np.linspace(-300, -297, 6), 2.0, -298.0),
        {"latest_compute": None},
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_forecast_is_plain_json(name):
    points, kwargs = SCENARIOS[name]
    result = forecast(points, **kwargs)

    assert set(result) == KEYS
    assert result["status"] in STATUSES
    assert type(result["message"]) is str and result["message"].endswith(".")
    assert_plain_json(result)
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    for row in result["levels"]:
        assert set(row) == LEVEL_KEYS
    if result["parameters"] is not None:
        assert set(result["parameters"]) == {"slope", "midpoint_log10_compute"}
    if result["status"] != "forecast":
        assert result["levels"] == []
        assert result["curve"] == []


def test_forecast_never_emits_nan_or_infinity():
    """Random series, including broken compute, values and levels: every answer is plain JSON
    with a known status, and a forecast always has its levels and curve."""
    rng = np.random.default_rng(2026)
    seen = set()
    for _ in range(300):
        n = int(rng.integers(0, 12))
        exponents = rng.uniform(18, 30, n)
        if rng.random() < 0.5:  # a rising series underneath, sometimes steep, sometimes noisy
            values = expit(rng.uniform(-8, 8) * (exponents - rng.uniform(20, 30)))
            values = values + rng.normal(0, rng.choice([0.0, 0.02, 0.2]), n)
            values = np.clip(values, 0, 1)
        else:
            values = rng.uniform(0, 1, n)
        computes = 10.0**exponents
        if n and rng.random() < 0.1:
            computes[0] = rng.choice([0.0, -1.0, math.nan, math.inf])
        if n and rng.random() < 0.05:
            values[0] = rng.choice([math.nan, 1.2, -0.1])
        crossing = float(rng.uniform(0.05, 0.95))
        result = forecast_crossing(
            list(zip(computes.tolist(), values.tolist(), strict=True)),
            crossing_level=crossing,
            warning_level=None if rng.random() < 0.3 else crossing * 0.6,
            direction=str(rng.choice(["higher", "lower"])),
            latest_compute=rng.choice([None, 0.0, 10.0 ** rng.uniform(18, 30)]),
        )
        seen.add(result["status"])
        assert set(result) == KEYS
        assert result["status"] in STATUSES
        assert result["message"]
        assert_plain_json(result)
        json.dumps(result, allow_nan=False)
        if result["status"] == "forecast":
            assert result["levels"]
            assert len(result["curve"]) == CURVE_POINTS
            for row in result["levels"]:
                assert row["compute_low"] <= row["compute"] <= row["compute_high"]
        else:
            assert result["levels"] == []
            assert result["curve"] == []
    # The sweep reached every way of answering.
    assert seen == STATUSES
