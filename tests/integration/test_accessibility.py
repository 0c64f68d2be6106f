"""Accessibility in a real browser: axe-core (served from the axe-playwright-python package, no
network) finds no serious or critical violation on the main pages, signed in as each role, on a
desktop and on a phone; the phone's menu opens and closes by its button; nothing but a table's own
box scrolls sideways. Screenshots of every page at both sizes go to test-artifacts/."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.integration.test_browser import ARTIFACTS, _sign_in

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")


def _axe_script() -> str:
    """axe-core's script as the package ships it: read from disk, injected into the page."""
    try:
        from axe_playwright_python.base import AXE_SCRIPT
    except ImportError:
        pytest.fail("axe-core is missing: install the dev extra (pip install -e '.[dev]')")
    return AXE_SCRIPT


def _violations(page, axe_script: str) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands (after two frames,
    so the page's scripts have seen a change of window size, as a person would)."""
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.evaluate(axe_script)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [item for item in results["violations"] if item["impact"] in BLOCKING]


def _describe(where: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}\n      {node['html'][:200]}\n      {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def _demo_records():
    """Records the demo data lacks but the main pages should be checked with: a determination
    (written by safety staff) and a proposed policy change."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from governance.board.models import PolicyChange
    from governance.board.services.policy_changes import policy_change_create
    from governance.determinations.models import Determination
    from governance.determinations.services.determinations import determination_create
    from governance.models import FrameworkVersion
    from governance.registry.models import AIModel
    from governance.selectors import framework_version_in_force

    users = get_user_model().objects
    if not Determination.objects.exists():
        determination_create(
            actor=users.get(username="safety"),
            model=AIModel.objects.get(name="Frontier X"),
            title="Frontier X capability report",
            summary="Autonomy evaluations of the May snapshot.",
        )
    if not PolicyChange.objects.exists():
        in_force = framework_version_in_force()
        version = FrameworkVersion.objects.exclude(pk=in_force.pk).order_by("-effective_date")[0]
        policy_change_create(
            actor=users.get(username="rso"),
            version=version,
            title="Adopt a newer framework version",
            rationale="Broader coverage of tracked categories.",
            changelog_entry="Now the newer version.",
            # The server runs on the real clock, so "in the future" is relative to it.
            effective_from=max(
                timezone.now() + dt.timedelta(days=365),
                dt.datetime.combine(version.effective_date, dt.time(), tzinfo=dt.UTC),
            ),
        )


def _pages_by_role() -> dict[str, list[tuple[str, str]]]:
    """(name, path) of the pages each role is checked on; detail pages from the demo data."""
    from evals.models import EvalRun
    from governance.board.models import PolicyChange, QuarterlyReport
    from governance.determinations.models import Determination
    from governance.models import AuditEvent
    from governance.oversight.models import Escalation
    from governance.registry.models import AIModel

    model = AIModel.objects.get(name="Frontier X").get_absolute_url()
    run = EvalRun.objects.order_by("pk")[0].get_absolute_url()
    determination = Determination.objects.order_by("pk")[0].get_absolute_url()
    escalation = Escalation.objects.order_by("pk")[0].get_absolute_url()
    change = PolicyChange.objects.order_by("pk")[0].get_absolute_url()
    report = QuarterlyReport.objects.order_by("pk")[0].get_absolute_url()
    audit_event = f"/audit/{AuditEvent.objects.order_by('-pk')[0].pk}/"
    return {
        "rso": [
            ("home", "/"),
            ("models", "/models/"),
            ("model", model),
            ("eval-runs", "/evals/runs/"),
            ("eval-run", run),
            ("determinations", "/determinations/"),
            ("determination", determination),
            ("safeguards", "/safeguards/"),
            ("escalations", "/escalations/"),
            ("escalation-restrictions", escalation),
            ("frameworks", "/frameworks/"),
            ("board", "/board/"),
            ("policy-changes", "/policy-changes/"),
            ("policy-change", change),
            ("reports", "/reports/"),
            ("report", report),
            ("trust", "/trust/"),
            ("audit-log", "/audit/"),
            ("inbox", "/inbox/"),
        ],
        "safety": [
            ("home", "/"),
            ("models", "/models/"),
            ("model", model),
            ("runs", "/evals/runs/"),
        ],
        "reviewer": [("home", "/"), ("determination", determination)],
        "ceo": [("home", "/"), ("escalation-restrictions", escalation), ("inbox", "/inbox/")],
        "director": [("home", "/"), ("board", "/board/"), ("reports", "/reports/")],
        "trustee": [("home", "/"), ("trust", "/trust/"), ("policy-change", change)],
        "auditor": [("home", "/"), ("audit-log", "/audit/"), ("audit-event", audit_event)],
    }


def _page_overflows_sideways(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )


def test_main_pages_have_no_serious_accessibility_violations(http_server, chromium):
    """Every main page, as every role that uses it, at 1440x900 and 390x844."""
    ARTIFACTS.mkdir(exist_ok=True)
    _demo_records()
    axe_script = _axe_script()
    problems, overflowing = [], []

    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{http_server}/login/?next=/models/")
    page.get_by_role("button", name="Sign in").click()  # empty: the form shows its errors
    expect(page.locator(".error-summary")).to_be_visible()
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        problems.append(
            _describe(f"login (errors) {size['width']}px", _violations(page, axe_script))
        )
        page.screenshot(path=str(ARTIFACTS / f"a11y-login-{size['width']}.png"), full_page=True)
    context.close()

    for role, pages in _pages_by_role().items():
        context = chromium.new_context(viewport=DESKTOP)
        page = context.new_page()
        _sign_in(page, http_server, role)
        for name, path in pages:
            page.goto(f"{http_server}{path}")
            expect(page.get_by_role("heading", level=1).first).to_be_visible()
            for size in (DESKTOP, PHONE):
                page.set_viewport_size(size)
                where = f"{role} {name} ({path}) {size['width']}px"
                problems.append(_describe(where, _violations(page, axe_script)))
                if size is PHONE and _page_overflows_sideways(page):
                    overflowing.append(where)
                page.screenshot(
                    path=str(ARTIFACTS / f"a11y-{role}-{name}-{size['width']}.png"), full_page=True
                )
            page.set_viewport_size(DESKTOP)
        context.close()

    report = "\n".join(problem for problem in problems if problem)
    assert report == "", f"axe-core found serious or critical violations:\n{report}"
    assert overflowing == [], f"The page scrolls sideways on a phone: {overflowing}"


def test_phone_menu_opens_closes_and_reaches_every_link(http_server, chromium):
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    _sign_in(page, http_server, "rso")
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    header = page.locator("header.topbar")

    # Closed: the header is one row, the links are out of the way and out of the tab order.
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "site-menu")
    expect(nav.get_by_role("link", name="Models")).to_be_hidden()
    assert header.bounding_box()["height"] < 80

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for group in ("Oversight", "Models & evals", "Decisions", "Board & Trust", "Records"):
        expect(nav.get_by_role("list", name=group)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "a11y-rso-menu-open-390.png"), full_page=True)
    assert _violations(page, _axe_script()) == []

    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    menu.click()
    nav.get_by_role("link", name="Audit log").click()
    page.wait_for_url(re.compile(r".*/audit/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    # The wide audit table scrolls in its own box, which a keyboard can reach.
    box = page.locator(".table-scroll").first
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("aria-label", re.compile("scrolls"))
    assert not _page_overflows_sideways(page)
    context.close()


def test_desktop_navigation_shows_every_group_without_a_menu_button(http_server, chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    _sign_in(page, http_server, "rso")
    nav = page.get_by_role("navigation", name="Main")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    models_and_evals = nav.get_by_role("list", name="Models & evals")
    for label in ("Models", "Eval runs", "Ingestions", "Suites"):
        expect(models_and_evals.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    # The grouped bar takes at most three rows at the test's default width.
    assert page.locator("header.topbar").bounding_box()["height"] < 160


def test_field_help_and_errors_are_wired_to_the_field(http_server, chromium):
    """A snapshot form with a bad value: the input names its error and help by ids that exist."""
    page = chromium.new_page()
    _sign_in(page, http_server, "safety")
    from governance.registry.models import AIModel

    model = AIModel.objects.get(name="Frontier X")
    page.goto(f"{http_server}/models/{model.pk}/snapshots/new/")
    page.get_by_label("Training compute (FLOP)").fill("-5")
    page.get_by_role("button", name="Save").click()
    field = page.get_by_label("Training compute (FLOP)")
    expect(field).to_have_attribute("aria-invalid", "true")
    described_by = field.get_attribute("aria-describedby").split()
    assert described_by, "the invalid field points at no description"
    for element_id in described_by:
        expect(page.locator(f"#{element_id}")).to_have_count(1)
    expect(field).to_have_accessible_description(re.compile("greater than or equal to 0"))
    assert _violations(page, _axe_script()) == []


def _css_variables() -> dict[str, str]:
    from tests.conftest import PROJECT_DIR

    css = (PROJECT_DIR / "static/css/app.css").read_text()
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))


def _contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_app_css_text_colours_meet_aa_contrast_on_every_background_they_sit_on():
    """The palette in app.css: each text colour on each surface it is used on, at least 4.5:1
    (axe checks the pages as rendered; this names the pair when a colour is changed)."""
    colours = _css_variables()
    surfaces = {
        "page": colours["bg"],
        "card": colours["card"],
        "table head": "#eef1f5",
        "tag": "#e7ecf3",
        "warning alert": "#fff8e1",
        "error alert": "#fdecea",
    }
    texts = {name: colours[name] for name in ("ink", "muted", "accent", "ok", "bad", "warn")}
    too_faint = [
        f"{text} {value} on {surface} {background}: {_contrast(value, background):.2f}:1"
        for text, value in texts.items()
        for surface, background in surfaces.items()
        if _contrast(value, background) < 4.5
    ]
    assert too_faint == []
    # White on the primary button and on the header.
    assert _contrast("#ffffff", colours["accent"]) >= 4.5
    assert _contrast("#ffffff", colours["brand"]) >= 4.5


def test_navigation_keeps_each_group_together_in_the_declared_order(make_user):
    """The header regroups consecutive entries, so a group split by another would show twice."""
    from governance import navigation
    from governance.choices import Role

    groups = [item.group for item in navigation.items_for(make_user(Role.RSO, is_staff=True))]
    distinct = list(dict.fromkeys(groups))
    assert distinct == list(navigation.GROUP_ORDER)
    assert groups == sorted(groups, key=navigation.GROUP_ORDER.index)
    labels = {item.label for item in navigation.items_for(make_user(Role.SAFETY_STAFF))}
    assert {"Models", "Eval runs", "Escalations"} <= labels
    assert not {"Audit log", "Admin", "Board"} & labels
