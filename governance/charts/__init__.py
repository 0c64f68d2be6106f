"""A model's evaluations against one threshold, as a chart: each evaluation's aggregate against
its snapshot's compute on a log axis, the warning and crossing levels, the latest snapshot with
the next evaluation step and the safety buffer, and the forecast of the crossing with its band.

Drawn only from the trajectory dict (evals/trajectory.py builds it; quarterly reports store it),
in two forms from one geometry (geometry.py): inline SVG for the pages (svg.py: no script, no
external reference, so it works air-gapped and prints) and a ReportLab Drawing for the PDF
(pdf.py), so the page and the paper show the same points, lines and labels.

Outcome is never told by colour alone: below is a filled circle, warning a triangle, crossed a
square, inconclusive a hollow circle marked "?", and each point's title says it in words. Any
value, however odd, degrades to a message in the chart: drawing never raises. Part of the core:
nothing here imports an area app (evals included)."""

from governance.charts.geometry import ChartGeometry, chart_geometry, chart_rows, chart_words
from governance.charts.pdf import chart_drawing
from governance.charts.svg import chart_context, chart_svg
from governance.charts.words import chart_heading, threshold_words

__all__ = [
    "ChartGeometry",
    "chart_context",
    "chart_drawing",
    "chart_geometry",
    "chart_heading",
    "chart_rows",
    "chart_svg",
    "chart_words",
    "threshold_words",
]
