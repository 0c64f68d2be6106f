"""The RSO's quarterly report: the list, a form to start one, the printable page with the
RSO's commentary and the recipients' acknowledgements, and the PDF download."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from governance.board.models import QuarterlyReport
from governance.board.report_rendering import quarterly_report_pdf, report_sections
from governance.board.selectors import (
    quarterly_report_acknowledgements,
    quarterly_report_recipients,
    quarterly_reports_awaiting_acknowledgement,
    quarterly_reports_for,
    quarterly_reports_with_authors,
)
from governance.board.services.quarterly_reports import (
    quarterly_report_acknowledge,
    quarterly_report_annotate,
    quarterly_report_draft,
    quarterly_report_issue,
    quarterly_report_refresh,
)
from governance.board.workflows.reports import (
    ISSUED_READERS,
    QUARTERLY_REPORT,
    may_read_quarterly_report,
)
from governance.choices import QuarterlyReportState, Role
from governance.dates import previous_quarter, quarter_of
from governance.errors import DomainError
from governance.permissions import RoleRequiredMixin
from governance.selectors import audit_events_for_target
from governance.views import ServiceFormView, StepView, run_step


class QuarterlyReportListView(RoleRequiredMixin, ListView):
    read_roles = ISSUED_READERS
    template_name = "board/quarterly_report_list.html"
    context_object_name = "reports"
    paginate_by = 40

    def get_queryset(self):
        return quarterly_reports_for(self.request.user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            awaiting_me=set(
                quarterly_reports_awaiting_acknowledgement(user).values_list("pk", flat=True)
            ),
            **kwargs,
        )


class QuarterlyReportDraftForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2999)
    quarter = forms.TypedChoiceField(
        choices=[
            (1, "Q1 (January–March)"),
            (2, "Q2 (April–June)"),
            (3, "Q3 (July–September)"),
            (4, "Q4 (October–December)"),
        ],
        coerce=int,
    )


class QuarterlyReportDraftView(ServiceFormView):
    write_roles = [Role.RSO]
    form_class = QuarterlyReportDraftForm
    title = "Start a quarterly report"
    cancel_url = reverse_lazy("quarterly-report-list")
    success_message = "Drafted from the records. Add your commentary and issue it."

    def get_initial(self):
        year, quarter = previous_quarter(*quarter_of(timezone.now()))
        return {"year": year, "quarter": quarter}

    def perform(self, form):
        return quarterly_report_draft(actor=self.request.user, **form.cleaned_data)


class QuarterlyReportMixin(RoleRequiredMixin):
    read_roles = ISSUED_READERS

    def get_object(self, queryset=None):
        report = get_object_or_404(quarterly_reports_with_authors(), pk=self.kwargs["pk"])
        if not may_read_quarterly_report(self.request.user, report):
            raise PermissionDenied("Drafts are for the RSO, the CEO and auditors.")
        return report


class QuarterlyReportDetailView(QuarterlyReportMixin, DetailView):
    template_name = "board/quarterly_report_detail.html"
    context_object_name = "report"

    def get_context_data(self, **kwargs):
        report = self.object
        acknowledgements = quarterly_report_acknowledgements(report)
        acknowledged = {ack.user_id for ack in acknowledgements}
        return super().get_context_data(
            sections=report_sections(report.contents),
            acknowledgements=acknowledgements,
            waiting=[
                person
                for person in quarterly_report_recipients(report)
                if person.pk not in acknowledged
            ],
            deficiencies_text="\n".join(report.deficiencies),
            # Whom issuing sends it to, for the confirmation, only to whoever may issue it.
            issue_recipients=(
                QUARTERLY_REPORT.transition("issue").recipients(report)
                if QUARTERLY_REPORT.may(self.request.user, report, "issue")
                else []
            ),
            timeline=audit_events_for_target(report),
            **kwargs,
        )


class QuarterlyReportPdfView(QuarterlyReportMixin, View):
    def get(self, request, pk):
        report = self.get_object()
        response = HttpResponse(quarterly_report_pdf(report), content_type="application/pdf")
        suffix = "" if report.state == QuarterlyReportState.ISSUED else "-draft"
        response["Content-Disposition"] = (
            f'attachment; filename="rso-report-{report.label}{suffix}.pdf"'
        )
        return response


def _typed_annotation(post) -> dict:
    """The commentary and deficiencies sent with a step, as typed (absent: not sent)."""
    return {name: post[name] for name in ("commentary", "deficiencies") if name in post}


def _issue_keeping_what_was_typed(actor, report: QuarterlyReport, post) -> QuarterlyReport:
    """Issue with the commentary typed on the page. When issuing is refused (the quarter is not
    over, nobody sits to receive it), what was typed is saved all the same, and the refusal
    says so: pressing "Issue" never loses it."""
    typed = _typed_annotation(post)
    try:
        return quarterly_report_issue(actor=actor, report=report, **typed)
    except (DomainError, ValidationError) as refusal:
        if not typed or not QUARTERLY_REPORT.may(actor, report, "annotate"):
            raise
        saved = quarterly_report_annotate(
            actor=actor,
            report=report,
            commentary=typed.get("commentary", report.commentary),
            deficiencies=typed.get("deficiencies", report.deficiencies),
        )
        if (saved.commentary, saved.deficiencies) == (report.commentary, report.deficiencies):
            raise  # nothing new was typed: the refusal as it is
        reasons = " ".join(getattr(refusal, "messages", [str(refusal)]))
        raise ValidationError(
            f"Not issued: {reasons} Your commentary and deficiencies are saved "
            f"(the draft of {saved.label})."
        ) from refusal


class QuarterlyReportStepView(StepView):
    write_roles = [Role.RSO, Role.BOARD_DIRECTOR, Role.TRUSTEE]
    model = QuarterlyReport
    done = {
        "refresh": "Read the records again.",
        "annotate": "Commentary and deficiencies saved.",
        "issue": "Issued: each director and trustee it went to is asked to acknowledge it.",
        "acknowledge": "Your acknowledgement is recorded.",
    }

    def steps(self, request, report):
        post, actor = request.POST, request.user
        return {
            "refresh": lambda: quarterly_report_refresh(actor=actor, report=report),
            "annotate": lambda: quarterly_report_annotate(
                actor=actor,
                report=report,
                commentary=post.get("commentary", ""),
                deficiencies=post.get("deficiencies", ""),
            ),
            "issue": lambda: _issue_keeping_what_was_typed(actor, report, post),
            "acknowledge": lambda: quarterly_report_acknowledge(
                actor=actor, report=report, note=post.get("note", "")
            ),
        }

    def post(self, request, pk, step):
        report = get_object_or_404(QuarterlyReport, pk=pk)
        steps = self.steps(request, report)
        if step not in steps:
            raise PermissionDenied("Unknown step.")
        run_step(request, steps[step], self.done[step])
        return redirect(report.get_absolute_url())
