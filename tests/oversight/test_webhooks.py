"""Outgoing webhooks against a real HTTP receiver on this machine: signed, retried, disabled."""

import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from governance.audit import SYSTEM
from governance.choices import EscalationKind, Severity
from governance.models import WebhookDelivery, WebhookSubscription
from governance.oversight.services.escalations import escalation_raise
from governance.services.notifications import (
    WEBHOOK_MAX_ATTEMPTS,
    webhook_subscription_save,
)

pytestmark = pytest.mark.django_db


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (as the README shows): recompute the HMAC, compare in constant
    time, and refuse stale timestamps."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - timestamp) < tolerance


@pytest.fixture
def receiver():
    """A local HTTP server that records requests and answers with `status`."""
    state = {"status": 200, "requests": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["requests"].append((dict(self.headers), body))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()


def raise_escalation(n: int = 0):
    return escalation_raise(
        kind=EscalationKind.WARNING,
        subject=f"T{n}",
        title=f"T{n} warning",
        summary="4 of 10 tasks passed",
        severity=Severity.MEDIUM,
    )


def test_receiver_verifies_the_signature(receiver, officers, run_on_commit):
    subscription = webhook_subscription_save(
        actor=officers["rso"],
        name="pipeline",
        url=receiver["url"],
        event_types=["escalation.created"],
    )
    run_on_commit(raise_escalation)
    [(headers, body)] = receiver["requests"]
    assert headers["X-Governance-Event"] == "escalation.created"
    assert verify(subscription.secret, headers["X-Governance-Signature"], body)
    assert not verify("wrong-secret", headers["X-Governance-Signature"], body)
    assert not verify(subscription.secret, headers["X-Governance-Signature"], body + b" ")
    assert json.loads(body)["data"]["kind"] == "warning"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_unsubscribed_events_are_not_sent(receiver, officers, run_on_commit):
    webhook_subscription_save(
        actor=officers["rso"], name="p", url=receiver["url"], event_types=["restriction.active"]
    )
    run_on_commit(raise_escalation)
    assert receiver["requests"] == []


def retry_like_the_worker(delivery: WebhookDelivery) -> None:
    """What the worker does on "retry", minus the backoff wait: run the task again."""
    from celery.exceptions import Retry

    from governance.tasks import webhook_deliver_task

    while WebhookDelivery.objects.get(pk=delivery.pk).status == "pending":
        try:
            webhook_deliver_task.apply(args=[delivery.pk])
        except Retry:
            continue


def test_a_failing_receiver_is_retried_then_disabled(receiver, officers, run_on_commit):
    receiver["status"] = 500
    webhook_subscription_save(
        actor=officers["rso"], name="flaky", url=receiver["url"], event_types=["escalation.created"]
    )
    for n in range(3):
        run_on_commit(raise_escalation, n)
        for delivery in WebhookDelivery.objects.filter(status="pending"):
            retry_like_the_worker(delivery)
    assert len(receiver["requests"]) == 3 * WEBHOOK_MAX_ATTEMPTS  # every delivery retried
    deliveries = WebhookDelivery.objects.all()
    assert {(d.status, d.attempts, d.last_status_code) for d in deliveries} == {
        ("failed", WEBHOOK_MAX_ATTEMPTS, 500)
    }
    subscription = WebhookSubscription.objects.get()
    assert subscription.is_active is False and subscription.disabled_at is not None
    run_on_commit(raise_escalation, 9)
    assert len(receiver["requests"]) == 3 * WEBHOOK_MAX_ATTEMPTS  # disabled: nothing more sent


def test_a_receiver_that_recovers_resets_the_failure_count(receiver, officers, run_on_commit):
    receiver["status"] = 503
    webhook_subscription_save(
        actor=officers["rso"], name="w", url=receiver["url"], event_types=["escalation.created"]
    )
    run_on_commit(raise_escalation, 1)
    receiver["status"] = 204
    run_on_commit(raise_escalation, 2)
    subscription = WebhookSubscription.objects.get()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)


def test_webhook_api_returns_the_secret_once_and_is_for_the_rso(client_for, receiver):
    from governance.choices import Role

    created = client_for(Role.RSO).post(
        "/api/v1/webhooks/",
        {"name": "ci", "url": receiver["url"], "event_types": ["*"]},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert len(created.json()["secret"]) == 64
    listed = client_for(Role.RSO).get("/api/v1/webhooks/").json()["results"][0]
    assert "secret" not in listed
    bad = client_for(Role.RSO).post(
        "/api/v1/webhooks/",
        {"name": "x", "url": "ftp://nope", "event_types": []},
        content_type="application/json",
    )
    assert bad.status_code == 400 and {"url", "event_types"} <= set(bad.json())
    assert client_for(Role.SAFETY_STAFF).get("/api/v1/webhooks/").status_code == 403
    assert SYSTEM  # the system may also manage them (seed data)


def test_the_task_asks_celery_to_retry_with_backoff(receiver, officers, run_on_commit):
    from governance.tasks import webhook_deliver_task

    receiver["status"] = 502
    webhook_subscription_save(
        actor=officers["rso"], name="r", url=receiver["url"], event_types=["escalation.created"]
    )
    run_on_commit(raise_escalation)
    from celery.exceptions import Retry

    delivery = WebhookDelivery.objects.get()
    with pytest.raises(Retry, match="Retry in 4s"):  # the second attempt backs off longer
        webhook_deliver_task.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)


def test_a_delivery_is_sent_by_one_worker_at_a_time(receiver, officers, run_on_commit):
    from django.utils import timezone

    from governance.services.notifications import webhook_deliver

    webhook_subscription_save(
        actor=officers["rso"], name="one", url=receiver["url"], event_types=["*"]
    )
    raise_escalation()  # not run_on_commit: the delivery stays pending, unsent
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        lease_until=timezone.now() + timezone.timedelta(seconds=30)
    )
    assert webhook_deliver(delivery_id=delivery.pk) == "busy"
    assert receiver["requests"] == []


def test_a_non_http_url_is_refused_and_never_left_pending(officers, run_on_commit):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        webhook_subscription_save(
            actor=officers["rso"], name="ftp", url="ftp://example.org/x", event_types=["*"]
        )
    subscription = WebhookSubscription.objects.create(
        name="legacy", url="ftp://example.org/x", event_types=["*"]
    )
    raise_escalation()
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    retry_like_the_worker(delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("failed", "not an http(s) URL")
