"""Each person's home is their queue: in a real browser, people of each role walk an item of
their queue to done (the demo's data), confirming what they attest, and see it leave their
queue or move to "Waiting on others". Screenshots at 1440x900 and 390x844 are kept in
test-artifacts/."""

import re

from playwright.sync_api import expect

from governance.management.commands.seed_demo import DEMO_PASSWORD
from tests.conftest import PROJECT_DIR

ARTIFACTS = PROJECT_DIR / "test-artifacts"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _signed_in(chromium, base_url: str, username: str, viewport=DESKTOP):
    page = chromium.new_page(viewport=viewport)
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    return page


def _queue(page):
    return page.locator("section.work").filter(has=page.get_by_role("heading", name="Awaiting you"))


def _waiting_on_others(page):
    return page.locator("section.work").filter(
        has=page.get_by_role("heading", name="Waiting on others")
    )


def _confirm(page, button: str) -> None:
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=button).click()


def test_the_rso_and_the_ceo_walk_a_restriction_from_their_queues_to_done(http_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    title = "Pause training of Frontier X (Proposed)"
    rso = _signed_in(chromium, http_server, "rso")
    queue = _queue(rso)
    expect(queue.get_by_role("link", name=title)).to_be_visible()
    expect(rso.get_by_role("heading", name="Open escalations by severity")).to_be_visible()
    expect(rso.get_by_role("heading", name="Restrictions pending a decision")).to_be_visible()
    rso.screenshot(path=str(ARTIFACTS / "my-work-rso-1440.png"), full_page=True)

    link = queue.get_by_role("link", name=title)
    anchor = re.search(r"#(restriction-\d+)", link.get_attribute("href")).group(1)
    link.click()
    restriction = rso.locator(f"#{anchor}")
    restriction.get_by_role("button", name="Sign to activate").click()
    _confirm(rso, "Sign to activate")
    expect(rso.locator(f"#{anchor}")).to_contain_text("CEO")
    # Signed: no second "Sign to activate" for the RSO.
    expect(rso.locator(f"#{anchor}").get_by_role("button", name="Sign to activate")).to_have_count(
        0
    )

    rso.goto(f"{http_server}/")
    expect(_queue(rso).get_by_role("link", name=title)).to_have_count(0)
    expect(_waiting_on_others(rso).get_by_role("link", name=title)).to_be_visible()

    ceo = _signed_in(chromium, http_server, "ceo", viewport=PHONE)
    expect(_queue(ceo).get_by_role("link", name=title)).to_be_visible()
    ceo.screenshot(path=str(ARTIFACTS / "my-work-ceo-390.png"), full_page=True)
    _queue(ceo).get_by_role("link", name=title).click()
    ceo.locator(f"#{anchor}").get_by_role("button", name="Sign to activate").click()
    _confirm(ceo, "Sign to activate")
    expect(ceo.locator(f"#{anchor}")).to_contain_text("Active")
    ceo.goto(f"{http_server}/")
    expect(_queue(ceo).get_by_role("link", name=title)).to_have_count(0)
    # Active restrictions still await the decision to lift; no longer "pending activation".
    expect(ceo.locator("body")).not_to_contain_text(title)


def test_safety_staff_acknowledge_an_escalation_from_their_queue(http_server, chromium):
    page = _signed_in(chromium, http_server, "safety", viewport=PHONE)
    title = "Autonomy checkpoint warning: Helper S"
    queue = _queue(page)
    expect(queue.get_by_role("link", name=title)).to_be_visible()
    expect(queue).to_contain_text("left")  # the time left to acknowledge
    page.screenshot(path=str(ARTIFACTS / "my-work-safety-390.png"), full_page=True)
    queue.get_by_role("link", name=title).click()
    page.get_by_role("button", name=re.compile("^Acknowledge")).first.click()
    dialog = page.locator("dialog.confirm-dialog")
    if dialog.is_visible():
        dialog.get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(page.locator("body")).to_contain_text("Acknowledged")
    page.goto(f"{http_server}/")
    expect(_queue(page).get_by_role("link", name=title)).to_have_count(0)


def test_a_person_with_nothing_to_do_is_told_so(http_server, chromium):
    page = _signed_in(chromium, http_server, "reviewer")
    expect(_queue(page)).to_contain_text("Nothing awaits you now.")
    page.screenshot(path=str(ARTIFACTS / "my-work-reviewer-1440.png"), full_page=True)
