"""Notifications: inbox rows and webhook deliveries are written in the caller's transaction;
emails and webhook requests are sent by Celery after commit, so nothing is sent for work
that was rolled back, and nothing is lost if the broker is down (the sweep sends it later)."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..audit import SYSTEM, Actor, AuditActor, audit_record
from ..choices import DeliveryStatus, Role
from ..models import Notification, WebhookDelivery, WebhookSubscription
from ..permissions import has_role
from ..selectors import users_with_roles  # noqa: F401  (re-exported for the services)
from .fields import refuse_unknown

logger = logging.getLogger(__name__)

WEBHOOK_MAX_ATTEMPTS = 5
WEBHOOK_DISABLE_AFTER = 3  # consecutive deliveries that failed every attempt
SIGNATURE_HEADER = "X-Governance-Signature"


def notify(
    *,
    event_type: str,
    users: Iterable,
    title: str,
    body: str = "",
    link: str = "",
    payload: dict[str, Any] | None = None,
    webhooks: bool = True,
) -> list[Notification]:
    """Tell people (inbox and email) and subscribed webhooks about an event. `webhooks=False`
    keeps it from the subscriptions, which the RSO manages: for matters about the RSO."""
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    notifications = Notification.objects.bulk_create(
        Notification(user=user, event_type=event_type, title=title[:300], body=body, link=link)
        for user in recipients.values()
    )
    event = {
        "event": event_type,
        "title": title,
        "body": body,
        "link": link,
        "occurred_at": timezone.now().isoformat(),
        "data": payload or {},
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event_type=event_type, payload=event)
        for subscription in WebhookSubscription.objects.filter(is_active=True)
        if webhooks and subscription.wants(event_type)
    )
    notification_ids = [n.pk for n in notifications]
    delivery_ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _dispatch(notification_ids, delivery_ids))
    return notifications


def _dispatch(notification_ids: list[int], delivery_ids: list[int]) -> None:
    from ..tasks import notification_email_task, webhook_deliver_task

    work = [(notification_email_task, pk) for pk in notification_ids]
    work += [(webhook_deliver_task, pk) for pk in delivery_ids]
    for task, pk in work:
        try:
            task.delay(pk)
        except Exception as error:
            # A broker outage (or, running in-process, the task's own failure or retry): the
            # row is saved and still pending, so the sweep sends it later.
            logger.warning("%s(%s) not done now (%s); the sweep will retry", task.name, pk, error)


def _lease_free(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": timezone.now()})


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification. A lease keeps two workers from sending it at once; it is marked
    sent only after sending, so a worker that dies midway leaves it for the sweep."""
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True)
        .filter(_lease_free("email_lease_until"))
        .update(email_lease_until=now + dt.timedelta(minutes=5))
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if not notification.user.email:
        Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
        return False
    link = f"\n\n{settings.SITE_URL}{notification.link}" if notification.link else ""
    try:
        send_mail(
            subject=f"[RSP Governance] {notification.title}",
            message=f"{notification.body}{link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(email_lease_until=None)
        raise
    Notification.objects.filter(pk=notification_id).update(
        emailed_at=timezone.now(), email_lease_until=None
    )
    return True


def inbox_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


# Webhooks


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex. Receivers recompute it (see the README)."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_deliver(*, delivery_id: int) -> str:
    """Send one delivery. Returns "delivered", "retry" (the caller backs off and tries again),
    or "failed" (attempts used up; the subscription is disabled after repeated failures)."""
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(_lease_free("lease_until"))
        .update(lease_until=timezone.now() + dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT + 30))
    )
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not claimed:
        return "busy" if delivery.status == DeliveryStatus.PENDING else str(delivery.status)
    if not subscription.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(lease_until=None)
        return "inactive"
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    signature = webhook_signature(subscription.secret, timestamp, body)
    code, error = None, ""
    if not subscription.url.startswith(("https://", "http://")):
        return _record_attempt(delivery, subscription, None, "not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "rsp-governance-webhooks/1",
            "X-Governance-Event": delivery.event_type,
            "X-Governance-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: f"t={timestamp},v1={signature}",
        },
    )
    try:
        # The URL is an http(s) URLField set by the RSO or an administrator.
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:  # noqa: S310
            code = response.status
    except urllib.error.HTTPError as failure:
        code, error = failure.code, f"HTTP {failure.code}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        error = str(getattr(failure, "reason", failure))[:500]
    return _record_attempt(delivery, subscription, code, error)


def _record_attempt(delivery, subscription, code: int | None, error: str) -> str:
    attempts = delivery.attempts + 1
    if code is not None and 200 <= code < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DELIVERED,
            attempts=attempts,
            last_status_code=code,
            last_error="",
            delivered_at=timezone.now(),
            lease_until=None,
        )
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
        return "delivered"
    if attempts < WEBHOOK_MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts, last_status_code=code, last_error=error, lease_until=None
        )
        return "retry"
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED,
            attempts=attempts,
            last_status_code=code,
            last_error=error,
            lease_until=None,
        )
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        subscription.refresh_from_db()
        if subscription.consecutive_failures >= WEBHOOK_DISABLE_AFTER and subscription.is_active:
            subscription.is_active = False
            subscription.disabled_at = timezone.now()
            subscription.save(update_fields=["is_active", "disabled_at"])
            audit_record(
                actor=SYSTEM,
                action="webhook.disabled",
                target=subscription,
                after={"consecutive_failures": subscription.consecutive_failures},
            )
    return "failed"


def _require_webhook_admin(actor: Actor) -> None:
    if isinstance(actor, AuditActor):
        return
    if not (getattr(actor, "is_staff", False) or has_role(actor, Role.RSO)):
        raise PermissionDenied("Only the RSO and administrators manage webhooks.")


WEBHOOK_FIELDS = ("name", "url", "event_types", "is_active")


@transaction.atomic
def webhook_subscription_save(
    *, actor: Actor, subscription: WebhookSubscription | None = None, **fields: Any
) -> WebhookSubscription:
    """Create or change a subscription; re-activating one resets its failure count."""
    _require_webhook_admin(actor)
    refuse_unknown(fields, WEBHOOK_FIELDS)
    created = subscription is None
    subscription = subscription or WebhookSubscription(
        created_by=None if isinstance(actor, AuditActor) else actor
    )
    before = {name: getattr(subscription, name) for name in WEBHOOK_FIELDS} if not created else None
    for name, value in fields.items():
        setattr(subscription, name, value)
    types = subscription.event_types
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise ValidationError({"event_types": 'Give a list of event types, or ["*"] for all.'})
    if subscription.is_active and subscription.disabled_at:
        subscription.disabled_at, subscription.consecutive_failures = None, 0
    subscription.full_clean()
    subscription.save()
    audit_record(
        actor=actor,
        action="webhook.created" if created else "webhook.updated",
        target=subscription,
        before=before,
        after={name: getattr(subscription, name) for name in WEBHOOK_FIELDS},
    )
    return subscription


def pending_work_requeue() -> tuple[int, int]:
    """Queue emails and webhook deliveries left unsent (broker down, worker lost)."""
    cutoff = timezone.now() - dt.timedelta(minutes=2)
    emails = list(
        Notification.objects.filter(emailed_at__isnull=True, created_at__lt=cutoff)
        .filter(_lease_free("email_lease_until"))
        .exclude(user__email="")
        .values_list("pk", flat=True)[:500]
    )
    deliveries = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, created_at__lt=cutoff, subscription__is_active=True
        )
        .filter(_lease_free("lease_until"))
        .values_list("pk", flat=True)[:500]
    )
    _dispatch(emails, deliveries)
    return len(emails), len(deliveries)
