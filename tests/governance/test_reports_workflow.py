"""The declarations of the safeguards report, the noncompliance report and the RSO's quarterly
report: pages, the API and the services agree on who may take each step, and each state says
what it awaits."""

# ruff: noqa: F811  (the fixtures imported from other test packages)

import datetime as dt

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance.board.services.quarterly_reports import (
    quarterly_report_acknowledge,
    quarterly_report_annotate,
    quarterly_report_draft,
    quarterly_report_issue,
)
from governance.board.workflows.reports import QUARTERLY_REPORT
from governance.choices import NoncomplianceState, QuarterlyReportState, Role
from governance.dates import previous_quarter, quarter_of
from governance.determinations.models import SafeguardsReport
from governance.determinations.services.safeguards import (
    safeguards_report_approve,
    safeguards_report_create,
    safeguards_report_submit,
    safeguards_report_update,
)
from governance.determinations.workflows.safeguards import APPROVAL, SAFEGUARDS_REPORT
from governance.errors import TransitionNotAllowed
from governance.oversight.services.escalations import rso_report_due_check
from governance.oversight.services.noncompliance import (
    noncompliance_conclude,
    noncompliance_investigate,
    noncompliance_report_file,
)
from governance.oversight.workflows.noncompliance import NONCOMPLIANCE
from tests.evals.conftest import snapshot  # noqa: F401
from tests.oversight.conftest import officers, run_on_commit  # noqa: F401

pytestmark = pytest.mark.django_db

ROLES = ["rso", "ceo", "safety", "reviewer", "director", "trustee", "auditor"]


# Safeguards reports


@pytest.fixture
def standard(frameworks):
    return frameworks["2.2"].safeguards.get(code="ASL-3-Security")


def _safeguards_draft(author, snapshot, standard):
    evidence = {criterion.code: "Done." for criterion in standard.criteria.all()}
    return safeguards_report_create(
        actor=author, model=snapshot.model, standard=standard, summary="Met.", evidence=evidence
    )


@pytest.fixture
def submitted(officers, snapshot, standard):
    report = _safeguards_draft(officers["safety"], snapshot, standard)
    return safeguards_report_submit(actor=officers["safety"], report=report)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_approve_is_what_the_service_allows(officers, submitted, role):
    person = officers[role]
    offered = "approve" in SAFEGUARDS_REPORT.actions(person, submitted)
    assert offered == (role in ("rso", "ceo"))
    assert rules.test_rule("safeguards_report.approve", person, submitted) == offered
    if offered:
        safeguards_report_approve(actor=person, report=submitted)
        submitted.refresh_from_db()
        assert APPROVAL.signed_slots(submitted) == [role]
    else:
        with pytest.raises(PermissionDenied):
            safeguards_report_approve(actor=person, report=submitted)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_submits_and_edits_a_draft(officers, snapshot, standard, role):
    report = _safeguards_draft(officers["safety"], snapshot, standard)
    offered = SAFEGUARDS_REPORT.actions(officers[role], report)
    assert ("submit" in offered) == ("edit" in offered) == (role == "safety")
    if role != "safety":
        # Auditors take no step at all; the others are refused as not its author.
        auditor = role == "auditor"
        with pytest.raises(
            PermissionDenied, match="Auditors read" if auditor else "Only its author submits"
        ):
            safeguards_report_submit(actor=officers[role], report=report)
        with pytest.raises(
            PermissionDenied, match="Auditors read" if auditor else "Only its author edits"
        ):
            safeguards_report_update(actor=officers[role], report=report, summary="x")


def test_an_author_who_is_an_officer_is_not_offered_the_approval(
    officers, snapshot, standard, make_user
):
    author = make_user(Role.SAFETY_STAFF, Role.RSO, username="author-rso")
    report = safeguards_report_submit(
        actor=author, report=_safeguards_draft(author, snapshot, standard)
    )
    assert "approve" not in SAFEGUARDS_REPORT.actions(author, report)
    with pytest.raises(TransitionNotAllowed, match="author of a report does not approve"):
        safeguards_report_approve(actor=author, report=report)
    # Nor is the author among those it awaits.
    waiting = SAFEGUARDS_REPORT.awaiting(report)
    assert author not in waiting.who and officers["rso"] in waiting.who


def test_after_approving_the_page_no_longer_offers_it_and_it_awaits_the_other(
    client, officers, submitted
):
    url = submitted.get_absolute_url()
    client.force_login(officers["rso"])
    assert "Approve</button>" in client.get(url).content.decode()
    client.post(reverse("safeguards-step", args=[submitted.pk, "approve"]))
    submitted.refresh_from_db()
    assert submitted.approval_rso == officers["rso"]
    page = client.get(url).content.decode()
    assert "Approve</button>" not in page
    assert "Awaits the CEO&#x27;s signature: ceo." in page
    with pytest.raises(TransitionNotAllowed, match="You have signed already"):
        safeguards_report_approve(actor=officers["rso"], report=submitted)
    client.force_login(officers["ceo"])
    assert "Approve</button>" in client.get(url).content.decode()
    client.post(reverse("safeguards-step", args=[submitted.pk, "approve"]))
    submitted.refresh_from_db()
    assert submitted.state == "approved"
    assert "Approve</button>" not in client.get(url).content.decode()


def test_the_safeguards_api_gives_actions_and_awaiting_on_one_report_only(api, officers, submitted):
    url = f"/api/v1/safeguards-reports/{submitted.pk}/"
    detail = api(officers["ceo"]).get(url).json()
    assert detail["actions"] == ["approve"]
    assert detail["awaiting"] == {
        "what": "the RSO's and the CEO's signatures",
        "who": ["ceo", "rso"],
        "due": None,
    }
    assert api(officers["safety"]).get(url).json()["actions"] == []
    approved = api(officers["rso"]).post(f"{url}approve/").json()
    assert approved["actions"] == []  # the RSO has signed
    assert approved["awaiting"]["what"] == "the CEO's signature"
    listed = api(officers["ceo"]).get("/api/v1/safeguards-reports/").json()["results"]
    assert "actions" not in listed[0] and "awaiting" not in listed[0]


def test_safeguards_awaiting_by_state(officers, snapshot, standard, submitted):
    draft = _safeguards_draft(officers["safety"], snapshot, standard)
    waiting = SAFEGUARDS_REPORT.awaiting(draft)
    assert waiting.what == "its author to give evidence for every criterion and submit it"
    assert list(waiting.who) == [officers["safety"]]
    for who in ("rso", "ceo"):
        safeguards_report_approve(actor=officers[who], report=submitted)
    submitted.refresh_from_db()
    # In force for a year: nothing awaited until the reminder's window opens.
    assert SAFEGUARDS_REPORT.awaiting(submitted) is None
    assert "remind_expiry" not in SAFEGUARDS_REPORT.actions(officers["rso"], submitted)
    lapses = timezone.now() + dt.timedelta(days=10)
    SafeguardsReport.objects.filter(pk=submitted.pk).update(valid_until=lapses)
    submitted.refresh_from_db()
    waiting = SAFEGUARDS_REPORT.awaiting(submitted)
    assert waiting.what == "a renewed report, approved before this one lapses"
    assert waiting.due == lapses and list(waiting.who) == [officers["rso"]]


def test_the_reminder_is_the_systems_step_and_given_once(officers, submitted, run_on_commit):  # noqa: F811
    from governance.audit import SYSTEM
    from governance.determinations.services.safeguards import safeguards_expiry_remind

    for who in ("rso", "ceo"):
        safeguards_report_approve(actor=officers[who], report=submitted)
    submitted.refresh_from_db()
    with pytest.raises(PermissionDenied):
        SAFEGUARDS_REPORT.require(officers["rso"], submitted, "remind_expiry")
    SAFEGUARDS_REPORT.require(SYSTEM, submitted, "remind_expiry")
    soon = submitted.valid_until - dt.timedelta(days=5)
    assert run_on_commit(safeguards_expiry_remind, now=soon) == 1
    submitted.refresh_from_db()
    with pytest.raises(TransitionNotAllowed, match="reminded already"):
        SAFEGUARDS_REPORT.require(SYSTEM, submitted, "remind_expiry")


def test_the_new_report_button_follows_the_create_rule(client, officers, frameworks):
    for role in ROLES:
        client.force_login(officers[role])
        page = client.get(reverse("safeguards-list")).content.decode()
        assert ("New report" in page) == (role == "safety"), role


# Noncompliance reports


@pytest.fixture
def received(officers):
    return noncompliance_report_file(
        actor=officers["safety"],
        summary="Evals skipped",
        details="The suite was not run.",
        anonymous=False,
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_may_investigate_is_what_the_service_allows(officers, received, role):
    person = officers[role]
    offered = "investigate" in NONCOMPLIANCE.actions(person, received)
    assert offered == (role == "rso")
    assert rules.test_rule("noncompliance.investigate", person, received) == offered
    if offered:
        assert noncompliance_investigate(actor=person, report=received).handler == person
    else:
        with pytest.raises(PermissionDenied):
            noncompliance_investigate(actor=person, report=received)


@pytest.mark.parametrize("role", ROLES)
def test_a_report_about_the_rso_is_the_boards(officers, role):
    report = noncompliance_report_file(
        actor=officers["safety"],
        summary="About the RSO",
        details="...",
        concerns_rso=True,
        anonymous=True,
    )
    offered = "investigate" in NONCOMPLIANCE.actions(officers[role], report)
    assert offered == (role == "director")  # the only director; no chair recorded
    if not offered:
        with pytest.raises(PermissionDenied):
            noncompliance_investigate(actor=officers[role], report=report)
    waiting = NONCOMPLIANCE.awaiting(report)
    assert waiting.what == "an investigation by the board"
    assert list(waiting.who) == [officers["director"]]


def test_the_reporter_is_never_offered_their_own_report(officers, make_user):
    rso_reporter = make_user(Role.RSO, username="rso-2")
    report = noncompliance_report_file(
        actor=rso_reporter, summary="s", details="d", anonymous=False
    )
    assert NONCOMPLIANCE.actions(rso_reporter, report) == {}
    with pytest.raises(PermissionDenied, match="someone else handles it"):
        noncompliance_investigate(actor=rso_reporter, report=report)
    assert rso_reporter not in NONCOMPLIANCE.awaiting(report).who


def test_the_case_page_moves_on_with_the_investigation(client, officers, received):
    client.force_login(officers["rso"])
    url = received.get_absolute_url()
    page = client.get(url).content.decode()
    assert "Start the investigation</button>" in page and ">Conclude</button>" not in page
    assert "Awaits an investigation by the RSO: rso." in page
    client.post(reverse("noncompliance-step", args=[received.pk, "investigate"]))
    page = client.get(url).content.decode()
    assert "Start the investigation</button>" not in page and ">Conclude</button>" in page
    assert "Awaits the findings of the investigation: rso." in page
    noncompliance_conclude(
        actor=officers["rso"], report=received, substantiated=False, findings="Not so."
    )
    received.refresh_from_db()
    assert received.state == NoncomplianceState.UNSUBSTANTIATED
    assert NONCOMPLIANCE.actions(officers["rso"], received) == {}
    assert NONCOMPLIANCE.awaiting(received) is None
    assert ">Conclude</button>" not in client.get(url).content.decode()


def test_the_noncompliance_api_gives_actions_and_awaiting(api, officers, received):
    url = f"/api/v1/noncompliance-reports/{received.pk}/"
    detail = api(officers["rso"]).get(url).json()
    assert detail["actions"] == ["investigate"]
    assert detail["awaiting"] == {
        "what": "an investigation by the RSO",
        "who": ["rso"],
        "due": None,
    }
    assert api(officers["auditor"]).get(url).json()["actions"] == []
    started = api(officers["rso"]).post(f"{url}investigate/").json()
    assert started["actions"] == ["conclude"]
    assert started["awaiting"]["what"] == "the findings of the investigation"
    listed = api(officers["rso"]).get("/api/v1/noncompliance-reports/").json()["results"]
    assert "actions" not in listed[0]


# Quarterly reports


@pytest.fixture
def last_quarter(officers, frameworks):
    year, quarter = previous_quarter(*quarter_of(timezone.now()))
    return quarterly_report_draft(actor=officers["rso"], year=year, quarter=quarter)


@pytest.fixture
def issued(officers, last_quarter):
    quarterly_report_annotate(
        actor=officers["rso"], report=last_quarter, commentary="Fine.", deficiencies=[]
    )
    return quarterly_report_issue(actor=officers["rso"], report=last_quarter)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_issue_is_what_the_service_allows(officers, last_quarter, role):
    person = officers[role]
    quarterly_report_annotate(
        actor=officers["rso"], report=last_quarter, commentary="Fine.", deficiencies=[]
    )
    offered = QUARTERLY_REPORT.actions(person, last_quarter)
    assert ("issue" in offered) == ("annotate" in offered) == (role == "rso")
    assert rules.test_rule("quarterly_report.issue", person, last_quarter) == ("issue" in offered)
    if role == "rso":
        report = quarterly_report_issue(actor=person, report=last_quarter)
        assert report.state == QuarterlyReportState.ISSUED
    else:
        with pytest.raises(PermissionDenied):
            quarterly_report_issue(actor=person, report=last_quarter)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_acknowledge_is_what_the_service_allows(officers, issued, role):
    person = officers[role]
    offered = "acknowledge" in QUARTERLY_REPORT.actions(person, issued)
    assert offered == (role in ("director", "trustee"))
    if offered:
        quarterly_report_acknowledge(actor=person, report=issued)
        assert "acknowledge" not in QUARTERLY_REPORT.actions(person, issued)
    else:
        with pytest.raises(PermissionDenied):
            quarterly_report_acknowledge(actor=person, report=issued)


def test_the_draft_awaits_the_rso_by_the_due_escalation(officers, last_quarter):
    waiting = QUARTERLY_REPORT.awaiting(last_quarter)
    assert waiting.what == "the RSO's commentary and issue to the board and the Trust"
    assert list(waiting.who) == [officers["rso"]]
    escalation = rso_report_due_check()
    assert QUARTERLY_REPORT.awaiting(last_quarter).due == escalation.due_at
    with pytest.raises(TransitionNotAllowed, match="Cannot acknowledge a report that has not"):
        last_quarter.recipients.add(officers["director"])
        quarterly_report_acknowledge(actor=officers["director"], report=last_quarter)


def test_the_page_drops_the_acknowledgement_once_given(client, officers, issued):
    url = issued.get_absolute_url()
    button = "I have received and read this report"
    client.force_login(officers["director"])
    page = client.get(url).content.decode()
    assert button in page
    assert "Awaits acknowledgement by 2 more of the directors and trustees" in page
    client.post(reverse("quarterly-report-step", args=[issued.pk, "acknowledge"]))
    page = client.get(url).content.decode()
    assert button not in page
    assert "Awaits acknowledgement by 1 more of the directors and trustees" in page
    client.force_login(officers["rso"])
    page = client.get(url).content.decode()
    assert button not in page and "Save commentary" not in page
    with pytest.raises(TransitionNotAllowed, match="Cannot issue it: the report has been issued"):
        quarterly_report_issue(actor=officers["rso"], report=issued)
    quarterly_report_acknowledge(actor=officers["trustee"], report=issued)
    assert QUARTERLY_REPORT.awaiting(issued) is None


def test_the_quarterly_api_gives_actions_and_awaiting(api, officers, issued):
    url = f"/api/v1/quarterly-reports/{issued.pk}/"
    detail = api(officers["trustee"]).get(url).json()
    assert detail["actions"] == ["acknowledge"]
    assert detail["awaiting"]["what"] == (
        "acknowledgement by 2 more of the directors and trustees it was issued to"
    )
    assert detail["awaiting"]["who"] == ["director", "trustee"]
    acknowledged = api(officers["trustee"]).post(f"{url}acknowledge/", {}).json()
    assert acknowledged["actions"] == []
    assert acknowledged["awaiting"]["who"] == ["director"]
    listed = api(officers["rso"]).get("/api/v1/quarterly-reports/").json()["results"]
    assert "actions" not in listed[0]


def test_only_the_rso_is_offered_to_start_a_report(client, officers, frameworks):
    for role in ("rso", "ceo", "director", "auditor"):
        client.force_login(officers[role])
        page = client.get(reverse("quarterly-report-list")).content.decode()
        assert ("Start a report" in page) == (role == "rso"), role
        assert rules.test_rule("quarterly_report.draft", officers[role]) == (role == "rso")
