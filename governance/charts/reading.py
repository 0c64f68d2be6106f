"""A trajectory dict read into what a chart can draw: points with a positive compute and a
finite value, levels, the latest snapshot and its multiples, and the forecast's curve; what is
left out is counted, so the chart can say so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.charts.words import (
    ForecastWords,
    dict_of,
    forecast_words,
    list_of,
    number_of,
    positive_of,
    text_of,
    threshold_words,
)

# Values beyond this are not plotted: no aggregate is this large, and the axis arithmetic must
# stay finite.
LARGEST_VALUE = 1e100


@dataclass
class Point:
    compute: float
    value: float
    raw: dict


@dataclass
class Reading:
    """The trajectory as read: only values that can be drawn."""

    model: str
    code: str
    threshold: str
    measure: str
    lower: bool
    levels: dict[str, float]
    points: list[Point]
    skipped: int
    latest_compute: float | None
    latest_snapshot: str
    buffer_multiple: float | None
    cadence_multiple: float | None
    forecast: dict
    curve: list[tuple[float, float, float, float]]
    fraction: bool
    said: ForecastWords
    not_plotted: dict


def plottable(points: list) -> tuple[list[Point], int]:
    kept, skipped = [], 0
    for raw in points:
        raw = dict_of(raw)
        compute = positive_of(raw.get("compute"))
        value = number_of(raw.get("value"))
        if compute is None or value is None or abs(value) > LARGEST_VALUE:
            skipped += 1
            continue
        kept.append(Point(compute, value, raw))
    return kept, skipped


def curve_of(forecast: dict) -> list[tuple[float, float, float, float]]:
    """(compute, low, mid, high) rows of a forecast's curve that can be drawn."""
    if forecast.get("status") != "forecast":
        return []
    rows = []
    for row in list_of(forecast.get("curve")):
        row = list_of(row)
        numbers = [number_of(item) for item in row[:4]]
        if len(numbers) < 4 or None in numbers or numbers[0] <= 0:
            continue
        compute, low, mid, high = numbers
        if max(abs(low), abs(mid), abs(high)) <= LARGEST_VALUE:
            rows.append((compute, min(low, high), mid, max(low, high)))
    return sorted(rows)


def read(trajectory: Any) -> Reading:
    trajectory = dict_of(trajectory)
    threshold = dict_of(trajectory.get("threshold"))
    levels = {}
    for name in ("warning", "crossing"):
        value = number_of(trajectory.get(f"{name}_level"))
        if value is not None and abs(value) <= LARGEST_VALUE:
            levels[name] = value
    points, skipped = plottable(list_of(trajectory.get("points")))
    latest = dict_of(trajectory.get("latest"))
    forecast = dict_of(trajectory.get("forecast"))
    curve = curve_of(forecast)
    values = [point.value for point in points]
    fraction = all(0.0 <= value <= 1.0 for value in [*values, *levels.values()])
    if fraction and any(not 0.0 <= v <= 1.0 for row in curve for v in row[1:]):
        curve = []  # a curve outside [0, 1] is not a curve of this fraction
    buffer_multiple = positive_of(trajectory.get("buffer_multiple"))
    return Reading(
        model=text_of(dict_of(trajectory.get("model")).get("name")) or "Model",
        code=text_of(threshold.get("code")) or "threshold",
        threshold=threshold_words(trajectory),
        measure=text_of(trajectory.get("measure"), 120) or "Value",
        lower=trajectory.get("direction") == "lower",
        levels=levels,
        points=points,
        skipped=skipped,
        latest_compute=positive_of(latest.get("compute")),
        latest_snapshot=text_of(latest.get("snapshot"), 60),
        buffer_multiple=buffer_multiple,
        cadence_multiple=positive_of(trajectory.get("cadence_multiple")),
        forecast=forecast,
        curve=curve,
        fraction=fraction,
        said=forecast_words(forecast, fraction=fraction, buffer_multiple=buffer_multiple),
        not_plotted=dict_of(trajectory.get("not_plotted")),
    )
