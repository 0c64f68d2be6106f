"""The board, policy-change and Trust-consultation API: a change from draft to published through
the endpoints alone, and the 400/403/404 answers for bad input, wrong roles and unknown ids."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.board.models import ConflictDeclaration, PolicyChange
from governance.choices import PolicyChangeState, Role
from governance.models import FrameworkVersion
from governance.selectors import framework_version_in_force
from tests.conftest import FIXED_NOW
from trust.models import TrustConsultation

# Dates here are relative to "today": the clock starts at one fixed moment (and ticks).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TOMORROW = timezone.localdate(FIXED_NOW) + dt.timedelta(days=1)


def _draft_body(version, **overrides):
    return {
        "version": version.pk,
        "title": "Adopt the new framework",
        "rationale": "It covers more risks.",
        "changelog_entry": "Replaced the policy with the new framework.",
        "effective_from": (timezone.now() + dt.timedelta(days=10)).isoformat(),
        **overrides,
    }


def _proposed(api, people, version, **overrides):
    created = api(people["rso"]).post("/api/v1/policy-changes/", _draft_body(version, **overrides))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    for who in ("rso", "ceo"):
        assert api(people[who]).post(f"/api/v1/policy-changes/{pk}/sign/").status_code == 200
    return pk


def _consultation(api, people, change_pk):
    opened = api(people["ceo"]).post(
        "/api/v1/consultations/",
        {"policy_change": change_pk, "question": "Should we?", "respond_by": TOMORROW.isoformat()},
    )
    assert opened.status_code == 201, opened.content
    return opened.json()["id"]


def _consulted(api, people, version, **overrides):
    pk = _proposed(api, people, version, **overrides)
    consultation = _consultation(api, people, pk)
    api(people["trustees"][0]).post(
        f"/api/v1/consultations/{consultation}/trust-advice/", {"collective_advice": "Go ahead."}
    )
    closed = api(people["rso"]).post(
        f"/api/v1/consultations/{consultation}/close/", {"lab_response": "Thanks."}
    )
    assert closed.status_code == 200, closed.content
    return pk


def _open_vote(api, people, change_pk):
    response = api(people["directors"][0]).post(f"/api/v1/policy-changes/{change_pk}/open-vote/")
    assert response.status_code == 200, response.content
    return response.json()["motions"][-1]["id"]


def test_policy_change_from_draft_to_published_through_the_api(api, people, new_version):
    created = api(people["rso"]).post(
        "/api/v1/policy-changes/", _draft_body(new_version, organisations=["  Acme  Labs "])
    )
    assert created.status_code == 201, created.content
    change = created.json()
    pk = change["id"]
    assert change["state"] == "draft"
    assert change["organisations"] == ["Acme Labs"]
    assert change["version_label"] == str(new_version)
    assert change["diff"].startswith(f"--- {framework_version_in_force()}\n+++ {new_version}\n")

    signed = api(people["rso"]).post(f"/api/v1/policy-changes/{pk}/sign/").json()
    assert (signed["state"], signed["proposal_rso"], signed["proposal_ceo"]) == (
        "draft",
        "rso",
        None,
    )
    signed = api(people["ceo"]).post(f"/api/v1/policy-changes/{pk}/sign/").json()
    assert (signed["state"], signed["proposal_ceo"]) == ("proposed", "ceo")
    assert signed["proposed_at"] is not None

    opened = api(people["rso"]).post(
        "/api/v1/consultations/",
        {
            "policy_change": pk,
            "question": "Do you advise adopting this framework?",
            "respond_by": TOMORROW.isoformat(),
            "documents": ["Draft framework", "Gap analysis"],
        },
    )
    assert opened.status_code == 201, opened.content
    consultation = opened.json()["id"]
    assert opened.json()["documents"] == ["Draft framework", "Gap analysis"]
    assert opened.json()["is_closed"] is False
    change = api(people["auditor"]).get(f"/api/v1/policy-changes/{pk}/").json()
    assert (change["state"], change["consultation"]) == ("consultation", consultation)

    for trustee in people["trustees"]:
        advised = api(trustee).post(
            f"/api/v1/consultations/{consultation}/advice/", {"advice": f"{trustee}: adopt it."}
        )
        assert advised.status_code == 200, advised.content
    recorded = api(people["trustees"][1]).post(
        f"/api/v1/consultations/{consultation}/trust-advice/",
        {"collective_advice": "The Trust advises adopting it."},
    )
    assert recorded.json()["advised_by"] == "trustee1"
    closed = api(people["ceo"]).post(
        f"/api/v1/consultations/{consultation}/close/", {"lab_response": "We will adopt it."}
    )
    body = closed.json()
    assert closed.status_code == 200
    assert [entry["trustee"] for entry in body["advice"]] == ["trustee0", "trustee1"]
    assert body["collective_advice"] == "The Trust advises adopting it."
    assert (body["lab_response"], body["closed_by"], body["is_closed"]) == (
        "We will adopt it.",
        "ceo",
        True,
    )

    voting = api(people["directors"][0]).post(
        f"/api/v1/policy-changes/{pk}/open-vote/", {"quorum_fraction": 0.5, "pass_fraction": 0.5}
    )
    assert voting.status_code == 200, voting.content
    assert voting.json()["state"] == "board_vote"
    motion = voting.json()["motions"][0]["id"]
    for director, choice in zip(people["directors"], ["yes", "yes", "no"], strict=True):
        voted = api(director).post(f"/api/v1/motions/{motion}/vote/", {"choice": choice})
        assert voted.status_code == 200, voted.content
    so_far = api(people["auditor"]).get(f"/api/v1/motions/{motion}/").json()
    assert so_far["state"] == "open" and so_far["result"] == ""
    assert so_far["tally"] == {"eligible": 3, "yes": 2, "no": 1, "abstain": 0}
    assert [(v["director"], v["choice"]) for v in so_far["votes"]] == [
        ("director0", "yes"),
        ("director1", "yes"),
        ("director2", "no"),
    ]
    assert so_far["policy_change"] == pk

    counted = api(people["directors"][1]).post(f"/api/v1/motions/{motion}/close/").json()
    assert (counted["state"], counted["result"]) == ("closed", "passed")
    change = api(people["rso"]).get(f"/api/v1/policy-changes/{pk}/").json()
    assert change["state"] == "approved"
    assert change["motions"] == [
        {
            "id": motion,
            "title": "Approve the policy change “Adopt the new framework”",
            "state": "closed",
            "opened_at": change["motions"][0]["opened_at"],
            "closed_at": change["motions"][0]["closed_at"],
            "result": "passed",
            "tally": {"eligible": 3, "yes": 2, "no": 1, "abstain": 0},
        }
    ]

    published = api(people["rso"]).post(f"/api/v1/policy-changes/{pk}/publish/")
    assert published.status_code == 200, published.content
    assert published.json()["state"] == "published"
    assert PolicyChange.objects.get(pk=pk).state == PolicyChangeState.PUBLISHED
    listed = api(people["trustees"][0]).get("/api/v1/policy-changes/", {"state": "published"})
    assert [row["id"] for row in listed.json()["results"]] == [pk]
    assert "diff" not in listed.json()["results"][0]  # the diff is on the detail only


def test_create_reports_missing_fields_by_name(api, people, new_version):
    response = api(people["rso"]).post("/api/v1/policy-changes/", {"title": "Only a title"})
    assert response.status_code == 400
    assert set(response.json()) == {"version", "rationale", "changelog_entry", "effective_from"}
    assert response.json()["rationale"] == ["This field is required."]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("next week", "Datetime has wrong format"),
        ("2030-02-30T10:00:00Z", "Datetime has wrong format"),
        ("2024-01-01T10:00:00Z", "takes effect on 2025-02-04 at the earliest"),
        ("a day ago", "A change takes effect in the future."),
    ],
)
def test_create_refuses_bad_effective_dates(api, people, new_version, value, message):
    if value == "a day ago":  # computed when the test runs, so every worker collects one id
        value = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = api(people["ceo"]).post(
        "/api/v1/policy-changes/", _draft_body(new_version, effective_from=value)
    )
    assert response.status_code == 400
    assert list(response.json()) == ["effective_from"]
    assert message in response.json()["effective_from"][0]


def test_create_refuses_an_unknown_version_and_the_version_in_force(api, people):
    unknown = api(people["rso"]).post(
        "/api/v1/policy-changes/", _draft_body(FrameworkVersion(pk=999))
    )
    assert unknown.status_code == 400
    assert "object does not exist" in unknown.json()["version"][0]
    current = api(people["rso"]).post(
        "/api/v1/policy-changes/", _draft_body(framework_version_in_force())
    )
    assert current.status_code == 400
    assert "already the version in force" in current.json()["version"][0]


def test_consultation_refuses_bad_dates_and_a_draft(api, people, new_version):
    pk = _proposed(api, people, new_version)
    for respond_by, message in (
        ("2030-02-30", "Date has wrong format"),
        (timezone.localdate().isoformat(), "Give the Trust until a later day to respond."),
    ):
        response = api(people["rso"]).post(
            "/api/v1/consultations/",
            {"policy_change": pk, "question": "Q", "respond_by": respond_by},
        )
        assert response.status_code == 400
        assert message in response.json()["respond_by"][0]
    draft = api(people["rso"]).post("/api/v1/policy-changes/", _draft_body(new_version)).json()
    response = api(people["rso"]).post(
        "/api/v1/consultations/",
        {"policy_change": draft["id"], "question": "Q", "respond_by": TOMORROW.isoformat()},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot consult the Trust: the change is draft."}
    assert not TrustConsultation.objects.exists()


def test_board_vote_waits_for_the_consultation(api, people, new_version):
    pk = _proposed(api, people, new_version)
    consultation = _consultation(api, people, pk)
    response = api(people["directors"][0]).post(f"/api/v1/policy-changes/{pk}/open-vote/")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The board vote cannot open before the Trust consultation is closed."
    }
    early = api(people["rso"]).post(
        f"/api/v1/consultations/{consultation}/close/", {"lab_response": "Done."}
    )
    assert early.status_code == 400
    assert "The Trust has not given its advice" in early.json()["detail"]


def test_vote_refuses_an_unknown_choice_and_a_second_vote(api, people, new_version):
    motion = _open_vote(api, people, _consulted(api, people, new_version))
    director = api(people["directors"][0])
    unknown = director.post(f"/api/v1/motions/{motion}/vote/", {"choice": "maybe"})
    assert unknown.status_code == 400
    assert unknown.json() == {"choice": ['"maybe" is not a vote; choose one of: yes, no, abstain.']}
    assert director.post(f"/api/v1/motions/{motion}/vote/", {}).json() == {
        "choice": ["This field is required."]
    }
    assert director.post(f"/api/v1/motions/{motion}/vote/", ["yes"]).status_code == 400
    assert director.post(f"/api/v1/motions/{motion}/vote/", {"choice": "yes"}).status_code == 200
    again = director.post(f"/api/v1/motions/{motion}/vote/", {"choice": "no"})
    assert again.status_code == 400
    assert again.json() == {"detail": "You have already voted on this motion."}


def test_open_vote_and_withdraw_check_their_input(api, people, new_version):
    pk = _consulted(api, people, new_version)
    bad = api(people["directors"][0]).post(
        f"/api/v1/policy-changes/{pk}/open-vote/", {"quorum_fraction": 1.5}
    )
    assert bad.status_code == 400
    assert list(bad.json()) == ["quorum_fraction"]
    other = _proposed(api, people, new_version)
    missing = api(people["ceo"]).post(f"/api/v1/policy-changes/{other}/withdraw/", {})
    assert missing.json() == {"reason": ["This field is required."]}
    withdrawn = api(people["ceo"]).post(
        f"/api/v1/policy-changes/{other}/withdraw/", {"reason": "Superseded"}
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == "withdrawn"


@pytest.mark.parametrize(
    ("who", "method", "path", "message"),
    [
        ("trustees", "post", "/api/v1/policy-changes/", None),
        ("safety", "post", "/api/v1/policy-changes/{change}/sign/", None),
        (
            "directors",
            "post",
            "/api/v1/policy-changes/{change}/sign/",
            "Only the RSO or the CEO may sign a policy change proposal.",
        ),
        ("ceo", "post", "/api/v1/policy-changes/{change}/publish/", None),
        ("auditor", "post", "/api/v1/policy-changes/{change}/withdraw/", None),
        ("rso", "post", "/api/v1/motions/", None),
        (
            "trustees",
            "post",
            "/api/v1/consultations/",
            "Only Responsible Scaling Officer or CEO may consult the Trust.",
        ),
        ("safety", "get", "/api/v1/conflicts/", None),
        ("rso", "post", "/api/v1/conflicts/", None),
    ],
)
def test_wrong_roles_are_refused(api, people, new_version, who, method, path, message):
    change = PolicyChange.objects.create(
        title="T",
        version=new_version,
        rationale="R",
        changelog_entry="C",
        effective_from=timezone.now() + dt.timedelta(days=10),
        created_by=people["rso"],
    )
    user = people[who][0] if isinstance(people[who], list) else people[who]
    body = {"policy_change": change.pk, "question": "Q", "respond_by": TOMORROW.isoformat()}
    response = getattr(api(user), method)(path.format(change=change.pk), body)
    assert response.status_code == 403
    if message:
        assert response.json() == {"detail": message}


@pytest.mark.parametrize(
    ("role", "may_read_board_records"),
    [
        (Role.BOARD_DIRECTOR, True),
        (Role.TRUSTEE, True),
        (Role.RSO, True),
        (Role.CEO, True),
        (Role.AUDITOR, True),
        (Role.SAFETY_STAFF, False),
        (Role.INTERNAL_REVIEWER, False),
    ],
)
def test_who_reads_what(client_for, role, may_read_board_records):
    """Policy changes are open to all staff; the board's and the Trust's records are not."""
    client = client_for(role)
    assert client.get("/api/v1/policy-changes/").status_code == 200
    for path in (
        "/api/v1/motions/",
        "/api/v1/directors/",
        "/api/v1/consultations/",
        "/api/v1/conflicts/",
    ):
        assert (client.get(path).status_code == 200) is may_read_board_records, path


def test_recused_director_cannot_vote_and_is_not_awaited(api, people, new_version):
    pk = _consulted(api, people, new_version, organisations=["Google DeepMind"])
    declared = api(people["directors"][2]).post(
        "/api/v1/conflicts/",
        {
            "organisation": "google  deepmind",
            "relationship": "Former employee with stock",
            "kind": "financial",
            "starts_on": (timezone.localdate() - dt.timedelta(days=100)).isoformat(),
            "user": people["directors"][0].pk,  # read-only: one declares one's own
        },
    )
    assert declared.status_code == 201, declared.content
    assert declared.json()["user"] == people["directors"][2].pk
    assert declared.json()["organisation"] == "google deepmind"
    motion = _open_vote(api, people, pk)

    detail = api(people["auditor"]).get(f"/api/v1/motions/{motion}/").json()
    assert detail["recused"] == ["director2"]
    assert detail["tally"]["eligible"] == 2
    refused = api(people["directors"][2]).post(f"/api/v1/motions/{motion}/vote/", {"choice": "no"})
    assert refused.status_code == 403
    assert "recused" in refused.json()["detail"]
    awaited = api(people["directors"][2]).get("/api/v1/motions/", {"awaiting": "me"})
    assert awaited.json()["count"] == 0
    awaited = api(people["directors"][1]).get("/api/v1/motions/", {"awaiting": "me"})
    assert [row["id"] for row in awaited.json()["results"]] == [motion]


def test_general_motion_and_awaiting_me(api, people):
    opened = api(people["directors"][0]).post(
        "/api/v1/motions/",
        {
            "title": "Appoint the auditors",
            "text": "Appoint Acme LLP as auditors for the year.",
            "organisations": ["Acme LLP"],
            "quorum_fraction": 0.6,
            "pass_fraction": 0.5,
        },
    )
    assert opened.status_code == 201, opened.content
    motion = opened.json()
    assert (motion["policy_change"], motion["quorum_fraction"], motion["sitting"]) == (
        None,
        0.6,
        ["director0", "director1", "director2"],
    )
    assert api(people["directors"][0]).post("/api/v1/motions/", {"title": " "}).json() == {
        "title": ["This field may not be blank."]
    }

    def awaiting(user):
        response = api(user).get("/api/v1/motions/", {"awaiting": "me"})
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    api(people["directors"][0]).post(f"/api/v1/motions/{motion['id']}/vote/", {"choice": "yes"})
    assert awaiting(people["directors"][0]) == []
    assert awaiting(people["directors"][1]) == [motion["id"]]
    assert awaiting(people["rso"]) == []  # not a director
    # A conflict declared after the motion opened recuses too.
    api(people["directors"][1]).post(
        "/api/v1/conflicts/",
        {
            "organisation": "Acme LLP",
            "relationship": "Partner",
            "kind": "personal",
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert awaiting(people["directors"][1]) == []
    assert awaiting(people["directors"][2]) == [motion["id"]]
    bad = api(people["directors"][2]).get("/api/v1/motions/", {"awaiting": "everyone"})
    assert bad.status_code == 400 and "awaiting" in bad.json()

    closed = api(people["directors"][2]).post(f"/api/v1/motions/{motion['id']}/close/").json()
    assert (closed["result"], closed["tally"]) == (
        "no_quorum",
        {"eligible": 2, "yes": 1, "no": 0, "abstain": 0},
    )
    assert awaiting(people["directors"][2]) == []
    listed = api(people["auditor"]).get("/api/v1/motions/", {"state": "closed"}).json()
    assert [row["id"] for row in listed["results"]] == [motion["id"]]
    again = api(people["directors"][2]).post(f"/api/v1/motions/{motion['id']}/close/")
    assert again.status_code == 400 and "is closed" in again.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/policy-changes/999/"),
        ("post", "/api/v1/policy-changes/999/sign/"),
        ("get", "/api/v1/policy-changes/abc/"),
        ("get", "/api/v1/motions/999/"),
        ("post", "/api/v1/motions/999/vote/"),
        ("get", "/api/v1/conflicts/999/"),
        ("get", "/api/v1/directors/999/"),
        ("get", "/api/v1/consultations/999/"),
        ("post", "/api/v1/consultations/999/close/"),
        ("post", "/api/v1/consultations/999/advice/"),
        ("post", "/api/v1/policy-changes/999/withdraw/"),
    ],
)
def test_unknown_ids_are_404(client_for, method, path):
    client = client_for(Role.RSO, Role.BOARD_DIRECTOR, Role.TRUSTEE)
    response = getattr(client, method)(path, {"choice": "yes"}, content_type="application/json")
    assert response.status_code == 404


def test_directors_are_read_only(api, people):
    body = api(people["auditor"]).get("/api/v1/directors/").json()
    assert [row["name"] for row in body["results"]] == ["director0", "director1", "director2"]
    assert {row["seat_type"] for row in body["results"]} == {"trust"}
    assert all(row["current"] for row in body["results"])
    client = api(people["directors"][0])
    assert client.post("/api/v1/directors/", {"user": people["rso"].pk}).status_code in (403, 405)


def test_lists_are_paginated(api, people):
    ConflictDeclaration.objects.bulk_create(
        ConflictDeclaration(
            user=people["trustees"][0],
            organisation=f"Org {n:02}",
            relationship="Adviser",
            kind="financial",
            starts_on=timezone.localdate(),
        )
        for n in range(55)
    )
    page = api(people["auditor"]).get("/api/v1/conflicts/").json()
    assert (page["count"], len(page["results"])) == (55, 50)
    assert page["next"] and page["previous"] is None
    assert page["results"][0]["organisation"] == "Org 00"
    rest = api(people["auditor"]).get("/api/v1/conflicts/", {"page": 2}).json()
    assert len(rest["results"]) == 5


def test_list_queries_do_not_grow_with_rows(api, people, new_version):
    reader = api(people["auditor"])

    def queries(path) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reader.get(path).status_code == 200
        return len(captured)

    paths = ["/api/v1/policy-changes/", "/api/v1/motions/", "/api/v1/consultations/"]
    _open_vote(api, people, _consulted(api, people, new_version))
    reader = api(people["auditor"])
    few = [queries(path) for path in paths]
    for _ in range(3):
        _open_vote(api, people, _consulted(api, people, new_version))
    reader = api(people["auditor"])
    assert [queries(path) for path in paths] == few


def test_openapi_schema_documents_the_new_endpoints(client_for):
    paths = client_for(Role.RSO).get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in (
        "/api/v1/policy-changes/{id}/open-vote/",
        "/api/v1/motions/{id}/vote/",
        "/api/v1/conflicts/",
        "/api/v1/directors/",
        "/api/v1/consultations/{id}/trust-advice/",
    ):
        assert path in paths
