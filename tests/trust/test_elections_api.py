"""The trustee-term and trustee-election API: a nomination, the sitting trustees' votes and the
count through the endpoints alone, and the 400/403/404 answers for bad input, wrong roles and
unknown ids."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.audit import SYSTEM
from governance.choices import Role
from tests.conftest import FIXED_NOW  # noqa: E402
from trust.models import TrusteeElection, TrusteeTerm
from trust.services import (
    election_close,
    election_open,
    election_vote,
    one_year_on,
    trustee_term_record,
)

# Dates here are relative to "today": the clock starts at one fixed moment (and ticks).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

ELECTIONS = "/api/v1/trustee-elections/"
TERMS = "/api/v1/trustee-terms/"
TODAY = timezone.localdate(FIXED_NOW)


@pytest.fixture
def people(make_user):
    """Three sitting trustees (founding terms from 100 days ago), a newcomer holding the trustee
    role with no term yet, and people in the other roles."""
    trustees = [make_user(Role.TRUSTEE, username=f"trustee{i}") for i in range(3)]
    for trustee in trustees:
        trustee_term_record(actor=SYSTEM, user=trustee, starts_on=TODAY - dt.timedelta(days=100))
    return {
        "trustees": trustees,
        "newcomer": make_user(Role.TRUSTEE, username="newcomer"),
        "director": make_user(Role.BOARD_DIRECTOR, username="director"),
        "rso": make_user(Role.RSO, username="rso"),
        "ceo": make_user(Role.CEO, username="ceo"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
        "safety": make_user(Role.SAFETY_STAFF, username="safety"),
        "reviewer": make_user(Role.INTERNAL_REVIEWER, username="reviewer"),
    }


def _who(people, who):
    """`trustee1` is the second sitting trustee; any other name is a key of `people`."""
    if who.startswith("trustee"):
        return people["trustees"][int(who[-1])]
    return people[who]


def _nominate(api, people, candidate=None, starts_on=TODAY):
    response = api(people["trustees"][0]).post(
        ELECTIONS,
        {
            "candidate": (candidate or people["newcomer"]).pk,
            "term_starts_on": starts_on.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_the_trustees_elect_a_newcomer_through_the_api(api, people):
    newcomer = people["newcomer"]
    opened = api(people["trustees"][0]).post(
        ELECTIONS, {"candidate": newcomer.pk, "term_starts_on": TODAY.isoformat()}
    )
    assert opened.status_code == 201, opened.content
    election = opened.json()
    pk = election["id"]
    assert election == {
        "id": pk,
        "candidate": newcomer.pk,
        "candidate_name": "newcomer",
        "term_starts_on": TODAY.isoformat(),
        "nominated_by": "trustee0",
        "opened_at": election["opened_at"],
        "electors": ["trustee0", "trustee1", "trustee2"],
        "votes_cast": 0,
        "is_open": True,
        "closed_at": None,
        "result": "",
        "tally": {},
        "term": None,
        "votes": [],
        # The nominator, a sitting elector, may vote and close; all three electors may vote.
        "actions": ["close", "vote"],
        "awaiting": {
            "what": "votes from 3 more of its electors",
            "who": ["trustee0", "trustee1", "trustee2"],
            "due": None,
        },
    }

    for trustee, choice in zip(people["trustees"][:2], ["yes", "abstain"], strict=True):
        voted = api(trustee).post(f"{ELECTIONS}{pk}/vote/", {"choice": choice})
        assert voted.status_code == 200, voted.content
    so_far = api(people["auditor"]).get(f"{ELECTIONS}{pk}/").json()
    assert (so_far["is_open"], so_far["votes_cast"], so_far["result"]) == (True, 2, "")
    # Each trustee's vote, as the election page shows it to the same readers.
    assert [(v["trustee"], v["choice"]) for v in so_far["votes"]] == [
        ("trustee0", "yes"),
        ("trustee1", "abstain"),
    ]

    closed = api(people["trustees"][2]).post(f"{ELECTIONS}{pk}/close/")
    assert closed.status_code == 200, closed.content
    body = closed.json()
    term = TrusteeTerm.objects.get(user=newcomer)
    assert (body["is_open"], body["result"], body["tally"]) == (
        False,
        "passed",
        {"eligible": 3, "yes": 1, "no": 0, "abstain": 1},
    )
    assert body["term"] == {
        "id": term.pk,
        "starts_on": TODAY.isoformat(),
        "ends_on": term.ends_on.isoformat(),
    }
    assert term.ends_on == one_year_on(TODAY)

    terms = api(people["director"]).get(TERMS, {"user": newcomer.pk}).json()
    assert terms["results"] == [
        {
            "id": term.pk,
            "user": newcomer.pk,
            "name": "newcomer",
            "starts_on": TODAY.isoformat(),
            "ends_on": term.ends_on.isoformat(),
            "election": pk,
            "current": True,
        }
    ]
    listed = api(people["rso"]).get(ELECTIONS).json()["results"]
    assert [(row["id"], row["result"], row["term"]["id"]) for row in listed] == [
        (pk, "passed", term.pk)
    ]
    assert "votes" not in listed[0]  # each vote is on the detail only


def test_an_election_without_a_quorum_makes_no_term(api, people):
    pk = _nominate(api, people)
    api(people["trustees"][0]).post(f"{ELECTIONS}{pk}/vote/", {"choice": "yes"})
    body = api(people["trustees"][1]).post(f"{ELECTIONS}{pk}/close/").json()
    assert (body["result"], body["term"]) == ("no_quorum", None)
    assert body["tally"] == {"eligible": 3, "yes": 1, "no": 0, "abstain": 0}
    assert not TrusteeTerm.objects.filter(user=people["newcomer"]).exists()
    again = api(people["trustees"][1]).post(f"{ELECTIONS}{pk}/close/")
    assert again.status_code == 400
    assert again.json() == {"detail": "The election is closed."}
    late = api(people["trustees"][2]).post(f"{ELECTIONS}{pk}/vote/", {"choice": "yes"})
    assert late.status_code == 400
    assert late.json() == {"detail": "The election is closed."}


def test_the_founding_terms_are_listed_and_read_only(api, people):
    founding = api(people["ceo"]).get(TERMS).json()
    assert founding["count"] == 3
    assert {row["name"] for row in founding["results"]} == {"trustee0", "trustee1", "trustee2"}
    assert all(row["election"] is None and row["current"] for row in founding["results"])
    term = TrusteeTerm.objects.get(user=people["trustees"][0])
    detail = api(people["ceo"]).get(f"{TERMS}{term.pk}/")
    assert detail.status_code == 200
    assert detail.json()["ends_on"] == term.ends_on.isoformat()
    trustee = api(people["trustees"][0])
    body = {"user": people["newcomer"].pk, "starts_on": TODAY.isoformat()}
    assert trustee.post(TERMS, body).status_code in (403, 405)
    assert TrusteeTerm.objects.count() == 3


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [
        ("trustee0", 201, None),
        ("newcomer", 403, "Only a trustee whose term is current may nominate a trustee."),
        ("director", 403, None),
        ("rso", 403, None),
        ("ceo", 403, None),
        ("safety", 403, None),
        ("auditor", 403, None),
    ],
)
def test_who_may_nominate(api, people, who, status, message):
    candidate = people["trustees"][1] if who == "newcomer" else people["newcomer"]
    response = api(_who(people, who)).post(
        ELECTIONS,
        {
            "candidate": candidate.pk,
            "term_starts_on": (TODAY + dt.timedelta(days=400)).isoformat(),
        },
    )
    assert response.status_code == status, response.content
    if message:
        assert response.json() == {"detail": message}
    assert TrusteeElection.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [
        ("trustee1", 200, None),
        # Standing for re-election: not an elector.
        ("trustee2", 403, "Only the trustees sitting when the election opened vote in it."),
        ("newcomer", 403, "Only a trustee whose term is current may vote in a trustee election."),
        ("director", 403, None),
        ("rso", 403, None),
        ("auditor", 403, None),
    ],
)
def test_who_may_vote(api, people, who, status, message):
    current = TrusteeTerm.objects.get(user=people["trustees"][2])
    pk = _nominate(
        api, people, people["trustees"][2], starts_on=current.ends_on + dt.timedelta(days=1)
    )
    response = api(_who(people, who)).post(f"{ELECTIONS}{pk}/vote/", {"choice": "yes"})
    assert response.status_code == status, response.content
    if message:
        assert response.json() == {"detail": message}
    assert TrusteeElection.objects.get(pk=pk).votes.count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("trustee1", 200),
        ("trustee0", 200),  # the nominator too
        ("newcomer", 403),  # the candidate holds the role but has no current term
        ("director", 403),
        ("ceo", 403),
        ("auditor", 403),
    ],
)
def test_who_may_close(api, people, who, status):
    pk = _nominate(api, people)
    response = api(_who(people, who)).post(f"{ELECTIONS}{pk}/close/")
    assert response.status_code == status, response.content
    assert TrusteeElection.objects.get(pk=pk).is_open is (status != 200)


@pytest.mark.parametrize(
    ("role", "may_read"),
    [
        (Role.TRUSTEE, True),
        (Role.BOARD_DIRECTOR, True),
        (Role.RSO, True),
        (Role.CEO, True),
        (Role.AUDITOR, True),
        (Role.SAFETY_STAFF, False),
        (Role.INTERNAL_REVIEWER, False),
    ],
)
def test_who_reads_terms_and_elections(api, people, client_for, role, may_read):
    pk = _nominate(api, people)
    term = TrusteeTerm.objects.first()
    client = client_for(role)
    expected = 200 if may_read else 403
    for path in (ELECTIONS, f"{ELECTIONS}{pk}/", TERMS, f"{TERMS}{term.pk}/"):
        assert client.get(path).status_code == expected, path


def test_signed_out_callers_are_told_to_authenticate(client):
    assert client.get(ELECTIONS).status_code == 401
    assert client.get(TERMS).status_code == 401


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {},
            {
                "candidate": ["This field is required."],
                "term_starts_on": ["This field is required."],
            },
        ),
        (
            {"candidate": 9999, "term_starts_on": TODAY.isoformat()},
            {"candidate": ['Invalid pk "9999" - object does not exist.']},
        ),
        (
            {"candidate": "someone", "term_starts_on": TODAY.isoformat()},
            {"candidate": ["Incorrect type. Expected pk value, received str."]},
        ),
        ({"candidate": "NEWCOMER", "term_starts_on": "2030-02-30"}, {"term_starts_on"}),
        (
            {"candidate": "NEWCOMER", "term_starts_on": (TODAY - dt.timedelta(days=1)).isoformat()},
            {"term_starts_on": ["A term starts today or later."]},
        ),
        (
            {"candidate": "DIRECTOR", "term_starts_on": TODAY.isoformat()},
            {"candidate": ["director needs the trustee role before standing for election."]},
        ),
        (
            {"candidate": "TRUSTEE1", "term_starts_on": TODAY.isoformat()},
            {"term_starts_on": ["trustee1 already has a term covering part of that year."]},
        ),
        (["candidate"], {"detail": ["Send a JSON object."]}),
    ],
)
def test_nominating_refuses_bad_input_by_field(api, people, body, errors):
    if isinstance(body, dict):  # put the people's ids in
        ids = {
            "NEWCOMER": people["newcomer"].pk,
            "DIRECTOR": people["director"].pk,
            "TRUSTEE1": people["trustees"][1].pk,
        }
        body = {key: ids.get(value, value) for key, value in body.items()}
    response = api(people["trustees"][0]).post(ELECTIONS, body)
    assert response.status_code == 400
    if isinstance(errors, set):
        assert set(response.json()) == errors
    else:
        assert response.json() == errors
    assert not TrusteeElection.objects.exists()


def test_nominating_refuses_a_body_that_is_not_json_and_a_second_open_election(api, people, client):
    client.force_login(people["trustees"][0])
    garbled = client.post(ELECTIONS, "{candidate:", content_type="application/json")
    assert garbled.status_code == 400
    assert "JSON parse error" in garbled.json()["detail"]
    _nominate(api, people)
    second = api(people["trustees"][1]).post(
        ELECTIONS,
        {"candidate": people["newcomer"].pk, "term_starts_on": TODAY.isoformat()},
    )
    assert second.status_code == 400
    assert second.json() == {"detail": "An election of newcomer is already open."}
    assert TrusteeElection.objects.count() == 1


def test_vote_refuses_bad_input_and_a_second_vote(api, people, client):
    pk = _nominate(api, people)
    trustee = api(people["trustees"][1])
    url = f"{ELECTIONS}{pk}/vote/"
    assert trustee.post(url, {"choice": "maybe"}).json() == {
        "choice": ['"maybe" is not a vote; choose one of: yes, no, abstain.']
    }
    assert trustee.post(url, {}).json() == {"choice": ["This field is required."]}
    listed = trustee.post(url, ["yes"])
    assert (listed.status_code, listed.json()) == (400, {"detail": ["Send a JSON object."]})
    garbled = client.post(url, "choice=yes", content_type="application/json")
    assert garbled.status_code == 400
    assert not TrusteeElection.objects.get(pk=pk).votes.exists()
    assert trustee.post(url, {"choice": "no"}).status_code == 200
    again = trustee.post(url, {"choice": "yes"})
    assert again.status_code == 400
    assert again.json() == {"detail": "You have already voted in this election."}
    assert list(TrusteeElection.objects.get(pk=pk).votes.values_list("choice", flat=True)) == ["no"]


def test_the_lists_filter_by_person(api, people):
    pk = _nominate(api, people)
    auditor = api(people["auditor"])
    by_candidate = auditor.get(ELECTIONS, {"candidate": people["newcomer"].pk}).json()
    assert [row["id"] for row in by_candidate["results"]] == [pk]
    assert auditor.get(ELECTIONS, {"candidate": people["rso"].pk}).json()["count"] == 0
    bad = auditor.get(ELECTIONS, {"candidate": "someone"})
    assert bad.status_code == 400 and list(bad.json()) == ["candidate"]
    by_user = auditor.get(TERMS, {"user": people["trustees"][1].pk}).json()
    assert [row["name"] for row in by_user["results"]] == ["trustee1"]


def test_the_lists_are_paginated(api, people):
    TrusteeTerm.objects.bulk_create(
        TrusteeTerm(
            user=people["trustees"][0],
            starts_on=TODAY - dt.timedelta(days=400 * n),
            ends_on=TODAY - dt.timedelta(days=400 * n - 364),
        )
        for n in range(1, 53)
    )
    auditor = api(people["auditor"])
    page = auditor.get(TERMS).json()
    assert (page["count"], len(page["results"])) == (55, 50)
    assert page["next"] and page["previous"] is None
    assert (
        auditor.get(TERMS, {"page": 2}).json()["results"][-1]["starts_on"]
        == (TODAY - dt.timedelta(days=400 * 52)).isoformat()
    )
    assert len(auditor.get(TERMS, {"page": 2}).json()["results"]) == 5


def test_list_queries_do_not_grow_with_rows(api, people, make_user, django_assert_num_queries):
    """Elections open and closed, with electors, votes and elected terms: the lists cost the
    same number of queries for 2 rows as for 10."""

    def elections(count):
        for _ in range(count):
            # Terms from tomorrow, so the elected do not sit yet and the electors stay three.
            election = election_open(
                actor=people["trustees"][0],
                candidate=make_user(Role.TRUSTEE),
                term_starts_on=TODAY + dt.timedelta(days=1),
            )
            for trustee in people["trustees"][:2]:
                election_vote(actor=trustee, election=election, choice="yes")
            if TrusteeElection.objects.count() % 2:
                election_close(actor=people["trustees"][2], election=election)

    def rows(path) -> int:
        return len(reader.get(path).json()["results"])

    elections(2)  # the founding terms are 3, the elected ones 1
    reader = api(people["auditor"])
    few = {}
    for path in (ELECTIONS, TERMS):
        with CaptureQueriesContext(connection) as captured:
            rows(path)
        few[path] = len(captured)
    elections(8)
    reader = api(people["auditor"])
    with django_assert_num_queries(few[ELECTIONS]):
        assert rows(ELECTIONS) == 10
    with django_assert_num_queries(few[TERMS]):
        assert rows(TERMS) == 3 + 5


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"{ELECTIONS}999/"),
        ("post", f"{ELECTIONS}999/vote/"),
        ("post", f"{ELECTIONS}999/close/"),
        ("get", f"{ELECTIONS}abc/"),
        ("post", f"{ELECTIONS}abc/vote/"),
        ("get", f"{TERMS}999/"),
        ("get", f"{TERMS}abc/"),
    ],
)
def test_unknown_ids_are_404(api, people, method, path):
    response = getattr(api(people["trustees"][0]), method)(path, {"choice": "yes"})
    assert response.status_code == 404


def test_openapi_schema_documents_the_endpoints(client_for):
    paths = client_for(Role.TRUSTEE).get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"get", "post"} <= set(paths[ELECTIONS])
    assert f"{ELECTIONS}{{id}}/vote/" in paths
    assert f"{ELECTIONS}{{id}}/close/" in paths
    assert set(paths[TERMS]) == {"get"}


@pytest.mark.parametrize("starts_on", ["9999-12-31", "2999-01-01"])
def test_a_term_start_far_ahead_is_refused_by_name(api, people, starts_on):
    response = api(people["trustees"][0]).post(
        ELECTIONS, {"candidate": people["newcomer"].pk, "term_starts_on": starts_on}
    )
    assert response.status_code == 400
    assert response.json() == {
        "term_starts_on": ["An election is held for a term starting within two years."]
    }
