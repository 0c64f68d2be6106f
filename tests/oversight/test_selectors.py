"""The oversight selectors that decide something of their own: which determinations may resolve
an escalation, how long a determination may take, a pause's compute cap, and the order of the
noncompliance list. The rest are covered through the pages and the API."""

import datetime as dt

import pytest
from django.utils import timezone

from governance.choices import DeterminationState, EscalationKind, Role
from governance.determinations.models import Determination
from governance.oversight.models import Escalation, NoncomplianceReport
from governance.oversight.selectors import (
    DEFAULT_DECISION_DAYS,
    capability_determination_days,
    escalation_resolving_determinations,
    largest_compute_snapshot,
    noncompliance_reports_list,
)
from governance.selectors import framework_version_in_force
from tests.factories import AIModelFactory, SnapshotFactory

pytestmark = pytest.mark.django_db


def test_resolving_determinations_are_the_decided_or_final_on_its_model(frameworks):
    model, other = AIModelFactory(), AIModelFactory()
    now = timezone.now()

    def determination(on, state, days_ago=None):
        return Determination.objects.create(
            model=on,
            framework_version=frameworks["2.2"],
            title=f"{state} on {on}",
            summary="...",
            state=state,
            decided_at=now - dt.timedelta(days=days_ago) if days_ago is not None else None,
        )

    decided = determination(model, DeterminationState.DECIDED, days_ago=5)
    final = determination(model, DeterminationState.FINAL, days_ago=1)
    determination(model, DeterminationState.DRAFT)
    determination(model, DeterminationState.SUPERSEDED, days_ago=9)
    determination(other, DeterminationState.FINAL, days_ago=2)

    threshold = Escalation(kind=EscalationKind.THRESHOLD, model=model)
    assert list(escalation_resolving_determinations(threshold)) == [final, decided]
    warning = Escalation(kind=EscalationKind.WARNING, model=model)
    assert list(escalation_resolving_determinations(warning)) == []


def test_determination_days_default_without_a_framework_in_force():
    assert framework_version_in_force() is None
    assert capability_determination_days() == DEFAULT_DECISION_DAYS == 30


def test_determination_days_follow_the_version_in_force(frameworks):
    rules = framework_version_in_force().governance_rules
    rules.filter(decision="capability_determination").update(deadline_days=14)
    assert capability_determination_days() == 14
    rules.filter(decision="capability_determination").update(deadline_days=None)
    assert capability_determination_days() == DEFAULT_DECISION_DAYS


def test_largest_compute_snapshot_skips_unknown_compute():
    model = AIModelFactory()
    SnapshotFactory(model=model, training_compute_flop=1e24)
    biggest = SnapshotFactory(model=model, training_compute_flop=3e25)
    SnapshotFactory(model=model, training_compute_flop=None)
    SnapshotFactory(training_compute_flop=1e27)  # another model's
    assert largest_compute_snapshot(model) == biggest
    unknown = AIModelFactory()
    SnapshotFactory(model=unknown, training_compute_flop=None)
    assert largest_compute_snapshot(unknown) is None


def test_noncompliance_list_is_readable_reports_newest_first(make_user):
    auditor, filer = make_user(Role.AUDITOR), make_user(Role.SAFETY_STAFF)
    same_moment = timezone.now()

    def report(reporter=None, filed_at=same_moment):
        return NoncomplianceReport.objects.create(
            summary="S", details="D", reporter=reporter, filed_at=filed_at
        )

    older = report(filed_at=same_moment - dt.timedelta(days=1))
    first, second = report(), report(reporter=filer)
    # Filed at the same moment: the later row first, so pages do not shuffle between reads.
    assert list(noncompliance_reports_list(auditor)) == [second, first, older]
    assert list(noncompliance_reports_list(filer)) == [second]
