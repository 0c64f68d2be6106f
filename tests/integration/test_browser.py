"""A real browser (Debian's Chromium, driven by Playwright) signs in and uses the pages."""

import re

from playwright.sync_api import expect

from governance.management.commands.seed_demo import DEMO_PASSWORD
from tests.conftest import PROJECT_DIR

ARTIFACTS = PROJECT_DIR / "test-artifacts"


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def test_auditor_signs_in_filters_the_audit_log_and_signs_out(http_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.new_page()
    _sign_in(page, http_server, "auditor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Avery")
    expect(page.locator("body")).to_contain_text("Chain intact")
    page.screenshot(path=str(ARTIFACTS / "home-auditor.png"), full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").fill("user.logged_in")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    assert "user.logged_in" in rows.first.inner_text()
    assert "Avery Auditor" in rows.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "audit-log.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{http_server}/login/")


def test_bad_filter_shows_a_message_in_the_browser(http_server, chromium):
    page = chromium.new_page()
    _sign_in(page, http_server, "rso")
    page.goto(f"{http_server}/audit/?date_from=not-a-date")
    expect(page.locator("body")).to_contain_text("Enter a valid date.")
    expect(page.locator("body")).to_contain_text("Fix the filters above")


def test_safety_staff_has_no_audit_link(http_server, chromium):
    page = chromium.new_page()
    _sign_in(page, http_server, "safety")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(page.locator("body")).to_contain_text("Register models and snapshots")


def test_safety_staff_registers_a_snapshot_and_sees_errors_first(http_server, chromium):
    page = chromium.new_page()
    _sign_in(page, http_server, "safety")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    page.get_by_role("link", name="Frontier X").click()
    page.get_by_role("link", name="Add snapshot").click()
    page.get_by_label("Name").fill("fx-browser")
    page.get_by_label("Stage").select_option("post_trained")
    page.get_by_label("Training compute (FLOP)").fill("-5")
    page.get_by_label("Created on").fill("2026-10-01")
    page.get_by_label("External identifiers").fill("mockllm/model")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("body")).to_contain_text("greater than or equal to 0")

    page.get_by_label("Training compute (FLOP)").fill("6e25")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("body")).to_contain_text("already names snapshot")

    page.get_by_label("External identifiers").fill("acme/fx-browser")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{http_server}/models/*/")
    expect(page.locator("body")).to_contain_text("Snapshot registered.")
    expect(page.locator("body")).to_contain_text("6 × 10²⁵ FLOP")
    expect(page.locator("body")).to_contain_text("6×")  # over the assessed checkpoint of 1e25
    page.screenshot(path=str(ARTIFACTS / "model-detail.png"), full_page=True)


def test_rso_and_ceo_sign_a_pause_in_the_browser_and_the_gate_closes(http_server, chromium):
    """The demo's crossing log opened an escalation with proposed restrictions."""
    import json
    import urllib.request

    from governance.registry.models import AIModel

    model = AIModel.objects.get(name="Frontier X")
    for officer in ("rso", "ceo"):
        context = chromium.new_context()
        page = context.new_page()
        _sign_in(page, http_server, officer)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
        page.get_by_role("link", name="Autonomy checkpoint crossed: Frontier X").click()
        page.get_by_role("button", name="Sign to activate").last.click()
        page.locator("dialog.confirm-dialog").get_by_role("button", name="Sign to activate").click()
        expect(page.locator("body")).to_contain_text("Signed.")
        if officer == "ceo":
            expect(page.locator("body")).to_contain_text("Pause training: Active")
            page.screenshot(path=str(ARTIFACTS / "escalation-signed.png"), full_page=True)
        context.close()

    from evals.models import EvalSystem
    from evals.services import eval_system_rotate_token
    from governance.audit import SYSTEM

    token = eval_system_rotate_token(actor=SYSTEM, system=EvalSystem.objects.get(name="inspect-ci"))
    request = urllib.request.Request(
        f"{http_server}/api/v1/models/{model.pk}/clearance/?action=train",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert json.loads(response.read())["result"] == "blocked"


def test_rso_and_ceo_propose_a_policy_change_in_the_browser(http_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.new_page()
    _sign_in(page, http_server, "rso")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Policy changes").click()
    page.get_by_role("link", name="New policy change").click()
    option = page.locator("#id_version option", has_text="Preparedness").first
    page.get_by_label("Version").select_option(option.get_attribute("value"))
    page.get_by_label("Title").fill("Adopt Preparedness v2 (browser)")
    page.get_by_label("Rationale").fill("Broader coverage of tracked categories.")
    page.get_by_label("Changelog entry").fill("Now Preparedness v2.")
    page.get_by_label("Effective from").fill("2030-01-01T00:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adopt Preparedness v2 (browser)")
    expect(page.locator("pre.diff .add").first).to_be_attached()
    page.get_by_role("button", name="Sign the proposal").click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="Sign the proposal").click()
    expect(page.locator("body")).to_contain_text("RSO: Robin Officer")
    change_url = page.url
    page.screenshot(path=str(ARTIFACTS / "policy-change.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, http_server, "ceo")
    page.goto(change_url)
    page.get_by_role("button", name="Sign the proposal").click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="Sign the proposal").click()
    expect(page.locator("body")).to_contain_text("Proposed by the CEO and the RSO")
    expect(page.get_by_role("link", name="Consult the Trust")).to_have_count(1)


def test_rso_issues_the_quarterly_report_and_a_director_acknowledges_it(http_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.new_page()
    _sign_in(page, http_server, "rso")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="RSO reports").click()
    page.locator("table a").first.click()  # the demo's draft for last quarter
    page.get_by_label("Your commentary").fill("The quarter's crossings were handled in time.")
    page.get_by_label("Deficiencies, one per line").fill("One assessment ran late.")
    page.get_by_role("button", name="Save commentary").click()
    page.get_by_role("button", name="Issue to the board and the Trust").click()
    page.locator("dialog.confirm-dialog").get_by_role(
        "button", name="Issue to the board and the Trust"
    ).click()
    expect(page.locator("body")).to_contain_text("Issued to the board and the Trust")
    expect(page.locator("code").first).to_have_text(re.compile(r"^[0-9a-f]{64}$"))  # SHA-256
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    path = download.value.path()
    assert open(path, "rb").read(4) == b"%PDF"  # noqa: SIM115
    report_url = page.url
    page.screenshot(path=str(ARTIFACTS / "quarterly-report.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, http_server, "director")
    page.goto(report_url)
    page.get_by_role("button", name="I have received and read this report").click()
    page.locator("dialog.confirm-dialog").get_by_role(
        "button", name="I have received and read this report"
    ).click()
    expect(page.locator("body")).to_contain_text("Dana Director ·")
    expect(page.get_by_role("button", name="I have received and read this report")).to_have_count(0)


def test_pages_and_the_api_docs_work_under_the_content_security_policy(http_server, chromium):
    page = chromium.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    _sign_in(page, http_server, "rso")
    for path in ("/", "/escalations/", "/models/", "/evals/runs/"):
        page.goto(f"{http_server}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{http_server}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("RSP Governance API")
    assert refused == []
