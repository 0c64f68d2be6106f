"""API for Trust consultations on policy changes. The lab opens and closes them, trustees
advise; the services check who may take each step."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from governance.choices import Role
from governance.permissions import BOARD_READERS, api_roles

from ..models import TrustConsultation, TrusteeAdvice
from ..services import (
    consultation_close,
    consultation_open,
    trust_advice_record,
    trustee_advice_give,
)
from . import serializers


def _input(request, serializer_class) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError({"detail": ["Send a JSON object."]})
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


class TrustConsultationViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Consultations of the Trust on proposed policy changes, newest first. The board vote on a
    change waits until its consultation is closed."""

    permission_classes = [api_roles(read=BOARD_READERS, write=[Role.RSO, Role.CEO, Role.TRUSTEE])]
    filterset_fields = ["policy_change"]

    def get_queryset(self):
        queryset = TrustConsultation.objects.select_related(
            "policy_change", "opened_by", "advised_by", "closed_by"
        ).order_by("-opened_at", "-id")
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("advice", queryset=TrusteeAdvice.objects.select_related("trustee"))
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.TrustConsultationSerializer
        return serializers.TrustConsultationDetailSerializer

    def _respond(self, consultation, code=status.HTTP_200_OK):
        return Response(
            serializers.TrustConsultationDetailSerializer(
                self.get_queryset().get(pk=consultation.pk)
            ).data,
            status=code,
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consultation = consultation_open(actor=request.user, **serializer.validated_data)
        return self._respond(consultation, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.AdviceSerializer)
    @action(detail=True, methods=["post"])
    def advice(self, request, pk=None):
        """A trustee gives their own advice (once)."""
        consultation = self.get_object()  # an unknown consultation is a 404 whatever the body
        data = _input(request, serializers.AdviceSerializer)
        entry = trustee_advice_give(
            actor=request.user, consultation=consultation, advice=data["advice"]
        )
        return self._respond(entry.consultation)

    @extend_schema(request=serializers.TrustAdviceSerializer)
    @action(detail=True, methods=["post"], url_path="trust-advice")
    def trust_advice(self, request, pk=None):
        """A trustee records the Trust's collective advice (once)."""
        consultation = self.get_object()
        data = _input(request, serializers.TrustAdviceSerializer)
        return self._respond(
            trust_advice_record(
                actor=request.user,
                consultation=consultation,
                collective_advice=data["collective_advice"],
            )
        )

    @extend_schema(request=serializers.CloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The RSO or the CEO records the lab's response, which closes the consultation."""
        consultation = self.get_object()
        data = _input(request, serializers.CloseSerializer)
        return self._respond(
            consultation_close(
                actor=request.user,
                consultation=consultation,
                lab_response=data["lab_response"],
            )
        )
