"""Named reads of the core app."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from governance.oversight.models import RESTRICTION_SIGNERS, NoncomplianceReport
from governance.registry.models import AIModel, Snapshot

from .audit import audit_type
from .choices import Role
from .models import (
    AuditEvent,
    AuditVerification,
    CapabilityThreshold,
    FrameworkAdoption,
    FrameworkVersion,
    SafeguardStandard,
)
from .permissions import has_role

UNASSESSED = "Unassessed"


# Audit log


def audit_events_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor_user").order_by("-sequence")


def audit_events_readable_by(user) -> QuerySet[AuditEvent]:
    """The audit log as `user` may read it. Auditors and administrators read all of it; the
    RSO and the CEO do not see the events of noncompliance reports that concern the RSO: the
    board handles those, and their events name the reporter and the handler."""
    events = audit_events_list()
    if user.is_staff or has_role(user, Role.AUDITOR):
        return events
    about_rso = (
        NoncomplianceReport.objects.filter(concerns_rso=True)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return events.exclude(target_type=audit_type(NoncomplianceReport), target_id__in=about_rso)


def audit_events_for_user(user, *, limit: int = 10) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_user=user).order_by("-sequence")[:limit])


def audit_events_for_target(target) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=audit_type(target), target_id=str(target.pk)
    ).order_by("sequence")


def audit_events_for_registry_model(model, snapshots) -> list[AuditEvent]:
    """The history of a model and its snapshots, newest first."""
    return list(
        AuditEvent.objects.filter(
            Q(target_type=audit_type(model), target_id=str(model.pk))
            | Q(target_type=audit_type(Snapshot), target_id__in=[str(s.pk) for s in snapshots])
        ).order_by("-sequence")[:50]
    )


def audit_verification_latest() -> AuditVerification | None:
    return AuditVerification.objects.order_by("-checked_at").first()


# Frameworks


def framework_version_in_force(at: dt.datetime | None = None) -> FrameworkVersion | None:
    """The framework version the organisation had in force at `at` (default: now)."""
    adoption = (
        FrameworkAdoption.objects.filter(effective_from__lte=at or timezone.now())
        .select_related("version__framework")
        .order_by("-effective_from")
        .first()
    )
    return adoption.version if adoption else None


def framework_adoptions() -> QuerySet[FrameworkAdoption]:
    return FrameworkAdoption.objects.select_related("version__framework", "adopted_by")


def framework_versions_list() -> QuerySet[FrameworkVersion]:
    return (
        FrameworkVersion.objects.select_related("framework", "supersedes")
        .annotate(threshold_count=Count("thresholds", distinct=True))
        .order_by("framework__organisation", "framework__name", "-effective_date")
    )


def framework_versions_detailed() -> QuerySet[FrameworkVersion]:
    """Versions with everything the framework browser and API show, in a fixed few queries."""
    versions = FrameworkVersion.objects.select_related("framework", "supersedes").order_by(
        "framework__organisation", "framework__name", "-effective_date"
    )
    return versions.prefetch_related(
        "levels",
        "cadence_rules",
        "governance_rules",
        Prefetch(
            "safeguards",
            queryset=SafeguardStandard.objects.select_related("level").prefetch_related("criteria"),
        ),
        Prefetch(
            "thresholds",
            queryset=CapabilityThreshold.objects.select_related("required_level").prefetch_related(
                "required_safeguards"
            ),
        ),
    )


# Model registry


def ai_models_list() -> QuerySet[AIModel]:
    return (
        AIModel.objects.select_related("current_level")
        .annotate(snapshot_count=Count("snapshots", distinct=True))
        .order_by("name")
    )


def snapshots_list() -> QuerySet[Snapshot]:
    return (
        Snapshot.objects.select_related("model")
        .prefetch_related("identifiers")
        .order_by("model__name", "created_on", "id")
    )


def snapshot_by_identifier(identifier: str) -> Snapshot | None:
    return snapshots_list().filter(identifiers__identifier__iexact=identifier).first()


def ai_model_search(queryset: QuerySet[AIModel], text: str) -> QuerySet[AIModel]:
    """Match name, family, developer, description, or any snapshot's external identifier."""
    if not text:
        return queryset
    matching = (
        Q(name__icontains=text)
        | Q(family__icontains=text)
        | Q(developer__icontains=text)
        | Q(description__icontains=text)
        | Q(snapshots__identifiers__identifier__icontains=text)
    )
    return queryset.filter(pk__in=AIModel.objects.filter(matching).values("pk"))


def ai_model_current_level_label(model: AIModel) -> str:
    """The model's current ASL (from its latest final determination), or "Unassessed"."""
    return model.current_level.name if model.current_level_id else UNASSESSED


def last_comprehensively_assessed_snapshot(
    model: AIModel, *, snapshots: list[Snapshot] | None = None
) -> Snapshot | None:
    candidates = snapshots if snapshots is not None else list(model.snapshots.all())
    assessed = [s for s in candidates if s.comprehensively_assessed_on is not None]
    return max(
        assessed, key=lambda s: (s.comprehensively_assessed_on, s.created_on, s.pk), default=None
    )


def snapshot_compute_multiple(snapshot: Snapshot, baseline: Snapshot | None) -> float | None:
    """Effective compute of `snapshot` over `baseline` (the last comprehensively assessed
    snapshot); None when either compute is unknown or there is no baseline."""
    if baseline is None:
        return None
    numerator, denominator = snapshot.compute_for_cadence, baseline.compute_for_cadence
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def snapshot_compute_multiples(
    model: AIModel, snapshots: list[Snapshot]
) -> dict[int, float | None]:
    baseline = last_comprehensively_assessed_snapshot(model, snapshots=snapshots)
    return {snapshot.pk: snapshot_compute_multiple(snapshot, baseline) for snapshot in snapshots}


def safeguards_in_force(model, standards, *, at=None) -> bool:
    """Whether every given safeguard standard has an approved report for the model that has
    not expired (an expired approval counts as not in force)."""
    from governance.determinations.models import SafeguardsReport

    from .choices import SafeguardsReportState

    wanted = {standard.pk for standard in standards}
    if not wanted:
        return True
    in_force = set(
        SafeguardsReport.objects.filter(
            model=model,
            standard_id__in=wanted,
            state=SafeguardsReportState.APPROVED,
            valid_until__gt=at or timezone.now(),
        ).values_list("standard_id", flat=True)
    )
    return in_force == wanted


def model_clearance(model, action) -> dict:
    """May a pipeline train or deploy this model? The policy fails closed: a pause or hold
    blocks from the moment it is proposed (stopping needs no decision), and so does a threshold
    escalation that no determination has resolved. Only the RSO's and the CEO's written interim
    measures, while they last, let the pipeline proceed past those two."""
    from governance.oversight.models import Escalation, Restriction

    from .choices import (
        ESCALATION_OPEN_STATES,
        RESTRICTION_FOR_ACTION,
        ClearanceAction,
        EscalationKind,
        RestrictionState,
    )

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
    from governance.oversight.models import Restriction

    from .choices import RestrictionState

    return list(
        Restriction.objects.filter(
            model=model,
            state__in=[RestrictionState.PROPOSED, RestrictionState.ACTIVE, RestrictionState.WAIVED],
        ).select_related(*RESTRICTION_SIGNERS, "escalation")
    )


def unread_notification_count(user) -> int:
    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def latest_final_determination(model):
    from governance.determinations.models import Determination

    from .choices import DeterminationState

    return (
        Determination.objects.filter(model=model, state=DeterminationState.FINAL)
        .prefetch_related("snapshots", "required_safeguards")
        .order_by("-finalized_at")
        .first()
    )


def deployment_gaps(model) -> list[str]:
    """Why the model may not be deployed yet: deployment needs a final determination covering
    its latest snapshot and every safeguard it requires approved and in force."""
    latest = model.snapshots.order_by("-created_on", "-id").first()
    determination = latest_final_determination(model)
    if determination is None:
        return ["No final ASL determination for this model."]
    gaps = []
    if latest is not None and latest not in determination.snapshots.all():
        gaps.append(f"The final determination does not cover the latest snapshot, {latest.name}.")
    required = list(determination.required_safeguards.all())
    if not safeguards_in_force(model, required):
        names = ", ".join(standard.name for standard in required)
        gaps.append(f"Required safeguards not all approved and in force: {names}.")
    return gaps


def asl_history(model) -> list:
    from governance.determinations.models import Determination

    from .choices import DeterminationState

    return list(
        Determination.objects.filter(
            model=model, state__in=[DeterminationState.FINAL, DeterminationState.SUPERSEDED]
        )
        .select_related("required_level")
        .order_by("-finalized_at")
    )


def users_with_roles(*roles: str) -> list:
    """The active users holding any of `roles`."""
    return list(get_user_model().objects.filter(is_active=True, groups__name__in=roles).distinct())


def people_holding_role(role: str, user_ids) -> list:
    """The active users among `user_ids` (ids or a subquery of them) who hold `role`, in one
    query: whoever holds a seat or a term but has since lost the role does not count."""
    return list(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True, groups__name=role)
        .distinct()
        .order_by("pk")
    )


# Noncompliance


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
