"""Notifications: the in-app inbox (also sent as email) and outgoing webhooks. Rows are
written in the transaction that causes them; sending happens after commit, from Celery."""

import secrets

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models

from ..choices import DeliveryStatus


class Notification(models.Model):
    """One message to one person: shown in their inbox and emailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event_type = models.CharField(max_length=60)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


HTTP_URL = URLValidator(schemes=["http", "https"])


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class WebhookSubscription(models.Model):
    """An outside endpoint told of events, each request signed with the subscription's secret."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500, validators=[HTTP_URL])
    event_types = models.JSONField(default=list, help_text='Event types, or ["*"] for all.')
    secret = models.CharField(max_length=64, default=new_webhook_secret)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event for one subscription, and what happened when it was sent."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Whoever sends it holds it until then, so two workers never send it at once.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.subscription} ({self.status})"


class AwaitedNotice(models.Model):
    """That a person has been told an object awaits them: one row per (object, state, wait,
    person), so each step that awaits someone tells them once, whether the step itself, a later
    step or the sweep found it first. Rows of a state the object has left are dropped, so a
    state entered again asks again."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    state = models.CharField(max_length=40)
    # The wait's position in its workflow's declaration: stable while its words change
    # ("3 more votes" then "2 more votes").
    wait = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "state", "wait", "user"],
                name="awaited_notice_once_per_person",
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.user_id} told of {self.content_type_id}:{self.object_id} ({self.state})"
