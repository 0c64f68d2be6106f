"""Named reads of the core app."""

from django.db.models import QuerySet

from .models import AuditEvent, AuditVerification


def audit_events_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor_user").order_by("-sequence")


def audit_events_for_user(user, *, limit: int = 10) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_user=user).order_by("-sequence")[:limit])


def audit_events_for_target(target) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).order_by("sequence")


def audit_verification_latest() -> AuditVerification | None:
    return AuditVerification.objects.order_by("-checked_at").first()
