"""The noncompliance-report API: filing (anonymously or not), who reads which report, the
handler's investigation and conclusion, and the 400/403/404 answers for bad input, wrong roles
and ids one may not read."""

import json
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from governance.audit import SYSTEM
from governance.choices import ActorType, NoncomplianceState, Role
from governance.models import AuditEvent, Notification
from governance.oversight.models import NoncomplianceReport
from governance.oversight.selectors import noncompliance_reports_readable_by
from governance.oversight.services.noncompliance import may_read_report, noncompliance_report_file

pytestmark = pytest.mark.django_db

URL = "/api/v1/noncompliance-reports/"


@pytest.fixture
def staff(make_user):
    return {
        "reporter": make_user(
            Role.SAFETY_STAFF, username="whistle-blower-7", first_name="Wanda", last_name="Blow"
        ),
        "other": make_user(Role.SAFETY_STAFF, username="colleague"),
        "rso": make_user(Role.RSO, username="rso"),
        "ceo": make_user(Role.CEO, username="ceo"),
        "director": make_user(Role.BOARD_DIRECTOR, username="director"),
        "trustee": make_user(Role.TRUSTEE, username="trustee"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
        "nobody": make_user(username="no-role"),
    }


def _file(user, *, anonymous=False, concerns_rso=False, summary="Evals skipped"):
    return noncompliance_report_file(
        actor=user,
        summary=summary,
        details="The autonomy suite was not run.",
        concerns_rso=concerns_rso,
        anonymous=anonymous,
    )


def _body(**overrides):
    return {
        "summary": "Evals skipped before a release",
        "details": "The autonomy suite was not run on fx-2026-05.",
        "anonymous": False,
        **overrides,
    }


def test_a_named_report_from_filing_to_a_material_conclusion(api, staff):
    filed = api(staff["reporter"]).post(URL, _body())
    assert filed.status_code == 201, filed.content
    report = filed.json()
    pk = report["id"]
    assert (report["reporter"], report["anonymous"], report["state"], report["handler"]) == (
        "whistle-blower-7",
        False,
        "received",
        None,
    )
    assert report["concerns_rso"] is False
    assert NoncomplianceReport.objects.get(pk=pk).reporter == staff["reporter"]
    assert Notification.objects.filter(user=staff["rso"], event_type="noncompliance.filed")
    # The reporter follows their own named report.
    followed = api(staff["reporter"]).get(f"{URL}{pk}/")
    assert followed.status_code == 200
    assert followed.json()["reporter"] == "whistle-blower-7"

    started = api(staff["rso"]).post(f"{URL}{pk}/investigate/")
    assert started.status_code == 200, started.content
    assert (started.json()["state"], started.json()["handler"]) == ("investigating", "rso")
    again = api(staff["rso"]).post(f"{URL}{pk}/investigate/")
    assert again.status_code == 400
    assert again.json() == {
        "detail": "Cannot start the investigation: the report is under investigation."
    }

    concluded = api(staff["rso"]).post(
        f"{URL}{pk}/conclude/",
        {
            "substantiated": True,
            "findings": " Confirmed: the suite was skipped. ",
            "corrective_action": "Gate releases on the suite.",
            "material": True,
        },
    )
    assert concluded.status_code == 200, concluded.content
    body = concluded.json()
    assert (body["state"], body["material"], body["findings"], body["corrective_action"]) == (
        "substantiated",
        True,
        "Confirmed: the suite was skipped.",
        "Gate releases on the suite.",
    )
    assert body["concluded_at"] is not None
    assert Notification.objects.filter(
        user=staff["director"], event_type="noncompliance.material"
    ).exists()
    assert list(
        AuditEvent.objects.filter(target_id=str(pk), action__startswith="noncompliance.")
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == ["noncompliance.filed", "noncompliance.investigating", "noncompliance.concluded"]


def test_an_unsubstantiated_conclusion_needs_no_corrective_action(api, staff):
    report = _file(staff["other"])
    api(staff["rso"]).post(f"{URL}{report.pk}/investigate/")
    concluded = api(staff["rso"]).post(
        f"{URL}{report.pk}/conclude/", {"substantiated": False, "findings": "Not borne out."}
    )
    assert concluded.status_code == 200, concluded.content
    assert (concluded.json()["state"], concluded.json()["material"]) == ("unsubstantiated", False)


def test_an_anonymous_report_filed_through_the_api_keeps_no_trace(api, staff, caplog):
    reporter = staff["reporter"]
    with caplog.at_level(logging.DEBUG):
        filed = api(reporter).post(URL, _body(anonymous=True))
    assert filed.status_code == 201, filed.content
    pk = filed.json()["id"]
    assert (filed.json()["anonymous"], filed.json()["reporter"]) == (True, None)
    report = NoncomplianceReport.objects.get(pk=pk)
    assert report.reporter_id is None
    event = AuditEvent.objects.get(action="noncompliance.filed", target_id=str(pk))
    assert (event.actor_type, event.actor_user, event.request_id) == (
        ActorType.ANONYMOUS,
        None,
        "",
    )

    # What the filer got back, and what the handler and an auditor read, name nobody.
    answers = [filed.content.decode()]
    for reader in ("rso", "auditor"):
        detail = api(staff[reader]).get(f"{URL}{pk}/")
        assert detail.status_code == 200
        assert detail.json()["reporter"] is None
        answers += [detail.content.decode(), api(staff[reader]).get(URL).content.decode()]
    traces = [reporter.username, reporter.email, reporter.get_full_name()]
    assert all(traces)
    for trace in traces:
        for answer in answers:
            assert trace not in answer
        assert trace not in caplog.text
        assert trace not in json.dumps(
            list(AuditEvent.objects.filter(target_id=str(pk)).values()), default=str
        )

    # Nothing links the filer to it any more: they cannot read it or find it.
    assert api(reporter).get(f"{URL}{pk}/").status_code == 404
    assert api(reporter).get(URL).json()["count"] == 0


def test_anonymous_must_be_stated(api, staff, client):
    """Leaving the choice out is a 400, never a report that names someone meaning to hide."""
    body = _body()
    del body["anonymous"]
    response = api(staff["reporter"]).post(URL, body)
    assert response.status_code == 400
    assert response.json() == {"anonymous": ["This field is required."]}
    # A form-encoded body is not read as "anonymous: false" either.
    form = client.post(URL, {"summary": "S", "details": "D"})
    assert form.status_code == 400
    assert form.json() == {"anonymous": ["This field is required."]}
    assert not NoncomplianceReport.objects.exists()
    named = client.post(URL, {"summary": "S", "details": "D", "anonymous": "false"})
    assert named.status_code == 201
    assert NoncomplianceReport.objects.get().reporter == staff["reporter"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"summary", "details", "anonymous"}),
        (_body(summary="  "), {"summary"}),
        (_body(details=""), {"details"}),
        (_body(summary="x" * 301), {"summary"}),
        (_body(anonymous="perhaps"), {"anonymous"}),
        (_body(concerns_rso="sometimes"), {"concerns_rso"}),
        (["summary", "details"], {"detail"}),
        ("a string", {"detail"}),
    ],
)
def test_filing_refuses_bad_input_by_field(api, staff, body, fields):
    response = api(staff["reporter"]).post(URL, body)
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not NoncomplianceReport.objects.exists()


def test_filing_refuses_a_body_that_is_not_json(client, staff):
    client.force_login(staff["reporter"])
    response = client.post(URL, "{summary: nope", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not NoncomplianceReport.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {},
            {"substantiated": ["This field is required."], "findings": ["This field is required."]},
        ),
        (
            {"substantiated": "yes please", "findings": "F"},
            {"substantiated": ["Must be a valid boolean."]},
        ),
        (
            {"substantiated": False, "findings": "  "},
            {"findings": ["This field may not be blank."]},
        ),
        (
            {"substantiated": True, "findings": "F"},
            {"corrective_action": ["A substantiated report needs its corrective action."]},
        ),
        (
            {"substantiated": False, "findings": "F", "material": True},
            {"material": ["Only a substantiated case is material."]},
        ),
        (["findings"], {"detail": ["Send a JSON object."]}),
    ],
)
def test_conclude_refuses_bad_input_by_field(api, staff, body, errors):
    report = _file(staff["other"])
    api(staff["rso"]).post(f"{URL}{report.pk}/investigate/")
    response = api(staff["rso"]).post(f"{URL}{report.pk}/conclude/", body)
    assert response.status_code == 400
    assert response.json() == errors
    assert NoncomplianceReport.objects.get(pk=report.pk).state == NoncomplianceState.INVESTIGATING


def test_a_report_is_concluded_only_under_investigation(api, staff):
    report = _file(staff["other"])
    response = api(staff["rso"]).post(
        f"{URL}{report.pk}/conclude/", {"substantiated": False, "findings": "F"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot conclude: the report is received."}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("reporter", 201),
        ("other", 201),
        ("rso", 201),
        ("ceo", 201),
        ("director", 201),
        ("trustee", 201),
        ("auditor", 403),  # reads everything, files nothing
        ("nobody", 403),  # a user holding no role is not on staff
    ],
)
def test_who_may_file(api, staff, who, status):
    response = api(staff[who]).post(URL, _body())
    assert response.status_code == status, response.content
    assert NoncomplianceReport.objects.count() == (1 if status == 201 else 0)


def test_machine_clients_may_neither_file_nor_read(staff):
    from evals.auth import MachinePrincipal
    from evals.services import eval_system_create

    _file(staff["other"], anonymous=True)
    system, token = eval_system_create(actor=SYSTEM, name="ci", all_models=True, all_suites=True)
    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert machine.post(URL, _body(anonymous=True), format="json").status_code == 403
    assert machine.get(URL).status_code == 403
    report = NoncomplianceReport.objects.get()
    assert machine.get(f"{URL}{report.pk}/").status_code == 403
    assert machine.post(f"{URL}{report.pk}/investigate/").status_code == 403
    assert NoncomplianceReport.objects.count() == 1
    # Even past the permissions: no pk must not match the anonymous reports' NULL reporter.
    assert not noncompliance_reports_readable_by(MachinePrincipal(system)).exists()


def test_signed_out_callers_are_told_to_authenticate(client):
    assert client.get(URL).status_code == 401
    assert client.post(URL, _body(), content_type="application/json").status_code == 401


@pytest.mark.parametrize(
    ("concerns_rso", "who", "status"),
    [
        # Routed to the RSO.
        (False, "rso", 200),
        (False, "director", 404),  # a handler's role, but not this report's: may not read it
        (False, "ceo", 403),
        (False, "other", 403),  # the reporter reads their report but does not handle it
        (False, "trustee", 403),
        (False, "auditor", 403),
        # It concerns the RSO: routed to the board.
        (True, "director", 200),
        (True, "rso", 404),
        (True, "ceo", 403),
        (True, "auditor", 403),
    ],
)
def test_who_may_investigate(api, staff, concerns_rso, who, status):
    report = _file(staff["other"], concerns_rso=concerns_rso)
    response = api(staff[who]).post(f"{URL}{report.pk}/investigate/")
    assert response.status_code == status, response.content
    expected = NoncomplianceState.INVESTIGATING if status == 200 else NoncomplianceState.RECEIVED
    assert NoncomplianceReport.objects.get(pk=report.pk).state == expected


@pytest.mark.parametrize(("who", "status"), [("rso", 200), ("director", 404), ("auditor", 403)])
def test_who_may_conclude(api, staff, who, status):
    report = _file(staff["other"])
    api(staff["rso"]).post(f"{URL}{report.pk}/investigate/")
    response = api(staff[who]).post(
        f"{URL}{report.pk}/conclude/", {"substantiated": False, "findings": "Not borne out."}
    )
    assert response.status_code == status, response.content


def test_a_handler_who_filed_the_report_does_not_handle_it(api, staff):
    report = _file(staff["rso"])
    response = api(staff["rso"]).post(f"{URL}{report.pk}/investigate/")
    assert response.status_code == 403
    assert response.json() == {"detail": "You filed this report, so someone else handles it."}


@pytest.fixture
def three_reports(staff):
    """One named report to the RSO, one anonymous on the RSO (to the board), one named by a
    colleague to the RSO: filed in that order."""
    return {
        "named": _file(staff["reporter"], summary="Named"),
        "on_rso": _file(staff["reporter"], anonymous=True, concerns_rso=True, summary="On RSO"),
        "colleague": _file(staff["other"], summary="Colleague"),
    }


@pytest.mark.parametrize(
    ("who", "readable"),
    [
        ("reporter", ["named"]),  # not the anonymous one they filed
        ("other", ["colleague"]),
        ("rso", ["colleague", "named"]),
        ("director", ["on_rso"]),
        ("auditor", ["colleague", "on_rso", "named"]),
        ("ceo", []),
        ("trustee", []),
    ],
)
def test_who_reads_which_report(api, staff, three_reports, who, readable):
    session = api(staff[who])
    listed = session.get(URL)
    assert listed.status_code == 200
    by_pk = {report.pk: name for name, report in three_reports.items()}
    assert [by_pk[row["id"]] for row in listed.json()["results"]] == readable
    for name, report in three_reports.items():
        expected = 200 if name in readable else 404
        assert session.get(f"{URL}{report.pk}/").status_code == expected, name


def test_a_user_holding_no_role_reads_nothing(api, staff, three_reports):
    session = api(staff["nobody"])
    assert session.get(URL).status_code == 403
    assert session.get(f"{URL}{three_reports['named'].pk}/").status_code == 403


def test_the_list_and_the_detail_agree_on_who_reads_what(staff, three_reports):
    """The selector behind the lists is the queryset form of `may_read_report`."""
    both = {**staff, "rso_and_director": staff["rso"]}
    both["rso_and_director"].groups.add(*staff["director"].groups.all())
    for user in both.values():
        user = type(user).objects.get(pk=user.pk)  # roles read afresh
        readable = set(noncompliance_reports_readable_by(user).values_list("pk", flat=True))
        for report in three_reports.values():
            assert (report.pk in readable) is may_read_report(user, report), (user, report)


def test_the_reporter_shows_to_readers_of_a_named_report(api, staff, three_reports):
    rows = {row["id"]: row for row in api(staff["auditor"]).get(URL).json()["results"]}
    assert rows[three_reports["named"].pk]["reporter"] == "whistle-blower-7"
    assert rows[three_reports["colleague"].pk]["reporter"] == "colleague"
    assert rows[three_reports["on_rso"].pk]["reporter"] is None


def test_the_list_filters_by_state(api, staff, three_reports):
    api(staff["rso"]).post(f"{URL}{three_reports['named'].pk}/investigate/")
    auditor = api(staff["auditor"])
    investigating = auditor.get(URL, {"state": "investigating"}).json()
    assert [row["id"] for row in investigating["results"]] == [three_reports["named"].pk]
    received = auditor.get(URL, {"state": "received"}).json()
    assert received["count"] == 2
    bad = auditor.get(URL, {"state": "lost"})
    assert bad.status_code == 400
    assert list(bad.json()) == ["state"]


def test_the_list_is_paginated(api, staff):
    NoncomplianceReport.objects.bulk_create(
        NoncomplianceReport(summary=f"Report {n:02}", details="D", filed_at=timezone.now())
        for n in range(55)
    )
    rso = api(staff["rso"])
    page = rso.get(URL).json()
    assert (page["count"], len(page["results"])) == (55, 50)
    assert page["next"] and page["previous"] is None
    assert len(rso.get(URL, {"page": 2}).json()["results"]) == 5
    assert rso.get(URL, {"page": 3}).status_code == 404


def test_list_queries_do_not_grow_with_rows(api, staff, make_user, django_assert_num_queries):
    def file_and_handle(count):
        for _ in range(count):
            report = _file(make_user(Role.SAFETY_STAFF))  # a different reporter each time
            NoncomplianceReport.objects.filter(pk=report.pk).update(handler=make_user(Role.RSO))

    reader = api(staff["auditor"])
    file_and_handle(2)
    with CaptureQueriesContext(connection) as few:
        assert len(reader.get(URL).json()["results"]) == 2
    file_and_handle(8)
    reader = api(staff["auditor"])
    with django_assert_num_queries(len(few)):
        assert len(reader.get(URL).json()["results"]) == 10


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"{URL}999/"),
        ("post", f"{URL}999/investigate/"),
        ("post", f"{URL}999/conclude/"),
        ("get", f"{URL}abc/"),
        ("post", f"{URL}abc/investigate/"),
        ("get", f"{URL}-1/"),
    ],
)
def test_unknown_ids_are_404(client_for, method, path):
    client = client_for(Role.RSO, Role.BOARD_DIRECTOR)
    response = getattr(client, method)(
        path, {"substantiated": False, "findings": "F"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_openapi_schema_documents_the_endpoints(client_for):
    paths = client_for(Role.RSO).get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/noncompliance-reports/"])
    assert "/api/v1/noncompliance-reports/{id}/investigate/" in paths
    assert "/api/v1/noncompliance-reports/{id}/conclude/" in paths
