"""Pages of the Trust: consultations awaiting my advice, and each consultation with its
documents, what the policy change does (in words, and its full diff), each trustee's advice, the
Trust's collective advice and the lab's response. Steps that cannot be undone (advice, the
response that closes a consultation, a vote) ask for confirmation on the page."""

from django import forms
from django.urls import reverse_lazy
from django.views.generic import DetailView, TemplateView

from governance.board.selectors import policy_change_reading
from governance.choices import Role, VoteChoice
from governance.permissions import BOARD_READERS, RoleRequiredMixin
from governance.views import ServiceFormView, StepView

from .models import AdviceStance, TrustConsultation, TrusteeElection
from .selectors import (
    consultations_awaiting_advice,
    consultations_closed,
    consultations_detailed,
    consultations_open,
    elections_detailed,
    elections_recent,
    policy_changes_to_consult_on,
    trustee_candidates,
    trustee_terms_not_ended,
)
from .services import (
    consultation_close,
    consultation_open,
    election_close,
    election_open,
    election_vote,
    trust_advice_record,
    trustee_advice_give,
)
from .workflows import ConsultationState, consultation_state

TRUST_READERS = BOARD_READERS


class TrustHomeView(RoleRequiredMixin, TemplateView):
    template_name = "trust/home.html"
    read_roles = TRUST_READERS

    def get_context_data(self, **kwargs):
        open_ones = consultations_open()
        return super().get_context_data(
            awaiting=consultations_awaiting_advice(self.request.user, among=open_ones),
            open_consultations=open_ones,
            closed_consultations=consultations_closed()[:20],
            terms=trustee_terms_not_ended(),
            elections=elections_recent(20),
            **kwargs,
        )


class ConsultationForm(forms.Form):
    policy_change = forms.ModelChoiceField(queryset=policy_changes_to_consult_on())
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    documents = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Documents put to the Trust, one title or link per line.",
    )
    respond_by = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ConsultationCreateView(ServiceFormView):
    template_name = "trust/consultation_form.html"
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
        return consultations_detailed().select_related(
            "policy_change__version__framework", "advised_by", "closed_by"
        )

    def get_context_data(self, **kwargs):
        consultation = self.object
        state = ConsultationState(consultation_state(consultation))
        return super().get_context_data(
            state=state.label,
            reading=policy_change_reading(consultation.policy_change),
            stances=AdviceStance.choices,
            my_advice=next(
                (
                    entry
                    for entry in consultation.advice.all()
                    if entry.trustee_id == self.request.user.pk
                ),
                None,
            ),
            **kwargs,
        )


class ConsultationStepView(StepView):
    write_roles = [Role.TRUSTEE, Role.RSO, Role.CEO]
    model = TrustConsultation

    def steps(self, request, consultation):
        text = request.POST.get("text", "")
        stance = request.POST.get("stance", "")
        return {
            "advice": lambda: trustee_advice_give(
                actor=request.user, consultation=consultation, advice=text, stance=stance
            ),
            "trust-advice": lambda: trust_advice_record(
                actor=request.user,
                consultation=consultation,
                collective_advice=text,
                collective_stance=stance,
            ),
            "close": lambda: consultation_close(
                actor=request.user, consultation=consultation, lab_response=text
            ),
        }


class ElectionForm(forms.Form):
    candidate = forms.ModelChoiceField(
        queryset=trustee_candidates(),
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
    queryset = elections_detailed()

    def get_context_data(self, **kwargs):
        election = self.object
        return super().get_context_data(
            vote_options=[
                (value, label, _election_vote_confirmation(election, value))
                for value, label in VoteChoice.choices
            ],
            my_vote=next(
                (vote for vote in election.votes.all() if vote.trustee_id == self.request.user.pk),
                None,
            ),
            **kwargs,
        )


def _election_vote_confirmation(election: TrusteeElection, choice: str) -> str:
    """What casting `choice` does, for the confirmation asked before it is cast."""
    if choice == VoteChoice.ABSTAIN:
        cast = f"You abstain in the election of {election.candidate}"
    else:
        cast = f"You vote {VoteChoice(choice).label.lower()} on electing {election.candidate}"
    return f"{cast}. Your vote is recorded under your name and cannot be changed."


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
