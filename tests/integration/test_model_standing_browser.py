"""The model page's standing, chart and forecast in a real browser: every threshold is there,
the chart is drawn by the server (no script), each point says its run in words, the table
alternative opens, and the page passes axe and fits a phone."""

from playwright.sync_api import expect

from evals.services import forecast_review
from governance.choices import EscalationKind
from governance.oversight.models import Escalation
from tests.conftest import PROJECT_DIR
from tests.evals.test_standing import AUTONOMY, model_with_series
from tests.integration.test_accessibility import (
    DESKTOP,
    PHONE,
    _axe_script,
    _describe,
    _page_overflows_sideways,
    _sign_in,
    _violations,
)

ARTIFACTS = PROJECT_DIR / "test-artifacts"


def test_model_page_charts_the_trajectory_and_its_forecast(http_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    model = model_with_series("Sigmoid", [24, 24.5, 25, 25.5, 26], midpoint=26.5)
    forecast_review(model)
    assert Escalation.objects.filter(model=model, kind=EscalationKind.FORECAST).count() == 1

    context = chromium.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, http_server, "rso")
    page.goto(f"{http_server}{model.get_absolute_url()}")
    standing = page.locator("table.standing-table tbody tr")
    expect(standing).to_have_count(6)
    expect(page.locator("#standing-cbrn-3")).to_contain_text("Not evaluated")
    section = page.locator(f"#forecast-{AUTONOMY.lower().replace(' ', '-')}")
    chart = section.locator("svg[role=img]")
    expect(chart).to_be_visible()  # drawn by the server: scripts are off in this browser
    points = chart.locator(".point")
    expect(points).to_have_count(5)
    expect(points.first.locator("title")).to_contain_text("Run ")
    expect(chart.locator("line.level-crossing")).to_have_count(1)
    expect(chart.locator("line.level-warning")).to_have_count(1)
    expect(chart.locator(".forecast-line")).to_have_count(1)
    multiple = 10**0.5  # the crossing at 10^26.5, over the latest snapshot at 10^26
    expect(section).to_contain_text(f"{multiple:.2g}×")
    section.get_by_text("Table of this chart").click()
    expect(section.locator("table tbody tr")).to_have_count(5)
    page.screenshot(path=str(ARTIFACTS / "model-standing-1440.png"), full_page=True)
    context.close()

    axe = _axe_script()
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    _sign_in(page, http_server, "safety")
    problems, overflowing = [], []
    for path in (model.get_absolute_url(), "/models/"):
        page.goto(f"{http_server}{path}")
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            problems.append(_describe(f"{path} {size['width']}px", _violations(page, axe)))
            if size is PHONE and _page_overflows_sideways(page):
                overflowing.append(path)
        page.screenshot(path=str(ARTIFACTS / "model-standing-390.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
    context.close()
    report = "\n".join(problem for problem in problems if problem)
    assert report == "", f"axe-core found serious or critical violations:\n{report}"
    assert overflowing == [], f"The page scrolls sideways on a phone: {overflowing}"
