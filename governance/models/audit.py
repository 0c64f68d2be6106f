"""Core models: the tamper-evident audit log and the record of its verification."""

from django.conf import settings
from django.db import models

from ..choices import ActorType


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk edits from the ORM; PostgreSQL refuses them again with a trigger."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only; they cannot be updated.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only; they cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or removed."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are append-only; they cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    """One state change, written explicitly by a service, chained to the event before it.

    `hash` is SHA-256 over the canonical JSON of this event's fields and `prev_hash`, so editing,
    deleting or reordering any row breaks the chain at that row (see governance.audit).
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(editable=False, db_index=True)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        help_text="The acting person; users who acted are deactivated, never deleted.",
    )
    actor_label = models.CharField(
        max_length=200, help_text="A copy of the actor's name as it was at the time."
    )
    actor_ref = models.CharField(
        max_length=100, blank=True, help_text="Key of a machine actor, e.g. evals.evalsystem:3."
    )
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor_label}"


class AuditVerification(AppendOnlyModel):
    """The outcome of one scheduled check of the audit chain; the latest good one anchors the
    next check, so events cut from the end of the chain are noticed."""

    checked_at = models.DateTimeField(db_index=True)
    ok = models.BooleanField()
    events_verified = models.PositiveBigIntegerField()
    last_hash = models.CharField(max_length=64, blank=True)
    first_broken_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        state = "intact" if self.ok else f"broken at #{self.first_broken_sequence}"
        return (
            f"Audit chain {state} ({self.events_verified} events, {self.checked_at:%Y-%m-%d %H:%M})"
        )
