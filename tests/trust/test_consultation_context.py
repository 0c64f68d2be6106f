"""The Trust's consultation page carries the same decision context as the board's motion: what
the policy change does in words with the full diff a click away; a trustee who has advised sees
when, not the form again; advice, the Trust's advice, the lab's closing response, putting a
change to the Trust and an election vote each ask for confirmation saying what they do."""

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.board.services.policy_changes import policy_change_create, policy_change_sign
from governance.models import FrameworkVersion
from tests.conftest import FIXED_NOW
from trust.services import (
    consultation_open,
    election_open,
    election_vote,
    trust_advice_record,
    trustee_advice_give,
    trustee_term_record,
)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TODAY = timezone.localdate(FIXED_NOW)


def _page(user, url) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _words(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split()).replace(" .", ".").replace(" ,", ",")


def _proposed(people, version):
    change = policy_change_create(
        actor=people["rso"],
        version=version,
        title="Adopt the Frontier Safety Framework",
        rationale="Alert thresholds for every capability level.",
        changelog_entry="Now the FSF.",
        effective_from=timezone.now() + dt.timedelta(days=10),
    )
    policy_change_sign(actor=people["rso"], change=change)
    return policy_change_sign(actor=people["ceo"], change=change)


@pytest.fixture
def consultation(people, new_version):
    return consultation_open(
        actor=people["ceo"],
        policy_change=_proposed(people, new_version),
        question="Should the lab adopt the FSF?",
        respond_by=TODAY + dt.timedelta(days=7),
    )


def test_the_consultation_shows_what_the_change_does_and_the_diff(people, consultation):
    page = _page(people["trustees"][0], consultation.get_absolute_url())
    words = _words(page)
    assert "What the change does" in page
    assert (
        "From Anthropic Responsible Scaling Policy v2.2 (in force) to Google DeepMind Frontier "
        "Safety Framework v2 (proposed)."
    ) in words
    assert (
        "Framework changed: Anthropic Responsible Scaling Policy → Google DeepMind Frontier "
        "Safety Framework"
    ) in page
    assert (
        "Threshold CBRN-3 removed: “CBRN weapons uplift for people with basic STEM background”"
    ) in page
    assert "Threshold CBRN uplift 1 added: " in page
    assert "Level ASL-3 removed" in page
    assert "Level CCL added: “At a Critical Capability Level”" in page
    assert '<details class="diff-details">' in page
    assert "Show the full diff of the policy file" in page
    assert "to put Google DeepMind Frontier Safety Framework v2 in force from" in words


def test_a_trustee_who_advised_sees_when_not_the_form(people, consultation):
    first, second = people["trustees"]
    before = _page(first, consultation.get_absolute_url())
    assert "Give my advice</button>" in before
    assert (
        'data-confirm="You give your advice on “Adopt the Frontier Safety Framework” as a '
        "trustee, under your name. The board reads it beside the change when it votes. Advice "
        'cannot be changed once given."'
    ) in before

    trustee_advice_give(actor=first, consultation=consultation, advice="Wait for the audit.")
    page = _page(first, consultation.get_absolute_url())
    words = _words(page)
    assert re.search(
        rf"You gave your advice on {TODAY:%Y-%m-%d} \d\d:\d\d UTC · awaiting the Trust's "
        r"collective advice\.",
        words,
    )
    assert "Give my advice</button>" not in page
    assert first.get_full_name() in page and "Wait for the audit." in page
    assert "Each trustee's advice · 1 given" in words
    assert "Give my advice</button>" in _page(second, consultation.get_absolute_url())


def test_the_trusts_advice_and_the_lab_response_ask_for_confirmation(people, consultation):
    page = _page(people["trustees"][0], consultation.get_absolute_url())
    assert (
        "You record the Trust's collective advice on “Adopt the Frontier Safety Framework”, "
        "on the Trust's behalf. It is recorded once and cannot be changed"
    ) in page
    trust_advice_record(
        actor=people["trustees"][1], consultation=consultation, collective_advice="Do not adopt."
    )
    lab = _page(people["rso"], consultation.get_absolute_url())
    assert "Do not adopt." in lab
    assert (
        "data-confirm=\"You record the lab's response to the Trust and close the consultation "
        "on “Adopt the Frontier Safety Framework”. It cannot be reopened; the board may then "
        'vote on the change."'
    ) in lab
    # A trustee cannot close it, nor record the Trust's advice a second time.
    trustee = _page(people["trustees"][0], consultation.get_absolute_url())
    assert "Record the response and close</button>" not in trustee
    assert "Record the Trust's advice</button>" not in trustee


def test_closing_without_the_trusts_advice_says_so(people, consultation, time_machine):
    time_machine.move_to(FIXED_NOW + dt.timedelta(days=8))
    page = _page(people["ceo"], consultation.get_absolute_url())
    assert "No collective advice yet. It is due by" in _words(page)
    assert (
        "You record the lab's response to the Trust, which gave no collective advice by its "
        "deadline, and close the consultation"
    ) in page


def test_putting_a_change_to_the_trust_asks_for_confirmation(people, new_version):
    change = _proposed(people, new_version)
    page = _page(people["ceo"], reverse("trust:consultation-create") + f"?change={change.pk}")
    assert 'data-confirm-title="Consult the Trust"' in page
    assert "You put the chosen policy change to the Trust" in page
    assert '<button type="submit" class="button primary">Consult the Trust</button>' in page


def test_a_malformed_stored_proposal_does_not_break_the_consultation(people, consultation):
    FrameworkVersion.objects.filter(pk=consultation.policy_change.version_id).update(
        document=["not", "a", "mapping"]
    )
    page = _page(people["trustees"][0], consultation.get_absolute_url())
    assert (
        "A summary in words cannot be made: the proposed version is not a framework document "
        "(a mapping of fields). The full diff below shows every change."
    ) in page
    assert '<details class="diff-details" open>' in page


def test_an_elector_who_voted_sees_their_vote_and_votes_ask_for_confirmation(people, make_user):
    from governance.audit import SYSTEM
    from governance.choices import Role

    first, second = people["trustees"]
    for trustee in (first, second):
        trustee_term_record(actor=SYSTEM, user=trustee, starts_on=TODAY - dt.timedelta(days=30))
    candidate = make_user(Role.TRUSTEE, username="candidate")
    election = election_open(
        actor=first, candidate=candidate, term_starts_on=TODAY + dt.timedelta(days=30)
    )
    page = _page(second, election.get_absolute_url())
    assert page.count('data-confirm-title="Cast your vote"') == 3
    assert (
        'data-confirm="You vote yes on electing candidate. Your vote is recorded under your '
        'name and cannot be changed."'
    ) in page
    assert "You close the election of candidate and count the votes cast so far." in page

    election_vote(actor=second, election=election, choice="yes")
    page = _page(second, election.get_absolute_url())
    assert f"You voted yes on {TODAY:%Y-%m-%d}" in _words(page)
    assert 'name="choice"' not in page


def test_the_trust_home_tables_scroll_within_their_box(people, consultation):
    page = _page(people["trustees"][0], reverse("trust:home"))
    assert page.count('<div class="table-scroll">') == 2


def test_where_the_advice_stands_is_recorded_and_shown(people, consultation, api):
    first, second = people["trustees"][:2]
    url = f"/api/v1/consultations/{consultation.pk}/"
    refused = api(first).post(f"{url}advice/", {"advice": "No.", "stance": "maybe"})
    assert refused.status_code == 400 and "stance" in refused.json()
    given = api(first).post(f"{url}advice/", {"advice": "Wait a year.", "stance": "against"})
    assert given.status_code == 200, given.content
    trustee_advice_give(actor=second, consultation=consultation, advice="Fine by me.")
    recorded = api(second).post(
        f"{url}trust-advice/",
        {"collective_advice": "Do not adopt it yet.", "collective_stance": "against"},
    )
    assert recorded.json()["collective_stance"] == "against"
    assert [a["stance"] for a in recorded.json()["advice"]] == ["against", ""] or sorted(
        a["stance"] for a in recorded.json()["advice"]
    ) == ["", "against"]
    words = _words(_page(people["rso"], consultation.get_absolute_url()))
    assert "Advises against the change" in words
    assert "Stance not stated" in words  # advice given without a stance says so


def test_the_advice_forms_ask_where_the_advice_stands(people, consultation):
    page = _page(people["trustees"][0], consultation.get_absolute_url())
    assert 'name="stance" value="against"' in page
    assert "Where your advice stands" in page
