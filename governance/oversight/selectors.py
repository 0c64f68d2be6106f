"""Named reads of oversight, shared by the pages, the API and the services."""

from django.db.models import CharField, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from governance.audit import audit_type
from governance.choices import (
    ESCALATION_OPEN_STATES,
    RESTRICTION_FOR_ACTION,
    ClearanceAction,
    DeterminationState,
    EscalationKind,
    EscalationLevel,
    RestrictionState,
    Role,
)
from governance.determinations.models import Determination
from governance.determinations.selectors import deployment_gaps
from governance.oversight.models import (
    RESTRICTION_SIGNERS,
    Escalation,
    NoncomplianceReport,
    Restriction,
)
from governance.oversight.workflows.escalations import decision_awaited
from governance.permissions import has_role
from governance.registry.models import AIModel, Snapshot
from governance.selectors import framework_version_in_force

# An escalation's due date when the framework version in force sets no deadline.
DEFAULT_DECISION_DAYS = 30

# Escalations


def escalations_list() -> QuerySet[Escalation]:
    """Escalations with what a list row shows, newest activity first."""
    return Escalation.objects.select_related("model", "threshold", "assignee", "snapshot").order_by(
        "-updated_at"
    )


def escalation_detail() -> QuerySet[Escalation]:
    """Escalations with their timeline and their restrictions (with each one's model and
    signers): what the detail page and the API's detail show."""
    return escalations_list().prefetch_related(
        "events",
        Prefetch(
            "restrictions",
            queryset=Restriction.objects.select_related("model", *RESTRICTION_SIGNERS),
        ),
    )


def escalation_resolving_determinations(escalation: Escalation) -> QuerySet[Determination]:
    """The determinations that may resolve the escalation, latest decision first: the decided
    or final ones on its model, and none unless it is a threshold escalation."""
    if escalation.kind != EscalationKind.THRESHOLD:
        return Determination.objects.none()
    return Determination.objects.filter(
        model_id=escalation.model_id,
        state__in=[DeterminationState.DECIDED, DeterminationState.FINAL],
    ).order_by("-decided_at")


def escalations_open_below_board() -> QuerySet[Escalation]:
    """Open escalations not yet raised to the board: those the deadline check may raise."""
    return Escalation.objects.filter(
        state__in=ESCALATION_OPEN_STATES, level__lt=EscalationLevel.BOARD
    ).select_related("model", "threshold")


def capability_determination_days() -> int:
    """Days the framework version in force gives for a capability determination: how long
    an escalation has before it is due."""
    version = framework_version_in_force()
    if version is not None:
        rule = version.governance_rules.filter(decision="capability_determination").first()
        if rule is not None and rule.deadline_days:
            return rule.deadline_days
    return DEFAULT_DECISION_DAYS


def ai_models_with_snapshots() -> QuerySet[AIModel]:
    """Every model with its snapshots: what the cadence check walks."""
    return AIModel.objects.prefetch_related("snapshots")


def largest_compute_snapshot(model: AIModel) -> Snapshot | None:
    """The model's snapshot with the most training compute on record: a pause's compute cap."""
    return (
        model.snapshots.exclude(training_compute_flop=None)
        .order_by("-training_compute_flop")
        .first()
    )


# Restrictions


def restrictions_list() -> QuerySet[Restriction]:
    """Restrictions with their model and signers, newest first."""
    return Restriction.objects.select_related("model", *RESTRICTION_SIGNERS).order_by("-created_at")


def live_restrictions(model: AIModel) -> list[Restriction]:
    """The model's restrictions that are proposed, active or waived, with their signers and
    escalation: what its page shows."""
    return list(
        Restriction.objects.filter(
            model=model,
            state__in=[RestrictionState.PROPOSED, RestrictionState.ACTIVE, RestrictionState.WAIVED],
        ).select_related(*RESTRICTION_SIGNERS, "escalation")
    )


def model_clearance(model: AIModel, action: ClearanceAction | str) -> dict:
    """May a pipeline train or deploy this model? The policy fails closed: a pause or hold
    blocks from the moment it is proposed (stopping needs no decision), and so does a threshold
    escalation that no determination has resolved. Only the RSO's and the CEO's written interim
    measures, while they last, let the pipeline proceed past those two."""
    action = ClearanceAction(action)
    kind = RESTRICTION_FOR_ACTION[action]
    now = timezone.now()
    restrictions = list(
        Restriction.objects.filter(
            model=model,
            kind=kind,
            state__in=[
                RestrictionState.ACTIVE,
                RestrictionState.PROPOSED,
                RestrictionState.WAIVED,
            ],
        )
        .select_related("activation_rso", "activation_ceo", "waiver_rso", "waiver_ceo")
        .order_by("created_at")
    )
    waived = [r for r in restrictions if r.waiver_in_force(now)]
    reasons, pending = [], []
    for r in restrictions:
        label = r.get_kind_display()
        if r.state == RestrictionState.ACTIVE:
            reasons.append(
                f"{label} active since {r.activated_at:%Y-%m-%d %H:%M} UTC: {r.reason}"
                + (f" (compute cap {r.compute_cap_flop:.3g} FLOP)" if r.compute_cap_flop else "")
            )
        elif r.state == RestrictionState.PROPOSED:
            reasons.append(
                f"{label} proposed {r.created_at:%Y-%m-%d %H:%M} UTC and in effect until the RSO "
                f"and the CEO decide (confirm it, or waive it under written interim measures): "
                f"{r.reason}"
            )
            # Who it waits for, by role and by who signed what (to activate it or to waive it).
            pending.append(f"{label} proposed, pending a decision by {decision_awaited(r)}")
        elif not r.waiver_in_force(now):
            reasons.append(
                f"{label}: the interim measures ended {r.waiver_until:%Y-%m-%d %H:%M} UTC; it "
                f"blocks again until the RSO and the CEO decide: {r.reason}"
            )
    waived_escalations = {r.escalation_id for r in waived}
    for escalation in Escalation.objects.filter(
        model=model, kind=EscalationKind.THRESHOLD, state__in=ESCALATION_OPEN_STATES
    ).order_by("created_at"):
        if escalation.pk not in waived_escalations:
            reasons.append(
                f"Open escalation, not yet resolved by a determination: {escalation.title} "
                f"(opened {escalation.created_at:%Y-%m-%d %H:%M} UTC)."
            )
    if action == ClearanceAction.DEPLOY:
        reasons += deployment_gaps(model)
    return {
        "model": model.pk,
        "action": action.value,
        "result": "blocked" if reasons else "allowed",
        "reasons": reasons,
        "pending": pending,
        "interim_measures": [
            {
                "restriction": r.pk,
                "kind": r.kind,
                "measures": r.waiver_measures,
                "until": r.waiver_until.isoformat(),
                "signed_by": [str(r.waiver_rso), str(r.waiver_ceo)],
            }
            for r in waived
        ],
    }


# Noncompliance reports


def noncompliance_reports_readable_by(user) -> QuerySet[NoncomplianceReport]:
    """The reports `user` may read: every one for an auditor; otherwise their own named reports
    and those routed to a role they hold (the board's when a report concerns the RSO, the RSO's
    otherwise). The queryset form of `workflows.noncompliance.may_read_report`; a test holds the
    two together."""
    reports = NoncomplianceReport.objects.all()
    if has_role(user, Role.AUDITOR):
        return reports
    # No pk (a machine client) must not match the anonymous reports, whose reporter is NULL.
    readable = Q(reporter_id=user.pk) if getattr(user, "pk", None) is not None else Q(pk__in=[])
    if has_role(user, Role.RSO):
        readable |= Q(concerns_rso=False)
    if has_role(user, Role.BOARD_DIRECTOR) and not has_role(user, Role.RSO):
        readable |= Q(concerns_rso=True)
    return reports.filter(readable)


def noncompliance_reports_list(user) -> QuerySet[NoncomplianceReport]:
    """The reports `user` may read, with reporter and handler, newest filed first."""
    return (
        noncompliance_reports_readable_by(user)
        .select_related("reporter", "handler")
        .order_by("-filed_at", "-id")
    )


def noncompliance_report_detail() -> QuerySet[NoncomplianceReport]:
    """Reports with their reporter and handler, unfiltered: the caller decides who may read
    one (the page refuses with a 403; the API's answer to a step goes to whoever took it)."""
    return NoncomplianceReport.objects.select_related("reporter", "handler")


def audit_events_without_reports_about_the_rso(user, events):
    """The RSO and the CEO do not see the events of noncompliance reports that concern the RSO:
    the board handles those, and their events name the reporter and the handler. (Registered
    with the core's audit log reads; auditors and administrators are never redacted.)"""
    about_rso = (
        NoncomplianceReport.objects.filter(concerns_rso=True)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return events.exclude(target_type=audit_type(NoncomplianceReport), target_id__in=about_rso)
