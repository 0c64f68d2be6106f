"""The chart as a ReportLab Drawing for the quarterly report's PDF: the geometry the SVG draws,
with y turned upwards, so the paper shows the same points, lines and labels as the page."""

from __future__ import annotations

import logging

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, String
from reportlab.lib import colors

from governance.charts.geometry import (
    FONT_SIZE,
    FORECAST,
    GRID,
    HEIGHT,
    INK,
    LINE,
    MUTED,
    SMALL,
    WIDTH,
    ChartGeometry,
    Label,
    chart_geometry,
)

logger = logging.getLogger(__name__)


def _colour(hex_colour: str, alpha: float = 1.0) -> colors.Color:
    value = colors.HexColor(hex_colour)
    return colors.Color(value.red, value.green, value.blue, alpha=alpha)


class _Pen:
    """Draws in the geometry's coordinates (y downwards) on a Drawing (y upwards)."""

    def __init__(self, g: ChartGeometry, font: str):
        self.g, self.font = g, font
        self.drawing = Drawing(g.width, g.height)

    def up(self, y: float) -> float:
        return self.g.height - y

    def flat(self, points) -> list[float]:
        return [value for x, y in points for value in (x, self.up(y))]

    def line(self, x1, y1, x2, y2, colour: str, width=1.0, dash=None, alpha=1.0) -> None:
        self.drawing.add(
            Line(
                x1,
                self.up(y1),
                x2,
                self.up(y2),
                strokeColor=_colour(colour, alpha),
                strokeWidth=width,
                strokeDashArray=dash,
            )
        )

    def polygon(self, points, fill: str | None, stroke: str | None = None, alpha=1.0) -> None:
        self.drawing.add(
            Polygon(
                self.flat(points),
                fillColor=_colour(fill, alpha) if fill else None,
                strokeColor=_colour(stroke) if stroke else None,
                strokeWidth=1,
            )
        )

    def text(self, x, y, words: str, size=SMALL, fill=INK, anchor="start") -> None:
        self.drawing.add(
            String(
                x,
                self.up(y),
                words,
                fontName=self.font,
                fontSize=size,
                fillColor=_colour(fill),
                textAnchor=anchor,
            )
        )

    def shape(self, kind: str, x: float, y: float, fill: str) -> None:
        if kind in ("circle", "hollow"):
            hollow = kind == "hollow"
            self.drawing.add(
                Circle(
                    x,
                    self.up(y),
                    4.5,
                    fillColor=colors.white if hollow else _colour(fill),
                    strokeColor=_colour(fill) if hollow else colors.white,
                    strokeWidth=1.8 if hollow else 1,
                )
            )
        elif kind == "triangle":
            self.polygon([(x, y - 5.5), (x + 5, y + 3.5), (x - 5, y + 3.5)], fill, "#ffffff")
        else:
            self.polygon(
                [(x - 4, y - 4), (x + 4, y - 4), (x + 4, y + 4), (x - 4, y + 4)], fill, "#ffffff"
            )

    def label(self, label: Label) -> None:
        if label.back:
            x, y, width, height = label.patch()
            self.polygon(
                [(x, y), (x + width, y), (x + width, y + height), (x, y + height)],
                "#ffffff",
                alpha=0.85,
            )
        if label.turned:
            turned = Group(
                String(
                    0,
                    0,
                    label.lines[0],
                    fontName=self.font,
                    fontSize=label.size,
                    fillColor=_colour(label.colour),
                    textAnchor="middle",
                )
            )
            turned.transform = (0, 1, -1, 0, label.x, self.up(label.y))
            self.drawing.add(turned)
            return
        for n, line in enumerate(label.lines):
            y = label.y + n * LINE
            if line.startswith("◇ "):
                # ReportLab's built-in fonts have no ◇: the diamond is drawn instead.
                x, middle = label.x + 4, y - 3.5
                self.polygon(
                    [(x, middle - 4), (x + 4, middle), (x, middle + 4), (x - 4, middle)],
                    None,
                    MUTED,
                )
                self.text(label.x + 11, y, line[2:], label.size, label.colour, label.anchor)
                continue
            self.text(label.x, y, line, label.size, label.colour, label.anchor)


def _draw(g: ChartGeometry, font: str) -> Drawing:
    pen = _Pen(g, font)
    pen.polygon([(0, 0), (g.width, 0), (g.width, g.height), (0, g.height)], "#ffffff")
    for tick in g.y_ticks:
        pen.line(g.left, tick.position, g.right, tick.position, GRID)
        pen.text(g.left - 6, tick.position + 3.5, tick.label, anchor="end")
    for tick in g.x_ticks:
        pen.line(tick.position, g.top, tick.position, g.bottom, GRID)
        pen.text(tick.position, g.bottom + 15, tick.label, anchor="middle")
    pen.line(g.left, g.bottom, g.right, g.bottom, MUTED)
    pen.line(g.left, g.top, g.left, g.bottom, MUTED)
    if g.forecast_band:
        pen.polygon(g.forecast_band, FORECAST, alpha=0.15)
    if g.forecast_line:
        pen.drawing.add(
            PolyLine(
                pen.flat(g.forecast_line),
                strokeColor=_colour(FORECAST),
                strokeWidth=2,
                strokeDashArray=[7, 4],
            )
        )
    for marker in g.markers:
        dash = [float(part) for part in marker.dash.split()]
        pen.line(marker.x, g.top, marker.x, g.bottom, MUTED, 1.2, dash)
    for level in g.levels:
        dash = [5, 3] if level.name == "warning" else None
        pen.line(g.left, level.y, g.right, level.y, level.colour, 1.5, dash)
    for interval in g.intervals:
        pen.line(interval.x1, interval.y, interval.x2, interval.y, FORECAST, 5, alpha=0.45)
        if interval.x_mid is not None:
            x = interval.x_mid
            pen.line(x, interval.y - 6, x, interval.y + 6, FORECAST, 2)
    for label in g.labels:
        if label.back:
            pen.label(label)
    for _, points in g.elicitation:
        pen.drawing.add(PolyLine(pen.flat(points), strokeColor=_colour(MUTED), strokeWidth=1.5))
    for p in g.points:
        if p.compute_kind == "training":
            diamond = [(p.x, p.y - 8.5), (p.x + 8.5, p.y), (p.x, p.y + 8.5), (p.x - 8.5, p.y)]
            pen.polygon(diamond, None, MUTED)
        pen.shape(p.shape, p.x, p.y, p.colour)
        if p.shape == "hollow":
            pen.text(p.x + 6, p.y - 5, "?", size=9, fill=MUTED)
    for item in g.legend:
        x, y = item.x + 6, item.y - 4
        if item.shape == "elicitation":
            pen.line(x, y - 6, x, y + 6, item.colour, 1.5)
        elif item.shape == "forecast":
            pen.polygon(
                [(x - 6, y - 5), (x + 6, y - 5), (x + 6, y + 5), (x - 6, y + 5)],
                item.colour,
                alpha=0.15,
            )
            pen.line(x - 6, y, x + 6, y, item.colour, 2, [4, 2])
        else:
            pen.shape(item.shape, x, y, item.colour)
        pen.text(item.x + 16, item.y, item.label)
    for label in g.labels:
        if not label.back:
            pen.label(label)
    return pen.drawing


def chart_drawing(
    trajectory: dict, width: float = WIDTH, height: float = HEIGHT, *, font: str = "Helvetica"
) -> Drawing:
    """The chart of a trajectory dict as a ReportLab Drawing (a flowable), `font` one that
    ReportLab knows (the report's). Never raises: a chart that cannot be drawn says so."""
    try:
        return _draw(chart_geometry(trajectory, width, height), font)
    except Exception:  # a chart must never stop the report
        logger.exception("The threshold chart could not be drawn for the PDF")
        drawing = Drawing(width, 24)
        drawing.add(
            String(0, 8, "This chart could not be drawn.", fontName=font, fontSize=FONT_SIZE)
        )
        return drawing
