"""Named reads, shared by the pages, the API and the services."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from governance.choices import Role
from governance.determinations.selectors import deployment_gaps
from governance.oversight.models import RESTRICTION_SIGNERS, NoncomplianceReport
from governance.permissions import has_role


def model_clearance(model, action) -> dict:
    """May a pipeline train or deploy this model? The policy fails closed: a pause or hold
    blocks from the moment it is proposed (stopping needs no decision), and so does a threshold
    escalation that no determination has resolved. Only the RSO's and the CEO's written interim
    measures, while they last, let the pipeline proceed past those two."""
    from governance.choices import (
        ESCALATION_OPEN_STATES,
        RESTRICTION_FOR_ACTION,
        ClearanceAction,
        EscalationKind,
        RestrictionState,
    )
    from governance.oversight.models import Escalation, Restriction

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
            awaiting = _awaiting_signatures(r)
            reasons.append(
                f"{label} proposed {r.created_at:%Y-%m-%d %H:%M} UTC and in effect until the RSO "
                f"and the CEO decide (confirm it, or waive it under written interim measures): "
                f"{r.reason}"
            )
            pending.append(f"{label} proposed, pending a decision by {awaiting}")
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


def _awaiting_signatures(restriction) -> str:
    """Who the decision on a proposed restriction waits for, by role and by who signed what
    (to activate it or to waive it): from its declaration's two keys."""
    from governance.oversight.workflows.escalations import decision_awaited

    return decision_awaited(restriction)


def escalations_list() -> QuerySet:
    from governance.oversight.models import Escalation

    return Escalation.objects.select_related("model", "threshold", "assignee", "snapshot").order_by(
        "-updated_at"
    )


def escalation_detail() -> QuerySet:
    from governance.oversight.models import Restriction

    return escalations_list().prefetch_related(
        "events",
        Prefetch(
            "restrictions",
            queryset=Restriction.objects.select_related(*RESTRICTION_SIGNERS),
        ),
    )


def live_restrictions(model) -> list:
    from governance.choices import RestrictionState
    from governance.oversight.models import Restriction

    return list(
        Restriction.objects.filter(
            model=model,
            state__in=[RestrictionState.PROPOSED, RestrictionState.ACTIVE, RestrictionState.WAIVED],
        ).select_related(*RESTRICTION_SIGNERS, "escalation")
    )


def noncompliance_reports_readable_by(user) -> QuerySet:
    """The reports `user` may read: every one for an auditor; otherwise their own named reports
    and those routed to a role they hold (the board's when a report concerns the RSO, the RSO's
    otherwise). The queryset form of `services.noncompliance.may_read_report`; a test holds the
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
