"""API for escalations, restrictions, the inbox and webhook subscriptions."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.serializers import validated_input
from governance.api.workflow_fields import AwaitingField, WorkflowActionsField
from governance.determinations.models import Determination
from governance.oversight.filters import EscalationFilter
from governance.oversight.models import Escalation, EscalationEvent, Restriction
from governance.oversight.selectors import escalation_detail, escalations_list, restrictions_list
from governance.oversight.services.escalations import (
    escalation_acknowledge,
    escalation_dismiss,
    escalation_reopen,
    escalation_resolve,
    restriction_sign_activation,
    restriction_sign_lift,
    restriction_sign_waiver,
    restriction_waiver_end,
)
from governance.oversight.workflows.escalations import HANDLERS, RESOLVERS
from governance.permissions import api_roles


class EscalationEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationEvent
        fields = ["at", "actor_label", "kind", "message"]


class RestrictionSerializer(serializers.ModelSerializer):
    model_name = serializers.CharField(source="model.name", read_only=True)
    activation_rso = serializers.StringRelatedField()
    activation_ceo = serializers.StringRelatedField()
    lift_rso = serializers.StringRelatedField()
    lift_ceo = serializers.StringRelatedField()
    waiver_rso = serializers.StringRelatedField()
    waiver_ceo = serializers.StringRelatedField()
    waiver_in_force = serializers.SerializerMethodField()

    class Meta:
        model = Restriction
        fields = [
            "id",
            "model",
            "model_name",
            "kind",
            "state",
            "escalation",
            "reason",
            "compute_cap_flop",
            "activation_rso",
            "activation_ceo",
            "activated_at",
            "lift_rso",
            "lift_ceo",
            "lifted_at",
            "waiver_measures",
            "waiver_until",
            "waiver_rso",
            "waiver_ceo",
            "waived_at",
            "waiver_in_force",
            "created_at",
        ]

    def get_waiver_in_force(self, restriction) -> bool:
        return restriction.waiver_in_force()


class RestrictionDetailSerializer(RestrictionSerializer):
    """One restriction with its workflow: the steps the requesting person may take now
    (`activate`, `lift`, `waive`, `end_waiver`) and what it awaits, from whom, by when."""

    actions = WorkflowActionsField()
    awaiting = AwaitingField()

    class Meta(RestrictionSerializer.Meta):
        fields = [*RestrictionSerializer.Meta.fields, "actions", "awaiting"]


class EscalationSerializer(serializers.ModelSerializer):
    model_name = serializers.CharField(source="model.name", read_only=True, default=None)
    threshold_code = serializers.CharField(source="threshold.code", read_only=True, default=None)
    assignee = serializers.StringRelatedField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Escalation
        fields = [
            "id",
            "kind",
            "subject",
            "title",
            "summary",
            "severity",
            "state",
            "level",
            "model",
            "model_name",
            "snapshot",
            "threshold",
            "threshold_code",
            "outcome",
            "trigger_ref",
            "assignee",
            "due_at",
            "overdue",
            "acknowledged_at",
            "closed_at",
            "resolution_note",
            "created_at",
            "updated_at",
        ]

    def get_overdue(self, escalation) -> bool:
        from django.utils import timezone

        return escalation.is_open and escalation.due_at < timezone.now()


class EscalationDetailSerializer(EscalationSerializer):
    timeline = EscalationEventSerializer(source="events", many=True)
    restrictions = RestrictionSerializer(many=True)
    actions = WorkflowActionsField()
    awaiting = AwaitingField()

    class Meta(EscalationSerializer.Meta):
        fields = [
            *EscalationSerializer.Meta.fields,
            "timeline",
            "restrictions",
            "actions",
            "awaiting",
        ]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class RequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=False, max_length=5000)


def _note(request, serializer_class=NoteSerializer) -> str:
    if not isinstance(request.data, dict):
        raise serializers.ValidationError({"note": ["Send a JSON object with `note`."]})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["note"]


class ResolveSerializer(RequiredNoteSerializer):
    determination = serializers.PrimaryKeyRelatedField(
        queryset=Determination.objects.all(),
        required=False,
        help_text="Required for a threshold escalation: the determination that resolves it.",
    )


class EscalationViewSet(viewsets.ReadOnlyModelViewSet):
    """Escalations, newest activity first; the actions are the workflow's transitions (the
    service checks each one's role: acknowledge, resolve, dismiss, reopen)."""

    filterset_class = EscalationFilter
    permission_classes = [api_roles(write=HANDLERS)]

    def get_queryset(self):
        return escalations_list() if self.action == "list" else escalation_detail()

    def get_serializer_class(self):
        return EscalationSerializer if self.action == "list" else EscalationDetailSerializer

    def _respond(self, escalation):
        return Response(
            EscalationDetailSerializer(
                self.get_queryset().get(pk=escalation.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._respond(
            escalation_acknowledge(actor=request.user, escalation=self.get_object())
        )

    @extend_schema(request=ResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"note": ["Send a JSON object with `note`."]})
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = escalation_resolve(
            actor=request.user,
            escalation=self.get_object(),
            note=data.validated_data["note"],
            determination=data.validated_data.get("determination"),
        )
        return self._respond(escalation)

    @extend_schema(request=RequiredNoteSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        note = _note(request, RequiredNoteSerializer)
        return self._respond(
            escalation_dismiss(actor=request.user, escalation=self.get_object(), reason=note)
        )

    @extend_schema(request=NoteSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        note = _note(request)
        return self._respond(
            escalation_reopen(actor=request.user, escalation=self.get_object(), reason=note)
        )


class WaiverSerializer(serializers.Serializer):
    measures = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    until = serializers.DateTimeField(required=False)


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RestrictionViewSet(viewsets.ReadOnlyModelViewSet):
    """Restrictions; each is activated, then lifted, by two signatures: the RSO's and the CEO's."""

    permission_classes = [api_roles(write=RESOLVERS)]
    queryset = restrictions_list()
    filterset_fields = ["model", "kind", "state"]

    def get_serializer_class(self):
        return RestrictionSerializer if self.action == "list" else RestrictionDetailSerializer

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="sign-activation")
    def sign_activation(self, request, pk=None):
        restriction = restriction_sign_activation(actor=request.user, restriction=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=restriction.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="sign-lift")
    def sign_lift(self, request, pk=None):
        restriction = restriction_sign_lift(actor=request.user, restriction=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=restriction.pk)).data)

    @extend_schema(request=WaiverSerializer)
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None):
        """Sign interim measures: the first signer gives `measures` and `until`; the second
        signs them as written (sending nothing, or the same)."""
        data = validated_input(request, WaiverSerializer)
        restriction = restriction_sign_waiver(
            actor=request.user, restriction=self.get_object(), **data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=restriction.pk)).data)

    @extend_schema(request=RequiredReasonSerializer)
    @action(detail=True, methods=["post"], url_path="end-waiver")
    def end_waiver(self, request, pk=None):
        """End interim measures now (either officer: stopping needs no second signature)."""
        data = validated_input(request, RequiredReasonSerializer)
        restriction = restriction_waiver_end(
            actor=request.user, restriction=self.get_object(), reason=data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=restriction.pk)).data)
