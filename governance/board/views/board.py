"""Pages of the board and of policy changes: motions awaiting my vote, the conflicts register,
and each policy change with its diff, signatures, consultation and votes. Each step's button is
shown only to those who may take it, as the declarations in `workflows.board` say
(`{% workflow_actions %}`, `{% test_rule %}` in the templates); the services check again.

A decision is made with its context beside it: a policy change's motion shows what the change
does (in words, the full diff a click away), the Trust's advice, each trustee's and the lab's
response; signatures and steps that cannot be undone ask for confirmation, saying what the
person attests or does."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from governance.board.models import ConflictDeclaration, Motion, PolicyChange
from governance.board.selectors import (
    conflict_declarations_list,
    conflict_is_current,
    conflict_review_due_on,
    directors_list,
    meetings_past,
    meetings_upcoming,
    motion_count,
    motion_decision_detail,
    motions_awaiting_vote,
    motions_closed,
    motions_open,
    policy_change_detail,
    policy_change_reading,
    policy_changes_list,
    proposal_signing,
    trust_seat_share,
)
from governance.board.services.board import conflict_declare, motion_close, motion_open, vote_cast
from governance.board.services.conflicts import conflict_end, conflict_review
from governance.board.services.policy_changes import (
    policy_change_create,
    policy_change_publish,
    policy_change_sign,
    policy_change_vote_open,
    policy_change_withdraw,
)
from governance.board.workflows.board import DECLARER_ROLES, PROPOSAL
from governance.choices import (
    ConflictKind,
    MotionState,
    PolicyChangeState,
    Role,
    VoteChoice,
)
from governance.models import FrameworkVersion
from governance.permissions import BOARD_READERS, RoleRequiredMixin
from governance.selectors import audit_events_for_target
from governance.signatures import TITLE_OF_SLOT
from governance.views import ServiceFormView, StepView, run_step

# Who reads the board's records and the conflicts register.


def _organisations_field(**kwargs):
    return forms.CharField(
        required=False,
        help_text="Organisations it concerns, one per line; those with a declared conflict "
        "are recused.",
        widget=forms.Textarea(attrs={"rows": 2}),
        **kwargs,
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class BoardView(RoleRequiredMixin, TemplateView):
    template_name = "board/board.html"
    read_roles = BOARD_READERS

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            upcoming_meetings=meetings_upcoming()[:10],
            past_meetings=meetings_past()[:10],
            now=timezone.now(),
            awaiting=motions_awaiting_vote(self.request.user),
            open_motions=motions_open(),
            closed_motions=motions_closed()[:20],
            seats=directors_list(newest_first=True),
            share=trust_seat_share(),
            **kwargs,
        )


class MotionForm(forms.Form):
    title = forms.CharField(max_length=300)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    organisations = _organisations_field()
    quorum_fraction = forms.FloatField(
        initial=lambda: settings.BOARD_QUORUM_FRACTION,
        help_text="Quorum: more than this share of eligible directors take part.",
    )
    pass_fraction = forms.FloatField(
        initial=lambda: settings.BOARD_PASS_FRACTION,
        help_text="Passing: yes votes are more than this share of yes and no votes.",
    )
    meeting = forms.ModelChoiceField(
        queryset=meetings_upcoming(),
        required=False,
        help_text="The scheduled board meeting it is put at, if any.",
    )


class MotionCreateView(ServiceFormView):
    write_roles = [Role.BOARD_DIRECTOR]
    form_class = MotionForm
    title = "New motion"
    cancel_url = reverse_lazy("board")
    success_message = "Motion opened for votes."

    def get_initial(self):
        return {"meeting": self.request.GET.get("meeting")}

    def perform(self, form):
        data = dict(form.cleaned_data, organisations=_lines(form.cleaned_data["organisations"]))
        return motion_open(actor=self.request.user, **data)


class MotionDetailView(RoleRequiredMixin, DetailView):
    template_name = "board/motion_detail.html"
    context_object_name = "motion"
    read_roles = BOARD_READERS

    def get_queryset(self):
        return motion_decision_detail()

    def get_context_data(self, **kwargs):
        motion = self.object
        change = motion.policy_change
        return super().get_context_data(
            tally=motion_count(motion) if motion.state == MotionState.OPEN else None,
            vote_options=[
                (value, label, _vote_confirmation(motion, value))
                for value, label in VoteChoice.choices
            ],
            my_vote=next(
                (vote for vote in motion.votes.all() if vote.director_id == self.request.user.pk),
                None,
            ),
            change=change,
            consultation=getattr(change, "consultation", None) if change else None,
            reading=policy_change_reading(change) if change else None,
            **kwargs,
        )


def _vote_confirmation(motion: Motion, choice: str) -> str:
    """What casting `choice` does, for the confirmation asked before it is cast."""
    if choice == VoteChoice.ABSTAIN:
        cast = f"You abstain on “{motion.title}”: you take part (for the quorum) without voting"
    else:
        cast = f"You vote {VoteChoice(choice).label.lower()} on “{motion.title}”"
    return f"{cast}. Your vote is recorded under your name and cannot be changed."


class MotionStepView(StepView):
    write_roles = [Role.BOARD_DIRECTOR]
    model = Motion

    def steps(self, request, motion):
        return {
            "vote": lambda: vote_cast(
                actor=request.user, motion=motion, choice=request.POST.get("choice", "")
            ),
            "close": lambda: motion_close(actor=request.user, motion=motion),
        }


class ConflictListView(RoleRequiredMixin, ListView):
    template_name = "board/conflict_list.html"
    context_object_name = "declarations"
    read_roles = BOARD_READERS
    paginate_by = 100

    def get_queryset(self):
        return conflict_declarations_list(by_name=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = []
        for declaration in context["declarations"]:
            current = conflict_is_current(declaration, today)
            due_on = conflict_review_due_on(declaration) if current else None
            rows.append(
                {
                    "declaration": declaration,
                    "current": current,
                    "review_due_on": due_on,
                    "review_due": due_on is not None and due_on <= today,
                }
            )
        context.update(rows=rows, today=today)
        return context


class ConflictForm(forms.Form):
    organisation = forms.CharField(max_length=200)
    relationship = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=ConflictKind.choices)
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ConflictCreateView(ServiceFormView):
    write_roles = [Role.BOARD_DIRECTOR, Role.TRUSTEE]
    form_class = ConflictForm
    title = "Declare a conflict of interest"
    cancel_url = reverse_lazy("conflict-list")
    success_message = "Declaration recorded."

    def perform(self, form):
        return conflict_declare(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, saved=None):
        return reverse_lazy("conflict-list")


class ConflictEndForm(forms.Form):
    ends_on = forms.DateField()


class ConflictStepView(StepView):
    """The declarer's own steps on the register: confirm still accurate, or end."""

    write_roles = DECLARER_ROLES
    model = ConflictDeclaration

    def steps(self, request, declaration):
        def end():
            form = ConflictEndForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.as_data())
            return conflict_end(
                actor=request.user, declaration=declaration, ends_on=form.cleaned_data["ends_on"]
            )

        return {
            "review": lambda: conflict_review(actor=request.user, declaration=declaration),
            "end": end,
        }


class PolicyChangeListView(RoleRequiredMixin, ListView):
    template_name = "board/policy_change_list.html"
    context_object_name = "changes"
    paginate_by = 50

    def get_queryset(self):
        state = self.request.GET.get("state")
        return policy_changes_list(state=state if state in PolicyChangeState.values else None)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            states=PolicyChangeState.choices,
            **kwargs,
        )


class PolicyChangeForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=FrameworkVersion.objects.select_related("framework"),
        help_text="The framework version (loaded from its data file) to put in force.",
    )
    title = forms.CharField(max_length=300)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    changelog_entry = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    effective_from = forms.DateTimeField(
        help_text="When it takes effect (UTC), e.g. 2027-01-01 00:00.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    organisations = _organisations_field()


class PolicyChangeCreateView(ServiceFormView):
    write_roles = [Role.RSO, Role.CEO]
    form_class = PolicyChangeForm
    title = "New policy change"
    cancel_url = reverse_lazy("policy-change-list")
    success_message = "Draft saved; the RSO and the CEO sign it to propose it."

    def perform(self, form):
        data = dict(form.cleaned_data, organisations=_lines(form.cleaned_data["organisations"]))
        return policy_change_create(actor=self.request.user, **data)


class PolicyChangeDetailView(RoleRequiredMixin, DetailView):
    template_name = "board/policy_change_detail.html"
    context_object_name = "change"

    def get_queryset(self):
        return policy_change_detail()

    def get_context_data(self, **kwargs):
        change = self.object
        return super().get_context_data(
            reading=policy_change_reading(change),
            timeline=audit_events_for_target(change),
            consultation=getattr(change, "consultation", None),
            signatures=PROPOSAL.state_text(change),
            signing=proposal_signing(change, self.request.user),
            **kwargs,
        )


class PolicyChangeStepView(StepView):
    write_roles = [Role.RSO, Role.CEO, Role.BOARD_DIRECTOR]
    model = PolicyChange

    def post(self, request, pk, step):
        # As StepView's, with a message that says what the step did and what comes next.
        change = get_object_or_404(PolicyChange, pk=pk)
        steps = self.steps(request, change)
        if step not in steps:
            raise PermissionDenied("Unknown step.")
        run_step(request, steps[step], _step_done(request.user, change, step))
        return redirect(change.get_absolute_url())

    def steps(self, request, change):
        return {
            "sign": lambda: policy_change_sign(actor=request.user, change=change),
            "open-vote": lambda: policy_change_vote_open(actor=request.user, change=change),
            "publish": lambda: policy_change_publish(actor=request.user, change=change),
            "withdraw": lambda: policy_change_withdraw(
                actor=request.user, change=change, reason=request.POST.get("reason", "")
            ),
        }


def _step_done(user, change: PolicyChange, step: str) -> str:
    """The message once `step` is taken (read before it is: the step may still be refused)."""
    if step == "sign":
        slot = PROPOSAL.slot_for(user, change)
        still = [other for other in PROPOSAL.missing_slots(change) if other != slot]
        signed = f"You signed the proposal as {TITLE_OF_SLOT[slot]}." if slot else "Signed."
        if still:
            return f"{signed} It now awaits {TITLE_OF_SLOT[still[0]]}'s signature."
        return f"{signed} With both signatures the change is proposed; next, consult the Trust."
    return {
        "open-vote": "The vote is open: the sitting directors may now vote on the change.",
        "publish": f"Published. It takes effect on {change.effective_from:%Y-%m-%d %H:%M} UTC.",
        "withdraw": "The change is withdrawn.",
    }.get(step, "Recorded.")
