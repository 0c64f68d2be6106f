"""Noncompliance reports: any staff member files one, anonymously if they choose; it goes to
the RSO, or to the board when it concerns the RSO; the handler investigates and concludes
(substantiated or not, with corrective action); a material substantiated case is told to the
board at once.

An anonymous report keeps no trace of its reporter: the row stores none, the audit event names
an anonymous actor and carries no request id (which could be matched to access logs), and
nothing here logs who filed it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.audit import Actor, AuditActor, audit_record
from governance.choices import ActorType, NoncomplianceState
from governance.context import request_id_bound
from governance.oversight.models import NoncomplianceReport
from governance.oversight.workflows.noncompliance import MAY_FILE, NONCOMPLIANCE, routed_to

# A read rule, not a service: re-exported because tests/oversight/test_noncompliance_api.py
# imports it from here; pages and the API import it from the workflow.
from governance.oversight.workflows.noncompliance import may_read_report as may_read_report
from governance.services.notifications import notify

ANONYMOUS = AuditActor(type=ActorType.ANONYMOUS, label="anonymous reporter")


@transaction.atomic
def noncompliance_report_file(
    *, actor: Actor, summary: str, details: str, concerns_rso: bool = False, anonymous: bool
) -> NoncomplianceReport:
    MAY_FILE.enforce(actor, None)
    errors = {}
    if not summary.strip():
        errors["summary"] = "Say in a line what the report is about."
    if not details.strip():
        errors["details"] = "Describe what happened."
    if errors:
        raise ValidationError(errors)
    report = NoncomplianceReport.objects.create(
        summary=summary.strip()[:300],
        details=details.strip(),
        concerns_rso=bool(concerns_rso),
        reporter=None if anonymous else actor,
        filed_at=timezone.now(),
    )
    if anonymous:
        with request_id_bound(""):
            audit_record(actor=ANONYMOUS, action="noncompliance.filed", target=report)
    else:
        audit_record(actor=actor, action="noncompliance.filed", target=report)
    notify(
        event_type="noncompliance.filed",
        users=routed_to(report),
        title=f"Noncompliance report #{report.pk}: {report.summary}",
        body="A noncompliance report was filed for you to handle.",
        link=report.get_absolute_url(),
        payload={"report": report.pk, "concerns_rso": report.concerns_rso},
        webhooks=not report.concerns_rso,
    )
    return report


def _locked(report: NoncomplianceReport) -> NoncomplianceReport:
    return NoncomplianceReport.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def noncompliance_investigate(*, actor: Actor, report: NoncomplianceReport) -> NoncomplianceReport:
    report = _locked(report)
    step = NONCOMPLIANCE.require(actor, report, "investigate")
    report.state = step.target
    report.handler = actor
    report.save(update_fields=["state", "handler"])
    audit_record(
        actor=actor,
        action=step.audit,
        target=report,
        before={"state": NoncomplianceState.RECEIVED},
        after={"state": report.state},
    )
    return report


@transaction.atomic
def noncompliance_conclude(
    *,
    actor: Actor,
    report: NoncomplianceReport,
    substantiated: bool,
    findings: str,
    corrective_action: str = "",
    material: bool = False,
) -> NoncomplianceReport:
    report = _locked(report)
    step = NONCOMPLIANCE.require(actor, report, "conclude")
    errors = {}
    if not findings.strip():
        errors["findings"] = "Record what the investigation found."
    if substantiated and not corrective_action.strip():
        errors["corrective_action"] = "A substantiated report needs its corrective action."
    if material and not substantiated:
        errors["material"] = "Only a substantiated case is material."
    if errors:
        raise ValidationError(errors)
    report.state = (
        NoncomplianceState.SUBSTANTIATED if substantiated else NoncomplianceState.UNSUBSTANTIATED
    )
    report.findings = findings.strip()
    report.corrective_action = corrective_action.strip()
    report.material = bool(material)
    report.concluded_at = timezone.now()
    report.save(
        update_fields=["state", "findings", "corrective_action", "material", "concluded_at"]
    )
    audit_record(
        actor=actor,
        action=step.audit,
        target=report,
        before={"state": NoncomplianceState.INVESTIGATING},
        after={"state": report.state, "material": report.material},
    )
    if report.material:
        notify(
            event_type="noncompliance.material",
            users=step.recipients(report),
            title=f"Material noncompliance substantiated: {report.summary}",
            body=f"Corrective action: {report.corrective_action}",
            link=report.get_absolute_url(),
            payload={"report": report.pk},
            webhooks=not report.concerns_rso,
        )
    return report
