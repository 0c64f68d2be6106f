"""Pages of the Trust: consultations awaiting my advice, and each consultation with its
documents, each trustee's advice, the Trust's collective advice and the lab's response."""

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from governance.board.models import PolicyChange
from governance.choices import PolicyChangeState, Role, VoteChoice
from governance.permissions import BOARD_READERS, RoleRequiredMixin
from governance.views import ServiceFormView, StepView

from .models import TrustConsultation, TrusteeElection, TrusteeTerm
from .services import (
    consultation_close,
    consultation_open,
    election_close,
    election_open,
    election_vote,
    trust_advice_record,
    trustee_advice_give,
)
from .workflows import CONSULTATION, ConsultationState, consultation_state

TRUST_READERS = BOARD_READERS
User = get_user_model()


def _consultations():
    return TrustConsultation.objects.select_related("policy_change", "opened_by", "advised_by")


class TrustHomeView(RoleRequiredMixin, TemplateView):
    template_name = "trust/home.html"
    read_roles = TRUST_READERS

    def get_context_data(self, **kwargs):
        user = self.request.user
        open_ones = list(
            _consultations()
            .filter(closed_at__isnull=True, policy_change__state=PolicyChangeState.CONSULTATION)
            .order_by("respond_by")
        )
        return super().get_context_data(
            awaiting=[c for c in open_ones if CONSULTATION.may(user, c, "advise")],
            open_consultations=open_ones,
            closed_consultations=_consultations().filter(closed_at__isnull=False)[:20],
            terms=TrusteeTerm.objects.select_related("user").filter(
                ends_on__gte=timezone.localdate()
            ),
            elections=TrusteeElection.objects.select_related("candidate")[:20],
            **kwargs,
        )


class ConsultationForm(forms.Form):
    policy_change = forms.ModelChoiceField(
        queryset=PolicyChange.objects.filter(state=PolicyChangeState.PROPOSED)
    )
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    documents = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Documents put to the Trust, one title or link per line.",
    )
    respond_by = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ConsultationCreateView(ServiceFormView):
    write_roles = [Role.RSO, Role.CEO]
    form_class = ConsultationForm
    title = "Consult the Trust"
    cancel_url = reverse_lazy("trust:home")
    success_message = "The question is with the Trust."

    def get_initial(self):
        return {"policy_change": self.request.GET.get("change")}

    def perform(self, form):
        data = form.cleaned_data
        return consultation_open(
            actor=self.request.user,
            policy_change=data["policy_change"],
            question=data["question"],
            respond_by=data["respond_by"],
            documents=data["documents"].splitlines(),
        )


class ConsultationDetailView(RoleRequiredMixin, DetailView):
    template_name = "trust/consultation_detail.html"
    context_object_name = "consultation"
    read_roles = TRUST_READERS

    def get_queryset(self):
        return _consultations().prefetch_related("advice__trustee")

    def get_context_data(self, **kwargs):
        state = ConsultationState(consultation_state(self.object))
        return super().get_context_data(state=state.label, **kwargs)


class ConsultationStepView(StepView):
    write_roles = [Role.TRUSTEE, Role.RSO, Role.CEO]
    model = TrustConsultation

    def steps(self, request, consultation):
        text = request.POST.get("text", "")
        return {
            "advice": lambda: trustee_advice_give(
                actor=request.user, consultation=consultation, advice=text
            ),
            "trust-advice": lambda: trust_advice_record(
                actor=request.user, consultation=consultation, collective_advice=text
            ),
            "close": lambda: consultation_close(
                actor=request.user, consultation=consultation, lab_response=text
            ),
        }


class ElectionForm(forms.Form):
    candidate = forms.ModelChoiceField(
        queryset=User.objects.filter(groups__name=Role.TRUSTEE, is_active=True).order_by(
            "username"
        ),
        help_text="Someone holding the trustee role: a newcomer, or a trustee to re-elect.",
    )
    term_starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ElectionCreateView(ServiceFormView):
    write_roles = [Role.TRUSTEE]
    form_class = ElectionForm
    title = "Nominate a trustee"
    cancel_url = reverse_lazy("trust:home")
    success_message = "Nomination put to the sitting trustees."

    def perform(self, form):
        return election_open(actor=self.request.user, **form.cleaned_data)


class ElectionDetailView(RoleRequiredMixin, DetailView):
    template_name = "trust/election_detail.html"
    context_object_name = "election"
    read_roles = TRUST_READERS
    queryset = TrusteeElection.objects.select_related("candidate", "nominated_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(choices=VoteChoice.choices, **kwargs)


class ElectionStepView(StepView):
    write_roles = [Role.TRUSTEE]
    model = TrusteeElection

    def steps(self, request, election):
        return {
            "vote": lambda: election_vote(
                actor=request.user, election=election, choice=request.POST.get("choice", "")
            ),
            "close": lambda: election_close(actor=request.user, election=election),
        }
