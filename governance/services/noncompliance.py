"""Noncompliance reports: any staff member files one, anonymously if they choose; it goes to
the RSO, or to the board when it concerns the RSO; the handler investigates and concludes
(substantiated or not, with corrective action); a material substantiated case is told to the
board at once.

An anonymous report keeps no trace of its reporter: the row stores none, the audit event names
an anonymous actor and carries no request id (which could be matched to access logs), and
nothing here logs who filed it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..audit import Actor, AuditActor, audit_record
from ..choices import ActorType, NoncomplianceState, Role
from ..context import request_id_bound
from ..errors import TransitionNotAllowed
from ..models import NoncomplianceReport
from ..permissions import has_role, require_person
from .board import board_chair
from .notifications import notify, users_with_roles

ANONYMOUS = AuditActor(type=ActorType.ANONYMOUS, label="anonymous reporter")


def board_handlers() -> list:
    """Who receives a report that concerns the RSO: the board chair, or every director when
    no chair is recorded; never an RSO who also sits on the board."""
    chair = board_chair()
    if chair is not None and not has_role(chair, Role.RSO):
        return [chair]
    return [
        person for person in users_with_roles(Role.BOARD_DIRECTOR) if not has_role(person, Role.RSO)
    ]


def handler_roles(report: NoncomplianceReport) -> tuple[str, ...]:
    """Who handles the report: the board when it concerns the RSO, otherwise the RSO."""
    return (Role.BOARD_DIRECTOR,) if report.concerns_rso else (Role.RSO,)


def may_read_report(user, report: NoncomplianceReport) -> bool:
    if report.reporter_id is not None and report.reporter_id == user.pk:
        return True
    if has_role(user, Role.AUDITOR):
        return True
    if report.concerns_rso and has_role(user, Role.RSO):
        return False  # an RSO who is also a director never reads reports about the RSO
    return has_role(user, *handler_roles(report))


@transaction.atomic
def noncompliance_report_file(
    *, actor: Actor, summary: str, details: str, concerns_rso: bool = False, anonymous: bool
) -> NoncomplianceReport:
    if isinstance(actor, AuditActor) or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Only a signed-in staff member may file a report.")
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
        users=board_handlers() if report.concerns_rso else users_with_roles(Role.RSO),
        title=f"Noncompliance report #{report.pk}: {report.summary}",
        body="A noncompliance report was filed for you to handle.",
        link=report.get_absolute_url(),
        payload={"report": report.pk, "concerns_rso": report.concerns_rso},
        webhooks=not report.concerns_rso,
    )
    return report


def _locked(report: NoncomplianceReport, state: str, what: str) -> NoncomplianceReport:
    report = NoncomplianceReport.objects.select_for_update().get(pk=report.pk)
    if report.state != state:
        raise TransitionNotAllowed(
            f"Cannot {what}: the report is {report.get_state_display().lower()}."
        )
    return report


def _require_handler(actor: Actor, report: NoncomplianceReport, what: str) -> None:
    require_person(actor, handler_roles(report), what)
    if report.reporter_id is not None and report.reporter_id == actor.pk:
        raise PermissionDenied("You filed this report, so someone else handles it.")
    if report.concerns_rso and has_role(actor, Role.RSO):
        raise PermissionDenied("The report concerns the RSO, so another director handles it.")
    if report.concerns_rso and actor.pk not in {person.pk for person in board_handlers()}:
        raise PermissionDenied("The board chair handles reports that concern the RSO.")


def may_handle(user, report: NoncomplianceReport) -> bool:
    try:
        _require_handler(user, report, "handle this report")
    except PermissionDenied:
        return False
    return True


@transaction.atomic
def noncompliance_investigate(*, actor: Actor, report: NoncomplianceReport) -> NoncomplianceReport:
    _require_handler(actor, report, "investigate this report")
    report = _locked(report, NoncomplianceState.RECEIVED, "start the investigation")
    report.state = NoncomplianceState.INVESTIGATING
    report.handler = actor
    report.save(update_fields=["state", "handler"])
    audit_record(
        actor=actor,
        action="noncompliance.investigating",
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
    _require_handler(actor, report, "conclude this report")
    report = _locked(report, NoncomplianceState.INVESTIGATING, "conclude")
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
        action="noncompliance.concluded",
        target=report,
        before={"state": NoncomplianceState.INVESTIGATING},
        after={"state": report.state, "material": report.material},
    )
    if report.material:
        notify(
            event_type="noncompliance.material",
            users=users_with_roles(Role.BOARD_DIRECTOR),
            title=f"Material noncompliance substantiated: {report.summary}",
            body=f"Corrective action: {report.corrective_action}",
            link=report.get_absolute_url(),
            payload={"report": report.pk},
            webhooks=not report.concerns_rso,
        )
    return report
