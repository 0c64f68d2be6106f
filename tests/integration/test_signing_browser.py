"""In a real browser: a signature asks for confirmation stating what is attested, then the page
says who signed and whose signature is still needed and offers the button no more; the quarterly
report's commentary goes with "Issue", which asks for confirmation first."""

import re

from playwright.sync_api import expect

from tests.conftest import PROJECT_DIR
from tests.integration.test_browser import _sign_in

ARTIFACTS = PROJECT_DIR / "test-artifacts"


def _confirm(page, label: str) -> None:
    page.locator("dialog.confirm-dialog").get_by_role("button", name=label).click()


def test_the_rso_signs_a_pause_after_confirming_what_it_attests(http_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.new_page()
    _sign_in(page, http_server, "rso")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    page.get_by_role("link", name="Autonomy checkpoint crossed: Frontier X").click()
    pause = page.locator(".restriction", has_text="Pause training")
    pause.get_by_role("button", name="Sign to activate").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You sign as the RSO to activate this restriction")
    expect(dialog).to_contain_text("The CEO's signature is still needed after yours.")
    page.screenshot(path=str(ARTIFACTS / "sign-confirm.png"))

    dialog.get_by_role("button", name="Cancel").click()  # nothing is signed
    expect(dialog).not_to_be_visible()
    expect(pause).to_contain_text("Awaiting both signatures (RSO and CEO).")

    pause.get_by_role("button", name="Sign to activate").click()
    _confirm(page, "Sign to activate")
    pause = page.locator(".restriction", has_text="Pause training")
    expect(pause).to_contain_text(re.compile(r"You signed as the RSO on \d+ \w{3} \d{4}"))
    expect(pause).to_contain_text("waiting for the CEO")
    expect(pause.get_by_role("button", name="Sign to activate")).to_have_count(0)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "signed-waiting-390.png"), full_page=True)


def test_the_rso_types_commentary_and_issues_in_one_step(http_server, chromium):
    page = chromium.new_page()
    _sign_in(page, http_server, "rso")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="RSO reports").click()
    page.locator("table a").first.click()  # the demo's draft for last quarter
    page.get_by_label("Your commentary").fill("Typed, then issued at once.")
    page.get_by_role("button", name="Issue to the board and the Trust").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text("This cannot be undone")
    expect(dialog).to_contain_text("sends it to the sitting directors and trustees (")
    _confirm(page, "Issue to the board and the Trust")
    expect(page.locator("body")).to_contain_text("Issued: each director and trustee")
    expect(page.locator(".prose")).to_contain_text("Typed, then issued at once.")


def test_saving_commentary_asks_nothing(http_server, chromium):
    page = chromium.new_page()
    _sign_in(page, http_server, "rso")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="RSO reports").click()
    page.locator("table a").first.click()
    page.get_by_label("Your commentary").fill("Saved, not issued.")
    page.get_by_role("button", name="Save commentary").click()
    expect(page.locator("body")).to_contain_text("Commentary and deficiencies saved.")
    expect(page.locator("dialog.confirm-dialog[open]")).to_have_count(0)
    expect(page.get_by_role("button", name="Issue to the board and the Trust")).to_have_count(1)
