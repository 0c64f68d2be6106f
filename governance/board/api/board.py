"""API for the board: director seats, the conflicts register, motions and votes, and policy
changes. Each action is one service call; the services check who may take it."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.serializers import validated_input
from governance.api.workflow_fields import AwaitingField, WorkflowActionsField
from governance.board.filters import MotionFilter
from governance.board.models import (
    ConflictDeclaration,
    Director,
    Meeting,
    Motion,
    PolicyChange,
    Vote,
)
from governance.board.selectors import (
    conflict_declarations_list,
    conflict_is_current,
    conflict_review_due_on,
    directors_list,
    motion_count,
    motion_detail,
    motions_list,
    policy_change_diff,
    policy_changes_with_motions,
)
from governance.board.services.board import conflict_declare, motion_close, motion_open, vote_cast
from governance.board.services.conflicts import conflict_end, conflict_review
from governance.board.services.policy_changes import (
    policy_change_create,
    policy_change_publish,
    policy_change_sign,
    policy_change_vote_open,
    policy_change_withdraw,
)
from governance.choices import MotionState, Role, VoteChoice
from governance.models import FrameworkVersion
from governance.permissions import BOARD_READERS, api_roles


class DirectorSerializer(serializers.ModelSerializer):
    name = serializers.StringRelatedField(source="user")
    current = serializers.SerializerMethodField()

    class Meta:
        model = Director
        fields = ["id", "user", "name", "seat_type", "term_start", "term_end", "chair", "current"]

    def get_current(self, director) -> bool:
        today = timezone.localdate()
        return director.term_start <= today and (
            director.term_end is None or director.term_end >= today
        )


class DirectorViewSet(viewsets.ReadOnlyModelViewSet):
    """Board seats and their terms. Seats are recorded by administrators, not through the API."""

    permission_classes = [api_roles(read=BOARD_READERS)]
    serializer_class = DirectorSerializer
    filterset_fields = ["user", "seat_type"]

    def get_queryset(self):
        return directors_list()


class ConflictDeclarationSerializer(serializers.ModelSerializer):
    name = serializers.StringRelatedField(source="user")
    review_due_on = serializers.SerializerMethodField(
        help_text="When the declarer must next confirm it (null once it has ended)."
    )
    actions = WorkflowActionsField()
    awaiting = AwaitingField()

    class Meta:
        model = ConflictDeclaration
        fields = [
            "id",
            "user",
            "name",
            "organisation",
            "relationship",
            "kind",
            "starts_on",
            "ends_on",
            "reviewed_on",
            "review_due_on",
            "created_at",
            "actions",
            "awaiting",
        ]
        read_only_fields = ["user", "reviewed_on", "created_at"]

    def get_review_due_on(self, declaration) -> dt.date | None:
        if not conflict_is_current(declaration):
            return None
        return conflict_review_due_on(declaration)


class ConflictEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


class ConflictDeclarationViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The register of declared conflicts of interest. A director or trustee declares their
    own; a motion or consultation naming the organisation then recuses them."""

    serializer_class = ConflictDeclarationSerializer
    permission_classes = [api_roles(read=BOARD_READERS, write=[Role.BOARD_DIRECTOR, Role.TRUSTEE])]
    filterset_fields = ["user", "kind"]

    def get_queryset(self):
        return conflict_declarations_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration = conflict_declare(actor=request.user, **serializer.validated_data)
        return self._respond(declaration, status.HTTP_201_CREATED)

    def _respond(self, declaration, code=status.HTTP_200_OK):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=declaration.pk)).data, status=code
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The declarer confirms the declaration is still accurate (the yearly review)."""
        declaration = conflict_review(actor=request.user, declaration=self.get_object())
        return self._respond(declaration)

    @extend_schema(request=ConflictEndSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """The declarer says when the interest ended."""
        declaration = self.get_object()
        data = validated_input(request, ConflictEndSerializer)
        return self._respond(
            conflict_end(actor=request.user, declaration=declaration, ends_on=data["ends_on"])
        )


class VoteSerializer(serializers.ModelSerializer):
    director = serializers.StringRelatedField()

    class Meta:
        model = Vote
        fields = ["director", "choice", "at"]


class MotionSerializer(serializers.ModelSerializer):
    organisations = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False
    )
    opened_by = serializers.StringRelatedField()
    sitting = serializers.SerializerMethodField()
    recused = serializers.SerializerMethodField()
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.all(),
        required=False,
        allow_null=True,
        help_text="A scheduled board meeting to put the motion at.",
    )

    class Meta:
        model = Motion
        fields = [
            "id",
            "title",
            "text",
            "policy_change",
            "meeting",
            "organisations",
            "quorum_fraction",
            "pass_fraction",
            "state",
            "sitting",
            "recused",
            "opened_by",
            "opened_at",
            "closed_at",
            "result",
            "tally",
        ]
        read_only_fields = ["policy_change", "state", "opened_at", "closed_at", "result", "tally"]

    # Sorted here, so every database lists the directors in the same order.
    def get_sitting(self, motion) -> list[str]:
        return sorted(str(person) for person in motion.sitting.all())

    def get_recused(self, motion) -> list[str]:
        return sorted(str(person) for person in motion.recused.all())


class MotionDetailSerializer(MotionSerializer):
    votes = VoteSerializer(many=True, read_only=True)
    tally = serializers.SerializerMethodField(
        help_text="Eligible directors and votes by choice: so far while open, final once closed."
    )
    actions = WorkflowActionsField()
    awaiting = AwaitingField()

    class Meta(MotionSerializer.Meta):
        fields = [*MotionSerializer.Meta.fields, "votes", "actions", "awaiting"]

    def get_tally(self, motion) -> dict[str, int]:
        if motion.state == MotionState.CLOSED:
            return motion.tally
        return motion_count(motion).as_dict()


class VoteInputSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(
        choices=VoteChoice.choices,
        error_messages={
            "invalid_choice": f'"{{input}}" is not a vote; choose one of: '
            f"{', '.join(VoteChoice.values)}."
        },
    )


class MotionViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Questions put to the board, newest first. `?awaiting=me` lists the open motions the
    caller may vote on and has not. A policy change's motion is opened from the change."""

    permission_classes = [api_roles(read=BOARD_READERS, write=[Role.BOARD_DIRECTOR])]
    filterset_class = MotionFilter

    def get_queryset(self):
        return motions_list() if self.action == "list" else motion_detail()

    def get_serializer_class(self):
        return MotionSerializer if self.action == "list" else MotionDetailSerializer

    def _respond(self, motion, code=status.HTTP_200_OK):
        motion = self.get_queryset().get(pk=motion.pk)
        return Response(
            MotionDetailSerializer(motion, context=self.get_serializer_context()).data,
            status=code,
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        motion = motion_open(actor=request.user, **serializer.validated_data)
        return self._respond(motion, status.HTTP_201_CREATED)

    @extend_schema(request=VoteInputSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        motion = self.get_object()  # an unknown motion is a 404 whatever the body
        data = validated_input(request, VoteInputSerializer)
        vote = vote_cast(actor=request.user, motion=motion, choice=data["choice"])
        return self._respond(vote.motion)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._respond(motion_close(actor=request.user, motion=self.get_object()))


class MotionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Motion
        fields = ["id", "title", "state", "opened_at", "closed_at", "result", "tally"]


class PolicyChangeSerializer(serializers.ModelSerializer):
    version = serializers.PrimaryKeyRelatedField(queryset=FrameworkVersion.objects.all())
    version_label = serializers.StringRelatedField(source="version")
    organisations = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Organisations the change concerns: directors and trustees with a declared "
        "conflict with one of them are recused.",
    )
    created_by = serializers.StringRelatedField()
    proposal_rso = serializers.StringRelatedField()
    proposal_ceo = serializers.StringRelatedField()
    consultation = serializers.SerializerMethodField(help_text="The Trust consultation's id.")
    motions = MotionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = PolicyChange
        fields = [
            "id",
            "title",
            "version",
            "version_label",
            "rationale",
            "changelog_entry",
            "effective_from",
            "organisations",
            "state",
            "created_by",
            "created_at",
            "proposal_rso",
            "proposal_ceo",
            "proposed_at",
            "consultation",
            "consultation_opened_at",
            "consultation_closed_at",
            "motions",
            "decided_at",
            "published_at",
        ]
        read_only_fields = [
            "state",
            "created_at",
            "proposed_at",
            "consultation_opened_at",
            "consultation_closed_at",
            "decided_at",
            "published_at",
        ]

    def get_consultation(self, change) -> int | None:
        # The reverse accessor of the Trust's model: governance does not import trust.
        consultation = getattr(change, "consultation", None)
        return consultation.pk if consultation is not None else None


class PolicyChangeDetailSerializer(PolicyChangeSerializer):
    diff = serializers.SerializerMethodField(
        help_text="Unified diff of the proposed version against the version in force."
    )
    actions = WorkflowActionsField()
    awaiting = AwaitingField()

    class Meta(PolicyChangeSerializer.Meta):
        fields = [*PolicyChangeSerializer.Meta.fields, "diff", "actions", "awaiting"]

    def get_diff(self, change) -> str:
        return policy_change_diff(change)


class OpenVoteSerializer(serializers.Serializer):
    quorum_fraction = serializers.FloatField(
        required=False, help_text="Quorum: more than this share of eligible directors (0.5)."
    )
    pass_fraction = serializers.FloatField(
        required=False, help_text="Passing: yes votes are more than this share of yes and no."
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class PolicyChangeViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Changes to the policy in force, newest first. The RSO and the CEO draft and sign; the
    Trust is consulted (see consultations); the board votes; the RSO publishes."""

    permission_classes = [api_roles(write=[Role.RSO, Role.CEO, Role.BOARD_DIRECTOR])]
    filterset_fields = ["state"]

    def get_queryset(self):
        return policy_changes_with_motions()

    def get_serializer_class(self):
        return PolicyChangeSerializer if self.action == "list" else PolicyChangeDetailSerializer

    def _respond(self, change, code=status.HTTP_200_OK):
        change = self.get_queryset().get(pk=change.pk)
        return Response(
            PolicyChangeDetailSerializer(change, context=self.get_serializer_context()).data,
            status=code,
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = policy_change_create(actor=request.user, **serializer.validated_data)
        return self._respond(change, status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """The RSO and the CEO each sign; with both signatures the change is proposed."""
        return self._respond(policy_change_sign(actor=request.user, change=self.get_object()))

    @extend_schema(request=OpenVoteSerializer)
    @action(detail=True, methods=["post"], url_path="open-vote")
    def open_vote(self, request, pk=None):
        """A director puts the change to the board, once the Trust consultation is closed."""
        change = self.get_object()
        data = validated_input(request, OpenVoteSerializer)
        motion = policy_change_vote_open(actor=request.user, change=change, **data)
        return self._respond(motion.policy_change)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._respond(policy_change_publish(actor=request.user, change=self.get_object()))

    @extend_schema(request=WithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        change = self.get_object()
        data = validated_input(request, WithdrawSerializer)
        return self._respond(
            policy_change_withdraw(actor=request.user, change=change, reason=data["reason"])
        )
