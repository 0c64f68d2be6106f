"""The safeguards report: who may take each step, and what each state awaits.

draft (its author gives evidence for every criterion) -> submitted -> approved (the RSO and the
CEO, two people, neither the author; with the second approval it is in force for the policy's
renewal period). The system reminds the RSO, once, when an approval is about to lapse. Nothing
moves a report to "withdrawn" today; the state is kept for the records that have it.
"""

import datetime as dt

import rules
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.choices import Role
from governance.choices import SafeguardsReportState as S
from governance.determinations.models import SafeguardsReport
from governance.errors import TransitionNotAllowed
from governance.rules import is_safety_staff, is_system, role_labels
from governance.selectors import users_with_roles
from governance.signatures import TwoKey
from governance.workflow import Check, Guard, Transition, Wait, Workflow, declare

APPROVAL = TwoKey(prefix="approval", act="approve a safeguards report")
# The RSO is reminded of an approval that lapses within this time.
REMIND_BEFORE = dt.timedelta(days=30)


@rules.predicate
def is_author(user, report) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and report.author_id == pk


def evidence_complete(report: SafeguardsReport) -> None:
    """Every criterion of the standard has its evidence."""
    have = {e.criterion_id for e in report.evidence.all() if e.evidence}
    missing = [c.code for c in report.standard.criteria.all() if c.pk not in have]
    if missing:
        raise ValidationError(
            {"evidence": f"Give evidence for every criterion; missing: {', '.join(missing)}."}
        )


def _approvers_awaited(report: SafeguardsReport) -> list:
    return [u for u in APPROVAL.awaited_from(report) if u.pk != report.author_id]


def _renewal_due(report: SafeguardsReport) -> bool:
    """In the reminder's window (or lapsed), and no later approval of the same standard for the
    same model has taken over from it."""
    if report.valid_until is None or timezone.now() < report.valid_until - REMIND_BEFORE:
        return False
    return not SafeguardsReport.objects.filter(
        model_id=report.model_id,
        standard_id=report.standard_id,
        state=S.APPROVED,
        valid_until__gt=report.valid_until,
    ).exists()


_SIGNING = APPROVAL.checks()

SAFEGUARDS_REPORT = declare(
    Workflow(
        name="safeguards_report",
        noun="safeguards report",
        states=S,
        transitions=(
            Transition(
                name="edit",
                label="Edit draft",
                doing="edited",
                sources=(S.DRAFT,),
                target=None,
                who=(Check(is_author, "Only its author edits a safeguards report."),),
                audit="safeguards_report.updated",
            ),
            Transition(
                name="submit",
                label="Submit for approval",
                doing="submitted",
                sources=(S.DRAFT,),
                target=S.SUBMITTED,
                who=(Check(is_author, "Only its author submits a safeguards report."),),
                guards=(Guard(check=evidence_complete),),
                audit="safeguards_report.submitted",
                notifies="the RSO and the CEO",
                recipients=lambda report: users_with_roles(Role.RSO, Role.CEO),
            ),
            Transition(
                name="approve",
                label="Approve",
                doing="approved",
                sources=(S.SUBMITTED,),
                # Approved with the second approval; the first leaves it submitted.
                target=S.APPROVED,
                who=(
                    _SIGNING[0],
                    Check(
                        ~is_author,
                        "The author of a report does not approve it.",
                        TransitionNotAllowed,
                    ),
                    *_SIGNING[1:],
                ),
                audit="safeguards_report.approval_given (safeguards_report.approved with both)",
                notifies="with both approvals, the RSO, the CEO and safety staff",
                recipients=lambda report: users_with_roles(Role.RSO, Role.CEO, Role.SAFETY_STAFF),
            ),
            Transition(
                name="remind_expiry",
                label="Remind the RSO of the lapse",
                doing="reminded of",
                sources=(S.APPROVED,),
                target=None,
                who=(Check(is_system, "Only the system reminds of a lapsing approval."),),
                guards=(
                    Guard(
                        lambda report: report.expiry_reminder_sent_at is None,
                        "The RSO has been reminded already.",
                    ),
                ),
                audit="safeguards_report.expiry_reminded",
                notifies="the RSO",
                recipients=lambda report: users_with_roles(Role.RSO),
            ),
        ),
        waits=(
            Wait(
                S.DRAFT,
                "its author to give evidence for every criterion and submit it",
                who=lambda report: [report.author],
            ),
            Wait(S.SUBMITTED, APPROVAL.awaits, who=_approvers_awaited),
            Wait(
                S.APPROVED,
                "a renewed report, approved before this one lapses",
                who=lambda report: sorted(
                    users_with_roles(Role.RSO), key=lambda user: user.username
                ),
                due=lambda report: report.valid_until,
                when=_renewal_due,
            ),
        ),
    ),
    SafeguardsReport,
)

# Who may start a safeguards report: the service enforces it, the list page reads the rule.
MAY_CREATE = Check(
    is_safety_staff, f"Only {role_labels(Role.SAFETY_STAFF)} may write a safeguards report."
)
rules.set_rule("safeguards_report.create", is_safety_staff)
