"""The board's named reads where they hold logic of their own: who may read which quarterly
reports, the counts a list carries, the filters by state, and the orders the page and the API
share a read under."""

import datetime as dt

import pytest
from django.utils import timezone

from governance.board.models import (
    ConflictDeclaration,
    Director,
    Meeting,
    Motion,
    PolicyChange,
    QuarterlyReport,
    QuarterlyReportAcknowledgement,
)
from governance.board.selectors import (
    conflict_declarations_list,
    directors_list,
    meetings_list,
    policy_changes_list,
    quarterly_report_detail_for,
    quarterly_report_recipients,
    quarterly_reports_awaiting_acknowledgement,
    quarterly_reports_for,
)
from governance.choices import (
    ConflictKind,
    MeetingState,
    PolicyChangeState,
    QuarterlyReportState,
    Role,
    SeatType,
)
from governance.dates import quarter_bounds

pytestmark = pytest.mark.django_db


def _report(year: int, quarter: int, **fields) -> QuarterlyReport:
    start, end = quarter_bounds(year, quarter)
    return QuarterlyReport.objects.create(
        year=year, quarter=quarter, period_start=start, period_end=end, **fields
    )


@pytest.fixture
def reports(make_user):
    director = make_user(Role.BOARD_DIRECTOR, username="director", last_name="Young")
    trustee = make_user(Role.TRUSTEE, username="trustee", last_name="Adams")
    issued = _report(2026, 1, state=QuarterlyReportState.ISSUED)
    issued.recipients.set([director, trustee])
    QuarterlyReportAcknowledgement.objects.create(report=issued, user=trustee, at=timezone.now())
    draft = _report(2026, 2)
    return {"director": director, "trustee": trustee, "issued": issued, "draft": draft}


def test_quarterly_reports_for_the_rso_include_drafts_newest_first(reports, make_user):
    listed = list(quarterly_reports_for(make_user(Role.RSO)))
    assert listed == [reports["draft"], reports["issued"]]
    counts = [(r.recipient_count, r.acknowledgement_count) for r in listed]
    assert counts == [(0, 0), (2, 1)]


def test_quarterly_reports_for_directors_are_the_issued_ones(reports):
    assert list(quarterly_reports_for(reports["director"])) == [reports["issued"]]
    assert list(quarterly_report_detail_for(reports["director"])) == [reports["issued"]]


def test_quarterly_reports_for_a_person_without_a_reading_role_are_none(reports, make_user):
    assert list(quarterly_reports_for(make_user())) == []


def test_quarterly_reports_awaiting_acknowledgement_are_those_not_yet_acknowledged(reports):
    assert list(quarterly_reports_awaiting_acknowledgement(reports["director"])) == [
        reports["issued"]
    ]
    assert list(quarterly_reports_awaiting_acknowledgement(reports["trustee"])) == []


def test_quarterly_report_recipients_are_by_last_name(reports):
    assert list(quarterly_report_recipients(reports["issued"])) == [
        reports["trustee"],
        reports["director"],
    ]


def test_meetings_list_counts_attendees_and_motions_and_filters_by_state(make_user):
    chair = make_user(Role.BOARD_DIRECTOR, username="chair")
    other = make_user(Role.BOARD_DIRECTOR, username="other")
    now = timezone.now()
    held = Meeting.objects.create(
        title="Held",
        scheduled_for=now - dt.timedelta(days=7),
        state=MeetingState.HELD,
        convened_by=chair,
    )
    held.attendees.set([chair, other])
    for title in ("First", "Second"):
        motion = Motion.objects.create(title=title, meeting=held, opened_by=chair, opened_at=now)
        motion.sitting.set([chair, other])
    coming = Meeting.objects.create(
        title="Coming", scheduled_for=now + dt.timedelta(days=7), convened_by=chair
    )
    listed = [(m, m.attendee_count, m.motion_count) for m in meetings_list()]
    assert listed == [(coming, 0, 0), (held, 2, 2)]
    assert list(meetings_list(state=MeetingState.HELD)) == [held]


def test_policy_changes_list_is_newest_first_and_filters_by_state(make_user, frameworks):
    author = make_user(Role.RSO)
    changes = [
        PolicyChange.objects.create(
            title=title,
            version=frameworks["2.2"],
            rationale="Why.",
            changelog_entry="What.",
            effective_from=timezone.now() + dt.timedelta(days=30),
            created_by=author,
            state=state,
        )
        for title, state in (
            ("Older", PolicyChangeState.DRAFT),
            ("Newer", PolicyChangeState.PROPOSED),
        )
    ]
    assert list(policy_changes_list()) == changes[::-1]
    assert list(policy_changes_list(state=PolicyChangeState.DRAFT)) == changes[:1]


def test_the_conflicts_register_by_declarer_name_or_by_declarer_id(make_user):
    # Created in this order, so the id order and the username order differ.
    zed, amy = make_user(Role.TRUSTEE, username="zed"), make_user(Role.TRUSTEE, username="amy")
    today = timezone.localdate()
    rows = {
        (person.username, organisation): ConflictDeclaration.objects.create(
            user=person,
            organisation=organisation,
            relationship="Adviser",
            kind=ConflictKind.FINANCIAL,
            starts_on=today,
        )
        for person in (zed, amy)
        for organisation in ("Beta", "Acme")
    }
    by_id = [rows["zed", "Acme"], rows["zed", "Beta"], rows["amy", "Acme"], rows["amy", "Beta"]]
    assert list(conflict_declarations_list()) == by_id
    assert list(conflict_declarations_list(by_name=True)) == by_id[2:] + by_id[:2]


def test_directors_list_by_term_start_or_latest_first(make_user):
    first, second = make_user(Role.BOARD_DIRECTOR), make_user(Role.BOARD_DIRECTOR)
    seats = [
        Director.objects.create(user=person, seat_type=SeatType.TRUST, term_start=start)
        for person, start in ((second, dt.date(2025, 6, 1)), (first, dt.date(2024, 1, 1)))
    ]
    assert list(directors_list()) == seats[::-1]
    assert list(directors_list(newest_first=True)) == seats
