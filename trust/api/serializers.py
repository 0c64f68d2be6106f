from rest_framework import serializers

from governance.models import PolicyChange

from ..models import TrustConsultation, TrusteeAdvice


class TrusteeAdviceSerializer(serializers.ModelSerializer):
    trustee = serializers.StringRelatedField()

    class Meta:
        model = TrusteeAdvice
        fields = ["trustee", "advice", "at"]


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
            "advised_at",
            "lab_response",
            "closed_at",
        ]


class TrustConsultationDetailSerializer(TrustConsultationSerializer):
    advice = TrusteeAdviceSerializer(many=True, read_only=True)

    class Meta(TrustConsultationSerializer.Meta):
        fields = [*TrustConsultationSerializer.Meta.fields, "advice"]


class AdviceSerializer(serializers.Serializer):
    advice = serializers.CharField(max_length=20000)


class TrustAdviceSerializer(serializers.Serializer):
    collective_advice = serializers.CharField(max_length=20000)


class CloseSerializer(serializers.Serializer):
    lab_response = serializers.CharField(max_length=20000)
