"""Steps on the escalation and noncompliance pages that cannot be taken back ask for
confirmation, stating what is done; timelines read in words."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.choices import EscalationKind, NoncomplianceState, Severity
from governance.oversight.models import NoncomplianceReport
from governance.oversight.services.escalations import escalation_raise
from tests.factories import AIModelFactory
from tests.oversight.test_signing_state import on

pytestmark = pytest.mark.django_db


def confirmation(page: str, action: str) -> str | None:
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>', page)
    if form is None:
        return None
    text = re.search(r'data-confirm="([^"]*)"', form.group(0))
    return html.unescape(text.group(1)) if text else None


@pytest.fixture
def threshold(officers, time_machine):
    on(time_machine, 3)
    escalation, _ = escalation_raise(
        kind=EscalationKind.THRESHOLD,
        subject="CBRN-4",
        title="CBRN-4 could not be ruled out",
        summary="",
        severity=Severity.HIGH,
        model=AIModelFactory(name="Frontier X"),
    )
    return escalation


def test_acknowledging_resolving_and_dismissing_say_what_they_do(client, officers, threshold):
    client.force_login(officers["rso"])
    page = client.get(threshold.get_absolute_url()).content.decode()
    step = lambda name: reverse("escalation-action", args=[threshold.pk, name])  # noqa: E731
    acknowledge = confirmation(page, step("acknowledge"))
    assert acknowledge.startswith("You acknowledge this escalation as being handled")
    assert "no longer raised to the CEO" in acknowledge
    resolve = confirmation(page, step("resolve"))
    assert "the determination you chose answers it" in resolve
    dismiss = confirmation(page, step("dismiss"))
    assert "withdrawn and stops blocking Frontier X at once" in dismiss
    # The restrictions it proposed, with their signing state and a confirmed signature.
    assert "Awaiting both signatures (RSO and CEO)." in page
    assert "Restriction" in re.sub(r"<[^>]+>", "", page)  # the timeline in words, not codes


def test_a_reader_sees_the_signing_state_but_no_confirmation(client, officers, threshold):
    client.force_login(officers["trustee"])
    page = client.get(threshold.get_absolute_url()).content.decode()
    assert "Awaiting both signatures (RSO and CEO)." in page
    assert "data-confirm" not in page


def test_concluding_a_noncompliance_report_asks_for_confirmation(client, officers):
    report = NoncomplianceReport.objects.create(
        summary="Evals skipped before a release",
        details="...",
        filed_at=timezone.now(),
        state=NoncomplianceState.INVESTIGATING,
    )
    client.force_login(officers["rso"])
    page = client.get(report.get_absolute_url()).content.decode()
    conclude = confirmation(page, reverse("noncompliance-step", args=[report.pk, "conclude"]))
    assert "cannot be reopened" in conclude
    assert "every board director is told at once" in conclude
