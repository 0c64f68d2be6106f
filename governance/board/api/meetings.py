"""API for board meetings: board readers list and read them; directors and administrators
schedule (create), record and cancel. Each write is one service call."""

import rules
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from governance.api.serializers import validated_input
from governance.api.workflow_fields import AwaitingField, WorkflowActionsField
from governance.board.api.board import MotionSummarySerializer
from governance.board.models import Meeting
from governance.board.selectors import meeting_detail, meetings_with_attendees
from governance.board.services.meetings import meeting_cancel, meeting_record, meeting_schedule
from governance.permissions import BOARD_READERS, can_read


class MeetingPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return can_read(request.user, BOARD_READERS)
        return rules.test_rule("meeting.schedule", request.user)


class AttendeeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class MeetingSerializer(serializers.ModelSerializer):
    convened_by = serializers.StringRelatedField()
    recorded_by = serializers.StringRelatedField()
    cancelled_by = serializers.StringRelatedField()
    attendees = serializers.SerializerMethodField(help_text="Directors present, once held.")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "scheduled_for",
            "location",
            "agenda",
            "state",
            "attendees",
            "minutes",
            "convened_by",
            "recorded_by",
            "recorded_at",
            "cancelled_by",
            "cancelled_at",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]

    def get_attendees(self, meeting) -> list[dict]:
        # Sorted here, so every database lists the directors in the same order.
        people = sorted(meeting.attendees.all(), key=lambda person: (str(person), person.pk))
        return AttendeeSerializer(people, many=True).data


class MeetingDetailSerializer(MeetingSerializer):
    motions = MotionSummarySerializer(many=True, read_only=True)
    actions = WorkflowActionsField()
    awaiting = AwaitingField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "motions", "actions", "awaiting"]


class MeetingScheduleSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    scheduled_for = serializers.DateTimeField()
    location = serializers.CharField(max_length=500, required=False, allow_blank=True)
    agenda = serializers.CharField(required=False, allow_blank=True)


class MeetingRecordSerializer(serializers.Serializer):
    attendees = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=get_user_model().objects.all(),
        help_text="Ids of the directors present; each must sit on the day of the meeting.",
    )
    minutes = serializers.CharField(allow_blank=True)


class MeetingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class MeetingViewSet(
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Board meetings, latest first. Creating one schedules it (the sitting directors are told);
    `record` marks it held with the directors present and the minutes, once its time has
    come; `cancel` needs a reason."""

    permission_classes = [MeetingPermission]
    filterset_fields = ["state"]

    def get_queryset(self):
        return meetings_with_attendees() if self.action == "list" else meeting_detail()

    def get_serializer_class(self):
        return MeetingSerializer if self.action == "list" else MeetingDetailSerializer

    def _respond(self, meeting, code=status.HTTP_200_OK):
        meeting = self.get_queryset().get(pk=meeting.pk)
        return Response(
            MeetingDetailSerializer(meeting, context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(request=MeetingScheduleSerializer, responses={201: MeetingDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = validated_input(request, MeetingScheduleSerializer)
        meeting = meeting_schedule(actor=request.user, **data)
        return self._respond(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingRecordSerializer, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        meeting = self.get_object()  # an unknown meeting is a 404 whatever the body
        data = validated_input(request, MeetingRecordSerializer)
        return self._respond(
            meeting_record(
                actor=request.user,
                meeting=meeting,
                attendees=data["attendees"],
                minutes=data["minutes"],
            )
        )

    @extend_schema(request=MeetingCancelSerializer, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        meeting = self.get_object()
        data = validated_input(request, MeetingCancelSerializer)
        return self._respond(
            meeting_cancel(actor=request.user, meeting=meeting, reason=data["reason"])
        )
