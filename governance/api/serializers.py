from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import (
    AuditEvent,
    CadenceRule,
    CapabilityThreshold,
    Framework,
    FrameworkAdoption,
    FrameworkVersion,
    GovernanceRule,
    SafeguardCriterion,
    SafeguardStandard,
    SafetyLevel,
)
from ..permissions import is_read_only, user_roles


def validated_input(request, serializer_class) -> dict:
    """A workflow action's body, checked by a small input serializer: 400 naming the fields."""
    if not isinstance(request.data, dict):
        raise serializers.ValidationError({"detail": ["Send a JSON object."]})
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "sequence",
            "created_at",
            "actor_type",
            "actor_user",
            "actor_label",
            "actor_ref",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "request_id",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    read_only = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "roles",
            "read_only",
        ]
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(user_roles(user))

    def get_read_only(self, user) -> bool:
        return is_read_only(user)


# Frameworks (read-only: a framework changes only by loading a new version file)


class SafetyLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyLevel
        fields = ["id", "code", "name", "rank", "description"]


class SafeguardCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafeguardCriterion
        fields = ["code", "text"]


class SafeguardStandardSerializer(serializers.ModelSerializer):
    level = serializers.SlugRelatedField(slug_field="code", read_only=True)
    criteria = SafeguardCriterionSerializer(many=True, read_only=True)

    class Meta:
        model = SafeguardStandard
        fields = ["id", "code", "name", "level", "kind", "description", "criteria"]


class ScoringRuleSerializer(serializers.Serializer):
    task_pass_min_successes = serializers.IntegerField(allow_null=True)
    task_pass_attempts = serializers.IntegerField(allow_null=True)
    aggregate = serializers.CharField(source="score_aggregate")
    direction = serializers.CharField(source="score_direction")
    warning_level = serializers.FloatField(allow_null=True)
    crossing_level = serializers.FloatField()
    note = serializers.CharField(source="scoring_note")
    summary = serializers.SerializerMethodField()

    def get_summary(self, threshold) -> str:
        return threshold.scoring_rule.describe()


class CapabilityThresholdSerializer(serializers.ModelSerializer):
    required_level = serializers.SlugRelatedField(slug_field="code", read_only=True)
    required_safeguards = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    scoring = serializers.SerializerMethodField()

    class Meta:
        model = CapabilityThreshold
        fields = [
            "id",
            "code",
            "name",
            "domain",
            "kind",
            "definition",
            "response",
            "required_level",
            "required_safeguards",
            "warning_description",
            "scoring",
        ]

    def get_scoring(self, threshold) -> dict | None:
        if threshold.scoring_rule is None:
            return None
        return ScoringRuleSerializer(threshold).data


class CadenceRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CadenceRule
        fields = ["name", "compute_multiple", "months", "note"]


class GovernanceRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = GovernanceRule
        fields = [
            "decision",
            "description",
            "proposers",
            "deciders",
            "advisers",
            "must_inform",
            "escalate_to",
            "deadline_days",
            "renewal_months",
        ]


class FrameworkVersionSummarySerializer(serializers.ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    supersedes = serializers.SlugRelatedField(slug_field="version", read_only=True)

    class Meta:
        model = FrameworkVersion
        fields = [
            "id",
            "framework",
            "version",
            "effective_date",
            "supersedes",
            "source_url",
            "source_file",
            "source_sha256",
            "loaded_at",
        ]


class FrameworkVersionSerializer(FrameworkVersionSummarySerializer):
    levels = SafetyLevelSerializer(many=True, read_only=True)
    safeguards = SafeguardStandardSerializer(many=True, read_only=True)
    thresholds = CapabilityThresholdSerializer(many=True, read_only=True)
    cadence = CadenceRuleSerializer(source="cadence_rules", many=True, read_only=True)
    governance = GovernanceRuleSerializer(source="governance_rules", many=True, read_only=True)

    class Meta(FrameworkVersionSummarySerializer.Meta):
        fields = [
            *FrameworkVersionSummarySerializer.Meta.fields,
            "changelog",
            "notes",
            "safety_buffer_compute_multiple",
            "levels",
            "safeguards",
            "thresholds",
            "cadence",
            "governance",
        ]


class FrameworkSerializer(serializers.ModelSerializer):
    versions = FrameworkVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = ["id", "slug", "organisation", "name", "description", "versions"]


class FrameworkAdoptionSerializer(serializers.ModelSerializer):
    framework = serializers.SlugRelatedField(
        source="version.framework", slug_field="slug", queryset=Framework.objects.all()
    )
    version = serializers.CharField(source="version.version", max_length=30)
    version_id = serializers.IntegerField(source="version.pk", read_only=True)
    adopted_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = FrameworkAdoption
        fields = [
            "id",
            "framework",
            "version",
            "version_id",
            "effective_from",
            "note",
            "adopted_by",
            "created_at",
        ]
        read_only_fields = ["adopted_by", "created_at"]

    def validate(self, attrs):
        found = FrameworkVersion.objects.filter(
            framework=attrs["version"]["framework"], version=attrs["version"]["version"]
        ).first()
        if found is None:
            raise serializers.ValidationError(
                {"version": f"No version {attrs['version']['version']} of this framework."}
            )
        attrs["version"] = found
        return attrs


# Model registry
