"""The threshold chart (governance/charts): drawn only from a trajectory dict, as SVG for the
pages and as a ReportLab Drawing for the quarterly report's PDF. The SVG is read back as XML:
points with their classes and data, level lines and labels, inconclusive and training-compute
points told apart by shape, the forecast drawn only when there is one, every text escaped, and
odd input never breaking the page."""

import copy
import math
import re
import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template
from django.urls import reverse
from reportlab.graphics.shapes import Drawing, String

from governance.board import report_rendering
from governance.board.models import QuarterlyReport
from governance.board.report_rendering import TRAJECTORIES_TITLE, quarterly_report_pdf
from governance.charts import (
    chart_context,
    chart_drawing,
    chart_geometry,
    chart_svg,
    chart_words,
)
from governance.charts.geometry import TRAINING_NOTE, X_LABEL
from tests.board import test_quarterly_reports as quarterly
from tests.board.test_quarterly_reports import pdf_text

SVG = "{http://www.w3.org/2000/svg}"

# The quarterly report's own people, records and draft, for the printable page.
people = quarterly.people
records = quarterly.records
draft = quarterly.draft


@pytest.fixture(autouse=True)
def builtin_pdf_fonts(monkeypatch):
    """ReportLab's built-in fonts write text as it is, so a test can read it back."""
    monkeypatch.setattr(report_rendering, "_fonts", lambda: ("Helvetica", "Helvetica-Bold"))


def logistic(compute: float, midpoint: float = 26.0, slope: float = 2.0) -> float:
    return 1 / (1 + math.exp(-slope * (math.log10(compute) - midpoint)))


def point(run, snapshot, compute, value, outcome, **extra):
    return {
        "run": run,
        "url": f"/evals/runs/{run}/",
        "snapshot": f"snap-{snapshot}",
        "snapshot_id": snapshot,
        "compute": compute,
        "compute_kind": "effective",
        "value": value,
        "outcome": outcome,
        "series": "compute",
        "at": f"2026-0{min(snapshot, 9)}-01T12:00:00+00:00",
        **extra,
    }


FORECAST = {
    "status": "forecast",
    "message": "A logistic fit to 6 evaluations at 5 compute values.",
    "points_used": 6,
    "distinct_compute": 5,
    "r_squared": 0.98,
    "parameters": {"slope": 2.0, "midpoint_log10_compute": 26.0},
    "levels": [
        {
            "name": "warning",
            "value": 0.3,
            "compute": 6.5e25,
            "compute_low": 5.0e25,
            "compute_high": 8.0e25,
            "multiple": 0.65,
            "multiple_low": 0.5,
            "multiple_high": 0.8,
            "reached": True,
        },
        {
            "name": "crossing",
            "value": 0.5,
            "compute": 1.0e26 * 2.1,
            "compute_low": 1.5e26,
            "compute_high": 3.3e26,
            "multiple": 2.1,
            "multiple_low": 1.5,
            "multiple_high": 3.3,
            "reached": False,
        },
    ],
    "curve": [
        [10 ** (24 + k / 20), max(0.0, y - 0.05), y, min(1.0, y + 0.05)]
        for k in range(60)
        for y in [logistic(10 ** (24 + k / 20))]
    ],
    "band": "80% (10th to 90th percentile) from the fit's covariance",
}
TOO_FEW = {
    "status": "too_few_points",
    "message": "Two snapshots with evaluations: at least three with different compute are "
    "needed for a forecast.",
    "points_used": 2,
    "distinct_compute": 2,
    "r_squared": None,
    "parameters": None,
    "levels": [],
    "curve": [],
    "band": "80% (10th to 90th percentile) from the fit's covariance",
}


def trajectory(**overrides) -> dict:
    """A model climbing towards ARA over five snapshots, one of them evaluated twice."""
    base = {
        "model": {"id": 1, "name": "Claude-Next"},
        "threshold": {
            "code": "ARA",
            "name": "Autonomous replication and adaptation",
            "version": "Anthropic Responsible Scaling Policy v1.0",
        },
        "measure": "Fraction of tasks passed",
        "direction": "higher",
        "warning_level": 0.3,
        "crossing_level": 0.5,
        "points": [
            point(10, 1, 1e24, 0.02, "below", compute_kind="training"),
            point(11, 2, 3e24, 0.05, "below"),
            point(14, 3, 1e25, 0.12, "below"),
            point(12, 4, 3e25, 0.42, "warning"),
            # Two later runs on snap-4 (elicitation), given out of time order.
            point(16, 4, 3e25, 0.45, "warning", series="elicitation", at="2026-05-03T00:00:00Z"),
            point(15, 4, 3e25, 0.2, "inconclusive", series="elicitation", at="2026-05-02T00:00Z"),
            point(17, 5, 1e26, 0.55, "crossed"),
        ],
        "latest": {
            "snapshot": "snap-5",
            "snapshot_id": 5,
            "compute": 1e26,
            "compute_kind": "effective",
        },
        "buffer_multiple": 6.0,
        "cadence_multiple": 4.0,
        "not_plotted": {"no_compute": 0, "other_rule": 0},
        "forecast": copy.deepcopy(FORECAST),
    }
    return {**base, **overrides}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def classes(element: ET.Element) -> list[str]:
    return element.get("class", "").split()


def find(root: ET.Element, css: str) -> list[ET.Element]:
    return [element for element in root.iter() if css in classes(element)]


def text(element: ET.Element) -> str:
    return "".join(element.itertext())


def texts(root: ET.Element) -> list[str]:
    return [text(element) for element in root.iter(f"{SVG}text")]


def points_of(root: ET.Element) -> list[ET.Element]:
    return [element for element in root.iter() if classes(element)[:1] == ["point"]]


# The SVG


def test_every_evaluation_is_a_point_with_its_data_and_title():
    root = parse(chart_svg(trajectory()))
    points = points_of(root)
    assert [p.get("data-run") for p in points] == ["10", "11", "14", "12", "16", "15", "17"]
    warning = points[3]
    assert warning.get("class") == "point point-warning series-compute"
    assert {key: warning.get(key) for key in warning.keys() if key.startswith("data-")} == {
        "data-run": "12",
        "data-snapshot": "snap-4",
        "data-compute": "3e+25",
        "data-compute-kind": "effective",
        "data-value": "0.42",
        "data-outcome": "warning",
        "data-series": "compute",
    }
    assert warning.find(f"{SVG}title").text == (
        "Run 12 on snap-4: 42% of tasks passed (warning), 3.0e25 FLOP effective compute"
    )
    assert "series-elicitation" in classes(points[4])
    assert (
        points[4]
        .find(f"{SVG}title")
        .text.endswith("; a later run on the same snapshot (elicitation)")
    )


def test_points_sit_on_a_log_compute_axis_and_a_percent_value_axis():
    data = trajectory()
    geometry = chart_geometry(data)
    root = parse(chart_svg(data))
    centres = {
        p.get("data-run"): (float(p.get("cx")), float(p.get("cy")))
        for p in points_of(root)
        if p.tag == f"{SVG}circle"
    }
    # One decade of compute is the same width anywhere on the axis.
    decade = geometry.x_of(1e25) - geometry.x_of(1e24)
    assert decade > 0
    assert centres["14"][0] == pytest.approx(geometry.x_of(1e24) + decade, abs=0.06)
    assert centres["15"][0] == pytest.approx(
        geometry.x_of(1e24) + math.log10(30) * decade, abs=0.06
    )
    assert centres["11"][0] == pytest.approx(geometry.x_of(1e24) + math.log10(3) * decade, abs=0.06)
    assert centres["14"][1] == pytest.approx(geometry.y_of(0.12), abs=0.06)
    assert [text(t) for t in find(root, "tick-y")] == ["0%", "20%", "40%", "60%", "80%", "100%"]
    assert [text(t) for t in find(root, "tick-x")] == [f"1e{d}" for d in range(23, 29)]


def test_outcomes_differ_in_shape_not_only_in_colour():
    root = parse(chart_svg(trajectory()))
    shapes = {p.get("data-outcome"): p for p in points_of(root)}
    assert shapes["below"].tag == f"{SVG}circle" and shapes["below"].get("fill") != "#ffffff"
    assert shapes["inconclusive"].tag == f"{SVG}circle"
    assert shapes["inconclusive"].get("fill") == "#ffffff"  # hollow
    assert shapes["warning"].tag == f"{SVG}path" and shapes["crossed"].tag == f"{SVG}path"
    assert shapes["warning"].get("d") != shapes["crossed"].get("d")
    assert (
        shapes["inconclusive"]
        .find(f"{SVG}title")
        .text.endswith(
            "(inconclusive), 3.0e25 FLOP effective compute; a later run on the same snapshot "
            "(elicitation)"
        )
    )
    assert [text(label) for label in find(root, "point-label")] == ["?"]
    legend = [text(item) for item in find(root, "legend-item")]
    assert legend[:4] == ["below", "warning", "crossed", "inconclusive (hollow, ?)"]


def test_level_lines_are_drawn_and_labelled():
    data = trajectory()
    geometry = chart_geometry(data)
    root = parse(chart_svg(data))
    (warning,) = find(root, "level-warning")
    (crossing,) = find(root, "level-crossing")
    assert warning.tag == f"{SVG}line" and warning.get("data-level") == "0.3"
    assert crossing.get("data-level") == "0.5"
    assert float(warning.get("y1")) == pytest.approx(geometry.y_of(0.3), abs=0.06)
    assert float(crossing.get("y1")) == pytest.approx(geometry.y_of(0.5), abs=0.06)
    assert [text(t) for t in find(root, "level-label")] == ["Warning 30%", "Crossing 50%"]


def test_a_missing_warning_level_draws_the_crossing_only():
    root = parse(chart_svg(trajectory(warning_level=None)))
    assert not find(root, "level-warning")
    assert [text(t) for t in find(root, "level-label")] == ["Crossing 50%"]


def test_the_latest_snapshot_the_next_step_and_the_buffer_are_marked():
    root = parse(chart_svg(trajectory()))
    markers = {
        m.get("class").split()[1]: float(m.get("data-compute")) for m in find(root, "marker")
    }
    assert markers == {
        "marker-latest": 1e26,
        "marker-cadence": pytest.approx(4e26),
        "marker-buffer": pytest.approx(6e26),
    }
    assert [text(t) for t in find(root, "marker-label")] == [
        "Latest: snap-5",
        "4× latest: next evaluation",
        "6× latest: safety buffer",
    ]
    without = parse(chart_svg(trajectory(latest=None)))
    assert not find(without, "marker")


def test_training_compute_is_marked_and_said():
    root = parse(chart_svg(trajectory()))
    (training,) = [p for p in points_of(root) if p.get("data-compute-kind") == "training"]
    assert "training compute (effective not recorded)" in training.find(f"{SVG}title").text
    assert len(find(root, "training-mark")) == 1
    assert [text(t) for t in find(root, "axis-label-x")] == [X_LABEL]
    assert [text(t) for t in find(root, "compute-note")] == [TRAINING_NOTE]

    effective_only = trajectory()
    effective_only["points"] = [p for p in effective_only["points"] if p["run"] != 10]
    root = parse(chart_svg(effective_only))
    assert not find(root, "compute-note") and not find(root, "training-mark")
    assert [text(t) for t in find(root, "axis-label-x")] == [X_LABEL]


def test_elicitation_runs_are_joined_per_snapshot_in_time_order():
    data = trajectory()
    geometry = chart_geometry(data)
    root = parse(chart_svg(data))
    (line,) = [e for e in find(root, "series-elicitation") if e.tag == f"{SVG}polyline"]
    assert line.tag == f"{SVG}polyline" and line.get("data-snapshot") == "snap-4"
    ys = [float(pair.split(",")[1]) for pair in line.get("points").split()]
    # Run 12 first, then run 15 (2 May), then run 16 (3 May).
    assert ys == [pytest.approx(geometry.y_of(v), abs=0.06) for v in (0.42, 0.2, 0.45)]


def test_the_forecast_is_drawn_with_its_band_only_when_there_is_one():
    root = parse(chart_svg(trajectory()))
    (line,) = find(root, "forecast-line")
    (band,) = find(root, "forecast-band")
    assert line.tag == f"{SVG}path" and line.get("d").startswith("M")
    assert band.get("d").endswith("Z")
    assert not find(root, "forecast-note")
    (summary,) = find(root, "forecast-summary")
    assert "Crossing level 50%: reached at about 2.1e26 FLOP (band 1.5e26 to 3.3e26), 2.1× " in (
        text(summary)
    )
    assert len(find(root, "forecast-interval")) == 2

    for forecast in (TOO_FEW, {**TOO_FEW, "status": "poor_fit", "message": "A poor fit."}):
        root = parse(chart_svg(trajectory(forecast=forecast)))
        assert not find(root, "forecast-line") and not find(root, "forecast-band")
        assert [text(note) for note in find(root, "forecast-note")] == [forecast["message"]]


def test_a_forecast_whose_curve_cannot_be_drawn_says_so():
    broken = {**FORECAST, "curve": [[0, 0.1, 0.2, 0.3], ["x", 1, 2, 3], [1e25, None, 0.1, 0.2]]}
    root = parse(chart_svg(trajectory(forecast=broken)))
    assert not find(root, "forecast-line")
    assert [text(note) for note in find(root, "forecast-note")] == [
        "No forecast line: its curve could not be drawn."
    ]
    root = parse(chart_svg(trajectory(forecast=None)))
    assert [text(note) for note in find(root, "forecast-note")] == ["No forecast was made."]


def test_the_chart_is_an_accessible_image_without_script_or_inline_style():
    first, second = chart_svg(trajectory()), chart_svg(trajectory())
    root = parse(first)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}title").text == (
        "Claude-Next — ARA: Fraction of tasks passed by effective compute"
    )
    description = root.find(f"{SVG}desc").text
    assert "7 evaluations (3 below, 2 warning, 1 inconclusive, 1 crossed)" in description
    assert "Warning level 30%; Crossing level 50%." in description
    assert parse(second).get("aria-labelledby") != root.get("aria-labelledby")
    for forbidden in ("<script", "style=", "<style", "href=", "xlink", "<image"):
        assert forbidden not in first


def test_every_text_is_escaped():
    hostile = "<script>alert('x')</script> & \"quoted\""
    data = trajectory(
        model={"id": '1"><script>', "name": hostile},
        threshold={"code": "<b>ARA</b>", "name": hostile, "version": hostile},
        measure=f"Fraction of {hostile}",
    )
    data["points"][0]["snapshot"] = hostile
    data["points"][0]["run"] = hostile
    data["latest"]["snapshot"] = hostile
    data["forecast"] = {**TOO_FEW, "message": hostile}
    svg = chart_svg(data)
    root = parse(svg)  # well-formed: nothing broke out of its attribute or element
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    assert "<script" not in svg
    assert points_of(root)[0].get("data-snapshot") == hostile
    assert points_of(root)[0].get("data-run") == hostile
    assert [text(note) for note in find(root, "forecast-note")] == [hostile]
    assert hostile in root.find(f"{SVG}title").text
    # Control characters cannot be written in XML: they are left out, the rest is shown.
    data["points"][1]["snapshot"] = "snap\x00\x1b-2\ufffe"
    assert points_of(parse(chart_svg(data)))[1].get("data-snapshot") == "snap-2"


ODD = [
    {},
    None,
    "not a dict",
    {"points": None, "forecast": "nonsense", "latest": 7, "not_plotted": []},
    {"points": [None, 3, "x", {"compute": None, "value": 0.3}]},
    {"points": [{"compute": 0, "value": 0.5}, {"compute": -1e25, "value": 0.5}]},
    {"points": [{"compute": float("nan"), "value": float("inf")}]},
    {"points": [{"compute": "1e25", "value": "0.4", "outcome": "below"}]},
    {"points": [{"compute": 10**400, "value": True}]},
    {"points": [point(1, 1, 1e25, 0.4, "below")]},
    {"points": [point(n, 1, 1e25, n / 10, "below") for n in range(5)]},
    {"points": [point(1, 1, 1e-300, 0.1, "below"), point(2, 2, 1.7e308, 0.9, "crossed")]},
    {"points": [point(1, 1, 5e-324, 0.1, "below"), point(2, 2, 1e308, 0.9, "crossed")]},
    {"points": [point(1, 1, 1e25, 1e50, "?"), point(2, 2, 1e26, -3, "weird outcome")]},
    {"points": [point(1, 1, 1e25, 5.0, "below")], "warning_level": 1e99, "crossing_level": -1e99},
    {"points": [point(1, 1, 1e25, 0.4, "below")], "warning_level": "x", "crossing_level": None},
    {"latest": {"compute": 1e26}, "buffer_multiple": 1e308, "cadence_multiple": -4},
    {"latest": {"compute": 1e26}, "forecast": {"status": "forecast", "levels": [None, {}]}},
    {"forecast": {**FORECAST, "levels": [{"name": "crossing", "value": 0.5, "compute": 0}]}},
    {"forecast": {**FORECAST, "curve": [[1e25, 0.1, 0.2, 0.3]] * 2}},
    {"forecast": {**FORECAST, "curve": [[1e25, -5, 2, 7], [1e26, -5, 2, 7]]}},
    {"points": [point(1, 1, 1e25, 0.4, "below")], "model": {"name": "x" * 10_000}},
]


@pytest.mark.parametrize("odd", ODD)
def test_odd_input_degrades_to_a_message_never_an_error(odd):
    data = odd if not isinstance(odd, dict) else {**trajectory(points=[]), **odd}
    svg = chart_svg(data)
    root = parse(svg)
    assert "chart-error" not in classes(root)  # laid out, not caught
    assert root.get("role") == "img"
    assert isinstance(chart_drawing(data, 400, 240), Drawing)
    assert isinstance(chart_words(data), list)
    context = chart_context(data)
    assert len(context["rows"]) == len(points_of(parse(context["chart_svg"])))
    assert context["forecast_words"][0].startswith("Forecast: ")


def test_a_chart_that_cannot_be_laid_out_says_so_and_the_page_still_renders(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("governance.charts.svg.chart_geometry", broken)
    monkeypatch.setattr("governance.charts.pdf.chart_geometry", broken)
    root = parse(chart_svg(trajectory()))
    assert "chart-error" in classes(root) and root.get("role") == "img"
    assert root.find(f"{SVG}title").text.startswith("This chart could not be drawn")
    html = Template("{% load charts %}{% threshold_chart t %}").render(Context({"t": trajectory()}))
    assert "This chart could not be drawn" in html and "No evaluation with a compute" in html
    drawing = chart_drawing(trajectory(), 400, 240)
    assert [s.text for s in drawing.getContents()] == ["This chart could not be drawn."]
    assert "could not be drawn" in caplog.text


def test_nothing_to_plot_says_so():
    root = parse(chart_svg(trajectory(points=[], not_plotted={"no_compute": 2, "other_rule": 1})))
    assert not points_of(root)
    assert [text(note) for note in find(root, "chart-note")] == [
        "No evaluation of this threshold has a compute to plot yet.",
        "Evaluations not drawn: 2 without a usable compute or value, 1 scored by another rule.",
    ]


def test_a_measure_that_is_not_a_fraction_gets_its_own_scale():
    data = trajectory(
        measure="Mean score",
        warning_level=30.0,
        crossing_level=50.0,
        forecast={**TOO_FEW, "status": "out_of_range", "message": "Values are not fractions."},
    )
    for n, p in enumerate(data["points"]):
        p["value"] = 10.0 * (n + 1)
    root = parse(chart_svg(data))
    assert [text(t) for t in find(root, "tick-y")] == ["0", "20", "40", "60", "80"]
    assert [text(t) for t in find(root, "level-label")] == ["Warning 30", "Crossing 50"]
    assert (
        points_of(root)[0].find(f"{SVG}title").text.startswith("Run 10 on snap-1: Mean score 10 ")
    )


def test_lower_is_more_capable_is_said_on_the_axis():
    data = trajectory(direction="lower", warning_level=0.7, crossing_level=0.5, forecast=TOO_FEW)
    root = parse(chart_svg(data))
    assert [text(t) for t in find(root, "axis-label-y")] == [
        "Fraction of tasks passed (lower is more capable)"
    ]
    assert "Lower values are more capable." in root.find(f"{SVG}desc").text


def test_five_hundred_points_are_all_drawn():
    data = trajectory(forecast=TOO_FEW)
    data["points"] = [
        point(n, n // 10 + 1, 1e23 * 1.1 ** (n // 10), logistic(1e23 * 1.1 ** (n // 10)), "below")
        for n in range(500)
    ]
    root = parse(chart_svg(data))
    assert len(points_of(root)) == 500


# The words and the table


def test_the_forecast_in_words_gives_each_level_and_the_buffer():
    assert chart_words(trajectory()) == [
        "Forecast: Warning level 30%: already reached by the fit's central estimate, about "
        "6.5e25 FLOP (band 5.0e25 to 8.0e25), 0.65× the latest snapshot (0.5× to 0.8×).",
        "Crossing level 50%: reached at about 2.1e26 FLOP (band 1.5e26 to 3.3e26), 2.1× the "
        "latest snapshot (1.5× to 3.3×).",
        "The forecast puts the crossing within the 6× safety buffer.",
        "Logistic fit in log10 compute, band 80% (10th to 90th percentile) from the fit's "
        "covariance, R² 0.98, over 6 evaluations.",
    ]
    assert chart_words(trajectory(forecast=TOO_FEW)) == ["Forecast: " + TOO_FEW["message"]]


@pytest.mark.parametrize(
    "crossing, said",
    [
        ({"multiple": 8.0, "multiple_low": 5.0}, "The low end of the band puts the crossing "),
        ({"multiple": 8.0, "multiple_low": 7.0}, None),
        ({"multiple": 0.5, "multiple_low": 0.4, "reached": True}, None),
    ],
)
def test_the_buffer_is_named_when_the_crossing_could_come_within_it(crossing, said):
    forecast = copy.deepcopy(FORECAST)
    forecast["levels"][1].update(crossing)
    buffer = [s for s in chart_words(trajectory(forecast=forecast)) if "buffer" in s]
    assert buffer == ([said + "within the 6× safety buffer."] if said else [])


def test_the_template_tag_renders_the_chart_its_words_and_a_table():
    data = trajectory()
    data["points"][1]["url"] = "javascript:alert(1)"
    html = Template("{% load charts %}{% threshold_chart t %}").render(Context({"t": data}))
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert len(points_of(parse(svg))) == 7
    assert "<summary>Table of this chart</summary>" in html
    assert (
        "<caption>Claude-Next — ARA: the evaluations in the chart (Fraction of tasks passed by "
        "compute)</caption>" in html
    )
    rows = re.findall(r"<tr><td>.*?</tr>", html, re.S)
    assert len(rows) == 7
    assert rows[0] == (
        '<tr><td><a href="/evals/runs/10/">Run 10</a></td><td>snap-1</td>'
        "<td>1.0e24 FLOP (training: effective not recorded)</td><td>2%</td><td>below</td>"
        "<td>first run</td></tr>"
    )
    assert "javascript:" not in html and "<td>Run 11</td>" in html  # not this site's: no link
    assert "<p>The forecast puts the crossing within the 6× safety buffer.</p>" in html
    assert "style=" not in html


# The PDF


def report_with(contents_extra: dict) -> QuarterlyReport:
    contents = {
        "period": {"start": "2026-07-01", "end": "2026-09-30"},
        "generated_at": "2026-10-01T00:00:00+00:00",
        "framework_in_force": "Anthropic Responsible Scaling Policy v1.0",
        "summary": {},
        "determinations": [],
        "escalations": {"counts": {}, "items": []},
        "overdue": [],
        "restrictions": [],
        "safeguards": [],
        "noncompliance": {"counts": {}, "items": []},
        "policy_changes": {"changes": [], "adoptions": []},
        **contents_extra,
    }
    return QuarterlyReport(year=2026, quarter=3, contents=contents)


def test_the_drawing_has_the_same_labels_and_points_as_the_svg():
    data = trajectory()
    drawing = chart_drawing(data, 640, 320)
    geometry = chart_geometry(data)
    assert (drawing.width, drawing.height) == (geometry.width, geometry.height)
    strings = [s.text for s in drawing.getContents() if isinstance(s, String)]
    svg_root = parse(chart_svg(data))
    for label in ("Warning 30%", "Crossing 50%", "Latest: snap-5", X_LABEL, "1e25", "60%", "?"):
        assert label in strings and label in texts(svg_root)
    assert TRAINING_NOTE[2:] in strings  # its ◇ drawn as a shape


def test_the_pdf_draws_a_chart_per_trajectory(db):
    second = trajectory(model={"id": 2, "name": "Haiku-Next"}, forecast=TOO_FEW)
    data = quarterly_report_pdf(report_with({"trajectories": [trajectory(), second]}))
    assert data.startswith(b"%PDF")
    text_drawn = pdf_text(data)
    assert TRAJECTORIES_TITLE in text_drawn
    assert text_drawn.count("Crossing 50%") == 2 and text_drawn.count("Warning 30%") == 2
    assert "Autonomous replication and adaptation" in text_drawn
    assert text_drawn.count("Latest: snap-5") == 2
    # The forecast's words are the chart's own, below it (ReportLab writes × as \327).
    assert "Crossing level 50%: reached at about 2.1e26 FLOP" in text_drawn
    assert "Two snapshots with evaluations" in text_drawn


def test_the_pdf_of_a_report_without_trajectories_has_no_chart_part(db):
    older = quarterly_report_pdf(report_with({}))
    assert older.startswith(b"%PDF") and TRAJECTORIES_TITLE not in pdf_text(older)
    empty = pdf_text(quarterly_report_pdf(report_with({"trajectories": []})))
    assert TRAJECTORIES_TITLE in empty
    assert "No model has an evaluation against a threshold with a numeric rule." in empty


# The printable page


@pytest.mark.django_db
def test_the_report_page_shows_the_charts_with_their_tables(client, people, draft):
    QuarterlyReport.objects.filter(pk=draft.pk).update(
        contents={**draft.contents, "trajectories": [trajectory()]}
    )
    client.force_login(people["rso"])
    html = client.get(reverse("quarterly-report-detail", args=[draft.pk])).content.decode()
    assert '<h2 id="report-charts-heading">Where models stand against the thresholds</h2>' in html
    assert "<h3>Claude-Next — ARA</h3>" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert len(points_of(parse(svg))) == 7
    assert "<summary>Table of this chart</summary>" in html

    contents = {key: value for key, value in draft.contents.items() if key != "trajectories"}
    QuarterlyReport.objects.filter(pk=draft.pk).update(contents=contents)
    html = client.get(reverse("quarterly-report-detail", args=[draft.pk])).content.decode()
    assert "Where models stand against the thresholds" not in html and "<svg" not in html
