"""API for the RSO's quarterly reports: read them, draft one, add commentary and
deficiencies, issue it, acknowledge it, and download the PDF."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.serializers import validated_input
from governance.api.workflow_fields import WorkflowFieldsMixin, with_workflow_fields
from governance.board.models import QuarterlyReport, QuarterlyReportAcknowledgement
from governance.board.report_rendering import quarterly_report_pdf
from governance.board.selectors import quarterly_report_detail_for, quarterly_reports_for
from governance.board.services.quarterly_reports import (
    MAX_DEFICIENCIES,
    quarterly_report_acknowledge,
    quarterly_report_annotate,
    quarterly_report_draft,
    quarterly_report_issue,
    quarterly_report_refresh,
)
from governance.board.workflows.reports import ISSUED_READERS
from governance.choices import Role
from governance.permissions import api_roles


class AcknowledgementSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField()

    class Meta:
        model = QuarterlyReportAcknowledgement
        fields = ["user", "at", "note"]


class QuarterlyReportSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    issued_by = serializers.StringRelatedField()
    recipient_count = serializers.IntegerField(read_only=True)
    acknowledgement_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = QuarterlyReport
        fields = [
            "id",
            "label",
            "year",
            "quarter",
            "state",
            "period_start",
            "period_end",
            "generated_at",
            "commentary",
            "deficiencies",
            "issued_by",
            "issued_at",
            "content_sha256",
            "recipient_count",
            "acknowledgement_count",
        ]
        read_only_fields = fields


class QuarterlyReportDetailSerializer(QuarterlyReportSerializer):
    contents = serializers.JSONField(
        read_only=True, help_text="What the report states, generated from the records."
    )
    recipients = serializers.StringRelatedField(many=True)
    acknowledgements = AcknowledgementSerializer(many=True, read_only=True)

    class Meta(QuarterlyReportSerializer.Meta):
        fields = [
            *QuarterlyReportSerializer.Meta.fields,
            "contents",
            "recipients",
            "acknowledgements",
        ]
        read_only_fields = fields


class DraftInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2999)
    quarter = serializers.IntegerField(min_value=1, max_value=4)


class AnnotateInputSerializer(serializers.Serializer):
    commentary = serializers.CharField(allow_blank=True, max_length=50_000)
    deficiencies = serializers.ListField(
        child=serializers.CharField(max_length=2000), max_length=MAX_DEFICIENCIES
    )


class IssueInputSerializer(serializers.Serializer):
    """What the page sends with "Issue": the commentary and deficiencies as typed, saved with
    the step; either left out keeps what is saved."""

    commentary = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    deficiencies = serializers.ListField(
        child=serializers.CharField(max_length=2000), max_length=MAX_DEFICIENCIES, required=False
    )


class AcknowledgeInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class QuarterlyReportViewSet(
    WorkflowFieldsMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """The RSO's quarterly reports to the board and the Trust, newest first. Drafts are read
    by the RSO, the CEO and auditors; issued reports by directors and trustees as well."""

    permission_classes = [
        api_roles(read=ISSUED_READERS, write=[Role.RSO, Role.BOARD_DIRECTOR, Role.TRUSTEE])
    ]
    filterset_fields = ["year", "quarter", "state"]
    serializer_class = QuarterlyReportDetailSerializer

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            return quarterly_reports_for(user)
        return quarterly_report_detail_for(user)

    def get_serializer_class(self):
        if self.action == "list":
            return QuarterlyReportSerializer
        return super().get_serializer_class()  # with `actions` and `awaiting`

    def _respond(self, report, code=status.HTTP_200_OK):
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data, status=code)

    @extend_schema(
        request=DraftInputSerializer,
        responses=with_workflow_fields(QuarterlyReportDetailSerializer),
    )
    def create(self, request, *args, **kwargs):
        data = validated_input(request, DraftInputSerializer)
        report = quarterly_report_draft(actor=request.user, **data)
        return self._respond(report, status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        return self._respond(quarterly_report_refresh(actor=request.user, report=self.get_object()))

    @extend_schema(request=AnnotateInputSerializer)
    @action(detail=True, methods=["post"])
    def annotate(self, request, pk=None):
        report = self.get_object()
        data = validated_input(request, AnnotateInputSerializer)
        return self._respond(quarterly_report_annotate(actor=request.user, report=report, **data))

    @extend_schema(request=IssueInputSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        report = self.get_object()
        data = validated_input(request, IssueInputSerializer)
        return self._respond(quarterly_report_issue(actor=request.user, report=report, **data))

    @extend_schema(request=AcknowledgeInputSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        report = self.get_object()
        data = validated_input(request, AcknowledgeInputSerializer)
        quarterly_report_acknowledge(actor=request.user, report=report, **data)
        return self._respond(report)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        report = self.get_object()
        response = HttpResponse(quarterly_report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="rso-report-{report.label}.pdf"'
        return response
