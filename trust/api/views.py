"""API for the Trust: consultations on policy changes (the lab opens and closes them, trustees
advise), trustee terms, and the elections in which the sitting trustees elect trustees. The
services check who may take each step against the declarations in trust/workflows.py; each
consultation and election lists the steps the requesting person may take (`actions`) and what
it awaits (`awaiting`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.serializers import validated_input
from governance.board.api.board import VoteInputSerializer
from governance.choices import Role
from governance.permissions import BOARD_READERS, api_roles

from ..selectors import (
    consultations_detailed,
    consultations_list,
    elections_detailed,
    elections_list,
    trustee_terms_list,
)
from ..services import (
    consultation_close,
    consultation_open,
    election_close,
    election_open,
    election_vote,
    trust_advice_record,
    trustee_advice_give,
)
from . import serializers


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
        return consultations_list() if self.action == "list" else consultations_detailed()

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.TrustConsultationSerializer
        return serializers.TrustConsultationDetailSerializer

    def _respond(self, consultation, code=status.HTTP_200_OK):
        return Response(
            serializers.TrustConsultationDetailSerializer(
                self.get_queryset().get(pk=consultation.pk), context=self.get_serializer_context()
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
        data = validated_input(request, serializers.AdviceSerializer)
        entry = trustee_advice_give(
            actor=request.user,
            consultation=consultation,
            advice=data["advice"],
            stance=data.get("stance", ""),
        )
        return self._respond(entry.consultation)

    @extend_schema(request=serializers.TrustAdviceSerializer)
    @action(detail=True, methods=["post"], url_path="trust-advice")
    def trust_advice(self, request, pk=None):
        """A trustee records the Trust's collective advice (once)."""
        consultation = self.get_object()
        data = validated_input(request, serializers.TrustAdviceSerializer)
        return self._respond(
            trust_advice_record(
                actor=request.user,
                consultation=consultation,
                collective_advice=data["collective_advice"],
                collective_stance=data.get("collective_stance", ""),
            )
        )

    @extend_schema(request=serializers.CloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The RSO or the CEO records the lab's response, which closes the consultation."""
        consultation = self.get_object()
        data = validated_input(request, serializers.CloseSerializer)
        return self._respond(
            consultation_close(
                actor=request.user,
                consultation=consultation,
                lab_response=data["lab_response"],
            )
        )


class TrusteeTermViewSet(viewsets.ReadOnlyModelViewSet):
    """Trustee terms, latest first: one year each. Founding terms are recorded by an
    administrator; every later one comes from an election (see trustee-elections)."""

    permission_classes = [api_roles(read=BOARD_READERS)]
    serializer_class = serializers.TrusteeTermSerializer
    filterset_fields = ["user"]
    queryset = trustee_terms_list()


class TrusteeElectionViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Elections of trustees by the sitting trustees, newest first. A sitting trustee nominates
    a candidate; the trustees sitting at that moment vote; any sitting trustee closes the vote,
    which counts it by the board's quorum and majority rules. Elected means a one-year term."""

    permission_classes = [api_roles(read=BOARD_READERS, write=[Role.TRUSTEE])]
    filterset_fields = ["candidate"]

    def get_queryset(self):
        return elections_list() if self.action == "list" else elections_detailed()

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.TrusteeElectionSerializer
        return serializers.TrusteeElectionDetailSerializer

    def _respond(self, election, code=status.HTTP_200_OK):
        return Response(
            serializers.TrusteeElectionDetailSerializer(
                self.get_queryset().get(pk=election.pk), context=self.get_serializer_context()
            ).data,
            status=code,
        )

    @extend_schema(request=serializers.ElectionOpenSerializer)
    def create(self, request, *args, **kwargs):
        """A sitting trustee nominates a candidate, which opens the election."""
        data = validated_input(request, serializers.ElectionOpenSerializer)
        return self._respond(election_open(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=VoteInputSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        """An elector votes once, while their own term is current."""
        election = self.get_object()  # an unknown election is a 404 whatever the body
        data = validated_input(request, VoteInputSerializer)
        vote = election_vote(actor=request.user, election=election, choice=data["choice"])
        return self._respond(vote.election)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """A sitting trustee closes the vote; the count decides."""
        return self._respond(election_close(actor=request.user, election=self.get_object()))
