"""The app's named reads that filter or annotate on their own: what a person is asked to
acknowledge, the list's flags and state filter, and how long a safeguards approval lasts."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from governance.choices import DeterminationState, SafeguardsReportState
from governance.determinations.models import Finding, SafeguardsReport
from governance.determinations.selectors import (
    DEFAULT_RENEWAL_MONTHS,
    determination_acknowledgers_waiting,
    determinations_awaiting_acknowledgement,
    determinations_flagged,
    safeguards_renewal_months,
    safeguards_report_in_force,
)
from governance.determinations.services.determinations import determination_acknowledge
from tests.determinations.test_determinations import decide, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(frameworks):
    return frameworks["2.2"]


def test_awaiting_acknowledgement_is_per_person_and_ends_with_theirs(officers, snapshot, version):
    decided = decide(officers, draft(officers, snapshot, version))
    draft(officers, snapshot, version)  # not shared with anyone yet
    assert determinations_awaiting_acknowledgement(officers["director"]) == [decided]
    assert determinations_awaiting_acknowledgement(officers["trustee"]) == [decided]
    assert determinations_awaiting_acknowledgement(officers["auditor"]) == []
    assert determinations_awaiting_acknowledgement(AnonymousUser()) == []

    determination_acknowledge(actor=officers["director"], determination=decided)

    assert determinations_awaiting_acknowledgement(officers["director"]) == []
    assert determinations_awaiting_acknowledgement(officers["trustee"]) == [decided]
    assert [u.username for u in determination_acknowledgers_waiting(decided)] == ["trustee"]


def test_the_list_counts_contradicting_findings_and_filters_by_state(officers, snapshot, version):
    decided = decide(officers, draft(officers, snapshot, version))
    drafted = draft(officers, snapshot, version)
    Finding.objects.filter(determination=drafted).update(contradicts_evidence=True)

    assert [(d.pk, d.flagged) for d in determinations_flagged()] == [
        (drafted.pk, 1),
        (decided.pk, 0),
    ]
    assert [d.pk for d in determinations_flagged(state=DeterminationState.DECIDED)] == [decided.pk]
    assert list(determinations_flagged(state=DeterminationState.FINAL)) == []


def test_the_list_page_ignores_an_unknown_state(client, officers, snapshot, version):
    draft(officers, snapshot, version)
    client.force_login(officers["auditor"])
    assert len(client.get("/determinations/?state=bogus").context["determinations"]) == 1
    assert len(client.get("/determinations/?state=final").context["determinations"]) == 0


def test_a_report_is_in_force_only_while_approved_and_not_lapsed(snapshot, version):
    now = timezone.now()
    report = SafeguardsReport(
        model=snapshot.model,
        standard=version.safeguards.first(),
        state=SafeguardsReportState.APPROVED,
        valid_until=now + dt.timedelta(days=1),
    )
    assert safeguards_report_in_force(report, at=now)
    assert not safeguards_report_in_force(report, at=now + dt.timedelta(days=2))
    report.state = SafeguardsReportState.SUBMITTED
    assert not safeguards_report_in_force(report, at=now)


def test_renewal_months_come_from_the_policy_in_force_else_the_default(db, version):
    rule = version.governance_rules.get(decision="safeguards_approval")
    rule.renewal_months = 6
    rule.save(update_fields=["renewal_months"])
    assert safeguards_renewal_months() == 6
    rule.renewal_months = None
    rule.save(update_fields=["renewal_months"])
    assert safeguards_renewal_months() == DEFAULT_RENEWAL_MONTHS == 12
