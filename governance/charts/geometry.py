"""Where everything in a chart goes, in pixels (y grows downwards): the one layout that the SVG
and the PDF both draw, so the page and the paper show the same points, lines and labels."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from governance.charts.reading import Reading, read
from governance.charts.words import (
    css_word,
    dict_of,
    list_of,
    multiple_text,
    number_of,
    pct,
    phrase,
    positive_of,
    sci,
    text_of,
    value_text,
    width_of,
    wrap,
)

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 640, 320
FONT_SIZE = 11
SMALL = 10
LINE = 14

# Every colour that draws text keeps at least 4.5:1 on the white chart background (and so does
# every mark against it: 3:1 is the least for graphics).
WHITE = "#ffffff"
INK = "#1b2430"
MUTED = "#4f5966"
GRID = "#e1e5ea"
FORECAST = "#0a58ca"
OUTCOME_COLOURS = {
    "below": "#17692e",
    "warning": "#8a5a00",
    "crossed": "#b42318",
    "inconclusive": MUTED,
}
LEVEL_COLOURS = {"warning": "#8a5a00", "crossing": "#b42318"}
# Outcome is never told by colour alone.
OUTCOME_SHAPES = {
    "below": "circle",
    "warning": "triangle",
    "crossed": "square",
    "inconclusive": "hollow",
}
OUTCOME_LEGEND = {
    "below": "below",
    "warning": "warning",
    "crossed": "crossed",
    "inconclusive": "inconclusive (hollow, ?)",
}
X_LABEL = "Effective compute (FLOP, log scale)"
TRAINING_NOTE = "◇ training compute: effective compute not recorded"
NOTHING_TO_PLOT = "No evaluation of this threshold has a compute to plot yet."
# How far the compute axis may reach beyond the evaluations for markers and the forecast.
BELOW_DATA_DECADES, ABOVE_DATA_DECADES = 2.0, 4.0


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(slots=True)
class ChartPoint:
    """One evaluation. Not frozen, with slots: hundreds are made per chart."""

    x: float
    y: float
    run: str
    url: str
    snapshot: str
    snapshot_key: str
    compute: float
    compute_kind: str
    value: float
    outcome: str
    series: str
    at: str
    shape: str
    colour: str
    title: str


@dataclass(frozen=True)
class LevelLine:
    name: str
    value: float
    y: float
    colour: str


@dataclass(frozen=True)
class Marker:
    """A vertical line at a compute: the latest snapshot, the next step, the buffer."""

    name: str
    compute: float
    x: float
    dash: str


@dataclass(frozen=True)
class Interval:
    """A level's forecast band (compute_low to compute_high) along the level's line."""

    name: str
    y: float
    x1: float
    x2: float
    x_mid: float | None
    title: str


@dataclass(frozen=True)
class Label:
    """Text: one line, or several (`lines`) LINE apart; `css` is its class in the SVG. `back`:
    on a white patch, over the lines it crosses; `turned`: a quarter turn left about (x, y)."""

    lines: tuple[str, ...]
    x: float
    y: float
    css: str
    anchor: str = "start"
    size: float = FONT_SIZE
    colour: str = INK
    back: bool = False
    turned: bool = False

    def patch(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the white patch behind a one-line label."""
        width = width_of(self.lines[0], self.size) + 4
        x = {"start": self.x - 2, "end": self.x - width + 2}.get(self.anchor, self.x - width / 2)
        return x, self.y - self.size * 0.85 - 1, width, self.size + 3


@dataclass(frozen=True)
class LegendItem:
    shape: str
    colour: str
    label: str
    x: float
    y: float


@dataclass
class ChartGeometry:
    """Everything the chart draws. `words` says the forecast (and what is not drawn) in
    sentences, for the table alternative and the PDF."""

    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float
    fraction: bool
    x_range: tuple[float, float]  # log10 compute
    y_range: tuple[float, float]
    title: str = ""
    description: str = ""
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    points: list[ChartPoint] = field(default_factory=list)
    levels: list[LevelLine] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    elicitation: list[tuple[str, list[tuple[float, float]]]] = field(default_factory=list)
    forecast_line: list[tuple[float, float]] = field(default_factory=list)
    forecast_band: list[tuple[float, float]] = field(default_factory=list)
    intervals: list[Interval] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    training_compute: bool = False

    def x_of(self, compute: float) -> float:
        return self.x_at(math.log10(compute))

    def x_at(self, log_compute: float) -> float:
        low, high = self.x_range
        return self.left + (log_compute - low) / (high - low) * (self.right - self.left)

    def y_of(self, value: float) -> float:
        low, high = self.y_range
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)

    def shows(self, compute: float) -> bool:
        low, high = self.x_range
        return low <= math.log10(compute) <= high


def _nice_step(span: float, count: int = 5) -> float:
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _y_axis(values: list[float], fraction: bool) -> tuple[tuple[float, float], list[float]]:
    if fraction:
        return (0.0, 1.0), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high - low <= abs(high) * 1e-9:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _nice_step(high - low)
    first, last = math.floor(low / step), math.ceil(high / step)
    ticks = [(first + n) * step for n in range(last - first + 1)]
    return (ticks[0], ticks[-1]), ticks


def _x_axis(data: list[float], extras: list[float]) -> tuple[float, float]:
    """The log10 range: the evaluations, widened for markers and forecast within limits."""
    if data:
        low, high = min(data), max(data)
        floor, ceiling = low - BELOW_DATA_DECADES, high + ABOVE_DATA_DECADES
        for extra in extras:
            low, high = min(low, max(extra, floor)), max(high, min(extra, ceiling))
    elif extras:
        low = min(extras)
        high = min(max(extras), low + ABOVE_DATA_DECADES)
    else:
        low, high = 24.0, 26.0
    low, high = math.floor(low - 0.15), math.ceil(high + 0.15)
    if high - low < 2:
        low, high = low - 1, high + 1
    return float(low), float(high)


def _marker_specs(data: Reading) -> list[tuple[str, float, str, str]]:
    """(name, compute, label, dash) of the latest snapshot, the next step and the buffer."""
    if data.latest_compute is None:
        return []
    latest = data.latest_compute
    label = f"Latest: {data.latest_snapshot}" if data.latest_snapshot else "Latest snapshot"
    found = [("latest", latest, label, "2 3")]
    for name, multiple, words in (
        ("cadence", data.cadence_multiple, "next evaluation"),
        ("buffer", data.buffer_multiple, "safety buffer"),
    ):
        if multiple is not None and math.isfinite(latest * multiple):
            found.append(
                (name, latest * multiple, f"{multiple_text(multiple)} latest: {words}", "6 4")
            )
    return found


def _frame(data: Reading, markers: list, width: float, height: float) -> ChartGeometry:
    """The axes: ranges, ticks and margins."""
    y_range, y_values = _y_axis(
        [
            *(point.value for point in data.points),
            *data.levels.values(),
            *(value for row in data.curve for value in row[1:]),
        ],
        data.fraction,
    )
    extras = [math.log10(compute) for _, compute, _, _ in markers]
    extras += [math.log10(row[0]) for row in data.curve]
    for level in list_of(data.forecast.get("levels")) if data.curve else []:
        for key in ("compute_low", "compute_high"):
            compute = positive_of(dict_of(level).get(key))
            if compute is not None:
                extras.append(math.log10(compute))
    x_range = _x_axis([math.log10(point.compute) for point in data.points], extras)
    y_labels = [value_text(value, data.fraction) for value in y_values]
    # The tick labels set the left margin; the plot keeps 62 below it for tick labels, the
    # axis label and the first row of the legend.
    left = max(58.0, 34 + max(width_of(text, SMALL) for text in y_labels))
    g = ChartGeometry(
        width=width,
        height=height,
        left=left,
        top=16.0,
        right=width - 16,
        bottom=max(height - 62, 76.0),
        fraction=data.fraction,
        x_range=x_range,
        y_range=y_range,
    )
    low, high = int(x_range[0]), int(x_range[1])
    g.x_ticks = [
        Tick(g.x_at(decade), f"1e{decade}")
        for decade in range(low, high + 1, max(1, math.ceil((high - low) / 8)))
    ]
    g.y_ticks = [Tick(g.y_of(v), label) for v, label in zip(y_values, y_labels, strict=True)]
    y_label = data.measure + (" (lower is more capable)" if data.lower else "")
    g.labels += [
        Label(
            (X_LABEL,), (g.left + g.right) / 2, g.bottom + 32, "axis-label axis-label-x", "middle"
        ),
        Label(
            (text_of(y_label, 60),),
            14,
            (g.top + g.bottom) / 2,
            "axis-label axis-label-y",
            "middle",
            turned=True,
        ),
    ]
    return g


def _place_points(g: ChartGeometry, data: Reading) -> None:
    texts: dict = {}  # runs share snapshots, outcomes and kinds: each text is read once

    def text(value: Any, limit: int) -> str:
        try:
            return texts[value, limit]
        except KeyError:
            texts[value, limit] = found = text_of(value, limit)
            return found
        except TypeError:  # not hashable: not what the builder writes, but shown all the same
            return text_of(value, limit)

    before, after = phrase(data.measure, data.fraction)
    computes: dict[float, tuple[str, float]] = {}
    kind_words = {
        "training": " FLOP training compute (effective not recorded)",
        "effective": " FLOP effective compute",
    }
    for point in data.points:
        raw = point.raw
        outcome = text(raw.get("outcome"), 40)
        outcome = outcome if outcome in OUTCOME_SHAPES else css_word(outcome)
        kind = "training" if raw.get("compute_kind") == "training" else "effective"
        series = "elicitation" if raw.get("series") == "elicitation" else "compute"
        run = text(raw.get("run"), 40) or "?"
        snapshot = text(raw.get("snapshot"), 120) or "an unnamed snapshot"
        value = pct(point.value) if data.fraction else f"{point.value:.3g}"
        compute = computes.get(point.compute)
        if compute is None:  # runs on one snapshot share its compute
            compute = computes[point.compute] = (sci(point.compute), g.x_of(point.compute))
        title = (
            f"Run {run} on {snapshot}: {before}{value}{after} ({outcome}), "
            f"{compute[0]}{kind_words[kind]}"
        )
        if series == "elicitation":
            title += "; a later run on the same snapshot (elicitation)"
        url = text(raw.get("url"), 500)
        if not url.startswith("/") or url.startswith("//"):
            url = ""  # only this site's own pages are linked
        g.points.append(
            ChartPoint(
                compute[1],
                g.y_of(point.value),
                run,
                url,
                snapshot,
                text(raw.get("snapshot_id"), 40) or snapshot,
                point.compute,
                kind,
                point.value,
                outcome,
                series,
                text(raw.get("at"), 40),
                OUTCOME_SHAPES.get(outcome, "hollow"),
                OUTCOME_COLOURS.get(outcome, MUTED),
                title,
            )
        )
    g.training_compute = any(point.compute_kind == "training" for point in g.points)
    # Elicitation: a snapshot's runs joined in time order, where it had later runs.
    groups: dict[str, list[ChartPoint]] = {}
    for point in g.points:
        groups.setdefault(point.snapshot_key, []).append(point)
    for group in groups.values():
        if len(group) < 2 or all(point.series != "elicitation" for point in group):
            continue
        if all(point.at for point in group):
            group = sorted(group, key=lambda point: point.at)  # stable on equal times
        g.elicitation.append((group[0].snapshot, [(point.x, point.y) for point in group]))


def _place_levels(g: ChartGeometry, data: Reading) -> None:
    """The level lines, each labelled at its right end (below it when the two are close)."""
    for name, value in data.levels.items():
        g.levels.append(LevelLine(name, value, g.y_of(value), LEVEL_COLOURS[name]))
    lower_on_page = max(g.levels, key=lambda level: level.y, default=None)
    close = len(g.levels) == 2 and abs(g.levels[0].y - g.levels[1].y) < 14
    for level in g.levels:
        below = close and level is lower_on_page
        g.labels.append(
            Label(
                (f"{level.name.capitalize()} {value_text(level.value, data.fraction)}",),
                g.right - 4,
                level.y + 12 if below else level.y - 4,
                f"level-label level-label-{level.name}",
                "end",
                SMALL,
                level.colour,
                back=True,
            )
        )


def _place_markers(g: ChartGeometry, specs: list) -> None:
    """Vertical lines, their labels each on a row of its own at the top of the plot."""
    for row, (name, compute, label, dash) in enumerate(specs):
        if not g.shows(compute):
            continue
        x = g.x_of(compute)
        g.markers.append(Marker(name, compute, x, dash))
        fits = x + 3 + width_of(label, SMALL) <= g.right
        g.labels.append(
            Label(
                (label,),
                x + 3 if fits else x - 3,
                g.top + 11 + 12 * row,
                f"marker-label marker-label-{name}",
                "start" if fits else "end",
                SMALL,
                MUTED,
                back=True,
            )
        )


def _place_forecast(g: ChartGeometry, data: Reading) -> None:
    """The forecast's line and band, and each level's band along its line."""
    inside = [row for row in data.curve if g.shows(row[0])]
    if len(inside) < 2:
        return
    g.forecast_line = [(g.x_of(c), g.y_of(mid)) for c, _, mid, _ in inside]
    g.forecast_band = [(g.x_of(c), g.y_of(high)) for c, _, _, high in inside] + [
        (g.x_of(c), g.y_of(low)) for c, low, _, _ in reversed(inside)
    ]
    y_low, y_high = g.y_range
    for level in list_of(data.forecast.get("levels")):
        level = dict_of(level)
        value = number_of(level.get("value"))
        low, high = positive_of(level.get("compute_low")), positive_of(level.get("compute_high"))
        mid = positive_of(level.get("compute"))
        if value is None or low is None or high is None or not y_low <= value <= y_high:
            continue
        x_mid = g.x_of(mid) if mid is not None else None
        if x_mid is not None and not g.left <= x_mid <= g.right:
            x_mid = None
        name = text_of(level.get("name"), 40) or "level"
        title = f"Forecast: {name} level {value_text(value, data.fraction)} at "
        title += f"{sci(mid) if mid else '?'} FLOP, band {sci(low)} to {sci(high)}"
        multiple = positive_of(level.get("multiple"))
        if multiple is not None:
            title += f", {multiple_text(multiple)} the latest snapshot"
        g.intervals.append(
            Interval(
                css_word(name),
                g.y_of(value),
                min(max(g.x_of(low), g.left), g.right),
                min(max(g.x_of(high), g.left), g.right),
                x_mid,
                title,
            )
        )


def _place_legend(g: ChartGeometry) -> None:
    """One row below the axis label, wrapping onto more when it does not fit."""
    seen = list(dict.fromkeys(point.outcome for point in g.points))
    ordered = [o for o in OUTCOME_SHAPES if o in seen] + sorted(set(seen) - set(OUTCOME_SHAPES))
    entries = [
        (OUTCOME_SHAPES.get(o, "hollow"), OUTCOME_COLOURS.get(o, MUTED), OUTCOME_LEGEND.get(o, o))
        for o in ordered
    ]
    if g.elicitation:
        entries.append(("elicitation", MUTED, "later runs on one snapshot"))
    if g.forecast_line:
        entries.append(("forecast", FORECAST, "forecast, 80% band"))
    x, y = g.left, g.bottom + 50
    for shape, colour, label in entries:
        item_width = 30 + width_of(label, SMALL)
        if x + item_width > g.right and x > g.left:
            x, y = g.left, y + LINE
        g.legend.append(LegendItem(shape, colour, label, x, y))
        x += item_width


def _place_notes(g: ChartGeometry, data: Reading) -> None:
    """Below the legend: nothing to plot, what is not drawn, training compute, the forecast."""
    notes: list[tuple[str, str, str]] = []
    if not g.points:
        notes.append(("chart-note", NOTHING_TO_PLOT, INK))
    no_compute = int(number_of(data.not_plotted.get("no_compute")) or 0) + data.skipped
    other_rule = int(number_of(data.not_plotted.get("other_rule")) or 0)
    missing = [
        words
        for count, words in (
            (no_compute, f"{no_compute} without a usable compute or value"),
            (other_rule, f"{other_rule} scored by another rule"),
        )
        if count > 0
    ]
    if missing:
        notes.append(("chart-note", f"Evaluations not drawn: {', '.join(missing)}.", MUTED))
    if g.training_compute:
        notes.append(("compute-note", TRAINING_NOTE, MUTED))
    if g.forecast_line:
        summary = " ".join(("Forecast (dashed line, 80% band):", *data.said.levels, data.said.fit))
        notes.append(("forecast-summary", summary, FORECAST))
    elif data.said.status == "forecast":
        notes.append(("forecast-note", "No forecast line: its curve could not be drawn.", INK))
    else:
        notes.append(("forecast-note", data.said.message, INK))
    y = (g.legend[-1].y if g.legend else g.bottom + 50) + 4
    for css, text, colour in notes:
        lines = wrap(text, g.right - g.left, SMALL)
        g.labels.append(Label(lines, g.left, y + LINE, css, "start", SMALL, colour))
        y += LINE * len(lines)
    g.height = max(g.height, y + 8)
    sentences = data.said.sentences
    g.words = ["Forecast: " + sentences[0], *sentences[1:]] if sentences else []
    g.words += [text for css, text, _ in notes if css == "chart-note"]


def _describe(g: ChartGeometry, data: Reading) -> tuple[str, str]:
    """The title and description a screen reader reads (and a hover on the chart shows)."""
    title = f"{data.model} — {data.code}: {data.measure} by effective compute"
    counts: dict[str, int] = {}
    for point in g.points:
        counts[point.outcome] = counts.get(point.outcome, 0) + 1
    count = len(g.points)
    parts = [
        f"{data.measure} of {data.model} against {data.code}"
        + (f" ({data.threshold})" if data.threshold else "")
        + f", by compute on a log scale: {count} evaluation{'' if count == 1 else 's'}"
        + (f" ({', '.join(f'{n} {o}' for o, n in counts.items())})." if counts else ".")
    ]
    if data.lower:
        parts.append("Lower values are more capable.")
    if data.levels:
        parts.append(
            "; ".join(
                f"{name.capitalize()} level {value_text(value, data.fraction)}"
                for name, value in data.levels.items()
            )
            + "."
        )
    if data.latest_compute is not None:
        parts.append(
            f"Latest snapshot {data.latest_snapshot or 'unnamed'} at "
            f"{sci(data.latest_compute)} FLOP."
        )
    if g.training_compute:
        parts.append("Some compute is training compute: effective compute not recorded.")
    parts += g.words[len(data.said.sentences) :]  # what is not drawn
    parts.append("Forecast: " + " ".join(data.said.sentences))
    return title, " ".join(parts)


def chart_geometry(trajectory: dict, width: float = WIDTH, height: float = HEIGHT) -> ChartGeometry:
    """Lay out the chart of one trajectory dict. `height` holds the plot, its tick labels, the
    axis label and one row of legend; further legend rows and the notes below (the forecast,
    training compute, what is not drawn) add to the geometry's height."""
    data = read(trajectory)
    width, height = max(float(width), 280.0), max(float(height), 180.0)
    markers = _marker_specs(data)
    g = _frame(data, markers, width, height)
    _place_points(g, data)
    _place_levels(g, data)
    _place_markers(g, markers)
    _place_forecast(g, data)
    _place_legend(g)
    _place_notes(g, data)
    g.title, g.description = _describe(g, data)
    return g


def chart_rows(geometry: ChartGeometry) -> list[dict]:
    """One row per plotted evaluation, for the table alternative to the chart."""
    return [
        {
            "run": point.run,
            "url": point.url,
            "snapshot": point.snapshot,
            "compute": f"{sci(point.compute)} FLOP",
            "compute_kind": point.compute_kind,
            "value": value_text(point.value, geometry.fraction),
            "outcome": point.outcome,
            "series": "later run (elicitation)" if point.series == "elicitation" else "first run",
        }
        for point in geometry.points
    ]


def chart_words(trajectory: dict) -> list[str]:
    """The forecast (and what is not drawn) in sentences. Never raises."""
    try:
        return chart_geometry(trajectory).words
    except Exception:  # the chart beside them says it could not be drawn
        logger.exception("The threshold chart's words could not be read")
        return []
