"""Safeguards reports: drafted by safety staff, approved by the CEO and the RSO (two people,
neither the author), in force for the policy's renewal period."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.audit import SYSTEM, Actor, audit_record
from governance.choices import SafeguardsReportState
from governance.dates import add_months
from governance.determinations.models import SafeguardEvidence, SafeguardsReport
from governance.determinations.selectors import safeguards_renewal_months
from governance.determinations.workflows.safeguards import (
    APPROVAL,
    MAY_CREATE,
    REMIND_BEFORE,
    SAFEGUARDS_REPORT,
)
from governance.errors import TransitionNotAllowed
from governance.models import SafeguardStandard
from governance.registry.models import AIModel
from governance.selectors import framework_version_in_force
from governance.services.notifications import notify


def _set_evidence(report: SafeguardsReport, evidence: dict[str, str]) -> None:
    criteria = {c.code: c for c in report.standard.criteria.all()}
    unknown = set(evidence) - set(criteria)
    if unknown:
        raise ValidationError(
            {"evidence": f"Not criteria of {report.standard}: {', '.join(sorted(unknown))}."}
        )
    for code, text in evidence.items():
        SafeguardEvidence.objects.update_or_create(
            report=report, criterion=criteria[code], defaults={"evidence": str(text).strip()}
        )


def _locked(report: SafeguardsReport) -> SafeguardsReport:
    return (
        SafeguardsReport.objects.select_for_update()
        .select_related("model", "standard")
        .get(pk=report.pk)
    )


@transaction.atomic
def safeguards_report_create(
    *,
    actor: Actor,
    model: AIModel,
    standard: SafeguardStandard,
    summary: str,
    evidence: dict[str, str] | None = None,
) -> SafeguardsReport:
    MAY_CREATE.enforce(actor, None)
    if not summary.strip():
        raise ValidationError({"summary": "Say how the standard is met."})
    version = framework_version_in_force()
    if version is None or standard.version_id != version.pk:
        raise ValidationError({"standard": "Choose a safeguard standard of the policy in force."})
    report = SafeguardsReport.objects.create(
        model=model, standard=standard, summary=summary.strip(), author=actor
    )
    _set_evidence(report, evidence or {})
    audit_record(
        actor=actor,
        action="safeguards_report.created",
        target=report,
        after={"model": model.name, "standard": standard.code},
    )
    return report


@transaction.atomic
def safeguards_report_update(
    *,
    actor: Actor,
    report: SafeguardsReport,
    summary: str | None = None,
    evidence: dict | None = None,
) -> SafeguardsReport:
    report = _locked(report)
    step = SAFEGUARDS_REPORT.require(actor, report, "edit")
    if summary is not None:
        report.summary = summary.strip()
        report.save(update_fields=["summary"])
    _set_evidence(report, evidence or {})
    audit_record(actor=actor, action=step.audit, target=report)
    return report


@transaction.atomic
def safeguards_report_submit(*, actor: Actor, report: SafeguardsReport) -> SafeguardsReport:
    report = _locked(report)
    step = SAFEGUARDS_REPORT.require(actor, report, "submit")
    report.state, report.submitted_at = step.target, timezone.now()
    report.save(update_fields=["state", "submitted_at"])
    audit_record(actor=actor, action=step.audit, target=report)
    notify(
        event_type="safeguards_report.submitted",
        users=step.recipients(report),
        title=f"Safeguards report to approve: {report}",
        link=report.get_absolute_url(),
        payload={"report": report.pk, "model": report.model.name, "standard": report.standard.code},
    )
    return report


@transaction.atomic
def safeguards_report_approve(*, actor: Actor, report: SafeguardsReport) -> SafeguardsReport:
    """One of the two approvals, the RSO's or the CEO's; with both, it is in force."""
    report = _locked(report)
    step = SAFEGUARDS_REPORT.require(actor, report, "approve")
    signed = APPROVAL.sign(report, actor)
    fields = APPROVAL.fields(signed.slot)
    if signed.complete:
        now = timezone.now()
        report.state, report.approved_at = step.target, now
        report.valid_until = add_months(now, safeguards_renewal_months())
        fields += ["state", "approved_at", "valid_until"]
    report.save(update_fields=fields)
    extra = {"valid_until": report.valid_until} if signed.complete else {}
    audit_record(
        actor=actor,
        action=f"safeguards_report.{'approved' if signed.complete else 'approval_given'}",
        target=report,
        after=signed.audit_after(**extra),
    )
    if signed.complete:
        notify(
            event_type="safeguards_report.approved",
            users=step.recipients(report),
            title=f"In force until {report.valid_until:%Y-%m-%d}: {report}",
            link=report.get_absolute_url(),
            payload={
                "report": report.pk,
                "model": report.model.name,
                "standard": report.standard.code,
            },
        )
    return report


def safeguards_expiry_remind(*, now: dt.datetime | None = None) -> int:
    """Tell the RSO, once, about approvals that expire within 30 days."""
    now = now or timezone.now()
    due = SafeguardsReport.objects.filter(
        state=SafeguardsReportState.APPROVED,
        valid_until__gt=now,
        valid_until__lte=now + REMIND_BEFORE,
        expiry_reminder_sent_at__isnull=True,
    ).values_list("pk", flat=True)
    count = 0
    for pk in due:
        with transaction.atomic():
            report = _locked(SafeguardsReport(pk=pk))
            try:
                step = SAFEGUARDS_REPORT.require(SYSTEM, report, "remind_expiry")
            except TransitionNotAllowed:
                continue  # reminded (or no longer approved) in the meantime
            report.expiry_reminder_sent_at = now
            report.save(update_fields=["expiry_reminder_sent_at"])
            audit_record(actor=SYSTEM, action=step.audit, target=report)
            notify(
                event_type="safeguards_report.expiring",
                users=step.recipients(report),
                title=f"Expires {report.valid_until:%Y-%m-%d}: {report}",
                body="Approve a renewed report before then, or it stops counting as in force.",
                link=report.get_absolute_url(),
                payload={"report": report.pk, "valid_until": report.valid_until.isoformat()},
            )
            count += 1
    return count
