"""A real browser (Debian's Chromium, driven by Playwright) signs in and uses the pages."""

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
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Avery"
    assert "Chain intact" in page.content()
    page.screenshot(path=str(ARTIFACTS / "home-auditor.png"), full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").fill("user.logged_in")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "user.logged_in" in rows.first.inner_text()
    assert "Avery Auditor" in rows.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "audit-log.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{http_server}/login/")


def test_bad_filter_shows_a_message_in_the_browser(http_server, chromium):
    page = chromium.new_page()
    _sign_in(page, http_server, "rso")
    page.goto(f"{http_server}/audit/?date_from=not-a-date")
    assert "Enter a valid date." in page.content()
    assert "Fix the filters above" in page.content()


def test_safety_staff_has_no_audit_link(http_server, chromium):
    page = chromium.new_page()
    _sign_in(page, http_server, "safety")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Audit log").count() == 0
    assert "Register models and snapshots" in page.content()
