"""The Trust's workflow declarations (trust/workflows.py): the steps a person is offered
(`actions`, the pages' buttons, the API) are the steps the services let them take; what each
consultation and election awaits; a step taken is no longer offered."""

import datetime as dt

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.services.board import conflict_declare
from governance.board.services.policy_changes import (
    policy_change_create,
    policy_change_sign,
    policy_change_withdraw,
)
from governance.choices import Role, VoteChoice
from governance.errors import DomainError, TransitionNotAllowed
from tests.conftest import FIXED_NOW  # noqa: E402
from trust.models import TrustConsultation
from trust.services import (
    consultation_close,
    consultation_open,
    election_close,
    election_open,
    election_vote,
    trust_advice_record,
    trustee_advice_give,
    trustee_term_record,
)
from trust.workflows import (
    CONSULTATION,
    ELECTION,
    ConsultationState,
    ElectionState,
    consultation_state,
)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TODAY = timezone.localdate(FIXED_NOW)
TOMORROW = TODAY + dt.timedelta(days=1)


def _consultation(people, version, **change_fields):
    change = policy_change_create(
        actor=people["rso"],
        version=version,
        title="Adopt the new framework",
        rationale="It covers more risks.",
        changelog_entry="Replaced the policy.",
        effective_from=timezone.now() + dt.timedelta(days=10),
        **change_fields,
    )
    policy_change_sign(actor=people["rso"], change=change)
    policy_change_sign(actor=people["ceo"], change=change)
    return consultation_open(
        actor=people["ceo"], policy_change=change, question="Should we?", respond_by=TOMORROW
    )


def _past_deadline(consultation):
    TrustConsultation.objects.filter(pk=consultation.pk).update(
        respond_by=TODAY - dt.timedelta(days=1)
    )
    return TrustConsultation.objects.get(pk=consultation.pk)


@pytest.fixture
def consultation_people(people, make_user):
    """`people` (tests/trust/conftest.py) and a trustee recused by a conflict with Acme."""
    recused = make_user(Role.TRUSTEE, username="recused")
    conflict_declare(
        actor=recused,
        organisation="Acme",
        relationship="Shareholder",
        kind="financial",
        starts_on=TODAY - dt.timedelta(days=10),
    )
    return {**people, "recused": recused}


def _person(people, who):
    """`trustee1` is people["trustees"][1], `director0` people["directors"][0]; any other
    name is a key of `people`."""
    if who[-1].isdigit():
        return people[who[:-1] + "s"][int(who[-1])]
    return people[who]


STEPS = {
    "advise": lambda actor, c: trustee_advice_give(actor=actor, consultation=c, advice="Yes"),
    "record_trust_advice": lambda actor, c: trust_advice_record(
        actor=actor, consultation=c, collective_advice="Go ahead."
    ),
    "close": lambda actor, c: consultation_close(actor=actor, consultation=c, lab_response="OK"),
}


@pytest.mark.parametrize(
    ("who", "step", "allowed"),
    [
        ("trustee0", "advise", True),
        ("trustee0", "record_trust_advice", True),
        ("trustee0", "close", False),
        ("recused", "advise", False),
        ("recused", "record_trust_advice", False),
        ("rso", "advise", False),
        ("rso", "record_trust_advice", False),
        ("rso", "close", True),
        ("ceo", "close", True),
        ("director0", "advise", False),
        ("director0", "close", False),
        ("safety", "close", False),
        ("auditor", "advise", False),
        ("auditor", "record_trust_advice", False),
        ("auditor", "close", False),
    ],
)
def test_consultation_actions_and_services_agree(
    consultation_people, new_version, who, step, allowed
):
    people = consultation_people
    consultation = _past_deadline(_consultation(people, new_version, organisations=["Acme"]))
    person = _person(people, who)
    assert (step in CONSULTATION.actions(person, consultation)) is allowed
    assert rules.test_rule(f"consultation.{step}", person, consultation) is allowed
    if allowed:
        STEPS[step](person, consultation)
    else:
        with pytest.raises(PermissionDenied):
            STEPS[step](person, consultation)


def test_a_step_taken_is_no_longer_offered_and_the_state_refuses_it(people, new_version):
    trustee, rso = people["trustees"][0], people["rso"]
    consultation = _consultation(people, new_version)
    assert consultation_state(consultation) == ConsultationState.OPEN
    assert CONSULTATION.actions(trustee, consultation) == {
        "advise": True,
        "record_trust_advice": True,
    }
    trustee_advice_give(actor=trustee, consultation=consultation, advice="Yes")
    assert CONSULTATION.actions(trustee, consultation) == {"record_trust_advice": True}
    with pytest.raises(DomainError, match="already given your advice"):
        trustee_advice_give(actor=trustee, consultation=consultation, advice="Again")

    consultation = trust_advice_record(
        actor=people["trustees"][1], consultation=consultation, collective_advice="Go ahead."
    )
    assert consultation_state(consultation) == ConsultationState.ADVISED
    # The other trustee may still give their own advice, but not the Trust's a second time.
    assert CONSULTATION.actions(people["trustees"][1], consultation) == {"advise": True}
    with pytest.raises(TransitionNotAllowed, match="already on record"):
        trust_advice_record(actor=trustee, consultation=consultation, collective_advice="Again")

    consultation = consultation_close(actor=rso, consultation=consultation, lab_response="OK")
    assert consultation_state(consultation) == ConsultationState.CLOSED
    for person in (trustee, people["trustees"][1], rso, people["ceo"]):
        assert CONSULTATION.actions(person, consultation) == {}
    with pytest.raises(TransitionNotAllowed, match="^The consultation is closed.$"):
        consultation_close(actor=people["ceo"], consultation=consultation, lab_response="Again")


def test_the_close_button_stays_and_the_guard_says_what_is_missing(people, new_version):
    consultation = _consultation(people, new_version)
    assert "close" in CONSULTATION.actions(people["rso"], consultation)
    with pytest.raises(TransitionNotAllowed, match=f"has until {TOMORROW:%Y-%m-%d}"):
        consultation_close(actor=people["rso"], consultation=consultation, lab_response="R")


def test_a_withdrawn_change_ends_the_consultation(people, new_version):
    consultation = _consultation(people, new_version)
    policy_change_withdraw(actor=people["rso"], change=consultation.policy_change, reason="Gone")
    consultation = TrustConsultation.objects.get(pk=consultation.pk)
    assert consultation_state(consultation) == ConsultationState.OVER
    assert CONSULTATION.actions(people["trustees"][0], consultation) == {}
    assert CONSULTATION.actions(people["rso"], consultation) == {}
    assert CONSULTATION.awaiting(consultation) is None
    with pytest.raises(TransitionNotAllowed, match="withdrawn; the consultation is over"):
        consultation_close(actor=people["rso"], consultation=consultation, lab_response="R")


def test_what_a_consultation_awaits(consultation_people, new_version):
    people = consultation_people
    consultation = _consultation(people, new_version, organisations=["Acme"])
    # Trustees with a current term are the Trust; the recused one is not awaited.
    for person in (*people["trustees"], people["recused"]):
        trustee_term_record(actor=SYSTEM, user=person, starts_on=TODAY - dt.timedelta(days=30))
    waiting = CONSULTATION.awaiting(consultation)
    assert waiting.what == "the Trust's collective advice"
    assert [p.username for p in waiting.who] == ["trustee0", "trustee1"]
    assert timezone.localtime(waiting.due).date() == TOMORROW
    assert str(waiting) == f"Awaits the Trust's collective advice, due {TOMORROW:%d %b %Y}"

    late = _past_deadline(consultation)
    waiting = CONSULTATION.awaiting(late)
    assert waiting.what.startswith("the lab's response (the Trust's advice was due")
    assert [p.username for p in waiting.who] == ["ceo", "rso"]

    advised = trust_advice_record(
        actor=people["trustees"][0], consultation=consultation, collective_advice="Yes"
    )
    waiting = CONSULTATION.awaiting(advised)
    assert (waiting.what, waiting.due) == ("the lab's response to the Trust's advice", None)
    closed = consultation_close(actor=people["ceo"], consultation=advised, lab_response="OK")
    assert CONSULTATION.awaiting(closed) is None


def test_the_consultation_api_lists_actions_and_awaiting(api, people, new_version):
    consultation = _consultation(people, new_version)
    url = f"/api/v1/consultations/{consultation.pk}/"
    as_trustee = api(people["trustees"][0]).get(url).json()
    assert as_trustee["actions"] == ["advise", "record_trust_advice"]
    assert as_trustee["awaiting"]["what"] == "the Trust's collective advice"
    assert as_trustee["awaiting"]["due"].startswith(TOMORROW.isoformat())
    assert api(people["auditor"]).get(url).json()["actions"] == []
    # A step's answer is the consultation as it now is, for the person who took it.
    advised = api(people["trustees"][0]).post(f"{url}advice/", {"advice": "Yes"}).json()
    assert advised["actions"] == ["record_trust_advice"]
    assert api(people["ceo"]).get(url).json()["actions"] == ["close"]


def test_the_consultation_page_drops_a_step_once_taken(people, new_version):
    consultation = _consultation(people, new_version)
    client = Client()
    client.force_login(people["trustees"][0])
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "Give my advice" in page and "Record the Trust's advice" in page
    assert "Record the response and close" not in page
    assert "Awaits the Trust&#x27;s collective advice" in page
    client.post(
        reverse("trust:consultation-step", args=[consultation.pk, "advice"]), {"text": "Yes"}
    )
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "Give my advice" not in page and "Record the Trust's advice" in page


# --- Elections -------------------------------------------------------------------------------


@pytest.fixture
def electorate(make_user):
    """Three sitting trustees, a newcomer with the role but no term, a trustee whose term has
    ended, and people in other roles."""
    trustees = [make_user(Role.TRUSTEE, username=f"trustee{i}") for i in range(3)]
    for trustee in trustees:
        trustee_term_record(actor=SYSTEM, user=trustee, starts_on=TODAY - dt.timedelta(days=100))
    return {
        "trustees": trustees,
        "newcomer": make_user(Role.TRUSTEE, username="newcomer"),
        "director": make_user(Role.BOARD_DIRECTOR, username="director"),
        "rso": make_user(Role.RSO, username="rso"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
    }


def _election(electorate):
    return election_open(
        actor=electorate["trustees"][0], candidate=electorate["newcomer"], term_starts_on=TODAY
    )


@pytest.mark.parametrize(
    ("who", "step", "allowed"),
    [
        ("trustee0", "vote", True),  # the nominator is an elector too
        ("trustee1", "vote", True),
        ("trustee1", "close", True),
        ("newcomer", "vote", False),  # the candidate: no term, not an elector
        ("newcomer", "close", False),
        ("director", "vote", False),
        ("director", "close", False),
        ("rso", "close", False),
        ("auditor", "vote", False),
        ("auditor", "close", False),
    ],
)
def test_election_actions_and_services_agree(electorate, who, step, allowed):
    election = _election(electorate)
    person = _person(electorate, who)
    assert (step in ELECTION.actions(person, election)) is allowed
    assert rules.test_rule(f"election.{step}", person, election) is allowed

    def take():
        if step == "vote":
            return election_vote(actor=person, election=election, choice=VoteChoice.YES)
        return election_close(actor=person, election=election)

    if allowed:
        take()
    else:
        with pytest.raises(PermissionDenied):
            take()


def test_an_elector_whose_term_ended_is_no_longer_offered_the_vote(electorate):
    election = _election(electorate)
    late = electorate["trustees"][2]
    assert "vote" in ELECTION.actions(late, election)
    late.trustee_terms.update(ends_on=TODAY - dt.timedelta(days=1))
    assert ELECTION.actions(late, election) == {}
    with pytest.raises(PermissionDenied, match="term is current"):
        election_vote(actor=late, election=election, choice=VoteChoice.YES)


def test_what_an_election_awaits_and_the_page_after_a_vote(electorate):
    trustees = electorate["trustees"]
    election = _election(electorate)
    waiting = ELECTION.awaiting(election)
    assert waiting.what == "votes from 3 more of its electors"
    assert [p.username for p in waiting.who] == ["trustee0", "trustee1", "trustee2"]

    client = Client()
    client.force_login(trustees[1])
    page = client.get(election.get_absolute_url()).content.decode()
    assert 'name="choice"' in page and "Close the election" in page
    assert "Awaits votes from 3 more of its electors" in page
    client.post(reverse("trust:election-step", args=[election.pk, "vote"]), {"choice": "yes"})
    page = client.get(election.get_absolute_url()).content.decode()
    assert 'name="choice"' not in page and "Close the election" in page
    assert ELECTION.actions(trustees[1], election) == {"close": True}

    for trustee in (trustees[0], trustees[2]):
        election_vote(actor=trustee, election=election, choice=VoteChoice.YES)
    waiting = ELECTION.awaiting(election)
    assert waiting.what == "a sitting trustee to close the election and count the votes"
    election = election_close(actor=trustees[2], election=election)
    assert ELECTION.state_of(election) == ElectionState.CLOSED
    assert ELECTION.awaiting(election) is None
    assert ELECTION.actions(trustees[2], election) == {}
    with pytest.raises(TransitionNotAllowed, match="^The election is closed.$"):
        election_close(actor=trustees[1], election=election)


def test_the_election_api_lists_actions_and_awaiting(api, electorate):
    election = _election(electorate)
    url = f"/api/v1/trustee-elections/{election.pk}/"
    assert api(electorate["trustees"][1]).get(url).json()["actions"] == ["close", "vote"]
    assert api(electorate["newcomer"]).get(url).json()["actions"] == []
    voted = api(electorate["trustees"][1]).post(f"{url}vote/", {"choice": "yes"}).json()
    assert voted["actions"] == ["close"]
    assert voted["awaiting"] == {
        "what": "votes from 2 more of its electors",
        "who": ["trustee0", "trustee2"],
        "due": None,
    }
    closed = api(electorate["trustees"][1]).post(f"{url}close/").json()
    assert (closed["actions"], closed["awaiting"]) == ([], None)


@pytest.mark.parametrize(
    ("who", "may_nominate", "may_consult"),
    [
        ("trustee0", True, False),
        ("newcomer", False, False),  # the role without a current term
        ("rso", False, True),
        ("director", False, False),
        ("auditor", False, False),
    ],
)
def test_who_may_nominate_and_consult(electorate, make_user, who, may_nominate, may_consult):
    electorate = {**electorate, "ceo": make_user(Role.CEO, username="ceo")}
    person = _person(electorate, who)
    assert rules.test_rule("election.create", person) is may_nominate
    assert rules.test_rule("consultation.create", person) is may_consult
    client = Client()
    client.force_login(person)
    home = client.get(reverse("trust:home")).content.decode()
    assert ("Nominate a trustee" in home) is may_nominate
    if may_nominate:
        election_open(actor=person, candidate=electorate["newcomer"], term_starts_on=TODAY)
    else:
        with pytest.raises(PermissionDenied):
            election_open(actor=person, candidate=electorate["newcomer"], term_starts_on=TODAY)


def test_the_declared_state_tables():
    assert CONSULTATION.table() == {
        "open": {"advised", "closed"},
        "advised": {"closed"},
        "closed": set(),
        "over": set(),
    }
    assert ELECTION.table() == {"open": {"closed"}, "closed": set()}
