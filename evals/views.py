"""Pages of the evals app: runs, ingestions, uploads, eval suites and eval systems."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, ListView

from governance.choices import Role
from governance.errors import DomainError
from governance.permissions import RoleRequiredMixin, can_write, has_role
from governance.views import ServiceFormView, querystring_without_page, run_step

from .filters import EvalRunFilter, IngestionFilter
from .forms import EvalSuiteForm, EvalSystemForm, UploadForm
from .models import EvalRun, EvalSuite, EvalSystem, Ingestion
from .selectors import (
    eval_run_detail,
    eval_runs_list,
    eval_suites_list,
    eval_systems_list,
    ingestions_list,
)
from .services import (
    eval_run_score_against,
    eval_runs_map_task,
    eval_suite_create,
    eval_suite_update,
    eval_system_create,
    eval_system_revoke,
    eval_system_rotate_token,
    eval_system_update,
    ingestion_record_download,
    ingestion_submit,
    store_upload,
)

EVAL_ADMINS = [Role.SAFETY_STAFF]


class FilteredListView(RoleRequiredMixin, ListView):
    filterset_class = None
    paginate_by = 50

    def get_base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.get_base_queryset()
        )
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.get_base_queryset().none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter=self.filterset, querystring=querystring_without_page(self.request), **kwargs
        )


class EvalRunListView(FilteredListView):
    template_name = "evals/run_list.html"
    context_object_name = "runs"
    filterset_class = EvalRunFilter

    def get_base_queryset(self):
        return eval_runs_list()


class EvalRunDetailView(RoleRequiredMixin, DetailView):
    template_name = "evals/run_detail.html"
    context_object_name = "run"
    queryset = eval_run_detail()

    def get_context_data(self, **kwargs):
        run = self.object
        evaluations = list(run.evaluations.all())
        passes = evaluations[0].task_passes if evaluations else {}
        tasks = [(task, passes.get(task.name)) for task in run.task_results.all()]
        may_score = can_write(self.request.user, [Role.SAFETY_STAFF])
        same_log = list(
            EvalRun.objects.filter(ingestion_id=run.ingestion_id)
            .exclude(pk=run.pk)
            .select_related("suite")
            .order_by("pk")
        )
        scored = {run.suite_id, *(other.suite_id for other in same_log)}
        return super().get_context_data(
            evaluations=evaluations,
            tasks=tasks,
            same_log=same_log,
            suites=EvalSuite.objects.exclude(pk__in=[pk for pk in scored if pk]).order_by("name")
            if may_score
            else None,
            **kwargs,
        )


class EvalRunMapView(RoleRequiredMixin, View):
    """Score a run's log against a suite: an unmapped run (or every unmapped run of its task)
    is mapped; a mapped one's log is scored against the other suite as a new run."""

    write_roles = [Role.SAFETY_STAFF]

    def post(self, request, pk):
        run = get_object_or_404(EvalRun, pk=pk)
        suite = EvalSuite.objects.filter(pk=request.POST.get("suite") or 0).first()
        if suite is None:
            messages.error(request, "Choose the suite to score the run against.")
            return redirect(run.get_absolute_url())

        scored = [run]

        def step():
            if request.POST.get("all_of_task"):
                eval_runs_map_task(actor=request.user, task_name=run.task_name, suite=suite)
            else:
                scored[0] = eval_run_score_against(actor=request.user, run=run, suite=suite)

        run_step(request, step, f"Scored against {suite}.")
        return redirect(scored[0].get_absolute_url())  # the new run, when one was made


class RawLogView(RoleRequiredMixin, View):
    """The log exactly as it was posted. Transcripts of dangerous-capability evals can hold
    hazardous output, so only safety staff and the RSO download them, and each download is
    audited; everyone else sees the stored results and the file's hash."""

    read_roles = [Role.SAFETY_STAFF, Role.RSO]

    def get(self, request, pk):
        if request.user.is_staff or not has_role(request.user, *self.read_roles):
            raise PermissionDenied("Raw logs are for safety staff and the RSO.")
        ingestion = get_object_or_404(Ingestion, pk=pk)
        path = Path(settings.MEDIA_ROOT) / ingestion.file_path
        if not path.exists():
            raise Http404("The stored log file is missing.")
        ingestion_record_download(actor=request.user, ingestion=ingestion)
        return FileResponse(path.open("rb"), as_attachment=True, filename=ingestion.file_name)


class IngestionListView(FilteredListView):
    template_name = "evals/ingestion_list.html"
    context_object_name = "ingestions"
    filterset_class = IngestionFilter

    def get_base_queryset(self):
        return ingestions_list()


class IngestionDetailView(RoleRequiredMixin, DetailView):
    template_name = "evals/ingestion_detail.html"
    context_object_name = "ingestion"
    queryset = ingestions_list()


class UploadView(ServiceFormView):
    write_roles = [Role.SAFETY_STAFF]
    form_class = UploadForm
    title = "Upload an eval log"
    cancel_url = reverse_lazy("evals:ingestion-list")
    template_name = "evals/upload.html"

    def perform(self, form):
        data = form.cleaned_data
        try:
            path, sha256, size = store_upload(
                data["file"].chunks(), limit=settings.EVAL_LOG_MAX_BYTES
            )
            submission = ingestion_submit(
                principal=self.request.user,
                path=path,
                sha256=sha256,
                size=size,
                file_name=data["file"].name,
                snapshot_ref=str(data["snapshot"].pk) if data["snapshot"] else None,
                suite_ref=str(data["suite"].pk) if data["suite"] else None,
            )
        except DomainError as error:
            raise ValidationError(str(error)) from None
        if not submission.created:
            messages.info(self.request, "This log was posted before; here is that ingestion.")
        if submission.notice:
            messages.warning(self.request, submission.notice)
        return submission.ingestion

    success_message = "The log is stored and queued."


class EvalSuiteListView(RoleRequiredMixin, ListView):
    template_name = "evals/suite_list.html"
    context_object_name = "suites"
    queryset = eval_suites_list()


class EvalSuiteCreateView(ServiceFormView):
    write_roles = EVAL_ADMINS
    form_class = EvalSuiteForm
    title = "New eval suite"
    cancel_url = reverse_lazy("evals:suite-list")
    success_message = "Eval suite saved."

    def perform(self, form):
        return eval_suite_create(
            actor=self.request.user,
            thresholds=form.cleaned_data["thresholds"],
            **form.service_fields(),
        )

    def get_success_url(self, saved=None):
        return reverse_lazy("evals:suite-list")


class EvalSuiteUpdateView(EvalSuiteCreateView):
    title = "Edit eval suite"

    @cached_property
    def suite(self) -> EvalSuite:
        return get_object_or_404(EvalSuite, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.suite}

    def perform(self, form):
        return eval_suite_update(
            actor=self.request.user,
            suite=self.suite,
            thresholds=form.cleaned_data["thresholds"],
            **form.service_fields(),
        )


class EvalSystemListView(RoleRequiredMixin, ListView):
    read_roles = EVAL_ADMINS
    template_name = "evals/system_list.html"
    context_object_name = "systems"
    queryset = eval_systems_list()


def _token_page(request, system: EvalSystem, token: str):
    return render(request, "evals/token.html", {"system": system, "token": token})


class EvalSystemCreateView(ServiceFormView):
    write_roles = EVAL_ADMINS
    form_class = EvalSystemForm
    title = "New eval system"
    cancel_url = reverse_lazy("evals:system-list")

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            system, token = eval_system_create(
                actor=self.request.user,
                name=data["name"],
                description=data["description"],
                all_models=data["all_models"],
                all_suites=data["all_suites"],
                allowed_models=data["allowed_models"],
                allowed_suites=data["allowed_suites"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return _token_page(self.request, system, token)


class EvalSystemDetailView(RoleRequiredMixin, DetailView):
    read_roles = EVAL_ADMINS
    template_name = "evals/system_detail.html"
    context_object_name = "system"
    queryset = eval_systems_list()


class EvalSystemUpdateView(ServiceFormView):
    write_roles = EVAL_ADMINS
    form_class = EvalSystemForm
    success_message = "Eval system updated."

    @cached_property
    def system(self) -> EvalSystem:
        return get_object_or_404(EvalSystem, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.system}

    def get_context_data(self, **kwargs):
        kwargs.update(title=f"Edit {self.system}", cancel_url=self.system.get_absolute_url())
        return super().get_context_data(**kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return eval_system_update(
            actor=self.request.user,
            system=self.system,
            name=data["name"],
            description=data["description"],
            all_models=data["all_models"],
            all_suites=data["all_suites"],
            allowed_models=data["allowed_models"],
            allowed_suites=data["allowed_suites"],
        )


class EvalSystemTokenView(RoleRequiredMixin, View):
    """POST only: rotate (show the new token once) or revoke."""

    write_roles = EVAL_ADMINS

    def post(self, request, pk, verb):
        system = get_object_or_404(EvalSystem, pk=pk)
        if verb == "rotate":
            return _token_page(
                request, system, eval_system_rotate_token(actor=request.user, system=system)
            )
        eval_system_revoke(actor=request.user, system=system)
        messages.success(request, f"The token of {system} is revoked; it no longer works.")
        return redirect(system.get_absolute_url())
