"""Noncompliance intake (any staff member, anonymously if they choose) and the case pages of
those who handle the reports."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse_lazy
from django.views.generic import DetailView, ListView

from governance.choices import Role
from governance.oversight.models import NoncomplianceReport
from governance.oversight.selectors import noncompliance_report_detail, noncompliance_reports_list
from governance.oversight.services.noncompliance import (
    noncompliance_conclude,
    noncompliance_investigate,
    noncompliance_report_file,
)
from governance.oversight.workflows.noncompliance import may_read_report
from governance.permissions import ALL_ROLES, RoleRequiredMixin
from governance.selectors import audit_events_for_target
from governance.views import ServiceFormView, StepView


class NoncomplianceListView(RoleRequiredMixin, ListView):
    template_name = "oversight/noncompliance_list.html"
    context_object_name = "reports"
    paginate_by = 50

    def get_queryset(self):
        return noncompliance_reports_list(self.request.user)


class NoncomplianceForm(forms.Form):
    summary = forms.CharField(max_length=300)
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    concerns_rso = forms.BooleanField(
        required=False,
        label="It concerns the Responsible Scaling Officer",
        help_text="The report then goes to the board instead of the RSO.",
    )
    anonymous = forms.BooleanField(
        required=False,
        label="File anonymously",
        help_text="Your identity is then not stored anywhere: not on the report, not in the "
        "audit log. You will not be able to follow the report.",
    )


class NoncomplianceCreateView(ServiceFormView):
    write_roles = ALL_ROLES
    form_class = NoncomplianceForm
    title = "Report noncompliance"
    cancel_url = reverse_lazy("noncompliance-list")
    success_message = "Report filed. Thank you."

    def perform(self, form):
        return noncompliance_report_file(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, saved=None):
        if saved.anonymous:
            return reverse_lazy("noncompliance-list")
        return saved.get_absolute_url()


class NoncomplianceDetailView(RoleRequiredMixin, DetailView):
    template_name = "oversight/noncompliance_detail.html"
    context_object_name = "report"
    queryset = noncompliance_report_detail()

    def get_object(self, queryset=None):
        report = super().get_object(queryset)
        if not may_read_report(self.request.user, report):
            raise PermissionDenied("This report is for its handlers, auditors and its reporter.")
        return report

    def get_context_data(self, **kwargs):
        return super().get_context_data(timeline=audit_events_for_target(self.object), **kwargs)


class NoncomplianceStepView(StepView):
    write_roles = [Role.RSO, Role.BOARD_DIRECTOR]
    model = NoncomplianceReport

    def steps(self, request, report):
        post = request.POST
        return {
            "investigate": lambda: noncompliance_investigate(actor=request.user, report=report),
            "conclude": lambda: noncompliance_conclude(
                actor=request.user,
                report=report,
                substantiated=post.get("substantiated") == "1",
                findings=post.get("findings", ""),
                corrective_action=post.get("corrective_action", ""),
                material=post.get("material") == "1",
            ),
        }
