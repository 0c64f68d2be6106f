from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from governance.api.workflow_fields import AwaitingField, WorkflowActionsField
from governance.board.models import PolicyChange

from ..models import (
    AdviceStance,
    ElectionVote,
    TrustConsultation,
    TrusteeAdvice,
    TrusteeElection,
    TrusteeTerm,
)


class TrusteeAdviceSerializer(serializers.ModelSerializer):
    trustee = serializers.StringRelatedField()

    class Meta:
        model = TrusteeAdvice
        fields = ["trustee", "advice", "stance", "at"]


class TrustConsultationSerializer(serializers.ModelSerializer):
    # Declared, so the service (not a uniqueness check) says why a change cannot be consulted on.
    policy_change = serializers.PrimaryKeyRelatedField(queryset=PolicyChange.objects.all())
    policy_change_title = serializers.CharField(source="policy_change.title", read_only=True)
    documents = serializers.ListField(
        child=serializers.CharField(max_length=500),
        required=False,
        help_text="Titles or links of the documents put to the Trust.",
    )
    opened_by = serializers.StringRelatedField()
    advised_by = serializers.StringRelatedField()
    closed_by = serializers.StringRelatedField()
    is_closed = serializers.BooleanField(read_only=True)

    class Meta:
        model = TrustConsultation
        fields = [
            "id",
            "policy_change",
            "policy_change_title",
            "question",
            "documents",
            "respond_by",
            "opened_by",
            "opened_at",
            "collective_advice",
            "collective_stance",
            "advised_by",
            "advised_at",
            "lab_response",
            "closed_by",
            "closed_at",
            "is_closed",
        ]
        read_only_fields = [
            "opened_at",
            "collective_advice",
            "collective_stance",
            "advised_at",
            "lab_response",
            "closed_at",
        ]


class TrustConsultationDetailSerializer(TrustConsultationSerializer):
    advice = TrusteeAdviceSerializer(many=True, read_only=True)
    actions = WorkflowActionsField()
    awaiting = AwaitingField()

    class Meta(TrustConsultationSerializer.Meta):
        fields = [*TrustConsultationSerializer.Meta.fields, "advice", "actions", "awaiting"]


STANCE_HELP = "Where the advice stands on the change; leave out for none stated."


class AdviceSerializer(serializers.Serializer):
    advice = serializers.CharField(max_length=20000)
    stance = serializers.ChoiceField(
        choices=AdviceStance.choices, required=False, allow_blank=True, help_text=STANCE_HELP
    )


class TrustAdviceSerializer(serializers.Serializer):
    collective_advice = serializers.CharField(max_length=20000)
    collective_stance = serializers.ChoiceField(
        choices=AdviceStance.choices, required=False, allow_blank=True, help_text=STANCE_HELP
    )


class CloseSerializer(serializers.Serializer):
    lab_response = serializers.CharField(max_length=20000)


class TrusteeTermSerializer(serializers.ModelSerializer):
    name = serializers.StringRelatedField(source="user")
    current = serializers.SerializerMethodField(help_text="The term covers today.")

    class Meta:
        model = TrusteeTerm
        fields = ["id", "user", "name", "starts_on", "ends_on", "election", "current"]
        extra_kwargs = {"election": {"help_text": "The election it came from; null: founding."}}

    def get_current(self, term) -> bool:
        return term.starts_on <= timezone.localdate() <= term.ends_on


class ElectedTermSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrusteeTerm
        fields = ["id", "starts_on", "ends_on"]


class ElectionVoteSerializer(serializers.ModelSerializer):
    trustee = serializers.StringRelatedField()

    class Meta:
        model = ElectionVote
        fields = ["trustee", "choice", "at"]


class TrusteeElectionSerializer(serializers.ModelSerializer):
    candidate_name = serializers.StringRelatedField(source="candidate")
    nominated_by = serializers.StringRelatedField()
    electors = serializers.SerializerMethodField(
        help_text="The trustees sitting when the election opened, the candidate excepted."
    )
    votes_cast = serializers.IntegerField(read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    result = serializers.CharField(
        read_only=True, help_text="Once closed: passed, failed or no_quorum. Empty while open."
    )
    tally = serializers.SerializerMethodField(
        help_text="Once closed: eligible electors and votes by choice. Empty while open."
    )
    term = ElectedTermSerializer(
        read_only=True, allow_null=True, help_text="The term the candidate was elected to."
    )

    class Meta:
        model = TrusteeElection
        fields = [
            "id",
            "candidate",
            "candidate_name",
            "term_starts_on",
            "nominated_by",
            "opened_at",
            "electors",
            "votes_cast",
            "is_open",
            "closed_at",
            "result",
            "tally",
            "term",
        ]
        read_only_fields = fields

    # Sorted here, so every database lists the electors in the same order.
    def get_electors(self, election) -> list[str]:
        return sorted(str(person) for person in election.electors.all())

    def get_tally(self, election) -> dict[str, int]:
        return election.tally


class TrusteeElectionDetailSerializer(TrusteeElectionSerializer):
    votes = ElectionVoteSerializer(many=True, read_only=True)
    actions = WorkflowActionsField()
    awaiting = AwaitingField()

    class Meta(TrusteeElectionSerializer.Meta):
        fields = [*TrusteeElectionSerializer.Meta.fields, "votes", "actions", "awaiting"]


class ElectionOpenSerializer(serializers.Serializer):
    candidate = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="A user holding the trustee role: a newcomer, or a trustee to re-elect.",
    )
    term_starts_on = serializers.DateField(help_text="The first day of the one-year term.")
