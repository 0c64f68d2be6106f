"""The escalations list carries risk: each escalation's severity in words, what it awaits and
from whom, the signatures awaited on its restrictions and determinations, and the time left to
acknowledge ("overdue by 2 days"), most urgent first; for a whole page in a fixed number of
queries. The clock stands still at FIXED_NOW."""

import datetime as dt
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.choices import (
    DeterminationState,
    EscalationKind,
    EscalationLevel,
    EscalationState,
    RestrictionKind,
    RestrictionState,
    Role,
    Severity,
)
from governance.determinations.models import Determination
from governance.my_work import time_left_words
from governance.oversight.models import Escalation, Restriction
from governance.oversight.selectors import escalations_by_urgency
from governance.oversight.workflows.escalations import acknowledge_by
from tests.conftest import FIXED_NOW
from tests.factories import AIModelFactory

pytestmark = pytest.mark.django_db

NOW = FIXED_NOW  # 18 Nov 2026, 12:00 UTC
DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
_serial = count(1)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def escalation(
    *,
    opened_ago=dt.timedelta(0),
    due_in=30 * DAY,
    state=EscalationState.OPEN,
    kind=EscalationKind.THRESHOLD,
    severity=Severity.HIGH,
    level=EscalationLevel.ASSIGNEE,
    raised_ago=None,
    model=None,
    title=None,
    updated_ago=dt.timedelta(0),
    closed_ago=None,
) -> Escalation:
    n = next(_serial)
    model = model or AIModelFactory()
    return Escalation.objects.create(
        kind=kind,
        subject=f"subject-{n}",
        scope=f"model:{model.pk}",
        model=model,
        severity=severity,
        state=state,
        level=level,
        title=title or f"Escalation {n}",
        due_at=NOW + due_in,
        opened_at=NOW - opened_ago,
        raised_at=NOW - raised_ago if raised_ago is not None else None,
        closed_at=NOW - closed_ago if closed_ago is not None else None,
        created_at=NOW - opened_ago,
        updated_at=NOW - updated_ago,
    )


def rows_of(client, **params) -> list:
    page = client.get(reverse("escalation-list"), params)
    assert page.status_code == 200
    return page.context["rows"]


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (3 * DAY, "3 days left"),
        (3 * DAY - dt.timedelta(seconds=1), "2 days left"),
        (DAY + 4 * HOUR, "1 day 4 hours left"),
        (DAY, "1 day left"),
        (5 * HOUR + dt.timedelta(minutes=30), "5 hours left"),
        (HOUR, "1 hour left"),
        (dt.timedelta(minutes=59), "59 minutes left"),
        (dt.timedelta(seconds=20), "less than a minute left"),
        (-2 * DAY, "overdue by 2 days"),
        (-(2 * DAY + 3 * HOUR), "overdue by 2 days"),
        (-(DAY + HOUR), "overdue by 1 day 1 hour"),
        (-HOUR, "overdue by 1 hour"),
    ],
)
def test_time_left_words(delta, words):
    assert time_left_words(NOW + delta, NOW) == words


def test_time_left_to_acknowledge_and_overdue_in_words(client_for):
    late = escalation(opened_ago=4 * DAY, title="Late")  # acknowledge by: 2 days ago
    fresh = escalation(opened_ago=HOUR, title="Fresh")  # acknowledge by: in 47 hours
    acknowledged = escalation(state=EscalationState.ACKNOWLEDGED, due_in=5 * DAY, title="Acked")
    escalation(state=EscalationState.RESOLVED, closed_ago=8 * DAY, title="Done")
    client = client_for(Role.BOARD_DIRECTOR)

    rows = {row.escalation.title: row for row in rows_of(client)}
    assert (rows["Late"].time_left, rows["Late"].overdue) == ("overdue by 2 days", True)
    assert rows["Late"].due == late.opened_at + 2 * DAY
    assert (rows["Fresh"].time_left, rows["Fresh"].overdue) == ("1 day 23 hours left", False)
    assert rows["Fresh"].due == fresh.opened_at + 2 * DAY
    assert (rows["Acked"].time_left, rows["Acked"].due) == ("5 days left", acknowledged.due_at)
    assert (rows["Done"].time_left, rows["Done"].due) == ("", None)

    html = client.get(reverse("escalation-list")).content.decode()
    assert '<span class="risk-badge risk-badge-overdue">Overdue by 2 days</span>' in html
    assert "Acknowledge by 16 Nov 2026, 12:00 UTC" in html
    assert '<span class="risk-badge risk-badge-due">1 day 23 hours left</span>' in html
    assert "Resolve by 23 Nov 2026, 12:00 UTC" in html
    assert "Resolved 10 Nov 2026" in html


def test_a_raised_escalation_counts_48_hours_from_its_raise(client_for):
    escalation(opened_ago=10 * DAY, level=EscalationLevel.CEO, raised_ago=3 * DAY, title="Up")
    [row] = rows_of(client_for(Role.CEO))
    assert row.time_left == "overdue by 1 day"
    assert row.awaits == ("acknowledgement by the RSO or the CEO before it is raised further")


def test_what_it_awaits_names_whose_step_it_is(client_for):
    escalation(title="Threshold")
    escalation(kind=EscalationKind.WARNING, severity=Severity.MEDIUM, title="Warning")
    escalation(state=EscalationState.ACKNOWLEDGED, title="Acked")
    client = client_for(Role.RSO)

    rows = {row.escalation.title: row for row in rows_of(client)}
    assert rows["Threshold"].awaits == (
        "acknowledgement by the RSO or the CEO before it is raised to the CEO"
    )
    assert rows["Warning"].awaits == (
        "acknowledgement by the RSO, the CEO or safety staff before it is raised to the CEO"
    )
    assert rows["Acked"].awaits == (
        "a resolution by the RSO or the CEO, with a decided determination on the model"
    )
    html = client.get(reverse("escalation-list")).content.decode()
    assert "Awaits acknowledgement by the RSO or the CEO before it is raised to the CEO" in html
    assert "High severity</span>" in html and "Medium severity</span>" in html


def test_signatures_awaited_on_its_restrictions_and_determinations(
    client_for, make_user, frameworks
):
    robin = make_user(Role.RSO, username="robin")
    casey = make_user(Role.CEO, username="casey")
    crossed = escalation(title="Crossed")
    Restriction.objects.create(
        model=crossed.model,
        kind=RestrictionKind.PAUSE_TRAINING,
        state=RestrictionState.PROPOSED,
        escalation=crossed,
        reason="crossed",
        activation_rso=robin,
    )
    Restriction.objects.create(  # both signed: nothing awaited
        model=crossed.model,
        kind=RestrictionKind.HOLD_DEPLOYMENT,
        state=RestrictionState.ACTIVE,
        escalation=crossed,
        reason="crossed",
        activation_rso=robin,
        activation_ceo=casey,
    )
    determination = Determination.objects.create(
        model=crossed.model,
        framework_version=frameworks["2.2"],
        state=DeterminationState.REVIEWED,
        title="CBRN-4 determination",
        summary="report",
        decision_ceo=casey,
    )
    escalation(title="Quiet")
    client = client_for(Role.SAFETY_STAFF)

    rows = {row.escalation.title: row for row in rows_of(client)}
    assert [(s.what, s.awaits) for s in rows["Crossed"].signatures] == [
        (
            "Pause training (proposed)",
            "a decision by the RSO (robin has signed) and the CEO",
        ),
        ("Determination: CBRN-4 determination", "the RSO's signature"),
    ]
    assert rows["Quiet"].signatures == []
    html = client.get(reverse("escalation-list")).content.decode()
    assert '<span class="risk-badge risk-badge-pending">Pending signatures</span>' in html
    assert "Pause training (proposed)</a>: awaits a decision by the RSO (robin has signed)" in html
    assert f'href="{determination.get_absolute_url()}"' in html


def test_most_urgent_first_then_recently_updated_on_request(client_for):
    closed = escalation(state=EscalationState.DISMISSED, title="Closed", updated_ago=0 * DAY)
    soon = escalation(opened_ago=40 * HOUR, title="Soon", updated_ago=3 * DAY)
    overdue = escalation(opened_ago=5 * DAY, title="Overdue", updated_ago=2 * DAY)
    later = escalation(state=EscalationState.ACKNOWLEDGED, due_in=9 * DAY, title="Later")
    client = client_for(Role.TRUSTEE)

    by_default = [row.escalation.pk for row in rows_of(client)]
    assert by_default == [overdue.pk, soon.pk, later.pk, closed.pk]
    assert [row.escalation.pk for row in rows_of(client, sort="urgent")] == by_default
    recent = [row.escalation.pk for row in rows_of(client, sort="updated")]
    assert recent[-2:] == [overdue.pk, soon.pk]  # oldest updates last
    # Filters keep the order; the sort links keep the filters.
    page = client.get(reverse("escalation-list"), {"severity": "high", "sort": "updated"})
    assert [link["query"] for link in page.context["sort_links"]] == [
        "severity=high&sort=urgent",
        "severity=high&sort=updated",
    ]
    assert 'aria-current="true"><strong>Recently updated first</strong>' in page.content.decode()


def test_an_unknown_sort_is_a_400_that_names_it(client_for):
    escalation()
    page = client_for(Role.RSO).get(reverse("escalation-list"), {"sort": "loudest"})
    assert page.status_code == 400
    assert "Unknown sort &#x27;loudest&#x27;: use &#x27;urgent&#x27; or &#x27;updated&#x27;." in (
        page.content.decode()
    )
    assert page.context["rows"] == []


@pytest.mark.parametrize(
    ("level", "opened_ago", "due_in", "raised_ago"),
    [
        (EscalationLevel.ASSIGNEE, DAY, 30 * DAY, None),
        (EscalationLevel.ASSIGNEE, DAY, 12 * HOUR, None),  # due before the 48 hours end
        (EscalationLevel.CEO, 5 * DAY, 30 * DAY, 2 * DAY),
        (EscalationLevel.BOARD, 9 * DAY, -DAY, 30 * HOUR),
        (EscalationLevel.CEO, 5 * DAY, 30 * DAY, None),
    ],
)
def test_the_sort_key_is_the_workflows_acknowledgement_deadline(
    level, opened_ago, due_in, raised_ago
):
    subject = escalation(level=level, opened_ago=opened_ago, due_in=due_in, raised_ago=raised_ago)
    [annotated] = escalations_by_urgency(Escalation.objects.filter(pk=subject.pk))
    assert annotated.awaited_due == acknowledge_by(subject)


def _escalation_with_signatures(robin, casey, version):
    crossed = escalation()
    Restriction.objects.create(
        model=crossed.model,
        kind=RestrictionKind.PAUSE_TRAINING,
        state=RestrictionState.PROPOSED,
        escalation=crossed,
        reason="crossed",
        activation_rso=robin,
    )
    Restriction.objects.create(
        model=crossed.model,
        kind=RestrictionKind.HOLD_DEPLOYMENT,
        state=RestrictionState.WAIVED,
        escalation=crossed,
        reason="crossed",
        waiver_measures="testers only",
        waiver_until=NOW + 3 * DAY,
        waiver_ceo=casey,
    )
    Determination.objects.create(
        model=crossed.model,
        framework_version=version,
        state=DeterminationState.REVIEWED,
        title="A determination",
        summary="report",
    )


def test_query_count_is_the_same_for_one_escalation_and_twenty(
    client_for, make_user, frameworks, django_assert_max_num_queries
):
    robin = make_user(Role.RSO, username="robin")
    casey = make_user(Role.CEO, username="casey")
    client = client_for(Role.AUDITOR)
    _escalation_with_signatures(robin, casey, frameworks["2.2"])

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("escalation-list")).status_code == 200
    for _ in range(19):
        _escalation_with_signatures(robin, casey, frameworks["2.2"])
    with django_assert_max_num_queries(len(one)):
        page = client.get(reverse("escalation-list"))
    rows = page.context["rows"]
    assert len(rows) == 20
    assert all(len(row.signatures) == 3 for row in rows)
    assert all(row.time_left == "2 days left" for row in rows)
