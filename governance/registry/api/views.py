"""API for the model registry: models (with their clearance for pipelines) and snapshots
(with the lookup eval systems use by external identifier)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as serializers_module
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from governance.choices import ClearanceAction, Role
from governance.oversight.selectors import model_clearance
from governance.permissions import MayReadClearance, api_roles
from governance.registry.filters import AIModelFilter, SnapshotFilter
from governance.registry.models import AIModel
from governance.registry.selectors import ai_models_list, snapshot_by_identifier, snapshots_list
from governance.registry.services import (
    ai_model_create,
    ai_model_delete,
    ai_model_update,
    snapshot_create,
    snapshot_delete,
    snapshot_update,
)

from . import serializers


class AIModelViewSet(viewsets.ModelViewSet):
    """AI models. Safety staff register and edit them; every role reads."""

    serializer_class = serializers.AIModelSerializer
    permission_classes = [api_roles(write=[Role.SAFETY_STAFF])]
    filterset_class = AIModelFilter
    queryset = ai_models_list()

    def perform_create(self, serializer):
        model = ai_model_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=model.pk)

    def perform_update(self, serializer):
        ai_model_update(
            actor=self.request.user, model=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        ai_model_delete(actor=self.request.user, model=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("action", OpenApiTypes.STR, enum=["train", "deploy"], required=True)
        ],
        responses=inline_serializer(
            "Clearance",
            {
                "model": serializers_module.IntegerField(),
                "action": serializers_module.CharField(),
                "result": serializers_module.ChoiceField(choices=["allowed", "blocked"]),
                "reasons": serializers_module.ListField(child=serializers_module.CharField()),
                "pending": serializers_module.ListField(child=serializers_module.CharField()),
            },
        ),
    )
    @action(detail=True, methods=["get"], permission_classes=[MayReadClearance])
    def clearance(self, request, pk=None):
        """May a pipeline train or deploy this model now? For pipelines to gate on; eval-system
        tokens may read it."""
        wanted = request.query_params.get("action", "")
        if wanted not in ClearanceAction.values:
            raise ValidationError({"action": ["Give action=train or action=deploy."]})
        model = get_object_or_404(AIModel, pk=pk)
        return Response(model_clearance(model, wanted))


class SnapshotViewSet(viewsets.ModelViewSet):
    """Snapshots of models, with the external identifiers eval systems use for them."""

    serializer_class = serializers.SnapshotSerializer
    permission_classes = [api_roles(write=[Role.SAFETY_STAFF])]
    filterset_class = SnapshotFilter
    queryset = snapshots_list()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        snapshot = snapshot_create(actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=snapshot.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("model", None)
        snapshot_update(actor=self.request.user, snapshot=serializer.instance, **data)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        snapshot_delete(actor=self.request.user, snapshot=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "identifier", OpenApiTypes.STR, required=True, description="e.g. mockllm/model"
            )
        ]
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        """The snapshot an eval system's model name refers to."""
        identifier = request.query_params.get("identifier", "").strip()
        if not identifier:
            raise ValidationError({"identifier": "Give the external identifier to look up."})
        snapshot = snapshot_by_identifier(identifier)
        if snapshot is None:
            raise NotFound(f"No snapshot is known as {identifier!r}.")
        return Response(self.get_serializer(snapshot).data)
