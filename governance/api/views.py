"""The core's API: the signed-in person, the audit log and frameworks."""

import datetime as dt

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from ..choices import Role
from ..filters import AuditEventFilter
from ..permissions import AUDIT_READERS, IsPerson, api_roles
from ..selectors import (
    audit_events_readable_by,
    framework_adoptions,
    framework_version_in_force_detailed,
    framework_versions_detailed,
    frameworks_detailed,
)
from ..services import framework_version_adopt
from . import serializers


class MeView(generics.RetrieveAPIView):
    """The signed-in person, with roles: clients use it to show only what the user may do.
    People only: an eval system is no user (403)."""

    serializer_class = serializers.MeSerializer
    permission_classes = [IsPerson]

    def get_object(self):
        return self.request.user


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log, newest first. Filters match the Audit page."""

    serializer_class = serializers.AuditEventSerializer
    permission_classes = [api_roles(read=AUDIT_READERS)]
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return audit_events_readable_by(self.request.user)


class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Safety frameworks with every loaded version nested (levels, safeguards, thresholds,
    cadence, decision rules). Read-only: a framework changes by loading a new version file."""

    serializer_class = serializers.FrameworkSerializer
    filterset_fields = ["slug", "organisation"]

    def get_queryset(self):
        return frameworks_detailed()


class FrameworkVersionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.FrameworkVersionSerializer
    queryset = framework_versions_detailed()
    filterset_fields = ["framework__slug", "version"]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "at", OpenApiTypes.DATETIME, description="Moment to ask about; default: now."
            )
        ]
    )
    @action(detail=False, methods=["get"], url_path="in-force")
    def in_force(self, request):
        """The version the organisation had in force at `at` (default now)."""
        at = _parse_moment(request.query_params.get("at"))
        version = framework_version_in_force_detailed(at)
        if version is None:
            raise NotFound("No framework version was in force at that moment.")
        return Response(self.get_serializer(version).data)


def _parse_moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = dt.datetime.combine(day, dt.time.max)
    except ValueError:  # well-formed but impossible, e.g. 2025-02-30
        moment = None
    if moment is None:
        raise ValidationError({"at": [f"{text!r} is not a date or an ISO 8601 date-time."]})
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class FrameworkAdoptionViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The organisation's policy history: which framework version is in force from when.
    Adopting a version directly is the RSO's."""

    serializer_class = serializers.FrameworkAdoptionSerializer
    permission_classes = [api_roles(write=[Role.RSO])]
    queryset = framework_adoptions()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = framework_version_adopt(
            actor=self.request.user,
            version=data["version"],
            effective_from=data["effective_from"],
            note=data.get("note", ""),
        )
