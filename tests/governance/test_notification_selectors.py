"""The core's reads of webhook deliveries (governance/selectors.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from governance.models import WebhookDelivery, WebhookSubscription
from governance.selectors import (
    webhook_deliveries_for,
    webhook_subscriptions_with_recent_deliveries,
)

pytestmark = pytest.mark.django_db


def _deliveries(subscription, count):
    start = timezone.now() - dt.timedelta(hours=count)
    made = []
    for i in range(count):
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event_type=f"event.{i}", payload={}
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            created_at=start + dt.timedelta(hours=i)
        )
        made.append(delivery)
    return made  # oldest first


def test_each_subscription_lists_only_its_latest_deliveries():
    beta = WebhookSubscription.objects.create(name="beta", url="https://b.example/hook")
    alpha = WebhookSubscription.objects.create(name="alpha", url="https://a.example/hook")
    alpha_sent = _deliveries(alpha, 3)
    beta_sent = _deliveries(beta, 1)

    listed = list(webhook_subscriptions_with_recent_deliveries(per_subscription=2))

    assert [s.name for s in listed] == ["alpha", "beta"]
    assert [d.pk for d in listed[0].recent_deliveries] == [alpha_sent[2].pk, alpha_sent[1].pk]
    assert [d.pk for d in listed[1].recent_deliveries] == [beta_sent[0].pk]


def test_a_subscriptions_deliveries_are_its_own_newest_first():
    mine = WebhookSubscription.objects.create(name="mine", url="https://m.example/hook")
    other = WebhookSubscription.objects.create(name="other", url="https://o.example/hook")
    sent = _deliveries(mine, 3)
    _deliveries(other, 2)

    assert [d.pk for d in webhook_deliveries_for(mine)] == [d.pk for d in reversed(sent)]
