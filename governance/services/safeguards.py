"""Safeguards reports: drafted by safety staff, approved by the CEO and the RSO (two people,
neither the author), in force for the policy's renewal period."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..audit import SYSTEM, Actor, audit_record
from ..choices import Role, SafeguardsReportState
from ..dates import add_months
from ..errors import TransitionNotAllowed
from ..models import AIModel, SafeguardEvidence, SafeguardsReport, SafeguardStandard
from ..permissions import has_role, require_person
from ..selectors import framework_version_in_force
from .notifications import notify, users_with_roles

DEFAULT_RENEWAL_MONTHS = 12
REMIND_BEFORE = dt.timedelta(days=30)


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


@transaction.atomic
def safeguards_report_create(
    *,
    actor: Actor,
    model: AIModel,
    standard: SafeguardStandard,
    summary: str,
    evidence: dict[str, str] | None = None,
) -> SafeguardsReport:
    require_person(actor, (Role.SAFETY_STAFF,), "write a safeguards report")
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
    report = SafeguardsReport.objects.select_for_update().get(pk=report.pk)
    if report.author_id != getattr(actor, "pk", None):
        raise PermissionDenied("Only its author edits a safeguards report.")
    if report.state != SafeguardsReportState.DRAFT:
        raise TransitionNotAllowed("Only a draft can be edited.")
    if summary is not None:
        report.summary = summary.strip()
        report.save(update_fields=["summary"])
    _set_evidence(report, evidence or {})
    audit_record(actor=actor, action="safeguards_report.updated", target=report)
    return report


@transaction.atomic
def safeguards_report_submit(*, actor: Actor, report: SafeguardsReport) -> SafeguardsReport:
    report = (
        SafeguardsReport.objects.select_for_update().select_related("standard").get(pk=report.pk)
    )
    if report.author_id != getattr(actor, "pk", None):
        raise PermissionDenied("Only its author submits a safeguards report.")
    if report.state != SafeguardsReportState.DRAFT:
        raise TransitionNotAllowed("Only a draft can be submitted.")
    have = {e.criterion_id for e in report.evidence.all() if e.evidence}
    missing = [c.code for c in report.standard.criteria.all() if c.pk not in have]
    if missing:
        raise ValidationError(
            {"evidence": f"Give evidence for every criterion; missing: {', '.join(missing)}."}
        )
    report.state, report.submitted_at = SafeguardsReportState.SUBMITTED, timezone.now()
    report.save(update_fields=["state", "submitted_at"])
    audit_record(actor=actor, action="safeguards_report.submitted", target=report)
    notify(
        event_type="safeguards_report.submitted",
        users=users_with_roles(Role.RSO, Role.CEO),
        title=f"Safeguards report to approve: {report}",
        link=report.get_absolute_url(),
        payload={"report": report.pk, "model": report.model.name, "standard": report.standard.code},
    )
    return report


def _renewal_months() -> int:
    version = framework_version_in_force()
    if version is not None:
        rule = version.governance_rules.filter(decision="safeguards_approval").first()
        if rule is not None and rule.renewal_months:
            return rule.renewal_months
    return DEFAULT_RENEWAL_MONTHS


@transaction.atomic
def safeguards_report_approve(*, actor: Actor, report: SafeguardsReport) -> SafeguardsReport:
    """One of the two approvals, the RSO's or the CEO's; with both, it is in force."""
    require_person(actor, (Role.RSO, Role.CEO), "approve a safeguards report")
    report = (
        SafeguardsReport.objects.select_for_update()
        .select_related("model", "standard")
        .get(pk=report.pk)
    )
    if report.state != SafeguardsReportState.SUBMITTED:
        raise TransitionNotAllowed(
            f"A {report.get_state_display().lower()} report cannot be approved."
        )
    if report.author_id == actor.pk:
        raise TransitionNotAllowed("The author of a report does not approve it.")
    if actor.pk in (report.approval_rso_id, report.approval_ceo_id):
        raise TransitionNotAllowed(
            "You have approved already; the other approval must come from someone else."
        )
    if has_role(actor, Role.RSO) and report.approval_rso_id is None:
        report.approval_rso = actor
    elif has_role(actor, Role.CEO) and report.approval_ceo_id is None:
        report.approval_ceo = actor
    else:
        raise TransitionNotAllowed(
            "Your role's approval is given already; the other role must approve."
        )
    complete = report.approval_rso_id and report.approval_ceo_id
    if complete:
        now = timezone.now()
        report.state, report.approved_at = SafeguardsReportState.APPROVED, now
        report.valid_until = add_months(now, _renewal_months())
    report.save()
    audit_record(
        actor=actor,
        action="safeguards_report.approved" if complete else "safeguards_report.approval_given",
        target=report,
        after={"valid_until": report.valid_until} if complete else None,
    )
    if complete:
        notify(
            event_type="safeguards_report.approved",
            users=users_with_roles(Role.RSO, Role.CEO, Role.SAFETY_STAFF),
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
    ).select_related("model", "standard")
    count = 0
    for report in due:
        with transaction.atomic():
            if not SafeguardsReport.objects.filter(
                pk=report.pk, expiry_reminder_sent_at__isnull=True
            ).update(expiry_reminder_sent_at=now):
                continue
            audit_record(actor=SYSTEM, action="safeguards_report.expiry_reminded", target=report)
            notify(
                event_type="safeguards_report.expiring",
                users=users_with_roles(Role.RSO),
                title=f"Expires {report.valid_until:%Y-%m-%d}: {report}",
                body="Approve a renewed report before then, or it stops counting as in force.",
                link=report.get_absolute_url(),
                payload={"report": report.pk, "valid_until": report.valid_until.isoformat()},
            )
            count += 1
    return count


def evidence_dict(report: SafeguardsReport) -> dict[str, Any]:
    return {e.criterion.code: e.evidence for e in report.evidence.all()}
