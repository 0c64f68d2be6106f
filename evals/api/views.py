import tempfile

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiRequest, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as serializers_lib
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from governance.api.serializers import validated_input
from governance.choices import Role
from governance.permissions import api_roles, can_read, can_write

from ..auth import eval_system_of
from ..errors import LogTooLarge
from ..filters import EvalRunFilter, IngestionFilter
from ..parsers.native import SCHEMA as NATIVE_SCHEMA
from ..selectors import (
    eval_run_detail,
    eval_runs_list,
    eval_suites_list,
    eval_systems_list,
    ingestions_list,
    ingestions_visible_to_system,
)
from ..services import (
    eval_run_map,
    eval_run_score_against,
    eval_runs_map_task,
    eval_suite_create,
    eval_suite_update,
    eval_system_create,
    eval_system_revoke,
    eval_system_rotate_token,
    eval_system_update,
    ingestion_submit,
    resolve_suite,
    store_upload,
)
from . import serializers


class CanSubmitResults(BasePermission):
    """Eval systems post results (within their scope, checked by the service); so do safety
    staff. Reading an ingestion's status: the system that posted it, or any reader."""

    def has_permission(self, request, view) -> bool:
        if eval_system_of(request) is not None:
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return can_read(request.user)
        return can_write(request.user, [Role.SAFETY_STAFF])


class IngestionViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Eval results in: Inspect AI logs (.json, .eval), lm-evaluation-harness results (or its
    output folder zipped, with the samples_*.jsonl of --log_samples), or native JSON. Stored
    and queued at once (202); poll the status URL for the run and its outcomes."""

    serializer_class = serializers.IngestionSerializer
    permission_classes = [CanSubmitResults]
    lookup_value_regex = r"[0-9a-fA-F-]{36}"
    parser_classes = [MultiPartParser, JSONParser]
    filterset_class = IngestionFilter

    def get_queryset(self):
        queryset = ingestions_list()
        system = eval_system_of(self.request)
        if system is None:
            return queryset
        if self.action == "list":
            return queryset.filter(eval_system=system)  # its own posts
        # One ingestion (its status URL): also an evaluation another system stored first,
        # which this one was answered with.
        return ingestions_visible_to_system(system, queryset)

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "snapshot": {"type": "string", "description": "Snapshot id or identifier."},
                    "suite": {"type": "string", "description": "Eval suite name or id."},
                },
                "required": ["file"],
            },
            "application/json": OpenApiRequest(NATIVE_SCHEMA),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Repeat a post safely: the same key returns the first ingestion.",
            )
        ],
        responses={202: serializers.IngestionSerializer, 200: serializers.IngestionSerializer},
    )
    def create(self, request, *args, **kwargs):
        limit = settings.EVAL_LOG_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + MULTIPART_ENVELOPE:
            raise LogTooLarge(f"The log is larger than the limit of {limit:,} bytes.")
        if not declared and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # Django reads no body without a Content-Length: read it here, within the limit.
            _read_chunked_body(request._request, limit + MULTIPART_ENVELOPE)
        if request.content_type.startswith("application/json"):
            try:
                body = request._request.body
            except RequestDataTooBig:
                raise LogTooLarge(
                    f"The JSON body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes; "
                    "upload it as a multipart `file` instead."
                ) from None
            path, sha256, size = store_upload([body], limit=limit)
            file_name, snapshot_ref, suite_ref = "native.json", None, None
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": ["Send the log as a multipart `file` field."]})
            path, sha256, size = store_upload(upload.chunks(), limit=limit)
            file_name = upload.name
            snapshot_ref = request.data.get("snapshot") or None
            suite_ref = request.data.get("suite") or None
        submission = ingestion_submit(
            principal=eval_system_of(request) or request.user,
            path=path,
            sha256=sha256,
            size=size,
            file_name=file_name,
            snapshot_ref=snapshot_ref,
            suite_ref=suite_ref,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        ingestion = self.get_queryset().get(pk=submission.ingestion.pk)
        data = self.get_serializer(ingestion).data
        if submission.notice:
            data = {**data, "notice": submission.notice}
        code = status.HTTP_202_ACCEPTED if submission.created else status.HTTP_200_OK
        return Response(data, status=code, headers={"Location": data["status_url"]})


MULTIPART_ENVELOPE = 64 * 1024  # room for the multipart boundaries and fields around the log


def _read_chunked_body(django_request, limit: int) -> None:
    """A chunked upload (no Content-Length): read the body from the server's stream up to
    `limit` bytes (413 past it), then let Django parse it as if its length had been sent."""
    stream = django_request.META.get("wsgi.input")
    if stream is None:
        raise LogTooLarge("Send a Content-Length with the upload.")
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    size = 0
    while chunk := stream.read(1 << 20):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise LogTooLarge(
                f"The log is larger than the limit of {settings.EVAL_LOG_MAX_BYTES:,} bytes."
            )
        spool.write(chunk)
    spool.seek(0)
    django_request.META["CONTENT_LENGTH"] = str(size)
    django_request._stream = spool
    django_request._read_started = False


class ScoreRunSerializer(serializers_lib.Serializer):
    suite = serializers_lib.CharField(max_length=200, help_text="Eval suite id or name.")


class MapRunSerializer(ScoreRunSerializer):
    all_of_task = serializers_lib.BooleanField(
        default=False, help_text="Map every unmapped run of this run's task too."
    )


class EvalRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored eval runs with their threshold evaluations; the detail adds per-task results.
    Safety staff map an unmapped run (or every unmapped run of its task) to a suite, and score
    a run's log against further suites."""

    filterset_class = EvalRunFilter
    permission_classes = [api_roles(write=[Role.SAFETY_STAFF])]

    @extend_schema(request=MapRunSerializer, responses=serializers.EvalRunSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="map")
    def map_to_suite(self, request, pk=None):
        """Score this unmapped run against a suite, from its raw log; audited."""
        data = validated_input(request, MapRunSerializer)
        run = self.get_object()
        suite = resolve_suite(data["suite"])
        if data["all_of_task"]:
            mapped = eval_runs_map_task(actor=request.user, task_name=run.task_name, suite=suite)
        else:
            mapped = [eval_run_map(actor=request.user, run=run, suite=suite)]
        runs = eval_runs_list().filter(pk__in=[r.pk for r in mapped])
        return Response(serializers.EvalRunSerializer(runs, many=True).data)

    @extend_schema(request=ScoreRunSerializer, responses=serializers.EvalRunDetailSerializer)
    @action(detail=True, methods=["post"], url_path="score")
    def score_against(self, request, pk=None):
        """Score this run's log against another suite too, without posting it again: answers
        the new run (201). An unmapped run is mapped instead (200). Audited."""
        data = validated_input(request, ScoreRunSerializer)
        run = self.get_object()
        suite = resolve_suite(data["suite"])
        scored = eval_run_score_against(actor=request.user, run=run, suite=suite)
        code = status.HTTP_200_OK if scored.pk == run.pk else status.HTTP_201_CREATED
        data = serializers.EvalRunDetailSerializer(eval_run_detail().get(pk=scored.pk)).data
        return Response(data, status=code)

    def get_queryset(self):
        return eval_run_detail() if self.action == "retrieve" else eval_runs_list()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.EvalRunDetailSerializer
        return serializers.EvalRunSerializer


class EvalSuiteViewSet(viewsets.ModelViewSet):
    """Eval suites: which log task names belong to which threshold. Safety staff write."""

    serializer_class = serializers.EvalSuiteSerializer
    permission_classes = [api_roles(write=[Role.SAFETY_STAFF])]
    queryset = eval_suites_list()
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        suite = eval_suite_create(actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=suite.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        eval_suite_update(actor=self.request.user, suite=serializer.instance, **data)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


class EvalSystemViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Machine clients. Creating one or rotating its token returns the token once."""

    serializer_class = serializers.EvalSystemSerializer
    permission_classes = [api_roles(read=[Role.SAFETY_STAFF], write=[Role.SAFETY_STAFF])]
    queryset = eval_systems_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        system, token = eval_system_create(actor=request.user, **serializer.validated_data)
        output = serializers.EvalSystemWithTokenSerializer(system, context={"token": token})
        return Response(output.data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        eval_system_update(
            actor=self.request.user, system=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(request=None, responses=serializers.EvalSystemWithTokenSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-token")
    def rotate_token(self, request, pk=None):
        token = eval_system_rotate_token(actor=request.user, system=self.get_object())
        system = self.get_queryset().get(pk=pk)
        return Response(
            serializers.EvalSystemWithTokenSerializer(system, context={"token": token}).data
        )

    @extend_schema(request=None, responses=serializers.EvalSystemSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        system = eval_system_revoke(actor=request.user, system=self.get_object())
        return Response(self.get_serializer(system).data)
