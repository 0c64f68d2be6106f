"""The API for a person's notifications and for webhook subscriptions."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..choices import Role
from ..models import Notification, WebhookDelivery, WebhookSubscription
from ..models.notifications import HTTP_URL
from ..permissions import IsPerson, api_roles
from ..selectors import notifications_for_user, webhook_deliveries_for, webhook_subscriptions_list
from ..services.notifications import inbox_mark_read, webhook_subscription_save
from .serializers import validated_input


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event_type", "title", "body", "link", "created_at", "read_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=10000,
        help_text="Notification ids; leave out to mark every notification read.",
    )


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in person's inbox."""

    serializer_class = NotificationSerializer
    permission_classes = [IsPerson]
    filterset_fields = ["event_type"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return notifications_for_user(self.request.user)

    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark the given notifications read (`ids`), or all of them (no `ids`)."""
        ids = validated_input(request, MarkReadSerializer).get("ids")
        return Response({"marked": inbox_mark_read(user=request.user, notification_ids=ids)})


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_type",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.CharField(max_length=60), min_length=1)
    url = serializers.URLField(max_length=500, validators=[HTTP_URL])

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "name",
            "url",
            "event_types",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "created_at",
        ]
        read_only_fields = ["consecutive_failures", "disabled_at", "created_at"]


class WebhookSubscriptionWithSecretSerializer(WebhookSubscriptionSerializer):
    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookSubscriptionViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Outgoing webhooks. Creating one returns its signing secret once."""

    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [api_roles(read=[Role.RSO], write=[Role.RSO])]
    queryset = webhook_subscriptions_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = webhook_subscription_save(actor=request.user, **serializer.validated_data)
        return Response(
            WebhookSubscriptionWithSecretSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_update(self, serializer):
        serializer.instance = webhook_subscription_save(
            actor=self.request.user, subscription=serializer.instance, **serializer.validated_data
        )

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(webhook_deliveries_for(self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
