"""Named reads of the core app."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from .audit import audit_type
from .choices import Role
from .models import (
    AuditEvent,
    AuditVerification,
    CapabilityThreshold,
    Framework,
    FrameworkAdoption,
    FrameworkVersion,
    Notification,
    SafeguardStandard,
    WebhookDelivery,
    WebhookSubscription,
)
from .permissions import has_role

# Audit log


def audit_events_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor_user").order_by("-sequence")


# Areas hide some of their events from some readers (oversight: the events of noncompliance
# reports that concern the RSO). Each registers a function (user, events) -> events when it
# starts; the core never imports them.
_audit_redactions: list[Callable[[Any, QuerySet[AuditEvent]], QuerySet[AuditEvent]]] = []


def register_audit_redaction(
    redact: Callable[[Any, QuerySet[AuditEvent]], QuerySet[AuditEvent]],
) -> None:
    if redact not in _audit_redactions:
        _audit_redactions.append(redact)


def audit_events_readable_by(user) -> QuerySet[AuditEvent]:
    """The audit log as `user` may read it. Auditors and administrators read all of it; others
    read it less what the areas withhold from them (see `register_audit_redaction`)."""
    events = audit_events_list()
    if user.is_staff or has_role(user, Role.AUDITOR):
        return events
    for redact in _audit_redactions:
        events = redact(user, events)
    return events


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


def framework_version_in_force_detailed(at: dt.datetime | None = None) -> FrameworkVersion | None:
    """The version in force at `at` (default: now), read as `framework_versions_detailed()`."""
    in_force = framework_version_in_force(at)
    return framework_versions_detailed().get(pk=in_force.pk) if in_force else None


def frameworks_detailed() -> QuerySet[Framework]:
    """Frameworks with every version read as `framework_versions_detailed()`."""
    return Framework.objects.prefetch_related(
        Prefetch("versions", queryset=framework_versions_detailed())
    )


# Notifications and webhooks


def notifications_for_user(user) -> QuerySet[Notification]:
    """A person's inbox, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at")


def unread_notification_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def webhook_subscriptions_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.order_by("name")


def webhook_subscriptions_with_recent_deliveries(
    per_subscription: int = 20,
) -> QuerySet[WebhookSubscription]:
    """Subscriptions, each with its latest deliveries in `recent_deliveries`."""
    recent = WebhookDelivery.objects.order_by("-created_at")[:per_subscription]
    return webhook_subscriptions_list().prefetch_related(
        Prefetch("deliveries", queryset=recent, to_attr="recent_deliveries")
    )


def webhook_deliveries_for(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """A subscription's deliveries, newest first."""
    return WebhookDelivery.objects.filter(subscription=subscription).order_by("-created_at")


# People


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
