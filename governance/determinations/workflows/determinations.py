"""The capability report and its determination: who may take each step, and what each state awaits.

draft -> in_review -> reviewed (or back to draft) -> decided (the RSO and the CEO, two people,
neither an author) -> final (every sitting director and trustee has acknowledged) -> superseded.
"""

import rules
from django.core.exceptions import ValidationError

from governance.choices import DeterminationState as S
from governance.choices import FindingOutcome, Role
from governance.determinations.models import Determination
from governance.determinations.selectors import determination_acknowledgers_waiting
from governance.errors import TransitionNotAllowed
from governance.models import SafeguardStandard
from governance.rules import is_officer, is_person, is_reviewer, is_safety_staff
from governance.selectors import users_with_roles
from governance.signatures import TwoKey
from governance.sitting import members_sitting
from governance.workflow import Check, Guard, Transition, Wait, Workflow, declare

DECISION = TwoKey(prefix="decision", act="sign a determination", timed=True)


@rules.predicate
def is_author(user, determination) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and determination.authors.filter(pk=pk).exists()


@rules.predicate
def is_acknowledger(user, determination) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and determination.acknowledgers.filter(pk=pk).exists()


@rules.predicate
def has_acknowledged(user, determination) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and determination.acknowledgements.filter(user_id=pk).exists()


@rules.predicate
def signing_begun(user, determination) -> bool:
    return DECISION.is_started(determination)


AUTHOR = Check(is_author, "Only the report's authors may do this.")
NOT_AUTHOR_REVIEW = Check(~is_author, "An author does not review their own report.")


def requirements_met(determination: Determination) -> None:
    """The resulting level and safeguards may not fall short of what the findings require."""
    serious = [
        f
        for f in determination.findings.select_related("threshold__required_level")
        if f.outcome in (FindingOutcome.CROSSED, FindingOutcome.CANNOT_RULE_OUT)
    ]
    needed = set()
    for finding in serious:
        needed |= set(finding.threshold.required_safeguards.values_list("pk", flat=True))
        level = finding.threshold.required_level
        chosen = determination.required_level
        if level is not None and (chosen is None or chosen.rank < level.rank):
            raise ValidationError(
                {"required_level": f"{finding.threshold.code} requires at least {level.name}."}
            )
    missing = needed - set(determination.required_safeguards.values_list("pk", flat=True))
    if missing:
        names = ", ".join(
            SafeguardStandard.objects.filter(pk__in=missing).values_list("name", flat=True)
        )
        raise ValidationError({"required_safeguards": f"The findings require: {names}."})


def elicitation_stated(determination: Determination) -> None:
    """A report states its elicitation, and every "below" states how hard the lab tried."""
    errors = {}
    if len(determination.elicitation_statement.strip()) < 20:
        errors["elicitation_statement"] = (
            "State the elicitation behind the report (fine-tuning, scaffolding, tools, "
            "best-of-N, budget, helpful-only snapshots) before submitting it."
        )
    unstated = [
        f.threshold.code
        for f in determination.findings.select_related("threshold")
        if f.outcome == FindingOutcome.BELOW
        and (f.attempts_per_task is None or not f.scaffolding or f.helpful_only_tested is None)
    ]
    if unstated:
        errors["findings"] = (
            f'A "below" states how hard the lab tried (attempts_per_task, scaffolding, '
            f"helpful_only_tested): {', '.join(unstated)}."
        )
    if errors:
        raise ValidationError(errors)


def _unjustified(determination: Determination, *, contradicting: bool) -> str:
    """Codes of flagged findings no decider has justified (flags as the service last set them)."""
    findings = determination.findings.filter(justification="").select_related("threshold")
    if contradicting:
        findings = findings.filter(contradicts_evidence=True)
    else:
        findings = findings.exclude(elicitation_flags=[])
    return ", ".join(f.threshold.code for f in findings)


def _findings_justified(determination: Determination) -> None:
    contradicting = _unjustified(determination, contradicting=True)
    if contradicting:
        raise TransitionNotAllowed(
            f"Justify the findings that contradict the evaluations first: {contradicting}."
        )
    weak = _unjustified(determination, contradicting=False)
    if weak:
        raise TransitionNotAllowed(
            f"Justify the findings whose elicitation is flagged first: {weak}."
        )


def _deciders_awaited(determination: Determination) -> list:
    authors = set(determination.authors.values_list("pk", flat=True))
    return [u for u in DECISION.awaited_from(determination) if u.pk not in authors]


def _reviewers(determination: Determination) -> list:
    authors = set(determination.authors.values_list("pk", flat=True))
    return [u for u in users_with_roles(Role.INTERNAL_REVIEWER) if u.pk not in authors]


DETERMINATION = declare(
    Workflow(
        name="determination",
        noun="determination",
        states=S,
        transitions=(
            Transition(
                name="edit",
                label="Edit draft",
                doing="edited",
                sources=(S.DRAFT,),
                target=None,
                who=(Check(is_author, "Only the report's authors may edit the report."),),
                audit="determination.updated",
            ),
            Transition(
                name="attach",
                label="Attach a file",
                doing="given attachments",
                sources=(S.DRAFT,),
                target=None,
                who=(Check(is_author, "Only the report's authors may attach files."),),
                audit="determination.attachment_added",
            ),
            Transition(
                name="submit",
                label="Submit for internal review",
                doing="submitted",
                sources=(S.DRAFT,),
                target=S.IN_REVIEW,
                who=(Check(is_author, "Only the report's authors may submit the report."),),
                guards=(
                    Guard(
                        lambda d: d.findings.exists() and d.required_level_id is not None,
                        "Give a finding per threshold assessed and the resulting level first.",
                        ValidationError,
                    ),
                    Guard(check=requirements_met),
                    Guard(check=elicitation_stated),
                ),
                audit="determination.submitted",
                notifies="the internal reviewers",
                recipients=_reviewers,
            ),
            Transition(
                name="review",
                label="Record the review",
                doing="reviewed",
                sources=(S.IN_REVIEW,),
                target=S.REVIEWED,
                who=(
                    Check(is_reviewer, "Only Internal reviewer may review a capability report."),
                    NOT_AUTHOR_REVIEW,
                ),
                audit="determination.reviewed",
                notifies="the RSO and the CEO",
                recipients=_deciders_awaited,
            ),
            Transition(
                name="send_back",
                label="Send back to the authors",
                doing="reviewed",
                sources=(S.IN_REVIEW,),
                target=S.DRAFT,
                who=(
                    Check(is_reviewer, "Only Internal reviewer may review a capability report."),
                    NOT_AUTHOR_REVIEW,
                ),
                audit="determination.sent_back",
                notifies="the authors",
                recipients=lambda d: d.authors.all(),
            ),
            Transition(
                name="justify",
                label="Justify a finding",
                doing="justified now",
                sources=(S.REVIEWED,),
                target=None,
                who=(
                    Check(is_officer, "Only the RSO or the CEO may justify a finding."),
                    Check(~is_author, "An author does not justify their own report's findings."),
                    Check(
                        ~signing_begun,
                        "Signing has begun: the justification may no longer change.",
                        TransitionNotAllowed,
                    ),
                ),
                audit="finding.justified",
            ),
            Transition(
                name="sign",
                label="Sign the determination",
                doing="signed",
                sources=(S.REVIEWED,),
                # Decided with the second signature; the first leaves it reviewed.
                target=S.DECIDED,
                who=(
                    *DECISION.checks(),
                    Check(~is_author, "An author does not sign their own report's determination."),
                ),
                guards=(
                    Guard(check=requirements_met),
                    Guard(check=_findings_justified),
                    Guard(
                        lambda d: bool(members_sitting()),
                        "No board director or trustee is sitting (a current seat or term) to "
                        "share it with; it cannot be decided.",
                    ),
                ),
                audit="determination.signed (determination.decided with both)",
                notifies="with both signatures, the sitting directors and trustees",
                recipients=lambda d: members_sitting(),
            ),
            Transition(
                name="return",
                label="Send back to the authors",
                doing="sent back now",
                sources=(S.REVIEWED,),
                target=S.DRAFT,
                who=(Check(is_officer, "Only the RSO or the CEO may send a report back."),),
                audit="determination.returned",
                notifies="the authors",
                recipients=lambda d: d.authors.all(),
            ),
            Transition(
                name="acknowledge",
                label="Acknowledge",
                doing="acknowledged",
                sources=(S.DECIDED,),
                target=None,
                who=(
                    Check(is_person, "Only a person may acknowledge a determination."),
                    Check(is_acknowledger, "You were not among those it was shared with."),
                    Check(
                        ~has_acknowledged,
                        "You have acknowledged it already.",
                        TransitionNotAllowed,
                    ),
                ),
                audit="determination.acknowledged (determination.final with the last)",
                notifies="with the last acknowledgement, the RSO, the CEO and safety staff",
            ),
        ),
        waits=(
            Wait(
                S.DRAFT,
                "the authors to complete and submit the report",
                # Sorted here, not by the database, so a list that prefetched them asks no more.
                who=lambda d: sorted(d.authors.all(), key=lambda person: person.username),
            ),
            Wait(S.IN_REVIEW, "an internal reviewer's critique", who=_reviewers),
            Wait(S.REVIEWED, DECISION.awaits, who=_deciders_awaited),
            Wait(
                S.DECIDED,
                lambda d: (
                    f"acknowledgement by {determination_acknowledgers_waiting(d).count()} more "
                    "of the directors and trustees it was shared with"
                ),
                who=determination_acknowledgers_waiting,
            ),
        ),
    ),
    Determination,
)

# Who may start a capability report; read by the list page and the API.
rules.set_rule("determination.create", is_safety_staff)
