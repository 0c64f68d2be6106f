"""Board meetings: the list, each meeting's page with its motions, and the forms to schedule,
record and cancel one. Directors and administrators see the forms, as `workflows.board.MEETING`
and the "meeting.schedule" rule say; the services check again."""

import datetime as dt

import rules
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.generic import DetailView, ListView

from governance.board.models import Meeting
from governance.board.selectors import directors_sitting, meeting_detail, meetings_list
from governance.board.services.meetings import meeting_cancel, meeting_record, meeting_schedule
from governance.board.workflows.board import MEETING, meeting_day
from governance.choices import MeetingState
from governance.permissions import BOARD_READERS, RoleRequiredMixin
from governance.selectors import audit_events_for_target
from governance.views import ServiceFormView, StepView, querystring_without_page


class ConvenerMixin:
    """Board readers read; directors and administrators (who may hold no role) write: the
    "meeting.schedule" rule."""

    read_roles = BOARD_READERS

    def may_write(self, user) -> bool:
        return rules.test_rule("meeting.schedule", user)


class MeetingListView(ConvenerMixin, RoleRequiredMixin, ListView):
    template_name = "board/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = 50

    def get_queryset(self):
        state = self.request.GET.get("state")
        return meetings_list(state=state if state in MeetingState.values else None)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            states=MeetingState.choices,
            querystring=querystring_without_page(self.request),
            now=timezone.now(),
            **kwargs,
        )


class MeetingForm(forms.Form):
    title = forms.CharField(max_length=300)
    scheduled_for = forms.DateTimeField(
        label="When (UTC)",
        help_text="e.g. 2027-01-15 14:00.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    location = forms.CharField(
        max_length=500, required=False, help_text="Where, or how to join (a call link)."
    )
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)

    def clean_scheduled_for(self) -> dt.datetime:
        # Every page shows times in UTC, so the form takes them in UTC too.
        value = timezone.make_naive(self.cleaned_data["scheduled_for"])
        return value.replace(tzinfo=dt.UTC)


class MeetingCreateView(ConvenerMixin, ServiceFormView):
    form_class = MeetingForm
    title = "Schedule a board meeting"
    cancel_url = reverse_lazy("meeting-list")
    success_message = "Meeting scheduled; the sitting directors are told."

    def perform(self, form):
        return meeting_schedule(actor=self.request.user, **form.cleaned_data)


class MeetingDetailView(ConvenerMixin, RoleRequiredMixin, DetailView):
    template_name = "board/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return meeting_detail()

    def get_context_data(self, **kwargs):
        meeting = self.object
        # The directors to tick as present, for whoever may record the meeting now.
        recording = MEETING.may(self.request.user, meeting, "record")
        return super().get_context_data(
            sitting=directors_sitting(meeting_day(meeting)) if recording else [],
            timeline=audit_events_for_target(meeting),
            **kwargs,
        )


class MeetingRecordForm(forms.Form):
    # Not required here: the service says what is missing, in the same words as the API.
    attendees = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.all(), required=False
    )
    minutes = forms.CharField(required=False)


def _cleaned(form: forms.Form) -> dict:
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data


class MeetingStepView(ConvenerMixin, StepView):
    model = Meeting

    def steps(self, request, meeting):
        def record():
            data = _cleaned(MeetingRecordForm(request.POST))
            return meeting_record(
                actor=request.user,
                meeting=meeting,
                attendees=data["attendees"],
                minutes=data["minutes"],
            )

        return {
            "record": record,
            "cancel": lambda: meeting_cancel(
                actor=request.user, meeting=meeting, reason=request.POST.get("reason", "")
            ),
        }
