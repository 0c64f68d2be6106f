"""The RSO's quarterly report: generated from the records, annotated by the RSO, issued to the
directors and trustees with a digest, acknowledged by each; the pages, the PDF and the API."""

import base64
import datetime as dt
import json
import re
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board import report_rendering
from governance.board.models import PolicyChange, QuarterlyReport
from governance.board.report_rendering import quarterly_report_pdf, report_sections
from governance.board.services.board import director_seat
from governance.board.services.quarterly_reports import (
    content_digest,
    quarterly_report_acknowledge,
    quarterly_report_annotate,
    quarterly_report_contents,
    quarterly_report_draft,
    quarterly_report_issue,
    quarterly_report_prepare_due,
    quarterly_report_refresh,
)
from governance.choices import (
    EscalationKind,
    EscalationState,
    NoncomplianceState,
    QuarterlyReportState,
    RestrictionKind,
    RestrictionState,
    Role,
    SafeguardsReportState,
    SeatType,
    Severity,
)
from governance.dates import quarter_bounds
from governance.determinations.models import Determination, Finding, SafeguardsReport
from governance.errors import TransitionNotAllowed
from governance.models import (
    AuditEvent,
    CapabilityThreshold,
    Notification,
    SafeguardStandard,
    SafetyLevel,
)
from governance.oversight.models import Escalation, NoncomplianceReport, Restriction
from governance.oversight.services.escalations import escalation_raise, rso_report_due_check
from tests.factories import AIModelFactory
from trust.services import trustee_term_record

pytestmark = pytest.mark.django_db

Q3 = quarter_bounds(2026, 3)
LAST_YEAR = dt.date(2025, 1, 1)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def people(make_user):
    people = {
        "rso": make_user(Role.RSO, username="rso"),
        "ceo": make_user(Role.CEO, username="ceo"),
        "director": make_user(Role.BOARD_DIRECTOR, username="director"),
        "trustee": make_user(Role.TRUSTEE, username="trustee"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
        "staff": make_user(Role.SAFETY_STAFF, username="staff"),
    }
    director_seat(
        actor=SYSTEM, user=people["director"], seat_type=SeatType.TRUST, term_start=LAST_YEAR
    )
    trustee_term_record(actor=SYSTEM, user=people["trustee"], starts_on=timezone.localdate())
    return people


@pytest.fixture(autouse=True)
def builtin_pdf_fonts(monkeypatch):
    """ReportLab's built-in fonts write text as it is, so a test can read it back."""
    monkeypatch.setattr(report_rendering, "_fonts", lambda: ("Helvetica", "Helvetica-Bold"))


@pytest.fixture
def records(frameworks, people):
    """A quarter's worth of records around Q3 2026, plus some outside it."""
    model = AIModelFactory(name="Frontier-7")
    version = frameworks["2.2"]
    level = SafetyLevel.objects.filter(version=version).order_by("rank").last()

    def determination(title, state, decided_at=None, created_at=None):
        row = Determination.objects.create(
            model=model,
            framework_version=version,
            title=title,
            summary="...",
            state=state,
            decided_at=decided_at,
            required_level=level,
            precautionary=True,
        )
        Determination.objects.filter(pk=row.pk).update(
            created_at=created_at or at("2026-07-02T00:00")
        )
        return row

    decided = determination("Decided in Q3", "final", decided_at=at("2026-08-10T12:00"))
    for threshold, outcome in zip(
        CapabilityThreshold.objects.filter(version=version)[:3],
        ["below", "below", "cannot_rule_out"],
        strict=True,
    ):
        Finding.objects.create(
            determination=decided, threshold=threshold, outcome=outcome, rationale="..."
        )
    determination("Decided in Q2", "final", at("2026-05-01T00:00"), at("2026-04-01T00:00"))
    determination("Still in review", "in_review", created_at=at("2026-09-30T00:00"))

    handled, _ = escalation_raise(
        kind=EscalationKind.THRESHOLD,
        subject="CBRN-4",
        title="CBRN-4 could not be ruled out",
        summary="",
        severity=Severity.HIGH,
        model=model,
    )
    Escalation.objects.filter(pk=handled.pk).update(
        opened_at=at("2026-07-10T08:00"),
        acknowledged_at=at("2026-07-10T13:00"),
        closed_at=at("2026-07-20T00:00"),
        state=EscalationState.RESOLVED,
        resolution_note="Determined ASL-3.",
    )
    overdue, _ = escalation_raise(
        kind=EscalationKind.ASSESSMENT_DUE,
        subject="comprehensive assessment",
        title="Comprehensive assessment due for Frontier-7",
        summary="",
        severity=Severity.MEDIUM,
        model=model,
    )
    Escalation.objects.filter(pk=overdue.pk).update(
        opened_at=at("2026-09-01T00:00"), due_at=at("2026-09-15T00:00")
    )
    old, _ = escalation_raise(
        kind=EscalationKind.WARNING,
        subject="old warning",
        title="An old warning",
        summary="",
        severity=Severity.LOW,
    )
    Escalation.objects.filter(pk=old.pk).update(
        opened_at=at("2026-01-01T00:00"),
        closed_at=at("2026-02-01T00:00"),
        state=EscalationState.DISMISSED,
    )
    escalation_raise(
        kind=EscalationKind.RSO_REPORT_DUE,
        subject="RSO report 2026-Q4",
        title="RSO quarterly report due (2026-Q4)",
        summary="",
        severity=Severity.LOW,
        once=True,
    )

    # The threshold escalation proposed restrictions; the deployment hold was activated.
    Restriction.objects.filter(model=model, kind=RestrictionKind.HOLD_DEPLOYMENT).update(
        state=RestrictionState.ACTIVE,
        activated_at=at("2026-07-21T00:00"),
        created_at=at("2026-07-10T09:00"),
    )
    standard = SafeguardStandard.objects.filter(version=version).first()
    safeguards = SafeguardsReport.objects.create(
        model=model,
        standard=standard,
        state=SafeguardsReportState.APPROVED,
        summary="...",
        author=people["staff"],
        approved_at=at("2025-08-01T00:00"),
        valid_until=at("2026-08-01T00:00"),
    )
    SafeguardsReport.objects.filter(pk=safeguards.pk).update(created_at=at("2025-07-01T00:00"))

    NoncomplianceReport.objects.create(
        summary="Evals skipped before a release",
        details="...",
        reporter=None,
        filed_at=at("2026-07-03T09:17"),
        state=NoncomplianceState.SUBSTANTIATED,
        material=True,
        corrective_action="Release gate now blocks on missing evals.",
        concluded_at=at("2026-08-01T00:00"),
    )
    NoncomplianceReport.objects.create(
        summary="The RSO signed off without reading the report",
        details="...",
        concerns_rso=True,
        reporter=people["staff"],
        filed_at=at("2026-08-03T00:00"),
    )
    change = PolicyChange.objects.create(
        title="Tighten the CBRN threshold",
        version=version,
        rationale="...",
        changelog_entry="...",
        effective_from=at("2026-12-01T00:00"),
        created_by=people["rso"],
        state="consultation",
        proposed_at=at("2026-09-01T00:00"),
    )
    PolicyChange.objects.filter(pk=change.pk).update(created_at=at("2026-08-30T00:00"))
    return {"model": model, "overdue": overdue, "handled": handled}


def test_quarter_bounds_cover_the_calendar_quarter_and_roll_over_the_year():
    assert quarter_bounds(2026, 3) == (at("2026-07-01T00:00"), at("2026-10-01T00:00"))
    assert quarter_bounds(2026, 4) == (at("2026-10-01T00:00"), at("2027-01-01T00:00"))
    with pytest.raises(ValidationError):
        quarter_bounds(2026, 5)


def test_the_contents_are_read_from_the_records_of_the_quarter(records):
    contents = quarterly_report_contents(*Q3, now=at("2026-10-05T00:00"))

    assert [item["title"] for item in contents["determinations"]] == [
        "Decided in Q3",
        "Still in review",
    ]
    assert [item["findings"] for item in contents["determinations"]] == [
        {"below": 2, "cannot_rule_out": 1},
        {},
    ]
    escalations = {item["title"]: item for item in contents["escalations"]["items"]}
    assert set(escalations) == {
        "CBRN-4 could not be ruled out",
        "Comprehensive assessment due for Frontier-7",
    }
    handled = escalations["CBRN-4 could not be ruled out"]
    assert handled["hours_to_acknowledge"] == 5.0
    assert handled["resolution"] == "Determined ASL-3."
    assert escalations["Comprehensive assessment due for Frontier-7"]["overdue"] is True
    assert contents["escalations"]["counts"]["opened"] == 2
    assert [item["what"] for item in contents["overdue"]] == ["Escalation", "Safeguards report"]
    assert contents["safeguards"][0]["status"] == "Lapsed"
    # The training pause was proposed after the quarter (today), so it is not in it.
    assert [(item["kind"], item["state"]) for item in contents["restrictions"]] == [
        (RestrictionKind.HOLD_DEPLOYMENT.label, RestrictionState.ACTIVE.label)
    ]
    assert contents["summary"] == {
        "determinations_decided": 1,
        "escalations_opened": 2,
        "overdue_items": 2,
        "restrictions_active": 1,
        "safeguards_lapsed": 1,
        "noncompliance_filed": 1,  # the report about the RSO is the board's
        "noncompliance_material": 1,
        "policy_changes": 1,
    }
    assert contents["policy_changes"]["changes"][0]["title"] == "Tighten the CBRN threshold"
    assert contents["period"] == {"start": "2026-07-01", "end": "2026-09-30"}


def test_noncompliance_about_the_rso_is_left_out_of_the_rsos_report(records):
    contents = quarterly_report_contents(*Q3, now=at("2026-10-05T00:00"))
    noncompliance = contents["noncompliance"]
    # Not even counted: a draft the RSO refreshes must not tell them one was filed.
    assert noncompliance["counts"]["filed"] == 1
    assert noncompliance["counts"]["anonymous"] == 1
    assert [item["summary"] for item in noncompliance["items"]] == [
        "Evals skipped before a release"
    ]
    # Only the day of filing: an exact time could point at an anonymous reporter.
    assert noncompliance["items"][0]["filed_on"] == "2026-07-03"
    assert "signed off" not in json.dumps(contents)
    assert "09:17" not in json.dumps(noncompliance)


def test_what_was_open_during_the_quarter_stays_in_it_after_closing(records, people):
    """A pause active from May to 10 October and an escalation overdue since June, closed on
    5 October, belong to Q3's report even when it is generated later in October."""
    model = records["model"]
    Restriction.objects.filter(model=model).delete()
    Restriction.objects.create(
        model=model,
        kind=RestrictionKind.PAUSE_TRAINING,
        state=RestrictionState.LIFTED,
        reason="Until the assessment is done.",
        activated_at=at("2026-05-01T00:00"),
        lifted_at=at("2026-10-10T00:00"),
    )
    Restriction.objects.update(created_at=at("2026-04-30T00:00"))
    Escalation.objects.filter(pk=records["overdue"].pk).update(
        opened_at=at("2026-06-01T00:00"),
        due_at=at("2026-06-30T00:00"),
        closed_at=at("2026-10-05T00:00"),
        state=EscalationState.RESOLVED,
    )
    contents = quarterly_report_contents(*Q3, now=at("2026-10-20T00:00"))
    assert [item["kind"] for item in contents["restrictions"]] == ["Pause training"]
    late = [
        item for item in contents["escalations"]["items"] if item["id"] == records["overdue"].pk
    ]
    assert late and late[0]["overdue"] is True  # overdue at the quarter's end
    assert contents["as_of"].startswith("2026-10-01 00:00")
    assert any(item["what"] == "Escalation" for item in contents["overdue"])


@pytest.mark.parametrize(
    "role", [Role.CEO, Role.BOARD_DIRECTOR, Role.TRUSTEE, Role.AUDITOR, Role.SAFETY_STAFF]
)
def test_only_the_rso_drafts_the_report(make_user, role):
    with pytest.raises(PermissionDenied):
        quarterly_report_draft(actor=make_user(role), year=2026, quarter=3)


def test_a_quarter_has_one_report_and_must_have_begun(people, frameworks):
    quarterly_report_draft(actor=people["rso"], year=2026, quarter=3)
    with pytest.raises(ValidationError, match="exists already"):
        quarterly_report_draft(actor=people["rso"], year=2026, quarter=3)
    with pytest.raises(ValidationError, match="not begun"):
        quarterly_report_draft(actor=people["rso"], year=2099, quarter=1)
    assert QuarterlyReport.objects.count() == 1


@pytest.fixture
def draft(people, records):
    report = quarterly_report_draft(actor=people["rso"], year=2026, quarter=3)
    return quarterly_report_annotate(
        actor=people["rso"],
        report=report,
        commentary="A quarter with one crossing handled in time.",
        deficiencies="The comprehensive assessment of Frontier-7 is late.\n\n"
        "A safeguards report lapsed before its renewal.\n",
    )


def test_deficiencies_are_kept_one_per_line(draft):
    assert draft.deficiencies == [
        "The comprehensive assessment of Frontier-7 is late.",
        "A safeguards report lapsed before its renewal.",
    ]


@pytest.mark.parametrize("role", [Role.CEO, Role.BOARD_DIRECTOR, Role.AUDITOR])
def test_only_the_rso_annotates_refreshes_and_issues(draft, make_user, role):
    someone = make_user(role)
    with pytest.raises(PermissionDenied):
        quarterly_report_annotate(actor=someone, report=draft, commentary="x", deficiencies=[])
    with pytest.raises(PermissionDenied):
        quarterly_report_refresh(actor=someone, report=draft)
    with pytest.raises(PermissionDenied):
        quarterly_report_issue(actor=someone, report=draft)


def test_issuing_freezes_the_report_and_sends_it_to_directors_and_trustees(
    draft, people, make_user
):
    # Holding the role is not sitting: a nominee without a term and a director without a seat.
    make_user(Role.TRUSTEE, username="nominee")
    make_user(Role.BOARD_DIRECTOR, username="unseated")
    report = quarterly_report_issue(actor=people["rso"], report=draft)

    assert report.state == QuarterlyReportState.ISSUED
    assert report.content_sha256 == content_digest(report)
    assert set(report.recipients.all()) == {people["director"], people["trustee"]}
    assert set(
        Notification.objects.filter(event_type="quarterly_report.issued").values_list(
            "user__username", flat=True
        )
    ) == {"director", "trustee"}
    issued = AuditEvent.objects.get(action="quarterly_report.issued")
    assert issued.after["sha256"] == report.content_sha256
    # The "report due" escalation of the following quarter is resolved by issuing.
    due = Escalation.objects.get(kind=EscalationKind.RSO_REPORT_DUE)
    assert due.state == EscalationState.RESOLVED

    with pytest.raises(TransitionNotAllowed):
        quarterly_report_annotate(
            actor=people["rso"], report=report, commentary="changed", deficiencies=[]
        )
    with pytest.raises(TransitionNotAllowed):
        quarterly_report_refresh(actor=people["rso"], report=report)
    # Records changing later do not change what was issued.
    NoncomplianceReport.objects.update(summary="edited later")
    report.refresh_from_db()
    assert "edited later" not in json.dumps(report.contents)
    assert content_digest(report) == report.content_sha256


def test_the_digest_covers_the_commentary_and_deficiencies(draft):
    before = content_digest(draft)
    draft.deficiencies = [*draft.deficiencies, "One more."]
    assert content_digest(draft) != before


def test_a_report_is_issued_only_after_its_quarter_with_commentary(people, frameworks, make_user):
    now = timezone.now()
    year, quarter = now.year, (now.month - 1) // 3 + 1
    current = quarterly_report_draft(actor=people["rso"], year=year, quarter=quarter)
    quarterly_report_annotate(actor=people["rso"], report=current, commentary="c", deficiencies=[])
    with pytest.raises(TransitionNotAllowed, match="yet"):
        quarterly_report_issue(actor=people["rso"], report=current)
    past = quarterly_report_draft(actor=people["rso"], year=2026, quarter=1)
    with pytest.raises(ValidationError, match="commentary"):
        quarterly_report_issue(actor=people["rso"], report=past)
    assert QuarterlyReport.objects.filter(state=QuarterlyReportState.ISSUED).count() == 0


def test_acknowledgements_by_recipients_only_and_once(draft, people, make_user):
    report = quarterly_report_issue(actor=people["rso"], report=draft)
    quarterly_report_acknowledge(actor=people["director"], report=report, note="Read.")
    with pytest.raises(TransitionNotAllowed, match="already"):
        quarterly_report_acknowledge(actor=people["director"], report=report)
    for outsider in (people["auditor"], people["ceo"], make_user(Role.BOARD_DIRECTOR)):
        with pytest.raises(PermissionDenied):
            quarterly_report_acknowledge(actor=outsider, report=report)
    with pytest.raises(PermissionDenied):
        quarterly_report_acknowledge(actor=SYSTEM, report=report)
    assert list(report.acknowledgements.values_list("user__username", "note")) == [
        ("director", "Read.")
    ]
    assert AuditEvent.objects.filter(action="quarterly_report.acknowledged").count() == 1


def test_a_draft_cannot_be_acknowledged(draft, people):
    draft.recipients.add(people["director"])
    with pytest.raises(TransitionNotAllowed):
        quarterly_report_acknowledge(actor=people["director"], report=draft)


def test_the_system_drafts_last_quarters_report_once_when_a_quarter_begins(people, frameworks):
    report = quarterly_report_prepare_due(now=at("2026-10-02T06:00"))
    assert (report.year, report.quarter, report.created_by) == (2026, 3, None)
    assert Notification.objects.filter(
        event_type="quarterly_report.drafted", user=people["rso"]
    ).exists()
    assert quarterly_report_prepare_due(now=at("2026-10-02T12:00")) is None
    january = quarterly_report_prepare_due(now=at("2027-01-03T00:00"))
    assert (january.year, january.quarter) == (2026, 4)
    assert AuditEvent.objects.filter(action="quarterly_report.drafted").count() == 2


# The PDF


def pdf_text(data: bytes) -> str:
    """The text drawn on the PDF's pages (ReportLab writes ASCII85 over zlib streams)."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        stream = stream.strip()
        if stream.endswith(b"~>"):
            stream = zlib.decompress(base64.a85decode(stream[:-2]))
        chunks.append(stream.decode("latin-1"))
    return " ".join(re.findall(r"\((.*?)\) Tj", "\n".join(chunks)))


def test_the_pdf_states_the_same_record_as_the_page(draft, people):
    report = quarterly_report_issue(actor=people["rso"], report=draft)
    data = quarterly_report_pdf(report)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert report.content_sha256 in text
    assert "The comprehensive assessment of Frontier-7 is late." in text
    for section in report_sections(report.contents):
        assert section.title in text
    assert "Comprehensive assessment due for Frontier-7" in text


# Pages


def test_the_rso_drafts_annotates_and_issues_through_the_pages(client, people, records):
    client.force_login(people["rso"])
    response = client.post(reverse("quarterly-report-create"), {"year": 2026, "quarter": 3})
    report = QuarterlyReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    step = lambda name, **data: client.post(  # noqa: E731
        reverse("quarterly-report-step", args=[report.pk, name]), data, follow=True
    )
    step("annotate", commentary="All in order.", deficiencies="One late review")
    page = step("issue")
    assert page.status_code == 200
    report.refresh_from_db()
    assert report.state == QuarterlyReportState.ISSUED
    assert report.deficiencies == ["One late review"]
    assert report.content_sha256 in page.content.decode()


def test_the_page_shows_issue_errors_as_messages(client, people, frameworks):
    report = quarterly_report_draft(actor=people["rso"], year=2026, quarter=2)
    client.force_login(people["rso"])
    page = client.post(
        reverse("quarterly-report-step", args=[report.pk, "issue"]), follow=True
    ).content.decode()
    assert "Add your commentary" in page


def test_drafts_are_not_shown_to_directors(client, people, draft):
    client.force_login(people["director"])
    assert client.get(draft.get_absolute_url()).status_code == 403
    assert client.get(reverse("quarterly-report-pdf", args=[draft.pk])).status_code == 403
    assert "2026-Q3" not in client.get(reverse("quarterly-report-list")).content.decode()
    client.force_login(people["ceo"])
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_a_recipient_acknowledges_on_the_page(client, people, draft):
    report = quarterly_report_issue(actor=people["rso"], report=draft)
    client.force_login(people["trustee"])
    assert (
        "awaiting your acknowledgement"
        in client.get(reverse("quarterly-report-list")).content.decode()
    )
    page = client.get(report.get_absolute_url()).content.decode()
    assert "I have received and read this report" in page
    assert "Evals skipped before a release" in page
    client.post(reverse("quarterly-report-step", args=[report.pk, "acknowledge"]), {"note": "ok"})
    assert report.acknowledgements.get().user == people["trustee"]
    listing = client.get(reverse("quarterly-report-list")).content.decode()
    assert "1 of 2" in listing and "awaiting your acknowledgement" not in listing


def test_the_pdf_download(client, people, draft):
    client.force_login(people["rso"])
    response = client.get(reverse("quarterly-report-pdf", args=[draft.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="rso-report-2026-Q3-draft.pdf"' in response["Content-Disposition"]
    assert "DRAFT" in pdf_text(response.content)


def test_staff_without_a_reading_role_cannot_see_reports(client, people, draft):
    client.force_login(people["staff"])
    assert client.get(reverse("quarterly-report-list")).status_code == 403


# API


def test_api_drafts_annotates_issues_and_acknowledges(api, people, records):
    url = "/api/v1/quarterly-reports/"
    rso = api(people["rso"])
    created = rso.post(url, {"year": 2026, "quarter": 3})
    assert created.status_code == 201, created.content
    report = created.json()
    assert report["label"] == "2026-Q3" and report["contents"]["summary"]["overdue_items"] == 2
    detail = f"{url}{report['id']}/"
    annotated = rso.post(
        f"{detail}annotate/",
        {"commentary": "Fine.", "deficiencies": ["Late assessment"]},
    )
    assert annotated.json()["deficiencies"] == ["Late assessment"]
    issued = rso.post(f"{detail}issue/").json()
    assert issued["state"] == "issued" and len(issued["content_sha256"]) == 64
    director = api(people["director"])
    acknowledged = director.post(f"{detail}acknowledge/", {})
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledgements"][0]["user"] == str(people["director"])
    again = director.post(f"{detail}acknowledge/", {})
    assert again.status_code == 400 and "already" in again.content.decode()
    pdf = director.get(f"{detail}pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2026, "quarter": 5}, "quarter"),
        ({"year": "soon", "quarter": 1}, "year"),
        ({"quarter": 1}, "year"),
        ([1, 2], "detail"),
    ],
)
def test_api_rejects_bad_draft_input_naming_the_field(api, people, body, field):
    response = api(people["rso"]).post("/api/v1/quarterly-reports/", body)
    assert response.status_code == 400
    assert field in response.json()


def test_api_rejects_deficiencies_that_are_not_a_list(api, people, draft):
    response = api(people["rso"]).post(
        f"/api/v1/quarterly-reports/{draft.pk}/annotate/",
        {"commentary": "x", "deficiencies": "one"},
    )
    assert response.status_code == 400 and "deficiencies" in response.json()


def test_api_refusals(api, people, draft):
    url = f"/api/v1/quarterly-reports/{draft.pk}/"
    assert api(people["director"]).get(url).status_code == 404  # drafts are hidden
    assert api(people["ceo"]).post(f"{url}issue/").status_code == 403
    assert api(people["staff"]).get("/api/v1/quarterly-reports/").status_code == 403
    assert api(people["rso"]).get("/api/v1/quarterly-reports/abc/").status_code == 404
    early = api(people["rso"]).post("/api/v1/quarterly-reports/", {"year": 2099, "quarter": 1})
    assert early.status_code == 400 and "not begun" in early.content.decode()


def test_api_list_queries_do_not_grow_with_reports(
    api, people, frameworks, django_assert_max_num_queries
):
    rso = api(people["rso"])
    quarterly_report_draft(actor=people["rso"], year=2025, quarter=1)
    with django_assert_max_num_queries(12) as few:
        rso.get("/api/v1/quarterly-reports/")
    for quarter in (2, 3, 4):
        quarterly_report_draft(actor=people["rso"], year=2025, quarter=quarter)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = rso.get("/api/v1/quarterly-reports/")
    assert response.json()["count"] == 4


def test_no_report_due_escalation_once_last_quarters_report_is_issued(draft, people):
    quarterly_report_issue(actor=people["rso"], report=draft)
    Escalation.objects.filter(kind=EscalationKind.RSO_REPORT_DUE).delete()
    assert rso_report_due_check(now=at("2026-10-02T04:00")) is None
    assert rso_report_due_check(now=at("2027-01-02T04:00")) is not None  # Q4's is not issued


def test_the_due_escalation_uses_the_sites_time_zone(settings, frameworks):
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: 30 September 11:00 UTC is 1 October
    escalation = rso_report_due_check(now=at("2026-09-30T11:00"))
    assert escalation.subject == "RSO report 2026-Q4"


def test_a_long_cell_continues_on_the_next_page_of_the_pdf(draft, people):
    Restriction.objects.update(reason="A very long reason. " * 400)
    report = quarterly_report_refresh(actor=people["rso"], report=draft)
    assert quarterly_report_pdf(report).startswith(b"%PDF")


def test_the_pdf_embeds_the_configured_truetype_font(draft, settings, monkeypatch):
    import reportlab

    monkeypatch.undo()  # the real font choice, not the built-in one the other tests use
    settings.REPORT_PDF_FONT = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")
    draft.commentary = "Ünïcødé & <tags> stay text."
    data = quarterly_report_pdf(draft)
    assert b"BitstreamVeraSans" in data
    settings.REPORT_PDF_FONT = "/nonexistent/font.ttf"
    assert quarterly_report_pdf(draft).startswith(b"%PDF")  # falls back, never fails
