"""GET /api/v1/models/{id}/standing/: where the model stands on every threshold of the policy
in force, how old that evidence is against the cadence, and for each threshold with a numeric
rule the trajectory the model page charts, with its forecast of the crossing."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.permissions import MayReadClearance
from governance.registry.models import AIModel

from ..auth import eval_system_of
from ..standing import model_standing
from ..trajectory import model_trajectories


class StandingEvaluationSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField(source="evaluation_id")
    run = serializers.IntegerField(source="run_id")
    run_url = serializers.SerializerMethodField()
    snapshot = serializers.SerializerMethodField()
    outcome = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    at = serializers.DateTimeField()
    scored_under = serializers.CharField(source="version")

    def get_run_url(self, row) -> str:
        return reverse("evals:run-detail", args=[row.run_id])

    def get_snapshot(self, row) -> dict:
        return {"id": row.snapshot_id, "name": row.snapshot_name}


class DecidedFindingSerializer(serializers.Serializer):
    determination = serializers.IntegerField(source="determination_id")
    title = serializers.CharField(source="determination_title")
    outcome = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, finding) -> str:
        return reverse("determination-detail", args=[finding.determination_id])


class EvidenceFreshnessSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="evidence_at", allow_null=True)
    age_days = serializers.IntegerField(allow_null=True)
    cadence_months = serializers.IntegerField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    compute_multiple = serializers.FloatField(
        allow_null=True,
        help_text="The latest snapshot's compute over the most compute any evaluated snapshot had.",
    )
    cadence_multiple = serializers.FloatField(allow_null=True)
    stale = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


# The trajectory, documented field by field (it is built as plain JSON by evals/trajectory.py and
# stored so in quarterly reports; these serializers describe it for the OpenAPI document).


class TrajectoryPointSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    url = serializers.CharField()
    snapshot = serializers.CharField()
    snapshot_id = serializers.IntegerField()
    compute = serializers.FloatField(help_text="FLOP: effective compute, or training compute.")
    compute_kind = serializers.ChoiceField(choices=["effective", "training"])
    value = serializers.FloatField(help_text="The evaluation's aggregate.")
    outcome = serializers.ChoiceField(choices=["below", "warning", "inconclusive", "crossed"])
    series = serializers.ChoiceField(
        choices=["compute", "elicitation"],
        help_text="compute: the first run on its snapshot; elicitation: a later run on it.",
    )
    at = serializers.DateTimeField()


class ForecastLevelSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=["warning", "crossing"])
    value = serializers.FloatField()
    compute = serializers.FloatField()
    compute_low = serializers.FloatField()
    compute_high = serializers.FloatField()
    multiple = serializers.FloatField(allow_null=True, help_text="Over the latest snapshot.")
    multiple_low = serializers.FloatField(allow_null=True)
    multiple_high = serializers.FloatField(allow_null=True)
    reached = serializers.BooleanField(help_text="At or before the latest snapshot, by the fit.")


class ForecastSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["forecast", "too_few_points", "poor_fit", "no_trend", "out_of_range"],
        help_text="Only 'forecast' carries levels and a curve; the others say why not.",
    )
    message = serializers.CharField()
    points_used = serializers.IntegerField()
    distinct_compute = serializers.IntegerField()
    r_squared = serializers.FloatField(allow_null=True)
    parameters = serializers.DictField(child=serializers.FloatField(), allow_null=True)
    levels = ForecastLevelSerializer(many=True)
    curve = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="[compute, band low, fit, band high] rows.",
    )
    band = serializers.CharField()


class TrajectorySerializer(serializers.Serializer):
    model = serializers.DictField()
    threshold = serializers.DictField()
    measure = serializers.CharField()
    direction = serializers.ChoiceField(choices=["higher", "lower"])
    warning_level = serializers.FloatField(allow_null=True)
    crossing_level = serializers.FloatField()
    points = TrajectoryPointSerializer(many=True)
    latest = serializers.DictField(allow_null=True)
    buffer_multiple = serializers.FloatField(allow_null=True)
    cadence_multiple = serializers.FloatField(allow_null=True)
    not_plotted = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Evaluations not drawn: no_compute, other_rule (scored another way), no_value.",
    )
    not_fitted = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Drawn but left out of the forecast: inconclusive runs, and training-compute "
        "points where other snapshots record effective compute.",
    )
    forecast = ForecastSerializer()


class ThresholdStandingSerializer(serializers.Serializer):
    code = serializers.CharField(source="threshold.code")
    name = serializers.CharField(source="threshold.name")
    required_level = serializers.CharField(
        source="threshold.required_level.code", allow_null=True, default=None
    )
    status = serializers.CharField(
        help_text="crossed, inconclusive, warning, below or not_evaluated: the worst over every "
        "snapshot's evaluations and the latest decided finding."
    )
    label = serializers.CharField()
    numeric_rule = serializers.BooleanField(source="numeric")
    judged_from_evidence = serializers.SerializerMethodField()
    basis = serializers.CharField(help_text='"evaluations", "finding", or "" with no evidence.')
    evaluation = StandingEvaluationSerializer(source="worst", allow_null=True)
    finding = DecidedFindingSerializer(allow_null=True)
    evaluations = serializers.IntegerField()
    snapshots_evaluated = serializers.IntegerField()
    evidence = EvidenceFreshnessSerializer(source="freshness")
    trajectory = serializers.SerializerMethodField()

    def get_judged_from_evidence(self, item) -> bool:
        return not item.numeric

    @extend_schema_field(TrajectorySerializer(allow_null=True))
    def get_trajectory(self, item) -> dict | None:
        return self.context["trajectories"].get(item.threshold.code)


class ModelStandingSerializer(serializers.Serializer):
    model = serializers.SerializerMethodField()
    framework_version = serializers.SerializerMethodField()
    as_of = serializers.DateTimeField()
    worst = serializers.CharField(allow_null=True, help_text="The worst status of them all.")
    latest_snapshot = serializers.SerializerMethodField()
    thresholds = ThresholdStandingSerializer(many=True)

    def get_model(self, standing) -> dict:
        model = self.context["model"]
        return {"id": model.pk, "name": model.name}

    def get_framework_version(self, standing) -> dict | None:
        version = standing.version
        return {"id": version.pk, "name": str(version)} if version else None

    def get_latest_snapshot(self, standing) -> dict | None:
        snapshot = standing.latest_snapshot
        if snapshot is None:
            return None
        return {
            "id": snapshot.pk,
            "name": snapshot.name,
            "effective_compute_flop": snapshot.effective_compute_flop,
            "training_compute_flop": snapshot.training_compute_flop,
        }


class ModelStandingView(APIView):
    """People of every role read it; an eval system reads the standing of the models it may
    post for (a pipeline checks where the model stands after posting), no other."""

    permission_classes = [MayReadClearance]

    @extend_schema(
        responses=ModelStandingSerializer,
        summary="A model's standing on every threshold of the policy in force",
    )
    def get(self, request, pk: int):
        model = get_object_or_404(AIModel, pk=pk)
        system = eval_system_of(request)
        if system is not None and not (
            system.all_models or system.allowed_models.filter(pk=model.pk).exists()
        ):
            raise PermissionDenied(f"Eval system {system.name} is not scoped to {model}.")
        now = timezone.now()
        standing = model_standing(model, now=now)
        trajectories = {t["threshold"]["code"]: t for t in model_trajectories(model)}
        serializer = ModelStandingSerializer(
            standing, context={"model": model, "trajectories": trajectories}
        )
        return Response(serializer.data)
