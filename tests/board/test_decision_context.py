"""Decision context where the decision is made: a policy change's motion shows the Trust's
advice, each trustee's advice, the lab's response, and what the change does in words with the
full diff one click away; the policy change's page shows who has signed its proposal and when,
offers signing only to whom may sign, and asks for confirmation of every signature and step
that cannot be undone."""

import datetime as dt
import html
import re

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.services.board import director_seat, motion_open, vote_cast
from governance.board.services.policy_changes import (
    policy_change_create,
    policy_change_sign,
    policy_change_vote_open,
)
from governance.choices import Role, SeatType, VoteChoice
from governance.framework_files import FRAMEWORKS_DIR
from governance.models import FrameworkVersion
from governance.services import framework_files_load
from tests.conftest import FIXED_NOW
from trust.services import (
    consultation_close,
    consultation_open,
    trust_advice_record,
    trustee_advice_give,
)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TODAY = timezone.localdate(FIXED_NOW)

# The sentences the proposed RSP 2.3 (below) must be summarised as, against 2.2 in force.
CROSSING = (
    "Threshold Autonomy checkpoint changed: crossing score 0.5 → 0.4; warning score 0.3 → 0.25"
)
NEW_STANDARD = (
    "Safeguard standard ASL-4-Deployment added: “ASL-4 Deployment Standard”; for level ASL-4"
)
CBRN4 = "Threshold CBRN-4 changed: now requires safeguards ASL-4-Deployment"


@pytest.fixture
def rsp_2_3(frameworks, tmp_path):
    """RSP 2.2 with a lower autonomy bar and an ASL-4 deployment standard, loaded as 2.3."""
    document = yaml.safe_load((FRAMEWORKS_DIR / "anthropic-rsp-2.2.yaml").read_text())
    document.update(version="2.3", supersedes="2.2", effective_date="2026-11-01")
    thresholds = {threshold["code"]: threshold for threshold in document["thresholds"]}
    thresholds["Autonomy checkpoint"]["scoring"].update(crossing_level=0.4, warning_level=0.25)
    thresholds["CBRN-4"]["required_safeguards"] = ["ASL-4", "ASL-4-Deployment"]
    document["safeguards"].append(
        {
            "code": "ASL-4-Deployment",
            "name": "ASL-4 Deployment Standard",
            "level": "ASL-4",
            "kind": "deployment",
        }
    )
    path = tmp_path / "anthropic-rsp-2.3.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    (outcome,) = framework_files_load(actor=SYSTEM, paths=[path])
    return outcome.version


@pytest.fixture
def people(make_user):
    def person(role, username, first, last):
        return make_user(role, username=username, first_name=first, last_name=last)

    directors = [
        person(Role.BOARD_DIRECTOR, f"director{i}", "Dana", f"Director{i}") for i in (0, 1)
    ]
    for director in directors:
        director_seat(
            actor=SYSTEM,
            user=director,
            seat_type=SeatType.TRUST,
            term_start=TODAY - dt.timedelta(days=30),
        )
    return {
        "rso": person(Role.RSO, "rso", "Robin", "Officer"),
        "ceo": person(Role.CEO, "ceo", "Casey", "Chief"),
        "trustees": [
            person(Role.TRUSTEE, "trustee0", "Tara", "Trustee"),
            person(Role.TRUSTEE, "trustee1", "Theo", "Steward"),
        ],
        "directors": directors,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user, url) -> str:
    response = _client(user).get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _words(page: str) -> str:
    """The page's text as read: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split()).replace(" .", ".").replace(" ,", ",")


def _draft(people, version, **fields):
    return policy_change_create(
        actor=people["rso"],
        version=version,
        title="Lower the autonomy bar",
        rationale="Autonomy evaluations improved.",
        changelog_entry="Autonomy checkpoint at 40%.",
        effective_from=timezone.now() + dt.timedelta(days=10),
        **fields,
    )


def _consulted(people, version, *, trust_advice: str | None, advice: dict | None = None):
    change = _draft(people, version)
    policy_change_sign(actor=people["rso"], change=change)
    change = policy_change_sign(actor=people["ceo"], change=change)
    consultation = consultation_open(
        actor=people["ceo"],
        policy_change=change,
        question="Do you advise lowering the autonomy bar?",
        respond_by=TODAY + dt.timedelta(days=1),
    )
    for trustee, words in (advice or {}).items():
        trustee_advice_give(actor=trustee, consultation=consultation, advice=words)
    if trust_advice is not None:
        trust_advice_record(
            actor=people["trustees"][0], consultation=consultation, collective_advice=trust_advice
        )
    return change, consultation


def _motion(people, version, **kwargs):
    change, consultation = _consulted(people, version, **kwargs)
    consultation_close(
        actor=people["rso"],
        consultation=consultation,
        lab_response="We keep the change and add a second review of autonomy runs.",
    )
    change.refresh_from_db()
    return policy_change_vote_open(actor=people["directors"][0], change=change)


# --- The motion page -------------------------------------------------------------------------


def test_the_motion_shows_the_trusts_advice_each_trustees_the_response_and_the_change(
    people, rsp_2_3
):
    tara, theo = people["trustees"]
    motion = _motion(
        people,
        rsp_2_3,
        trust_advice="The Trust advises against lowering the bar before the new suite is run.",
        advice={
            tara: "Against: the 40% bar has not been validated.",
            theo: "In favour, provided the runs are reviewed twice.",
        },
    )
    page = _page(people["directors"][1], motion.get_absolute_url())
    words = _words(page)

    assert "Before you vote" in page
    assert "The Trust's advice" in page
    assert "The Trust advises against lowering the bar before the new suite is run." in page
    assert "Each trustee's advice · 2 given" in words
    assert "Tara Trustee" in page and "Against: the 40% bar has not been validated." in page
    assert "Theo Steward" in page and "In favour, provided the runs are reviewed twice." in page
    assert "The lab's response" in page
    assert "We keep the change and add a second review of autonomy runs." in page
    # The advice comes before what the change does, and both before the vote.
    assert page.index("The Trust's advice") < page.index("What the change does")
    assert page.index("What the change does") < page.index("<h2>Votes</h2>")

    assert (
        "From Anthropic Responsible Scaling Policy v2.2 (in force) to Anthropic Responsible "
        "Scaling Policy v2.3 (proposed)."
    ) in words
    for line in (CROSSING, NEW_STANDARD, CBRN4, "No change to the levels."):
        assert line in page
    # The diff is one click away, its lines marked by +/- and not by colour alone.
    assert '<details class="diff-details">' in page
    assert "Show the full diff of the policy file" in page
    assert '<span class="add"><span class="marker">+</span>    crossing_level: 0.4</span>' in page
    assert '<span class="del"><span class="marker">-</span>    crossing_level: 0.5</span>' in page


def test_the_vote_and_the_close_ask_for_confirmation_saying_what_they_do(people, rsp_2_3):
    motion = _motion(people, rsp_2_3, trust_advice="Adopt it.")
    page = _page(people["directors"][1], motion.get_absolute_url())
    title = "Approve the policy change “Lower the autonomy bar”"
    assert page.count('data-confirm-title="Cast your vote"') == 3
    assert (
        f'data-confirm="You vote yes on “{title}”. Your vote is recorded under your name and '
        'cannot be changed."'
    ) in page
    assert f'data-confirm="You abstain on “{title}”: you take part (for the quorum)' in page
    assert (
        f"You close the vote on “{title}” and count it as it stands: yes 0, no 0, abstain 0 of "
        "2 eligible. Directors who have not voted can no longer vote. If it passes, the policy "
        "change is approved; if it fails, the change is rejected; without a quorum it must be "
        "put to the board again. This cannot be undone."
    ) in page


def test_a_director_who_voted_sees_their_vote_not_the_buttons(people, rsp_2_3):
    motion = _motion(people, rsp_2_3, trust_advice="Adopt it.")
    director = people["directors"][1]
    response = _client(director).post(
        reverse("motion-step", args=[motion.pk, "vote"]), {"choice": VoteChoice.NO}
    )
    assert response.status_code == 302
    page = _page(director, motion.get_absolute_url())
    assert f"You voted no on {TODAY:%Y-%m-%d}" in page
    assert 'name="choice"' not in page
    other = _page(people["directors"][0], motion.get_absolute_url())
    assert 'name="choice"' in other and "You voted" not in other


def test_the_motion_says_when_the_trust_gave_no_advice(people, rsp_2_3, time_machine):
    change, consultation = _consulted(people, rsp_2_3, trust_advice=None)
    time_machine.move_to(FIXED_NOW + dt.timedelta(days=3))  # past the Trust's deadline
    consultation_close(actor=people["ceo"], consultation=consultation, lab_response="Proceeding.")
    change.refresh_from_db()
    motion = policy_change_vote_open(actor=people["directors"][0], change=change)
    page = _page(people["directors"][1], motion.get_absolute_url())
    due = TODAY + dt.timedelta(days=1)
    assert (
        f"No collective advice. The Trust gave none by its deadline, {due:%Y-%m-%d}; the lab "
        "closed the consultation without it."
    ) in _words(page)
    assert "No trustee has given individual advice." in page
    assert "Proceeding." in page


def test_a_motion_that_is_no_policy_change_has_no_change_context(people):
    motion = motion_open(actor=people["directors"][0], title="Thank the auditors", text="")
    page = _page(people["directors"][1], motion.get_absolute_url())
    assert "Before you vote" not in page and "What the change does" not in page
    assert 'data-confirm="You vote yes on “Thank the auditors”.' in page


def test_the_motion_page_reads_a_bounded_number_of_queries(
    people, rsp_2_3, make_user, django_assert_max_num_queries
):
    # Advice from five trustees: a query per trustee would exceed the bound.
    trustees = people["trustees"] + [make_user(Role.TRUSTEE) for _ in range(3)]
    motion = _motion(
        people,
        rsp_2_3,
        trust_advice="Adopt it.",
        advice={trustee: f"Advice {n}." for n, trustee in enumerate(trustees)},
    )
    client = _client(people["directors"][1])
    with django_assert_max_num_queries(14):
        page = client.get(motion.get_absolute_url()).content.decode()
    assert all(f"Advice {n}." in page for n in range(5))


# --- The policy change page: signing state and confirmations --------------------------------


def test_after_signing_the_signer_sees_when_and_whom_it_waits_for_not_the_button(people, rsp_2_3):
    change = _draft(people, rsp_2_3)
    response = _client(people["rso"]).post(
        reverse("policy-change-step", args=[change.pk, "sign"]), follow=True
    )
    assert "You signed the proposal as the RSO. It now awaits the CEO's signature." in (
        html.unescape(response.content.decode())
    )

    page = _page(people["rso"], change.get_absolute_url())
    words = _words(page)
    assert re.search(
        rf"You signed on {TODAY:%Y-%m-%d} \d\d:\d\d UTC · waiting for the CEO\.", words
    )
    assert "Sign the proposal" not in page
    assert "RSO: Robin Officer signed" in words and "CEO: not signed yet" in words

    ceo_page = _page(people["ceo"], change.get_absolute_url())
    assert "You signed" not in ceo_page and "Sign the proposal</button>" in ceo_page
    assert 'data-confirm-title="Sign the proposal as the CEO"' in ceo_page
    assert (
        "You sign as the CEO, attesting that you propose putting Anthropic Responsible Scaling "
        "Policy v2.3 in force from "
    ) in ceo_page
    assert "Yours is the second signature: with it the change is proposed." in ceo_page


def test_the_first_signer_is_told_the_other_signature_is_still_needed(people, rsp_2_3):
    change = _draft(people, rsp_2_3)
    page = _page(people["ceo"], change.get_absolute_url())
    assert "You sign as the CEO, attesting" in page
    assert "The other officer's signature is still needed after yours." in page
    director_page = _page(people["directors"][0], change.get_absolute_url())
    assert "Sign the proposal</button>" not in director_page


def test_with_both_signatures_each_signer_sees_the_change_proposed(people, rsp_2_3):
    change = _draft(people, rsp_2_3)
    policy_change_sign(actor=people["rso"], change=change)
    response = _client(people["ceo"]).post(
        reverse("policy-change-step", args=[change.pk, "sign"]), follow=True
    )
    assert (
        "You signed the proposal as the CEO. With both signatures the change is proposed; next, "
        "consult the Trust."
    ) in html.unescape(response.content.decode())
    for officer in ("rso", "ceo"):
        page = _page(people[officer], change.get_absolute_url())
        assert "· both signatures given: the change is proposed." in _words(page)
        assert "Sign the proposal</button>" not in page


def test_steps_that_cannot_be_undone_ask_for_confirmation(people, rsp_2_3):
    change = _draft(people, rsp_2_3)
    page = _page(people["rso"], change.get_absolute_url())
    assert (
        'data-confirm="You withdraw “Lower the autonomy bar” for the reason you gave. A '
        "withdrawn change ends there and cannot be resumed"
    ) in page

    change, consultation = _consulted(people, rsp_2_3, trust_advice="Adopt it.")
    consultation_close(actor=people["rso"], consultation=consultation, lab_response="Thanks.")
    page = _page(people["directors"][0], change.get_absolute_url())
    assert (
        "You put “Lower the autonomy bar” to a vote of the board: a motion opens for the "
        "directors sitting today"
    ) in page


def test_the_change_page_shows_the_summary_and_the_advice(people, rsp_2_3):
    change, _ = _consulted(
        people, rsp_2_3, trust_advice="We advise against it.", advice={people["trustees"][1]: "No."}
    )
    page = _page(people["directors"][0], change.get_absolute_url())
    assert "We advise against it." in page and "Theo Steward" in page
    assert CROSSING in page and NEW_STANDARD in page
    assert "Show the full diff of the policy file" in page
    assert "(replacing Anthropic Responsible Scaling Policy v2.2)" in page
    assert "Policy change signed" in page  # the history in words, not codes


def test_a_malformed_stored_proposal_shows_the_raw_diff_not_an_error(people, rsp_2_3):
    change = _draft(people, rsp_2_3)
    broken = {**rsp_2_3.document, "thresholds": "see attached"}
    FrameworkVersion.objects.filter(pk=rsp_2_3.pk).update(document=broken)
    page = _page(people["rso"], change.get_absolute_url())
    assert (
        "A summary in words cannot be made: the proposed version's thresholds is not a list. "
        "The full diff below shows every change."
    ) in page
    assert '<details class="diff-details" open>' in page
    assert '<span class="add"><span class="marker">+</span>thresholds: see attached</span>' in page


def test_a_change_in_effect_is_read_against_the_version_it_replaced(people, rsp_2_3):
    from governance.board.selectors import policy_change_reading
    from governance.choices import PolicyChangeState

    change = _draft(people, rsp_2_3)
    change.state = PolicyChangeState.EFFECTIVE  # as if it had taken effect
    from governance.services import framework_version_adopt

    framework_version_adopt(actor=SYSTEM, version=rsp_2_3, effective_from=change.effective_from)
    reading = policy_change_reading(change)
    assert str(reading.baseline) == "Anthropic Responsible Scaling Policy v2.2"
    assert CROSSING in reading.summary.lines
    # Version, supersedes, date and the two scores changed; a required standard and the new
    # standard's four lines added.
    assert reading.diff_counts == (10, 5)


def test_the_policy_changes_list_scrolls_within_its_box(people, rsp_2_3):
    _draft(people, rsp_2_3)
    page = _page(people["rso"], reverse("policy-change-list"))
    assert '<div class="table-scroll">\n<table class="table">' in page


def test_a_person_who_cannot_vote_is_not_offered_the_vote(people, rsp_2_3, make_user):
    motion = _motion(people, rsp_2_3, trust_advice="Adopt it.")
    vote_cast(actor=people["directors"][0], motion=motion, choice=VoteChoice.YES)
    page = _page(make_user(Role.AUDITOR), motion.get_absolute_url())
    assert 'name="choice"' not in page and "Close the vote</button>" not in page
    assert "Adopt it." in page  # auditors read the context all the same
