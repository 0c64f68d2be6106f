"""Noncompliance reports: anonymous filing leaves no trace of the reporter; routing to the RSO
or the board; investigation and conclusion by the handler; material cases told to the board."""

import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.choices import ActorType, NoncomplianceState, Role
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent, Notification
from governance.oversight.models import NoncomplianceReport
from governance.oversight.services.noncompliance import (
    noncompliance_conclude,
    noncompliance_investigate,
    noncompliance_report_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return {
        "reporter": make_user(Role.SAFETY_STAFF, username="whistle-blower-7"),
        "rso": make_user(Role.RSO, username="rso"),
        "director": make_user(Role.BOARD_DIRECTOR, username="director"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
        "other": make_user(Role.SAFETY_STAFF, username="colleague"),
    }


def test_an_anonymous_report_stores_no_trace_of_its_reporter(staff, client, caplog):
    reporter = staff["reporter"]
    client.force_login(reporter)
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            reverse("noncompliance-create"),
            {
                "summary": "Evals skipped before a release",
                "details": "The autonomy suite was not run on fx-2026-05.",
                "anonymous": "on",
            },
        )
    assert response.status_code == 302
    report = NoncomplianceReport.objects.get()
    assert report.reporter is None and report.anonymous
    event = AuditEvent.objects.get(action="noncompliance.filed")
    assert event.actor_type == ActorType.ANONYMOUS
    assert event.actor_user is None and event.request_id == ""
    traces = (reporter.username, reporter.email, reporter.get_full_name())
    row = " ".join(str(value) for value in NoncomplianceReport.objects.values().get().values())
    audit = " ".join(
        str(value)
        for values in AuditEvent.objects.filter(target_id=str(report.pk)).values()
        for value in values.values()
    )
    for trace in filter(None, traces):
        assert trace not in row
        assert trace not in audit
        assert trace not in caplog.text
    # The reporter cannot follow it: nothing links them to it.
    assert client.get(report.get_absolute_url()).status_code == 403


def test_a_named_report_goes_to_the_rso_and_its_reporter_can_follow_it(staff):
    report = noncompliance_report_file(
        actor=staff["reporter"], summary="S", details="D", anonymous=False
    )
    assert report.reporter == staff["reporter"]
    assert Notification.objects.filter(user=staff["rso"], event_type="noncompliance.filed")
    assert not Notification.objects.filter(user=staff["director"])


def test_a_report_on_the_rso_goes_to_the_board(staff, client):
    report = noncompliance_report_file(
        actor=staff["reporter"],
        summary="RSO waived a checkpoint",
        details="D",
        concerns_rso=True,
        anonymous=True,
    )
    assert Notification.objects.filter(user=staff["director"], event_type="noncompliance.filed")
    assert not Notification.objects.filter(user=staff["rso"])
    with pytest.raises(PermissionDenied):
        noncompliance_investigate(actor=staff["rso"], report=report)
    client.force_login(staff["rso"])
    assert client.get(report.get_absolute_url()).status_code == 403
    assert report.summary not in client.get(reverse("noncompliance-list")).content.decode()


def test_investigation_and_a_material_conclusion(staff):
    report = noncompliance_report_file(
        actor=staff["reporter"], summary="S", details="D", anonymous=True
    )
    with pytest.raises(TransitionNotAllowed):
        noncompliance_conclude(actor=staff["rso"], report=report, substantiated=False, findings="x")
    report = noncompliance_investigate(actor=staff["rso"], report=report)
    assert report.state == NoncomplianceState.INVESTIGATING and report.handler == staff["rso"]
    with pytest.raises(ValidationError) as error:
        noncompliance_conclude(
            actor=staff["rso"], report=report, substantiated=True, findings="", material=True
        )
    assert set(error.value.message_dict) == {"findings", "corrective_action"}
    report = noncompliance_conclude(
        actor=staff["rso"],
        report=report,
        substantiated=True,
        findings="Confirmed.",
        corrective_action="Run the suite; gate releases on it.",
        material=True,
    )
    assert report.state == NoncomplianceState.SUBSTANTIATED and report.concluded_at
    assert Notification.objects.filter(user=staff["director"], event_type="noncompliance.material")
    actions = list(
        AuditEvent.objects.filter(target_id=str(report.pk), action__startswith="noncompliance.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "noncompliance.filed",
        "noncompliance.investigating",
        "noncompliance.concluded",
    ]


@pytest.mark.parametrize("who", ["reporter", "other", "director", "auditor"])
def test_only_the_handler_investigates(staff, who):
    report = noncompliance_report_file(
        actor=staff["rso"], summary="S", details="D", anonymous=False
    )
    with pytest.raises(PermissionDenied):
        noncompliance_investigate(actor=staff[who], report=report)
    # The RSO filed it, so the RSO cannot handle it either.
    with pytest.raises(PermissionDenied, match="someone else"):
        noncompliance_investigate(actor=staff["rso"], report=report)


def test_intake_validation(staff, client):
    with pytest.raises(ValidationError) as error:
        noncompliance_report_file(actor=staff["reporter"], summary=" ", details="", anonymous=True)
    assert set(error.value.message_dict) == {"summary", "details"}
    client.force_login(staff["reporter"])
    response = client.post(reverse("noncompliance-create"), {"summary": "S", "details": ""})
    assert response.status_code == 200
    assert not NoncomplianceReport.objects.exists()


def test_auditors_read_every_report(staff, client):
    report = noncompliance_report_file(
        actor=staff["reporter"],
        summary="On the RSO",
        details="D",
        concerns_rso=True,
        anonymous=True,
    )
    client.force_login(staff["auditor"])
    assert "On the RSO" in client.get(reverse("noncompliance-list")).content.decode()
    page = client.get(report.get_absolute_url()).content.decode()
    assert "anonymously" in page and "Start the investigation" not in page


def test_reports_on_the_rso_stay_out_of_the_rsos_audit_log_and_webhooks(staff, api):
    from governance.models import WebhookDelivery, WebhookSubscription

    WebhookSubscription.objects.create(name="all", url="https://hooks.example/x", event_types=["*"])
    named = noncompliance_report_file(
        actor=staff["reporter"],
        summary="RSO backdated the CBRN sign-off",
        details="D",
        concerns_rso=True,
        anonymous=False,
    )
    director = staff["director"]
    noncompliance_investigate(actor=director, report=named)
    noncompliance_conclude(
        actor=director,
        report=named,
        substantiated=True,
        findings="F",
        corrective_action="C",
        material=True,
    )
    # The RSO manages webhooks: nothing about a report on the RSO is sent to them.
    assert not WebhookDelivery.objects.exists()
    # Nor does the audit log show the RSO (or the CEO) who filed it or who handles it.
    for reader in (staff["rso"], make_ceo(staff)):
        body = api(reader).get("/api/v1/audit-events/", {"target_type": ""}).content.decode()
        assert "noncompliance" not in body
        assert staff["reporter"].username not in body
        page = api(reader).get(reverse("audit-list")).content.decode()
        assert "noncompliance.filed" not in page and "Noncompliance report #" not in page
    event = AuditEvent.objects.get(action="noncompliance.filed")
    assert api(staff["rso"]).get(reverse("audit-detail", args=[event.pk])).status_code == 404
    # The summary is never copied into the log, which outlives the report's readers.
    assert event.target_repr == f"Noncompliance report #{named.pk}"
    # Auditors still read everything.
    body = api(staff["auditor"]).get("/api/v1/audit-events/").content.decode()
    assert "noncompliance.filed" in body and "noncompliance.concluded" in body


def make_ceo(staff):
    from tests.factories import UserFactory

    return UserFactory(roles=[Role.CEO], username="ceo-reader")


def test_an_rso_who_is_also_a_director_neither_reads_nor_handles_reports_on_the_rso(
    staff, make_user, client
):
    both = make_user(Role.RSO, Role.BOARD_DIRECTOR, username="rso-and-director")
    report = noncompliance_report_file(
        actor=staff["reporter"],
        summary="About the RSO",
        details="D",
        concerns_rso=True,
        anonymous=True,
    )
    with pytest.raises(PermissionDenied):
        noncompliance_investigate(actor=both, report=report)
    client.force_login(both)
    assert client.get(report.get_absolute_url()).status_code == 403
    assert "About the RSO" not in client.get(reverse("noncompliance-list")).content.decode()


def test_a_nul_character_in_a_step_is_a_message_not_an_error(staff, client):
    report = noncompliance_report_file(
        actor=staff["reporter"], summary="S", details="D", anonymous=False
    )
    noncompliance_investigate(actor=staff["rso"], report=report)
    client.force_login(staff["rso"])
    page = client.post(
        reverse("noncompliance-step", args=[report.pk, "conclude"]),
        {"findings": "bad\x00text", "substantiated": "1", "corrective_action": "C"},
        follow=True,
    )
    assert page.status_code == 200 and "NUL character" in page.content.decode()
    report.refresh_from_db()
    assert report.state == NoncomplianceState.INVESTIGATING
