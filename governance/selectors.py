"""Named reads of the core app."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, Prefetch, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from governance.oversight.models import NoncomplianceReport

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


# Notifications and people


def unread_notification_count(user) -> int:
    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()


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
