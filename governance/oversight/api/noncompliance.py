"""API for noncompliance reports: any staff member files one, anonymously if they choose; the
RSO (or the board, when a report concerns the RSO) investigates and concludes. Each action is one
service call; the services check who may take it.

A report is readable only by its handlers, auditors and its named reporter: the list holds only
those, and any other id is a 404, so the API does not even confirm that a report exists."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.response import Response

from governance.api.serializers import validated_input
from governance.api.workflow_fields import WorkflowFieldsMixin
from governance.choices import Role
from governance.oversight.models import NoncomplianceReport
from governance.oversight.selectors import noncompliance_report_detail, noncompliance_reports_list
from governance.oversight.services.noncompliance import (
    noncompliance_conclude,
    noncompliance_investigate,
    noncompliance_report_file,
)
from governance.oversight.workflows.noncompliance import may_read_report
from governance.permissions import ALL_ROLES, IsPerson, api_roles

HANDLERS = (Role.RSO, Role.BOARD_DIRECTOR)


class NoncomplianceReportSerializer(serializers.ModelSerializer):
    anonymous = serializers.BooleanField(read_only=True)
    reporter = serializers.SerializerMethodField(
        help_text="Who filed the report; null when it was filed anonymously."
    )
    handler = serializers.StringRelatedField()

    class Meta:
        model = NoncomplianceReport
        fields = [
            "id",
            "summary",
            "details",
            "concerns_rso",
            "anonymous",
            "reporter",
            "filed_at",
            "state",
            "handler",
            "findings",
            "corrective_action",
            "material",
            "concluded_at",
        ]
        read_only_fields = fields

    def get_reporter(self, report) -> str | None:
        # An anonymous report has no reporter to show; a named one shows it only to a reader
        # (the list and the detail hold only readable reports, but the answer to filing one
        # goes to its filer, who may not be).
        if report.reporter_id is None:
            return None
        request = self.context.get("request")
        if request is None or not may_read_report(request.user, report):
            return None
        return str(report.reporter)


class StatedBooleanField(serializers.BooleanField):
    """Required in a form-encoded body too, where DRF would read a box left out as false."""

    default_empty_html = empty


class FileReportSerializer(serializers.Serializer):
    summary = serializers.CharField(
        max_length=300, help_text="What the report is about, in a line."
    )
    details = serializers.CharField(max_length=50000, help_text="What happened.")
    concerns_rso = serializers.BooleanField(
        required=False,
        default=False,
        help_text="It concerns the Responsible Scaling Officer: the board handles it instead.",
    )
    # Required, so that leaving it out never names a reporter who meant to stay anonymous.
    anonymous = StatedBooleanField(
        help_text="True: the reporter is stored nowhere, not on the report nor in the audit log, "
        "and cannot follow the report afterwards."
    )


class ConcludeSerializer(serializers.Serializer):
    substantiated = serializers.BooleanField()
    findings = serializers.CharField(max_length=50000)
    corrective_action = serializers.CharField(
        max_length=50000,
        required=False,
        default="",
        allow_blank=True,
        help_text="Required when the report is substantiated.",
    )
    material = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A material substantiated case, told to the board at once.",
    )


class NoncomplianceReportViewSet(
    WorkflowFieldsMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Noncompliance reports the caller may read, newest first: the RSO's, the board's (reports
    that concern the RSO), the caller's own named reports, or all of them for an auditor. Any
    staff member (a person, not a machine client) files; the handler investigates and concludes."""

    serializer_class = NoncomplianceReportSerializer
    filterset_fields = ["state"]

    def get_permissions(self):
        writers = HANDLERS if self.action in ("investigate", "conclude") else ALL_ROLES
        return [IsPerson(), api_roles(write=writers)()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return NoncomplianceReport.objects.none()
        return noncompliance_reports_list(self.request.user)

    def _respond(self, report, code=status.HTTP_200_OK):
        # Not through get_queryset: an anonymous filer may not read what they just filed.
        report = noncompliance_report_detail().get(pk=report.pk)
        return Response(self.get_serializer(report).data, status=code)

    @extend_schema(request=FileReportSerializer)
    def create(self, request, *args, **kwargs):
        data = validated_input(request, FileReportSerializer)
        report = noncompliance_report_file(actor=request.user, **data)
        return self._respond(report, status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        """The handler starts the investigation and becomes its owner."""
        report = noncompliance_investigate(actor=request.user, report=self.get_object())
        return self._respond(report)

    @extend_schema(request=ConcludeSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """The handler records the findings: substantiated (with corrective action, and whether
        it is material) or not."""
        report = self.get_object()  # a report the caller may not read is a 404 whatever the body
        data = validated_input(request, ConcludeSerializer)
        return self._respond(noncompliance_conclude(actor=request.user, report=report, **data))
