"""The RSO's quarterly report: who may take each step, and what each state awaits.

draft (made from the records by the RSO, or by the system once a quarter has ended; the RSO
reads the records again, adds commentary and deficiencies) -> issued (frozen and sent to the
sitting directors and trustees, once the quarter is over), after which each of them acknowledges
it.
"""

import rules
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.board.models import QuarterlyReport
from governance.choices import ESCALATION_OPEN_STATES, EscalationKind, Role
from governance.choices import QuarterlyReportState as S
from governance.errors import TransitionNotAllowed
from governance.oversight.models import Escalation
from governance.permissions import can_read
from governance.rules import is_person, is_rso, is_system, role_labels
from governance.selectors import users_with_roles
from governance.sitting import members_sitting
from governance.workflow import Check, Guard, Transition, Wait, Workflow, declare

# Who reads a draft, and who reads an issued report (auditors and administrators always do).
DRAFT_READERS = (Role.RSO, Role.CEO)
ISSUED_READERS = (Role.RSO, Role.CEO, Role.BOARD_DIRECTOR, Role.TRUSTEE)


def _only_the_rso(what: str) -> Check:
    return Check(is_rso, f"Only {role_labels(Role.RSO)} may {what}.")


@rules.predicate
def is_recipient(user, report) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and report.recipients.filter(pk=pk).exists()


@rules.predicate
def has_acknowledged(user, report) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and report.acknowledgements.filter(user_id=pk).exists()


@rules.predicate
def may_read_quarterly_report(user, report) -> bool:
    """A draft is for the RSO, the CEO, auditors and administrators; an issued report also for
    the directors and trustees."""
    return can_read(user, ISSUED_READERS if report.state == S.ISSUED else DRAFT_READERS)


def _day(moment) -> str:
    return timezone.localtime(moment).date().isoformat()


def quarter_over(report: QuarterlyReport) -> None:
    if timezone.now() < report.period_end:
        raise TransitionNotAllowed(
            f"Cannot issue it yet: {report.label} ends on {_day(report.period_end)}."
        )


def has_commentary(report: QuarterlyReport) -> None:
    if not report.commentary:
        raise ValidationError({"commentary": "Add your commentary before issuing the report."})


def due_escalation(report: QuarterlyReport) -> Escalation | None:
    """The open 'report due' escalation raised at the start of the quarter after the report's."""
    year, quarter = (
        (report.year, report.quarter + 1) if report.quarter < 4 else (report.year + 1, 1)
    )
    return Escalation.objects.filter(
        kind=EscalationKind.RSO_REPORT_DUE,
        subject=f"RSO report {year}-Q{quarter}",
        state__in=ESCALATION_OPEN_STATES,
    ).first()


def _issue_due(report: QuarterlyReport):
    escalation = due_escalation(report)
    return escalation.due_at if escalation is not None else None


def waiting_acknowledgers(report: QuarterlyReport):
    return report.recipients.exclude(pk__in=report.acknowledgements.values("user_id")).order_by(
        "username"
    )


def _rsos(report: QuarterlyReport) -> list:
    return sorted(users_with_roles(Role.RSO), key=lambda user: user.username)


def _draft_only(what: str):
    return lambda report: f"Cannot {what}: the report has been issued."


QUARTERLY_REPORT = declare(
    Workflow(
        name="quarterly_report",
        noun="quarterly report",
        states=S,
        transitions=(
            Transition(
                name="refresh",
                label="Read the records again",
                doing="refreshed",
                sources=(S.DRAFT,),
                target=None,
                who=(_only_the_rso("refresh the quarterly report"),),
                audit="quarterly_report.refreshed",
            ),
            Transition(
                name="annotate",
                label="Save commentary",
                doing="annotated",
                sources=(S.DRAFT,),
                target=None,
                who=(_only_the_rso("write the quarterly report's commentary"),),
                audit="quarterly_report.annotated",
            ),
            Transition(
                name="issue",
                label="Issue to the board and the Trust",
                doing="issued",
                sources=(S.DRAFT,),
                target=S.ISSUED,
                who=(_only_the_rso("issue the quarterly report"),),
                guards=(
                    Guard(check=quarter_over),
                    Guard(check=has_commentary),
                    Guard(
                        lambda report: bool(members_sitting()),
                        "No director or trustee is sitting to issue it to.",
                    ),
                ),
                audit="quarterly_report.issued",
                notifies="the sitting directors and trustees",
                recipients=lambda report: members_sitting(),
            ),
            Transition(
                name="acknowledge",
                label="Acknowledge",
                doing="acknowledged",
                sources=(S.ISSUED,),
                target=None,
                who=(
                    Check(is_person, "Only a person may acknowledge the report."),
                    Check(is_recipient, "The report was not issued to you."),
                    Check(
                        ~has_acknowledged,
                        "You have acknowledged it already.",
                        TransitionNotAllowed,
                    ),
                ),
                audit="quarterly_report.acknowledged",
            ),
        ),
        waits=(
            Wait(
                S.DRAFT,
                "the RSO's commentary and issue to the board and the Trust",
                who=_rsos,
                due=_issue_due,
            ),
            Wait(
                S.ISSUED,
                lambda report: (
                    f"acknowledgement by {waiting_acknowledgers(report).count()} more of the "
                    "directors and trustees it was issued to"
                ),
                who=waiting_acknowledgers,
                when=lambda report: waiting_acknowledgers(report).exists(),
            ),
        ),
        refusals={
            "refresh": _draft_only("refresh it"),
            "annotate": _draft_only("change the commentary"),
            "issue": _draft_only("issue it"),
            "acknowledge": lambda report: "Cannot acknowledge a report that has not been issued.",
        },
    ),
    QuarterlyReport,
)

# Starting a report is no step on a report: the RSO may (the system does once a quarter ends).
MAY_DRAFT = _only_the_rso("draft the quarterly report")
rules.set_rule("quarterly_report.draft", is_rso | is_system)
# Reading is no step either: the pages and the API ask this rule.
rules.set_rule("quarterly_report.read", may_read_quarterly_report)
