"""Pages for ASL determinations and safeguards reports: each step's form is shown only to
those who may take it; the services check again."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, ListView

from governance.choices import DeterminationState, FindingOutcome, Role
from governance.determinations.models import Attachment, Determination, Finding, SafeguardsReport
from governance.determinations.selectors import (
    determination_detail,
    determinations_awaiting_acknowledgement,
    determinations_flagged,
    finding_evidence_links,
    safeguard_standards_in_force,
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
from governance.registry.models import AIModel
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


class DeterminationCreateForm(forms.Form):
    model = forms.ModelChoiceField(queryset=AIModel.objects.order_by("name"))
    title = forms.CharField(max_length=300)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Capability report")


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


def _parse_evidence(text: str) -> list[dict]:
    references = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, _, pk = item.partition(":")
        if not pk.strip().isdigit():
            raise forms.ValidationError(f"{item!r}: write evidence as evaluation:12 or run:3.")
        references.append({"type": kind.strip(), "id": int(pk)})
    return references


class DeterminationEditForm(forms.Form):
    title = forms.CharField(max_length=300)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Capability report")
    elicitation_statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    helpful_only_tested = forms.BooleanField(
        required=False, label="A helpful-only snapshot was tested"
    )
    forecast_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    required_level = forms.ModelChoiceField(
        queryset=None, required=False, label="Resulting required level"
    )
    required_safeguards = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    precautionary = forms.BooleanField(required=False)
    provisional = forms.BooleanField(required=False)
    dissent_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, determination: Determination, **kwargs):
        super().__init__(*args, **kwargs)
        version = determination.framework_version
        self.fields["required_level"].queryset = version.levels.all()
        self.fields["required_safeguards"].queryset = version.safeguards.all()
        self.thresholds = list(version.thresholds.all())
        existing = {f.threshold_id: f for f in determination.findings.all()}
        for threshold in self.thresholds:
            finding = existing.get(threshold.pk)
            prefix = f"finding_{threshold.pk}"
            self.fields[f"{prefix}_outcome"] = forms.ChoiceField(
                choices=[("", "— no finding —"), *FindingOutcome.choices],
                required=False,
                label=f"{threshold.code}: finding",
                initial=finding.outcome if finding else "",
            )
            self.fields[f"{prefix}_rationale"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                label=f"{threshold.code}: rationale",
                initial=finding.rationale if finding else "",
            )
            self.fields[f"{prefix}_evidence"] = forms.CharField(
                required=False,
                label=f"{threshold.code}: evidence",
                help_text="e.g. evaluation:12, run:3 (ids on the eval run pages)",
                initial=", ".join(f"{e['type']}:{e['id']}" for e in finding.evidence)
                if finding
                else "",
            )
            # How hard the lab tried: a "below" must say (the policy's elicitation rule).
            self.fields[f"{prefix}_attempts"] = forms.IntegerField(
                required=False,
                min_value=1,
                label=f"{threshold.code}: attempts per task",
                initial=finding.attempts_per_task if finding else None,
            )
            self.fields[f"{prefix}_scaffolding"] = forms.CharField(
                required=False,
                label=f"{threshold.code}: scaffolding and tools",
                initial=finding.scaffolding if finding else "",
            )
            self.fields[f"{prefix}_helpful_only"] = forms.NullBooleanField(
                required=False,
                label=f"{threshold.code}: helpful-only snapshot tested",
                widget=forms.Select(
                    choices=[("unknown", "— not stated —"), ("true", "Yes"), ("false", "No")]
                ),
                initial=finding.helpful_only_tested if finding else None,
            )
        if not self.is_bound:
            for name in (
                "title",
                "summary",
                "elicitation_statement",
                "helpful_only_tested",
                "forecast_note",
                "precautionary",
                "provisional",
                "dissent_notes",
            ):
                self.initial[name] = getattr(determination, name)
            self.initial["required_level"] = determination.required_level_id
            self.initial["required_safeguards"] = list(determination.required_safeguards.all())

    def clean(self):
        data = super().clean()
        findings = []
        for threshold in self.thresholds:
            prefix = f"finding_{threshold.pk}"
            outcome = data.get(f"{prefix}_outcome")
            if not outcome:
                continue
            try:
                evidence = _parse_evidence(data.get(f"{prefix}_evidence", ""))
            except forms.ValidationError as error:
                self.add_error(f"{prefix}_evidence", error)
                continue
            findings.append(
                {
                    "threshold": threshold,
                    "outcome": outcome,
                    "rationale": data.get(f"{prefix}_rationale", ""),
                    "evidence": evidence,
                    "attempts_per_task": data.get(f"{prefix}_attempts"),
                    "scaffolding": data.get(f"{prefix}_scaffolding", ""),
                    "helpful_only_tested": data.get(f"{prefix}_helpful_only"),
                }
            )
        data["findings"] = findings
        return data


class DeterminationEditView(ServiceFormView):
    write_roles = [Role.SAFETY_STAFF]
    form_class = DeterminationEditForm
    success_message = "Draft saved."

    @cached_property
    def determination(self) -> Determination:
        return get_object_or_404(Determination, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "determination": self.determination}

    def get_context_data(self, **kwargs):
        kwargs.update(
            title=f"Edit: {self.determination}", cancel_url=self.determination.get_absolute_url()
        )
        return super().get_context_data(**kwargs)

    def perform(self, form):
        data = dict(form.cleaned_data)
        findings = data.pop("findings")
        for key in list(data):
            if key.startswith("finding_"):
                data.pop(key)
        return determination_update(
            actor=self.request.user,
            determination=self.determination,
            findings=findings,
            required_level=data.pop("required_level"),
            required_safeguards=data.pop("required_safeguards"),
            **data,
        )


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


class SafeguardsForm(forms.Form):
    model = forms.ModelChoiceField(queryset=AIModel.objects.order_by("name"))
    standard = forms.ModelChoiceField(queryset=None)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        standards = safeguard_standards_in_force()
        self.fields["standard"].queryset = standards
        self.criteria = [c for standard in standards for c in standard.criteria.all()]
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                label=f"{criterion.standard.code} / {criterion.code}",
                help_text=criterion.text,
            )

    def evidence(self) -> dict[str, str]:
        standard = self.cleaned_data["standard"]
        return {
            c.code: self.cleaned_data[f"criterion_{c.pk}"]
            for c in self.criteria
            if c.standard_id == standard.pk and self.cleaned_data.get(f"criterion_{c.pk}")
        }


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
