from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.models import CapabilityThreshold
from governance.registry.models import AIModel

from ..models import EvalRun, EvalSuite, EvalSystem, Ingestion, TaskResult, ThresholdEvaluation
from ..services import SUITE_FIELDS


class EvalSuiteSerializer(serializers.ModelSerializer):
    thresholds = serializers.PrimaryKeyRelatedField(
        many=True, queryset=CapabilityThreshold.objects.all(), required=False
    )
    threshold_codes = serializers.SerializerMethodField()

    class Meta:
        model = EvalSuite
        fields = ["id", *SUITE_FIELDS, "thresholds", "threshold_codes", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # the service checks uniqueness and names the field

    def get_threshold_codes(self, suite) -> list[str]:
        return [
            f"{t.version.framework.slug} v{t.version.version}: {t.code}"
            for t in suite.thresholds.all()
        ]


class EvalSystemSerializer(serializers.ModelSerializer):
    allowed_models = serializers.PrimaryKeyRelatedField(
        many=True, queryset=AIModel.objects.all(), required=False
    )
    allowed_suites = serializers.PrimaryKeyRelatedField(
        many=True, queryset=EvalSuite.objects.all(), required=False
    )

    class Meta:
        model = EvalSystem
        fields = [
            "id",
            "name",
            "description",
            "is_active",
            "all_models",
            "allowed_models",
            "all_suites",
            "allowed_suites",
            "token_prefix",
            "token_created_at",
            "revoked_at",
            "last_used_at",
            "created_at",
        ]
        read_only_fields = [
            "token_prefix",
            "token_created_at",
            "revoked_at",
            "last_used_at",
            "created_at",
        ]


class EvalSystemWithTokenSerializer(EvalSystemSerializer):
    token = serializers.SerializerMethodField(help_text="Shown once; only its hash is kept.")

    class Meta(EvalSystemSerializer.Meta):
        fields = [*EvalSystemSerializer.Meta.fields, "token"]

    def get_token(self, system) -> str:
        return self.context["token"]


class IngestionSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    run = serializers.SerializerMethodField()
    run_url = serializers.SerializerMethodField()
    runs = serializers.SerializerMethodField()
    snapshot = serializers.PrimaryKeyRelatedField(read_only=True)
    suite = serializers.StringRelatedField()
    eval_system = serializers.StringRelatedField()
    outcomes = serializers.SerializerMethodField()

    class Meta:
        model = Ingestion
        fields = [
            "id",
            "status",
            "status_url",
            "error",
            "format",
            "file_name",
            "file_size",
            "content_sha256",
            "model_name",
            "task_names",
            "snapshot",
            "suite",
            "eval_system",
            "run",
            "run_url",
            "outcomes",
            "runs",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _url(self, name, *args) -> str:
        request = self.context.get("request")
        path = reverse(name, args=args)
        return request.build_absolute_uri(path) if request else path

    def get_status_url(self, ingestion) -> str:
        return self._url("api:ingestion-detail", ingestion.pk)

    def get_run(self, ingestion) -> int | None:
        run = ingestion.run
        return run.pk if run else None

    def get_run_url(self, ingestion) -> str | None:
        run = ingestion.run
        return self._url("api:evalrun-detail", run.pk) if run else None

    def get_outcomes(self, ingestion) -> dict[str, str]:
        """The outcomes of the run made at ingestion; `runs` has every scoring of the log."""
        run = ingestion.run
        return {e.threshold.code: e.outcome for e in run.evaluations.all()} if run else {}

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "url": {"type": "string"},
                    "suite": {"type": "string", "nullable": True},
                    "outcomes": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        }
    )
    def get_runs(self, ingestion) -> list[dict]:
        """Every scoring of this log: the run made at ingestion, then any against other suites."""
        return [
            {
                "id": run.pk,
                "url": self._url("api:evalrun-detail", run.pk),
                "suite": str(run.suite) if run.suite_id else None,
                "outcomes": {e.threshold.code: e.outcome for e in run.evaluations.all()},
            }
            for run in sorted(ingestion.runs.all(), key=lambda run: run.pk)
        ]


class TaskResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskResult
        fields = ["name", "attempts", "successes", "missing", "score"]


class ThresholdEvaluationSerializer(serializers.ModelSerializer):
    threshold = serializers.StringRelatedField()
    threshold_code = serializers.CharField(source="threshold.code")

    class Meta:
        model = ThresholdEvaluation
        fields = [
            "threshold",
            "threshold_code",
            "outcome",
            "value",
            "tasks_total",
            "tasks_passed",
            "tasks_undetermined",
            "aggregate",
            "direction",
            "warning_level",
            "crossing_level",
            "min_successes",
            "attempts_required",
            "rule_source",
            "reason",
            "task_passes",
        ]


class EvalRunSerializer(serializers.ModelSerializer):
    model = serializers.IntegerField(source="snapshot.model_id")
    suite = serializers.StringRelatedField()
    eval_system = serializers.StringRelatedField()
    framework_version = serializers.StringRelatedField()
    evaluations = ThresholdEvaluationSerializer(many=True)

    class Meta:
        model = EvalRun
        fields = [
            "id",
            "ingestion",
            "model",
            "snapshot",
            "suite",
            "unmapped",
            "missing_tasks",
            "eval_system",
            "framework_version",
            "source_format",
            "log_status",
            "log_error",
            "task_name",
            "model_name",
            "score_name",
            "started_at",
            "completed_at",
            "total_samples",
            "completed_samples",
            "epochs",
            "helpful_only",
            "elicitation",
            "evaluations",
            "created_at",
        ]


class EvalRunDetailSerializer(EvalRunSerializer):
    tasks = TaskResultSerializer(source="task_results", many=True)

    class Meta(EvalRunSerializer.Meta):
        fields = [*EvalRunSerializer.Meta.fields, "tasks"]
