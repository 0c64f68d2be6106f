"""API for ASL determinations and safeguards reports. Each action is one step of the workflow;
the services check who may take it."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from governance.api.serializers import validated_input
from governance.api.workflow_fields import WorkflowFieldsMixin
from governance.choices import DeterminationState, Role
from governance.determinations.models import Determination, Finding, SafeguardsReport
from governance.determinations.selectors import (
    determinations_with_findings,
    safeguards_report_evidence,
    safeguards_report_in_force,
    safeguards_reports_with_evidence,
)
from governance.determinations.services.determinations import (
    determination_acknowledge,
    determination_attach,
    determination_create,
    determination_return,
    determination_review,
    determination_sign,
    determination_submit,
    determination_update,
    finding_justify,
)
from governance.determinations.services.safeguards import (
    safeguards_report_approve,
    safeguards_report_create,
    safeguards_report_submit,
)
from governance.models import CapabilityThreshold, SafeguardStandard, SafetyLevel
from governance.permissions import api_roles
from governance.registry.models import AIModel, Snapshot

WRITERS = [
    Role.SAFETY_STAFF,
    Role.INTERNAL_REVIEWER,
    Role.RSO,
    Role.CEO,
    Role.BOARD_DIRECTOR,
    Role.TRUSTEE,
]


class FindingSerializer(serializers.ModelSerializer):
    threshold = serializers.PrimaryKeyRelatedField(queryset=CapabilityThreshold.objects.all())
    threshold_code = serializers.CharField(source="threshold.code", read_only=True)
    evidence = serializers.ListField(child=serializers.DictField(), required=False)

    class Meta:
        model = Finding
        fields = [
            "id",
            "threshold",
            "threshold_code",
            "outcome",
            "rationale",
            "evidence",
            "attempts_per_task",
            "scaffolding",
            "helpful_only_tested",
            "contradicts_evidence",
            "elicitation_flags",
            "justification",
            "justified_by",
        ]
        read_only_fields = [
            "contradicts_evidence",
            "elicitation_flags",
            "justification",
            "justified_by",
        ]


class DeterminationSerializer(serializers.ModelSerializer):
    model = serializers.PrimaryKeyRelatedField(queryset=AIModel.objects.all())
    snapshots = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Snapshot.objects.all(), required=False
    )
    findings = FindingSerializer(many=True, required=False)
    required_level = serializers.PrimaryKeyRelatedField(
        queryset=SafetyLevel.objects.all(), required=False, allow_null=True
    )
    required_safeguards = serializers.PrimaryKeyRelatedField(
        many=True, queryset=SafeguardStandard.objects.all(), required=False
    )
    authors = serializers.StringRelatedField(many=True, read_only=True)
    acknowledged_by = serializers.SerializerMethodField()

    class Meta:
        model = Determination
        fields = [
            "id",
            "model",
            "snapshots",
            "framework_version",
            "state",
            "title",
            "summary",
            "elicitation_statement",
            "helpful_only_tested",
            "forecast_note",
            "findings",
            "required_level",
            "required_safeguards",
            "precautionary",
            "provisional",
            "dissent_notes",
            "authors",
            "reviewer",
            "review_critique",
            "reviewed_at",
            "decision_rso",
            "decision_rso_at",
            "decision_ceo",
            "decision_ceo_at",
            "decided_at",
            "acknowledged_by",
            "finalized_at",
            "supersedes",
        ]
        read_only_fields = [
            "framework_version",
            "state",
            "reviewer",
            "review_critique",
            "reviewed_at",
            "decision_rso",
            "decision_rso_at",
            "decision_ceo",
            "decision_ceo_at",
            "decided_at",
            "finalized_at",
            "supersedes",
        ]

    def get_acknowledged_by(self, determination) -> list[str]:
        return [str(ack.user) for ack in determination.acknowledgements.all()]


class _Note(serializers.Serializer):
    critique = serializers.CharField(required=False, allow_blank=True, default="")
    send_back = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    finding = serializers.PrimaryKeyRelatedField(queryset=Finding.objects.all(), required=False)
    justification = serializers.CharField(required=False, allow_blank=True, default="")


class DeterminationViewSet(
    WorkflowFieldsMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """ASL determinations. Authors create and edit drafts; then submit, review, sign,
    acknowledge, each by the role the policy names."""

    serializer_class = DeterminationSerializer
    permission_classes = [api_roles(write=WRITERS)]
    filterset_fields = ["model", "state"]

    def get_queryset(self):
        return determinations_with_findings()

    def _respond(self, determination, code=status.HTTP_200_OK):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=determination.pk)).data, status=code
        )

    def _findings(self, data):
        return [
            {
                "threshold": item["threshold"],
                "outcome": item["outcome"],
                "rationale": item.get("rationale", ""),
                "evidence": item.get("evidence", []),
                "attempts_per_task": item.get("attempts_per_task"),
                "scaffolding": item.get("scaffolding", ""),
                "helpful_only_tested": item.get("helpful_only_tested"),
            }
            for item in data
        ]

    @transaction.atomic  # a draft whose findings are refused is not left behind
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        determination = determination_create(
            actor=request.user,
            model=data.pop("model"),
            title=data.pop("title"),
            summary=data.pop("summary"),
            snapshots=data.pop("snapshots", ()),
        )
        self._update(determination, data)
        return self._respond(determination, status.HTTP_201_CREATED)

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        for fixed in ("model", "snapshots"):
            data.pop(fixed, None)
        self._update(serializer.instance, data)
        return self._respond(serializer.instance)

    def _update(self, determination, data):
        findings = data.pop("findings", None)
        determination_update(
            actor=self.request.user,
            determination=determination,
            findings=self._findings(findings) if findings is not None else None,
            required_level=data.pop("required_level", None),
            required_safeguards=data.pop("required_safeguards", None),
            **data,
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(
            determination_submit(actor=request.user, determination=self.get_object())
        )

    @extend_schema(request=_Note)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = validated_input(request, _Note)
        return self._respond(
            determination_review(
                actor=request.user,
                determination=self.get_object(),
                critique=data["critique"],
                send_back=data["send_back"],
            )
        )

    @extend_schema(request=_Note)
    @action(detail=True, methods=["post"])
    def justify(self, request, pk=None):
        data = validated_input(request, _Note)
        finding = data.get("finding")
        if finding is None or str(finding.determination_id) != str(pk):
            raise serializers.ValidationError(
                {"finding": ["Give a finding of this determination."]}
            )
        finding_justify(actor=request.user, finding=finding, justification=data["justification"])
        return self._respond(self.get_object())

    @extend_schema(request=_Note)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        """Return a report to its authors (`note`: why): the internal reviewer while it is in
        review (their critique), the RSO or the CEO once it is reviewed."""
        data = validated_input(request, _Note)
        determination = self.get_object()
        if determination.state == DeterminationState.IN_REVIEW:
            determination = determination_review(
                actor=request.user,
                determination=determination,
                critique=data["note"],
                send_back=True,
            )
        else:
            determination = determination_return(
                actor=request.user, determination=determination, reason=data["note"]
            )
        return self._respond(determination)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._respond(
            determination_sign(actor=request.user, determination=self.get_object())
        )

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        }
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attach(self, request, pk=None):
        """Attach a file to a draft report; its SHA-256 is kept with it."""
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": ["Send the file as a multipart `file`."]})
        attachment = determination_attach(
            actor=request.user,
            determination=self.get_object(),
            name=upload.name,
            chunks=upload.chunks(),
        )
        return Response(
            {
                "id": attachment.pk,
                "name": attachment.name,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=_Note)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        data = validated_input(request, _Note)
        return self._respond(
            determination_acknowledge(
                actor=request.user, determination=self.get_object(), note=data["note"]
            )
        )


class SafeguardsReportSerializer(serializers.ModelSerializer):
    model = serializers.PrimaryKeyRelatedField(queryset=AIModel.objects.all())
    standard = serializers.PrimaryKeyRelatedField(queryset=SafeguardStandard.objects.all())
    evidence = serializers.DictField(child=serializers.CharField(), required=False, write_only=True)
    author = serializers.StringRelatedField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = SafeguardsReport
        fields = [
            "id",
            "model",
            "standard",
            "state",
            "summary",
            "evidence",
            "author",
            "submitted_at",
            "approval_rso",
            "approval_ceo",
            "approved_at",
            "valid_until",
            "in_force",
        ]
        read_only_fields = [
            "state",
            "submitted_at",
            "approval_rso",
            "approval_ceo",
            "approved_at",
            "valid_until",
        ]

    def get_in_force(self, report) -> bool:
        return safeguards_report_in_force(report)

    def to_representation(self, report):
        data = super().to_representation(report)
        data["evidence"] = safeguards_report_evidence(report)
        return data


class SafeguardsReportViewSet(
    WorkflowFieldsMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Safeguards reports: one per model and required standard, approved by the CEO and RSO."""

    serializer_class = SafeguardsReportSerializer
    permission_classes = [api_roles(write=[Role.SAFETY_STAFF, Role.RSO, Role.CEO])]
    filterset_fields = ["model", "standard", "state"]

    def get_queryset(self):
        return safeguards_reports_with_evidence()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = safeguards_report_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return Response(
            self.get_serializer(
                safeguards_report_submit(actor=request.user, report=self.get_object())
            ).data
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return Response(
            self.get_serializer(
                safeguards_report_approve(actor=request.user, report=self.get_object())
            ).data
        )
