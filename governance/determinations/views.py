"""Pages for ASL determinations and safeguards reports: each step's form is shown only to
those who may take it; the services check again."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, ListView

from governance.choices import DeterminationState, Role
from governance.determinations.forms import (
    DeterminationCreateForm,
    DeterminationEditForm,
    SafeguardsForm,
)
from governance.determinations.models import Attachment, Determination, Finding, SafeguardsReport
from governance.determinations.selectors import (
    determination_detail,
    determinations_awaiting_acknowledgement,
    determinations_flagged,
    finding_evidence_links,
    model_evidence,
    safeguards_report_detail,
    safeguards_reports_list,
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
from governance.errors import DomainError
from governance.permissions import RoleRequiredMixin
from governance.selectors import audit_events_for_target
from governance.views import ServiceFormView, StepView


class DeterminationListView(RoleRequiredMixin, ListView):
    template_name = "determinations/determination_list.html"
    context_object_name = "determinations"
    paginate_by = 50

    def get_queryset(self):
        state = self.request.GET.get("state")
        return determinations_flagged(state=state if state in DeterminationState.values else None)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            awaiting=determinations_awaiting_acknowledgement(self.request.user),
            states=DeterminationState.choices,
            **kwargs,
        )


class DeterminationDetailView(RoleRequiredMixin, DetailView):
    template_name = "determinations/determination_detail.html"
    context_object_name = "determination"

    def get_queryset(self):
        return determination_detail()

    def get_context_data(self, **kwargs):
        d = self.object
        return super().get_context_data(
            timeline=audit_events_for_target(d),
            findings=[(finding, finding_evidence_links(finding)) for finding in d.findings.all()],
            **kwargs,
        )


class AttachmentUploadView(RoleRequiredMixin, View):
    write_roles = [Role.SAFETY_STAFF]

    def post(self, request, pk):
        determination = get_object_or_404(Determination, pk=pk)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "Choose a file to attach.")
        else:
            try:
                determination_attach(
                    actor=request.user,
                    determination=determination,
                    name=upload.name,
                    chunks=upload.chunks(),
                )
            except (DomainError, PermissionDenied) as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"Attached {upload.name}.")
        return redirect(determination.get_absolute_url())


class AttachmentDownloadView(RoleRequiredMixin, View):
    def get(self, request, pk):
        attachment = get_object_or_404(Attachment, pk=pk)
        path = Path(settings.MEDIA_ROOT) / attachment.path
        if not path.exists():
            raise Http404("The attachment's file is missing.")
        return FileResponse(path.open("rb"), as_attachment=True, filename=attachment.name)


class DeterminationCreateView(ServiceFormView):
    write_roles = [Role.SAFETY_STAFF]
    form_class = DeterminationCreateForm
    title = "New capability report"
    cancel_url = reverse_lazy("determination-list")
    success_message = "Draft created; add the findings next."

    def perform(self, form):
        return determination_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, saved=None):
        return reverse_lazy("determination-edit", args=[saved.pk])


class DeterminationEditView(ServiceFormView):
    """The capability report form: findings grouped by threshold beside the model's standing,
    evidence picked from its runs, and the checks of the submit step before the click. "Save
    and submit" saves and submits in one step, or neither."""

    template_name = "determinations/capability_report_form.html"
    write_roles = [Role.SAFETY_STAFF]
    form_class = DeterminationEditForm
    success_message = "Draft saved."

    @cached_property
    def determination(self) -> Determination:
        return get_object_or_404(
            Determination.objects.select_related("model", "framework_version__framework"),
            pk=self.kwargs["pk"],
        )

    @property
    def submitting(self) -> bool:
        return self.request.method == "POST" and self.request.POST.get("then") == "submit"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "determination": self.determination,
            "evidence": model_evidence(self.determination.model),
            "submitting": self.submitting,
        }

    def get_context_data(self, **kwargs):
        kwargs.update(
            title=f"Edit: {self.determination}",
            determination=self.determination,
            cancel_url=self.determination.get_absolute_url(),
        )
        return super().get_context_data(**kwargs)

    def perform(self, form):
        with transaction.atomic():
            saved = determination_update(
                actor=self.request.user,
                determination=self.determination,
                **form.service_arguments(),
            )
            if self.submitting:
                saved = determination_submit(actor=self.request.user, determination=saved)
                self.success_message = "Saved and submitted for internal review."
        return saved


class DeterminationStepView(StepView):
    write_roles = [
        Role.SAFETY_STAFF,
        Role.INTERNAL_REVIEWER,
        Role.RSO,
        Role.CEO,
        Role.BOARD_DIRECTOR,
        Role.TRUSTEE,
    ]
    model = Determination

    def steps(self, request, determination):
        post = request.POST
        return {
            "submit": lambda: determination_submit(actor=request.user, determination=determination),
            "review": lambda: determination_review(
                actor=request.user,
                determination=determination,
                critique=post.get("critique", ""),
                send_back=post.get("send_back") == "1",
            ),
            "sign": lambda: determination_sign(actor=request.user, determination=determination),
            "acknowledge": lambda: determination_acknowledge(
                actor=request.user, determination=determination, note=post.get("note", "")
            ),
            "justify": lambda: finding_justify(
                actor=request.user,
                finding=get_object_or_404(
                    Finding,
                    pk=int(post["finding"]) if post.get("finding", "").isdigit() else 0,
                    determination=determination,
                ),
                justification=post.get("justification", ""),
            ),
            "return": lambda: determination_return(
                actor=request.user, determination=determination, reason=post.get("reason", "")
            ),
        }


# Safeguards reports


class SafeguardsListView(RoleRequiredMixin, ListView):
    template_name = "determinations/safeguards_list.html"
    context_object_name = "reports"
    paginate_by = 50

    def get_queryset(self):
        return safeguards_reports_list()


class SafeguardsDetailView(RoleRequiredMixin, DetailView):
    template_name = "determinations/safeguards_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        return safeguards_report_detail()


class SafeguardsCreateView(ServiceFormView):
    write_roles = [Role.SAFETY_STAFF]
    form_class = SafeguardsForm
    title = "New safeguards report"
    cancel_url = reverse_lazy("safeguards-list")
    success_message = "Draft saved; submit it when every criterion has evidence."

    def perform(self, form):
        return safeguards_report_create(
            actor=self.request.user,
            model=form.cleaned_data["model"],
            standard=form.cleaned_data["standard"],
            summary=form.cleaned_data["summary"],
            evidence=form.evidence(),
        )


class SafeguardsStepView(StepView):
    write_roles = [Role.SAFETY_STAFF, Role.RSO, Role.CEO]
    model = SafeguardsReport

    def steps(self, request, report):
        return {
            "submit": lambda: safeguards_report_submit(actor=request.user, report=report),
            "approve": lambda: safeguards_report_approve(actor=request.user, report=report),
        }
