"""The capability report form in a real browser: the checklist beside the buttons follows the
person's edits before any click on Save, and the page fits a phone."""

from playwright.sync_api import expect

from governance.management.commands.seed_demo import DEMO_PASSWORD
from tests.conftest import PROJECT_DIR
from tests.integration.test_accessibility import _axe_script, _describe, _violations

ARTIFACTS = PROJECT_DIR / "test-artifacts"


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def _check(page, key: str):
    return page.locator(f'[data-check="{key}"]')


def _group(page, code: str):
    return page.locator(f'fieldset[data-threshold-group][data-code="{code}"]')


def test_the_capability_report_checklist_is_live(http_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    _sign_in(page, http_server, "safety")
    page.goto(f"{http_server}/determinations/new/")
    main = page.locator("main")
    main.get_by_label("Model", exact=True).select_option(label="Frontier X")
    main.get_by_label("Title", exact=True).fill("Frontier X comprehensive assessment")
    main.get_by_label("Capability report", exact=True).fill("Autonomy crossed; CBRN judged apart.")
    main.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Capability report:")

    # Every threshold is there, each with its standing; none has a finding yet.
    expect(page.locator("fieldset[data-threshold-group]")).to_have_count(6)
    autonomy, cbrn = _group(page, "Autonomy checkpoint"), _group(page, "CBRN-3")
    expect(autonomy.locator(".threshold-standing")).to_contain_text("Crossed")
    expect(cbrn.locator("[data-finding-state]")).to_have_text("No finding yet")
    expect(page.locator(".checklist-live")).to_have_attribute("aria-live", "polite")
    expect(_check(page, "level_set")).to_contain_text("To do before submitting")
    page.screenshot(path=str(ARTIFACTS / "capability-form-1440.png"), full_page=True)

    # A "below" for the autonomy threshold: the checklist asks for its elicitation at once.
    autonomy.locator("summary").first.click()
    autonomy.get_by_label("Finding").select_option("below")
    expect(autonomy.locator("[data-finding-state]")).to_have_text("Below")
    below = _check(page, "below_elicitation")
    expect(below).to_contain_text("To do before submitting")
    expect(below).to_contain_text("Autonomy checkpoint: state the attempts per task.")
    expect(_check(page, "below_standing")).to_contain_text("the model's standing is Crossed")
    autonomy.get_by_label("Attempts per task").fill("10")
    expect(below).not_to_contain_text("state the attempts per task")

    # The autonomy run offered under CBRN-3 only among "all runs", flagged; picking it shows
    # the problem before any click on Save.
    cbrn.locator("summary").first.click()
    expect(cbrn.locator(".evidence-picker")).to_contain_text("No run of this model measures CBRN-3")
    cbrn.get_by_text("Show all runs").click()
    cbrn.locator(".evidence-others input[type=checkbox]").first.check()
    matches = _check(page, "evidence_matches")
    expect(matches).to_contain_text("Fix before saving")
    expect(matches).to_contain_text("not CBRN-3")
    expect(_check(page, "evidence_has_finding")).to_contain_text("CBRN-3: you gave evidence")
    expect(page.locator("[data-checklist-summary]")).to_contain_text("to fix before saving")

    main.get_by_label("Resulting required level", exact=True).select_option(label="ASL-3")
    expect(_check(page, "level_set")).to_contain_text("Done")

    page.screenshot(path=str(ARTIFACTS / "capability-form-1440-editing.png"), full_page=True)
    axe = _axe_script()
    violations = _violations(page, axe)
    assert not violations, _describe("capability form, editing", violations)

    # The server says the same on Save, by the field.
    page.get_by_role("button", name="Save draft").click()
    expect(cbrn.locator(".evidence-picker .field-errors")).to_contain_text("not CBRN-3")

    # A phone: one column, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "capability-form-390.png"), full_page=True)
    violations = _violations(page, axe)
    assert not violations, _describe("capability form, refused, on a phone", violations)
    assert refused == []
