"""Decision context in a real browser: a director reads the Trust's advice, each trustee's advice,
the lab's response and what the policy change does before voting, opens the full diff with one
click, and confirms the vote in the dialog that says what it does; a trustee confirms their
advice and then sees that they gave it. axe-core finds no serious violation on these pages, at
1440x900 and 390x844 (screenshots in test-artifacts/)."""

import datetime as dt

from playwright.sync_api import expect

from tests.integration.test_accessibility import DESKTOP, PHONE, _axe_script, _describe, _violations
from tests.integration.test_browser import ARTIFACTS, _sign_in


def _change_put_to_the_board():
    """A policy change through its consultation (two trustees' advice, the Trust's advice
    against, the lab's response) and put to the board: a motion awaiting the demo director."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from governance.audit import SYSTEM
    from governance.board.services.policy_changes import (
        policy_change_create,
        policy_change_sign,
        policy_change_vote_open,
    )
    from governance.choices import Role
    from governance.models import FrameworkVersion
    from tests.factories import UserFactory
    from trust.services import (
        consultation_close,
        consultation_open,
        trust_advice_record,
        trustee_advice_give,
        trustee_term_record,
    )

    users = get_user_model().objects
    rso, ceo = users.get(username="rso"), users.get(username="ceo")
    second = UserFactory(
        username="trustee-two", first_name="Theo", last_name="Steward", roles=[Role.TRUSTEE]
    )
    trustee_term_record(actor=SYSTEM, user=second, starts_on=timezone.localdate())
    version = FrameworkVersion.objects.get(framework__slug="openai-preparedness")
    change = policy_change_create(
        actor=rso,
        version=version,
        title="Adopt Preparedness v2",
        rationale="Broader coverage of tracked categories.",
        changelog_entry="Now Preparedness v2.",
        effective_from=timezone.now() + dt.timedelta(days=60),  # the server's clock is real
    )
    policy_change_sign(actor=rso, change=change)
    change = policy_change_sign(actor=ceo, change=change)
    consultation = consultation_open(
        actor=ceo,
        policy_change=change,
        question="Do you advise adopting Preparedness v2?",
        respond_by=timezone.localdate() + dt.timedelta(days=7),
    )
    trustee_advice_give(
        actor=second, consultation=consultation, advice="Against: it drops the ASL levels."
    )
    trust_advice_record(
        actor=second,
        consultation=consultation,
        collective_advice="The Trust advises against adopting it as proposed.",
    )
    consultation_close(
        actor=rso, consultation=consultation, lab_response="We keep the ASL levels as an annex."
    )
    change.refresh_from_db()
    motion = policy_change_vote_open(actor=users.get(username="director"), change=change)
    return change, consultation, motion


def test_a_director_reads_the_context_and_confirms_the_vote(http_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    change, consultation, motion = _change_put_to_the_board()
    page = chromium.new_page()
    _sign_in(page, http_server, "director")
    page.goto(f"{http_server}{motion.get_absolute_url()}")
    context = page.locator("section.decision-context")
    expect(context).to_contain_text("The Trust advises against adopting it as proposed.")
    expect(context).to_contain_text("Theo Steward")
    expect(context).to_contain_text("Against: it drops the ASL levels.")
    expect(context).to_contain_text("We keep the ASL levels as an annex.")
    expect(context).to_contain_text("Framework changed: Anthropic Responsible Scaling Policy")
    expect(context).to_contain_text("Threshold CBRN-3 removed")

    diff = page.locator("pre.diff")
    expect(diff).to_be_hidden()
    page.get_by_text("Show the full diff of the policy file").click()
    expect(diff).to_be_visible()
    box = diff.bounding_box()
    assert box["height"] >= 190, box  # not a tiny box: at least 12rem
    assert diff.evaluate("el => getComputedStyle(el).overflowY") == "auto"

    for name, size in (("1440", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        violations = _violations(page, _axe_script())
        assert violations == [], _describe(f"motion at {name}", violations)
        page.screenshot(path=str(ARTIFACTS / f"decision-motion-{name}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="No", exact=True).click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text("You vote no on")
    expect(dialog).to_contain_text("cannot be changed")
    dialog.get_by_role("button", name="Cancel").click()
    assert motion.votes.count() == 0  # cancelled: nothing was cast

    page.get_by_role("button", name="No", exact=True).click()
    dialog.get_by_role("button", name="No", exact=True).click()
    expect(page.locator("p.signed-state")).to_contain_text("You voted no on")
    expect(page.get_by_role("button", name="Yes", exact=True)).to_have_count(0)
    assert list(motion.votes.values_list("choice", flat=True)) == ["no"]


def test_a_trustee_reads_the_change_and_confirms_their_advice(http_server, chromium):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from governance.board.services.policy_changes import (
        policy_change_create,
        policy_change_sign,
    )
    from governance.models import FrameworkVersion
    from trust.services import consultation_open

    users = get_user_model().objects
    rso, ceo = users.get(username="rso"), users.get(username="ceo")
    change = policy_change_create(
        actor=rso,
        version=FrameworkVersion.objects.get(framework__slug="google-deepmind-fsf"),
        title="Adopt the Frontier Safety Framework",
        rationale="Alert thresholds.",
        changelog_entry="Now the FSF.",
        effective_from=timezone.now() + dt.timedelta(days=60),
    )
    policy_change_sign(actor=rso, change=change)
    change = policy_change_sign(actor=ceo, change=change)
    consultation = consultation_open(
        actor=ceo,
        policy_change=change,
        question="Should the lab adopt the FSF?",
        respond_by=timezone.localdate() + dt.timedelta(days=7),
    )
    page = chromium.new_page()
    _sign_in(page, http_server, "trustee")
    page.goto(f"{http_server}{consultation.get_absolute_url()}")
    expect(page.locator("section.policy-reading")).to_contain_text("Level CCL added")
    for name, size in (("1440", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        violations = _violations(page, _axe_script())
        assert violations == [], _describe(f"consultation at {name}", violations)
        page.screenshot(path=str(ARTIFACTS / f"decision-consultation-{name}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.get_by_label("Your advice").fill("Adopt it after the audit.")
    page.get_by_role("group", name="Where your advice stands").get_by_label(
        "Supports it with conditions"
    ).check()
    page.get_by_role("button", name="Give my advice").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text("You give your advice on")
    dialog.get_by_role("button", name="Give my advice").click()
    expect(page.locator("p.signed-state")).to_contain_text("You gave your advice on")
    expect(page.get_by_role("button", name="Give my advice")).to_have_count(0)
    expect(page.locator("section.trust-advice")).to_contain_text("Adopt it after the audit.")
    expect(page.locator("section.trust-advice")).to_contain_text("Supports it with conditions")


def test_the_rso_signs_and_sees_whom_the_proposal_waits_for(http_server, chromium):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from governance.board.services.policy_changes import policy_change_create
    from governance.models import FrameworkVersion

    change = policy_change_create(
        actor=get_user_model().objects.get(username="rso"),
        version=FrameworkVersion.objects.get(framework__slug="openai-preparedness"),
        title="Adopt Preparedness v2",
        rationale="Broader coverage.",
        changelog_entry="Now Preparedness v2.",
        effective_from=timezone.now() + dt.timedelta(days=60),
    )
    page = chromium.new_page()
    _sign_in(page, http_server, "rso")
    page.goto(f"{http_server}{change.get_absolute_url()}")
    page.get_by_role("button", name="Sign the proposal").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text("You sign as the RSO, attesting that you propose putting")
    dialog.get_by_role("button", name="Sign the proposal").click()
    expect(page.locator("body")).to_contain_text("It now awaits the CEO's signature.")
    expect(page.locator("p.signed-state")).to_contain_text("· waiting for the CEO.")
    expect(page.get_by_role("button", name="Sign the proposal")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "decision-policy-change-signed.png"), full_page=True)
