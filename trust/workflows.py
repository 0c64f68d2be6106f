"""The Trust's workflow declarations (consultations, elections); see governance/workflow.py.

A consultation: open (awaiting the Trust's collective advice by `respond_by`; each trustee may
also advise) -> advised (awaiting the lab's response) -> closed by the RSO or the CEO, which
lets the board vote on the policy change. Without the Trust's advice the lab may close it only
after the deadline. Should the policy change leave consultation first (withdrawn), the
consultation is over.

An election: open (the trustees sitting when it opened vote) -> closed by any sitting trustee,
which counts the votes.

Neither model stores its state: it is read from the record (`closed_at`, `advised_at`, the
policy change's state), so these declarations say how (`derive` and `refusal`).
"""

from __future__ import annotations

import datetime as dt

import rules
from django.db import models
from django.utils import timezone

from governance.board.services.board import conflicted
from governance.choices import PolicyChangeState, Role
from governance.errors import DomainError
from governance.rules import is_officer
from governance.selectors import users_with_roles
from governance.workflow import Check, Guard, Transition, Wait, Workflow, declare, person_with

from .models import TrustConsultation, TrusteeElection
from .rules import (
    has_advised,
    has_current_term,
    has_voted,
    is_elector,
    is_recused,
    is_sitting_trustee,
)
from .selectors import trustees_sitting


def _trustee(what: str) -> tuple[Check, ...]:
    return person_with(what, Role.TRUSTEE)


def _lab(what: str) -> tuple[Check, ...]:
    return person_with(what, Role.RSO, Role.CEO)


def _sitting(what: str) -> tuple[Check, ...]:
    """A trustee whose term covers today (an election's electorate, its nominators)."""
    return (
        *_trustee(what),
        Check(has_current_term, f"Only a trustee whose term is current may {what}."),
    )


def _end_of(day: dt.date) -> dt.datetime:
    """The last moment of `day` where the lab is: a deadline "by" that day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


# --- Consultations ---------------------------------------------------------------------------


class ConsultationState(models.TextChoices):
    OPEN = "open", "Open: awaiting the Trust's advice"
    ADVISED = "advised", "Advised: awaiting the lab's response"
    CLOSED = "closed", "Closed"
    OVER = "over", "Over: the policy change left consultation"


def consultation_state(consultation: TrustConsultation) -> str:
    if consultation.is_closed:
        return ConsultationState.CLOSED
    if consultation.policy_change.state != PolicyChangeState.CONSULTATION:
        return ConsultationState.OVER
    if consultation.advised_at:
        return ConsultationState.ADVISED
    return ConsultationState.OPEN


def _consultation_refusal(consultation: TrustConsultation, transition: Transition) -> str:
    state = consultation_state(consultation)
    if state == ConsultationState.CLOSED:
        return "The consultation is closed."
    if state == ConsultationState.OVER:
        change = consultation.policy_change
        return (
            f"The policy change is {change.get_state_display().lower()}; the consultation is over."
        )
    return "The Trust's collective advice is already on record."  # advised: recorded once


def _recusal(consultation: TrustConsultation) -> str:
    names = ", ".join(consultation.policy_change.organisations)
    return (
        "You have declared a conflict of interest with an organisation this change names "
        f"({names}), so you are recused from advising on it."
    )


NOT_RECUSED = Check(~is_recused, _recusal)


def _past_deadline(consultation: TrustConsultation) -> bool:
    return timezone.localdate() > consultation.respond_by


def _trust_advisers(consultation: TrustConsultation) -> list:
    """The sitting trustees who are not recused: whom the Trust's advice is awaited from."""
    sitting = trustees_sitting()
    recused = conflicted(sitting, consultation.policy_change.organisations)
    return sorted((p for p in sitting if p.pk not in recused), key=lambda p: p.get_username())


def _the_lab(consultation: TrustConsultation) -> list:
    return sorted(users_with_roles(Role.RSO, Role.CEO), key=lambda p: p.get_username())


CONSULTATION = declare(
    Workflow(
        name="consultation",
        noun="consultation",
        open_rows=lambda rows: rows.filter(closed_at__isnull=True),
        states=ConsultationState,
        derive=consultation_state,
        refusal=_consultation_refusal,
        transitions=(
            Transition(
                name="advise",
                label="Give my advice",
                doing="advised on",
                sources=(ConsultationState.OPEN, ConsultationState.ADVISED),
                target=None,
                who=(
                    *_trustee("advise on a consultation"),
                    NOT_RECUSED,
                    Check(
                        ~has_advised,
                        "You have already given your advice on this consultation.",
                        DomainError,
                    ),
                ),
                audit="consultation.advice_given",
            ),
            Transition(
                name="record_trust_advice",
                label="Record the Trust's advice",
                doing="advised again",
                sources=(ConsultationState.OPEN,),
                target=ConsultationState.ADVISED,
                who=(*_trustee("record the Trust's advice"), NOT_RECUSED),
                audit="consultation.trust_advised",
            ),
            Transition(
                name="close",
                label="Record the response and close",
                doing="closed",
                sources=(ConsultationState.OPEN, ConsultationState.ADVISED),
                target=ConsultationState.CLOSED,
                who=_lab("close a Trust consultation"),
                guards=(
                    Guard(
                        lambda c: c.advised_at is not None or _past_deadline(c),
                        lambda c: (
                            "The Trust has not given its advice and has until "
                            f"{c.respond_by:%Y-%m-%d} to do so."
                        ),
                    ),
                ),
                audit="consultation.closed",
            ),
        ),
        waits=(
            Wait(
                ConsultationState.OPEN,
                lambda c: (
                    f"the lab's response (the Trust's advice was due {c.respond_by:%Y-%m-%d} "
                    "and has not come)"
                ),
                who=_the_lab,
                when=_past_deadline,
            ),
            Wait(
                ConsultationState.OPEN,
                "the Trust's collective advice",
                who=_trust_advisers,
                due=lambda c: _end_of(c.respond_by),
            ),
            Wait(
                ConsultationState.ADVISED, "the lab's response to the Trust's advice", who=_the_lab
            ),
        ),
    ),
    TrustConsultation,
)


# --- Trustee elections -----------------------------------------------------------------------


class ElectionState(models.TextChoices):
    OPEN = "open", "Open for votes"
    CLOSED = "closed", "Closed"


def election_state(election: TrusteeElection) -> str:
    return ElectionState.OPEN if election.is_open else ElectionState.CLOSED


def _electors_to_vote(election: TrusteeElection) -> list:
    """Electors whose term is still current and who have not voted."""
    sitting = {person.pk for person in trustees_sitting()}
    voted = set(election.votes.values_list("trustee_id", flat=True))
    return [
        person
        for person in election.electors.order_by("username")
        if person.pk in sitting and person.pk not in voted
    ]


def _sitting_trustees(election: TrusteeElection) -> list:
    return sorted(trustees_sitting(), key=lambda p: p.get_username())


ELECTION = declare(
    Workflow(
        name="election",
        noun="trustee election",
        open_rows=lambda rows: rows.filter(closed_at__isnull=True),
        states=ElectionState,
        derive=election_state,
        refusal=lambda election, transition: "The election is closed.",
        transitions=(
            Transition(
                name="vote",
                label="Vote",
                doing="voted in",
                sources=(ElectionState.OPEN,),
                target=None,
                who=(
                    *_sitting("vote in a trustee election"),
                    Check(
                        is_elector, "Only the trustees sitting when the election opened vote in it."
                    ),
                    Check(~has_voted, "You have already voted in this election.", DomainError),
                ),
                audit="trustee_election.vote_cast",
            ),
            Transition(
                name="close",
                label="Close the election",
                doing="closed",
                sources=(ElectionState.OPEN,),
                target=ElectionState.CLOSED,
                who=_sitting("close a trustee election"),
                audit="trustee_election.closed",
            ),
        ),
        waits=(
            Wait(
                ElectionState.OPEN,
                lambda e: f"votes from {len(_electors_to_vote(e))} more of its electors",
                who=_electors_to_vote,
                when=lambda e: bool(_electors_to_vote(e)),
            ),
            Wait(
                ElectionState.OPEN,
                "a sitting trustee to close the election and count the votes",
                who=_sitting_trustees,
            ),
        ),
    ),
    TrusteeElection,
)


# --- Steps that create a record (rules, not transitions) -----------------------------------

CONSULT = _lab("consult the Trust")
NOMINATE = _sitting("nominate a trustee")

# Who may put a policy change to the Trust, and who may nominate a trustee; read by the pages.
rules.set_rule("consultation.create", is_officer)
rules.set_rule("election.create", is_sitting_trustee)
