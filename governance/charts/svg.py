"""The chart as inline SVG for the pages: no script, no external reference, colours as
presentation attributes (the Content-Security-Policy allows no inline style; it prints as
drawn), role="img" named by its <title> and <desc>, and a <title> on every point for the hover.

Every text in it is escaped: names and snapshots are typed by people. Checks parse it as XML:
points carry class "point point-<outcome> series-<series>" and data-* attributes."""

from __future__ import annotations

import html
import itertools
import logging
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from governance.charts.geometry import (
    FONT_SIZE,
    FORECAST,
    GRID,
    HEIGHT,
    INK,
    LINE,
    MUTED,
    SMALL,
    WHITE,
    WIDTH,
    ChartGeometry,
    Label,
    LegendItem,
    chart_geometry,
    chart_rows,
)
from governance.charts.words import chart_heading, dict_of, slug, text_of, xml_safe

logger = logging.getLogger(__name__)

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
COULD_NOT_DRAW = (
    "This chart could not be drawn; its table and the evaluations' pages hold the data."
)
_ids = itertools.count(1)


def _e(text: str) -> str:
    return html.escape(xml_safe(str(text)), quote=True)


def _shape(shape: str, x: float, y: float, colour: str, attributes: str, inner: str) -> str:
    if shape == "circle":
        return (
            f'<circle {attributes} cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}" '
            f'stroke="{WHITE}" stroke-width="1">{inner}</circle>'
        )
    if shape == "hollow":
        return (
            f'<circle {attributes} cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{WHITE}" '
            f'stroke="{colour}" stroke-width="1.8">{inner}</circle>'
        )
    if shape == "triangle":
        d = f"M{x:.1f},{y - 5.5:.1f} L{x + 5:.1f},{y + 3.5:.1f} L{x - 5:.1f},{y + 3.5:.1f} Z"
    else:  # square
        d = f"M{x - 4:.1f},{y - 4:.1f} h8 v8 h-8 Z"
    return (
        f'<path {attributes} d="{d}" fill="{colour}" stroke="{WHITE}" '
        f'stroke-width="1">{inner}</path>'
    )


def _legend(item: LegendItem) -> str:
    x, y = item.x + 6, item.y - 4
    if item.shape == "elicitation":
        mark = (
            f'<line x1="{x:.1f}" y1="{y - 6:.1f}" x2="{x:.1f}" y2="{y + 6:.1f}" '
            f'stroke="{item.colour}" stroke-width="1.5"/>'
        )
    elif item.shape == "forecast":
        mark = (
            f'<rect x="{x - 6:.1f}" y="{y - 5:.1f}" width="12" height="10" fill="{item.colour}" '
            f'fill-opacity="0.15"/><line x1="{x - 6:.1f}" y1="{y:.1f}" x2="{x + 6:.1f}" '
            f'y2="{y:.1f}" stroke="{item.colour}" stroke-width="2" stroke-dasharray="4 2"/>'
        )
    else:
        mark = _shape(item.shape, x, y, item.colour, 'class="legend-mark"', "")
    return (
        f'<g class="legend-item">{mark}<text x="{item.x + 16:.1f}" y="{item.y:.1f}" '
        f'font-size="{SMALL}" fill="{INK}">{_e(item.label)}</text></g>'
    )


def _label(label: Label) -> str:
    out = ""
    if label.back:
        x, y, width, height = label.patch()
        out = (
            f'<rect class="label-back" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{height:.1f}" fill="{WHITE}" fill-opacity="0.85"/>'
        )
    attributes = (
        f'class="{label.css}" x="{label.x:.1f}" y="{label.y:.1f}" font-size="{label.size:g}" '
        f'fill="{label.colour}" text-anchor="{label.anchor}"'
    )
    if label.turned:
        attributes += f' transform="rotate(-90 {label.x:.1f} {label.y:.1f})"'
    if len(label.lines) == 1:
        return f"{out}<text {attributes}>{_e(label.lines[0])}</text>"
    # A tspan a line; a space ends every line but the last, so the text reads as written.
    last = len(label.lines) - 1
    spans = "".join(
        f'<tspan x="{label.x:.1f}" dy="{0 if n == 0 else LINE}">{_e(line)}'
        f"{' ' if n < last else ''}</tspan>"
        for n, line in enumerate(label.lines)
    )
    return f"{out}<text {attributes}>{spans}</text>"


def _polyline(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _frame(g: ChartGeometry) -> list[str]:
    out = ['<g class="grid">']
    out += [
        f'<line x1="{g.left:.1f}" y1="{t.position:.1f}" x2="{g.right:.1f}" '
        f'y2="{t.position:.1f}" stroke="{GRID}" stroke-width="1"/>'
        for t in g.y_ticks
    ]
    out += [
        f'<line x1="{t.position:.1f}" y1="{g.top:.1f}" x2="{t.position:.1f}" '
        f'y2="{g.bottom:.1f}" stroke="{GRID}" stroke-width="1"/>'
        for t in g.x_ticks
    ]
    out.append(
        f'</g><g class="axes" fill="{INK}" font-size="{SMALL}">'
        f'<line x1="{g.left:.1f}" y1="{g.bottom:.1f}" x2="{g.right:.1f}" y2="{g.bottom:.1f}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
        f'<line x1="{g.left:.1f}" y1="{g.top:.1f}" x2="{g.left:.1f}" y2="{g.bottom:.1f}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    out += [
        f'<text class="tick tick-x" x="{t.position:.1f}" y="{g.bottom + 15:.1f}" '
        f'text-anchor="middle">{_e(t.label)}</text>'
        for t in g.x_ticks
    ]
    out += [
        f'<text class="tick tick-y" x="{g.left - 6:.1f}" y="{t.position + 3.5:.1f}" '
        f'text-anchor="end">{_e(t.label)}</text>'
        for t in g.y_ticks
    ]
    out.append("</g>")
    return out


def _lines(g: ChartGeometry) -> list[str]:
    """The forecast, the levels, their forecast bands and the markers."""
    out = []
    if g.forecast_band:
        out.append(
            f'<path class="forecast-band" d="M{_polyline(g.forecast_band)} Z" '
            f'fill="{FORECAST}" fill-opacity="0.15" stroke="none"/>'
        )
    if g.forecast_line:
        out.append(
            f'<path class="forecast-line" d="M{_polyline(g.forecast_line)}" fill="none" '
            f'stroke="{FORECAST}" stroke-width="2" stroke-dasharray="7 4"/>'
        )
    out += [
        f'<line class="marker marker-{m.name}" data-compute="{m.compute!r}" x1="{m.x:.1f}" '
        f'y1="{g.top:.1f}" x2="{m.x:.1f}" y2="{g.bottom:.1f}" stroke="{MUTED}" '
        f'stroke-width="1.2" stroke-dasharray="{m.dash}"/>'
        for m in g.markers
    ]
    out += [
        f'<line class="level level-{level.name}" data-level="{level.value!r}" '
        f'x1="{g.left:.1f}" y1="{level.y:.1f}" x2="{g.right:.1f}" y2="{level.y:.1f}" '
        f'stroke="{level.colour}" stroke-width="1.5"'
        + (' stroke-dasharray="5 3"/>' if level.name == "warning" else "/>")
        for level in g.levels
    ]
    for interval in g.intervals:
        out.append(
            f'<g class="forecast-interval forecast-interval-{interval.name}">'
            f"<title>{_e(interval.title)}</title>"
            f'<line x1="{interval.x1:.1f}" y1="{interval.y:.1f}" x2="{interval.x2:.1f}" '
            f'y2="{interval.y:.1f}" stroke="{FORECAST}" stroke-opacity="0.45" stroke-width="5"/>'
        )
        if interval.x_mid is not None:
            out.append(
                f'<line x1="{interval.x_mid:.1f}" y1="{interval.y - 6:.1f}" '
                f'x2="{interval.x_mid:.1f}" y2="{interval.y + 6:.1f}" stroke="{FORECAST}" '
                f'stroke-width="2"/>'
            )
        out.append("</g>")
    return out


def _points(g: ChartGeometry) -> list[str]:
    out = [
        f'<polyline class="series-elicitation" data-snapshot="{_e(snapshot)}" '
        f'points="{_polyline(points)}" fill="none" stroke="{MUTED}" stroke-width="1.5"/>'
        for snapshot, points in g.elicitation
    ]
    out.append('<g class="points">')
    escaped: dict[str, str] = {}  # snapshot names repeat: each is escaped once
    for p in g.points:
        if p.compute_kind == "training":
            out.append(
                f'<path class="training-mark" d="M{p.x:.1f},{p.y - 8.5:.1f} '
                f"L{p.x + 8.5:.1f},{p.y:.1f} L{p.x:.1f},{p.y + 8.5:.1f} "
                f'L{p.x - 8.5:.1f},{p.y:.1f} Z" fill="none" stroke="{MUTED}" stroke-width="1"/>'
            )
        snapshot = escaped.get(p.snapshot)
        if snapshot is None:
            snapshot = escaped[p.snapshot] = _e(p.snapshot)
        attributes = (
            f'class="point point-{p.outcome} series-{p.series}" '
            f'data-run="{_e(p.run)}" data-snapshot="{snapshot}" data-compute="{p.compute!r}" '
            f'data-compute-kind="{p.compute_kind}" data-value="{p.value!r}" '
            f'data-outcome="{p.outcome}" data-series="{p.series}"'
        )
        out.append(_shape(p.shape, p.x, p.y, p.colour, attributes, f"<title>{_e(p.title)}</title>"))
        if p.shape == "hollow":
            out.append(
                f'<text class="point-label" x="{p.x + 6:.1f}" y="{p.y - 5:.1f}" font-size="9" '
                f'fill="{MUTED}">?</text>'
            )
    out.append("</g>")
    return out


def render_svg(g: ChartGeometry, chart_id: str) -> str:
    """The SVG of a laid-out chart; `chart_id` prefixes the ids of its title and description."""
    labels_on_lines = [label for label in g.labels if label.back]
    other_labels = [label for label in g.labels if not label.back]
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="threshold-chart-svg" '
            f'viewBox="0 0 {g.width:g} {g.height:g}" width="{g.width:g}" height="{g.height:g}" '
            f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">'
            f'<title id="{chart_id}-title">{_e(g.title)}</title>'
            f'<desc id="{chart_id}-desc">{_e(g.description)}</desc>'
            f'<rect class="chart-background" x="0" y="0" width="{g.width:g}" '
            f'height="{g.height:g}" fill="{WHITE}"/>',
            *_frame(g),
            *_lines(g),
            # Line labels over the lines they cross, the points over the labels.
            *(_label(label) for label in labels_on_lines),
            *_points(g),
            '<g class="legend">',
            *(_legend(item) for item in g.legend),
            "</g>",
            *(_label(label) for label in other_labels),
            "</svg>",
        ]
    )


def failed_svg(chart_id: str, width: float = WIDTH) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="threshold-chart-svg chart-error" '
        f'viewBox="0 0 {width:g} 40" width="{width:g}" height="40" role="img" '
        f'aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">'
        f"{_e(COULD_NOT_DRAW)}</title>"
        f'<rect x="0" y="0" width="{width:g}" height="40" fill="{WHITE}"/>'
        f'<text class="chart-note" x="8" y="24" font-size="{FONT_SIZE}" fill="{INK}">'
        f"{_e(COULD_NOT_DRAW)}</text></svg>"
    )


def _chart_id(trajectory: Any) -> str:
    trajectory = dict_of(trajectory)
    model = slug(text_of(dict_of(trajectory.get("model")).get("id")))
    code = slug(text_of(dict_of(trajectory.get("threshold")).get("code")))
    # Unique on a page that shows several charts, even one chart twice.
    return f"chart-{model}-{code}-{next(_ids)}"


def chart_svg(
    trajectory: dict,
    *,
    width: float = WIDTH,
    height: float = HEIGHT,
    geometry: ChartGeometry | None = None,
) -> SafeString:
    """The chart of a trajectory dict as an inline SVG. Never raises: a chart that cannot be
    drawn says so in a one-line SVG (and the error is logged)."""
    chart_id = _chart_id(trajectory)
    try:
        if geometry is None:
            geometry = chart_geometry(trajectory, width, height)
        svg = render_svg(geometry, chart_id)
    except Exception:  # a chart must never take its page down
        logger.exception("The threshold chart %s could not be drawn", chart_id)
        svg = failed_svg(chart_id, width)
    return mark_safe(svg)  # noqa: S308 - built here, every text in it escaped by _e


def table_rows(rows: list[dict]) -> SafeString:
    """The table alternative's rows as HTML, built here rather than in a template loop: a chart
    of hundreds of evaluations renders its table in about a millisecond."""
    out = []
    for row in rows:
        run = f"Run {_e(row['run'])}"
        if row["url"]:
            run = f'<a href="{_e(row["url"])}">{run}</a>'
        kind = row["compute_kind"]
        kind = "training: effective not recorded" if kind == "training" else _e(kind)
        out.append(
            f"<tr><td>{run}</td><td>{_e(row['snapshot'])}</td>"
            f"<td>{_e(row['compute'])} ({kind})</td><td>{_e(row['value'])}</td>"
            f"<td>{_e(row['outcome'])}</td><td>{_e(row['series'])}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every text escaped by _e


def chart_context(trajectory: dict) -> dict:
    """What templates/includes/threshold_chart.html renders: the SVG, the table alternative
    (caption and rows) and the forecast in words."""
    try:
        geometry = chart_geometry(trajectory)
        rows, words = chart_rows(geometry), geometry.words
    except Exception:
        logger.exception("The threshold chart could not be laid out")
        geometry, rows, words = None, [], [COULD_NOT_DRAW]
    measure = text_of(dict_of(trajectory).get("measure"), 120) or "Value"
    if geometry is None:
        svg = mark_safe(failed_svg(_chart_id(trajectory)))  # noqa: S308 - escaped by _e
    else:
        svg = chart_svg(trajectory, geometry=geometry)
    return {
        "chart_svg": svg,
        "caption": (
            f"{chart_heading(trajectory)}: the evaluations in the chart ({measure} by compute)"
        ),
        "measure": measure,
        "rows": rows,
        "table_rows": table_rows(rows),
        "forecast_words": words,
    }
