"""Trust consultations: the RSO or the CEO puts a proposed policy change to the Trust; each
trustee may give advice; a trustee records the Trust's collective advice; the lab records its
response, which closes the consultation and lets the board vote. The advice is not a veto, but
the consultation cannot be skipped: the board vote waits for it to close.

If the Trust has given no collective advice by its deadline, the lab may close the consultation
with its response alone; the record then shows that no advice came."""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance.audit import Actor, AuditActor, audit_record
from governance.board.models import PolicyChange
from governance.board.services.board import Tally, motion_result
from governance.board.services.policy_changes import (
    policy_change_consultation_closed,
    policy_change_consultation_opened,
)
from governance.choices import MotionResult, Role, VoteChoice
from governance.dates import add_months
from governance.errors import DomainError
from governance.permissions import has_role
from governance.services.notifications import notify
from governance.workflow import enforce

from .models import (
    AdviceStance,
    ElectionVote,
    TrustConsultation,
    TrusteeAdvice,
    TrusteeElection,
    TrusteeTerm,
)
from .selectors import trustees_sitting  # a read, kept importable from here (the tests use it)
from .workflows import CONSULT, CONSULTATION, ELECTION, NOMINATE


def _locked(consultation: TrustConsultation) -> TrustConsultation:
    return TrustConsultation.objects.select_for_update().get(pk=consultation.pk)


@transaction.atomic
def consultation_open(
    *,
    actor: Actor,
    policy_change: PolicyChange,
    question: str,
    respond_by: dt.date,
    documents: Iterable[str] = (),
) -> TrustConsultation:
    enforce(CONSULT, actor)
    errors = {}
    if not question.strip():
        errors["question"] = "Say what the Trust is asked."
    if respond_by <= timezone.localdate():
        errors["respond_by"] = "Give the Trust until a later day to respond."
    documents = [str(d).strip() for d in documents if str(d).strip()]
    if errors:
        raise ValidationError(errors)
    policy_change_consultation_opened(actor=actor, change=policy_change)
    policy_change.refresh_from_db()  # in consultation now: the consultation's state reads it
    consultation = TrustConsultation.objects.create(
        policy_change=policy_change,
        question=question.strip(),
        documents=documents,
        respond_by=respond_by,
        opened_by=actor,
        opened_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="consultation.opened",
        target=consultation,
        after={
            "policy_change": policy_change.pk,
            "respond_by": respond_by.isoformat(),
            "documents": documents,
        },
    )
    return consultation


def _stance(value, field: str) -> str:
    value = str(value or "").strip()
    if value and value not in AdviceStance.values:
        choices = ", ".join(AdviceStance.values)
        raise ValidationError({field: f"{value[:40]!r} is not a stance: one of {choices}."})
    return value


@transaction.atomic
def trustee_advice_give(
    *, actor: Actor, consultation: TrustConsultation, advice: str, stance: str = ""
) -> TrusteeAdvice:
    consultation = _locked(consultation)
    step = CONSULTATION.require(actor, consultation, "advise")
    if not advice.strip():
        raise ValidationError({"advice": "Write your advice."})
    entry = TrusteeAdvice.objects.create(
        consultation=consultation,
        trustee=actor,
        advice=advice.strip(),
        stance=_stance(stance, "stance"),
        at=timezone.now(),
    )
    audit_record(actor=actor, action=step.audit, target=consultation)
    return entry


@transaction.atomic
def trust_advice_record(
    *,
    actor: Actor,
    consultation: TrustConsultation,
    collective_advice: str,
    collective_stance: str = "",
) -> TrustConsultation:
    """A trustee records the Trust's collective advice (once), with where it stands."""
    consultation = _locked(consultation)
    step = CONSULTATION.require(actor, consultation, "record_trust_advice")
    if not collective_advice.strip():
        raise ValidationError({"collective_advice": "Write the Trust's advice."})
    consultation.collective_advice = collective_advice.strip()
    consultation.collective_stance = _stance(collective_stance, "collective_stance")
    consultation.advised_by = actor
    consultation.advised_at = timezone.now()
    consultation.save(
        update_fields=["collective_advice", "collective_stance", "advised_by", "advised_at"]
    )
    audit_record(actor=actor, action=step.audit, target=consultation)
    return consultation


@transaction.atomic
def consultation_close(
    *, actor: Actor, consultation: TrustConsultation, lab_response: str
) -> TrustConsultation:
    """The lab records its response to the Trust's advice; the board may then vote."""
    consultation = _locked(consultation)
    step = CONSULTATION.require(actor, consultation, "close")
    if not lab_response.strip():
        raise ValidationError({"lab_response": "Record the lab's response to the Trust."})
    consultation.lab_response = lab_response.strip()
    consultation.closed_by = actor
    consultation.closed_at = timezone.now()
    consultation.save(update_fields=["lab_response", "closed_by", "closed_at"])
    audit_record(
        actor=actor,
        action=step.audit,
        target=consultation,
        after={"trust_advised": consultation.advised_at is not None},
    )
    policy_change_consultation_closed(actor=actor, change=consultation.policy_change)
    return consultation


# --- Trustees: terms, elections, reminders ----------------------------------------------------


def one_year_on(day: dt.date) -> dt.date:
    """The last day of a one-year term starting on `day` (29 February starts end on the 27th)."""
    return add_months(day, 12) - dt.timedelta(days=1)


def _term_overlaps(user, starts_on: dt.date) -> bool:
    """Whether `user` already has a term sharing a day with one starting on `starts_on`."""
    return TrusteeTerm.objects.filter(
        user=user, starts_on__lte=one_year_on(starts_on), ends_on__gte=starts_on
    ).exists()


def trustee_term_validate(*, user, starts_on: dt.date) -> None:
    """The rules of a founding term, for the service and the admin form alike."""
    if user is not None and not has_role(user, Role.TRUSTEE):
        raise ValidationError({"user": f"{user} does not hold the trustee role."})
    if starts_on is not None and starts_on.year >= dt.MAXYEAR:
        raise ValidationError({"starts_on": "Give a term start with a real year."})
    if user is None or starts_on is None:
        return
    if _term_overlaps(user, starts_on):
        raise ValidationError(
            {"starts_on": f"{user} already has a term covering part of that year."}
        )


@transaction.atomic
def trustee_term_record(*, actor: Actor, user, starts_on: dt.date) -> TrusteeTerm:
    """A founding term, recorded by an administrator (or the system, for seed data)."""
    if not isinstance(actor, AuditActor) and not (
        getattr(actor, "is_authenticated", False) and actor.is_staff
    ):
        raise PermissionDenied("Only an administrator records a founding trustee term.")
    trustee_term_validate(user=user, starts_on=starts_on)
    term = TrusteeTerm.objects.create(
        user=user, starts_on=starts_on, ends_on=one_year_on(starts_on)
    )
    audit_record(
        actor=actor,
        action="trustee.term_recorded",
        target=term,
        after={"user": user.get_username(), "starts_on": starts_on.isoformat()},
    )
    return term


@transaction.atomic
def election_open(*, actor: Actor, candidate, term_starts_on: dt.date) -> TrusteeElection:
    """A sitting trustee nominates a candidate (a newcomer, or a trustee for re-election)."""
    enforce(NOMINATE, actor)
    if not has_role(candidate, Role.TRUSTEE):
        raise ValidationError(
            {"candidate": f"{candidate} needs the trustee role before standing for election."}
        )
    today = timezone.localdate()
    if term_starts_on < today:
        raise ValidationError({"term_starts_on": "A term starts today or later."})
    # Re-election to the term after the current one is the furthest ahead that is sensible.
    if term_starts_on > one_year_on(one_year_on(today)):
        raise ValidationError(
            {"term_starts_on": "An election is held for a term starting within two years."}
        )
    if _term_overlaps(candidate, term_starts_on):
        raise ValidationError(
            {"term_starts_on": f"{candidate} already has a term covering part of that year."}
        )
    if TrusteeElection.objects.filter(candidate=candidate, closed_at__isnull=True).exists():
        raise DomainError(f"An election of {candidate} is already open.")
    electors = [p for p in trustees_sitting() if p.pk != candidate.pk]
    if not electors:
        raise DomainError("No other trustee is sitting to vote.")
    election = TrusteeElection.objects.create(
        candidate=candidate,
        term_starts_on=term_starts_on,
        nominated_by=actor,
        opened_at=timezone.now(),
    )
    election.electors.set(electors)
    audit_record(
        actor=actor,
        action="trustee_election.opened",
        target=election,
        after={
            "candidate": candidate.get_username(),
            "term_starts_on": term_starts_on.isoformat(),
            "electors": [person.get_username() for person in electors],
        },
    )
    return election


def _locked_election(election: TrusteeElection) -> TrusteeElection:
    return TrusteeElection.objects.select_for_update().get(pk=election.pk)


@transaction.atomic
def election_vote(*, actor: Actor, election: TrusteeElection, choice: str) -> ElectionVote:
    """An elector votes once, and only while their own term is current."""
    election = _locked_election(election)
    step = ELECTION.require(actor, election, "vote")
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": f"Choose one of: {', '.join(VoteChoice.values)}."})
    vote = ElectionVote.objects.create(
        election=election, trustee=actor, choice=choice, at=timezone.now()
    )
    audit_record(actor=actor, action=step.audit, target=election, after={"choice": choice})
    return vote


@transaction.atomic
def election_close(*, actor: Actor, election: TrusteeElection) -> TrusteeElection:
    """Count the votes (the board's quorum and majority rules); elected means a one-year term.
    Electors whose own term has ended and who did not vote are not counted."""
    election = _locked_election(election)
    step = ELECTION.require(actor, election, "close")
    sitting = {person.pk for person in trustees_sitting()}
    voted = set(election.votes.values_list("trustee_id", flat=True))
    eligible = [p for p in election.electors.all() if p.pk in sitting or p.pk in voted]
    tally = Tally.of(list(election.votes.values_list("choice", flat=True)), eligible=len(eligible))
    election.result = motion_result(
        tally,
        quorum_fraction=settings.BOARD_QUORUM_FRACTION,
        pass_fraction=settings.BOARD_PASS_FRACTION,
    )
    election.tally = tally.as_dict()
    election.closed_at = timezone.now()
    election.save(update_fields=["result", "tally", "closed_at"])
    audit_record(
        actor=actor,
        action=step.audit,
        target=election,
        after={"result": election.result, **election.tally},
    )
    if election.result == MotionResult.PASSED:
        term = TrusteeTerm.objects.create(
            user=election.candidate,
            starts_on=election.term_starts_on,
            ends_on=one_year_on(election.term_starts_on),
            election=election,
        )
        audit_record(
            actor=actor,
            action="trustee.elected",
            target=term,
            after={
                "user": election.candidate.get_username(),
                "starts_on": term.starts_on.isoformat(),
                "ends_on": term.ends_on.isoformat(),
            },
        )
    return election


# Nearest first: a term found inside 30 days gets one reminder, not the 60-day one as well.
REMINDERS = ((30, "reminded_30_at"), (60, "reminded_60_at"))


def trustee_terms_remind(today: dt.date | None = None) -> int:
    """Tell a trustee and their colleagues 60 and 30 days before a term ends with no
    successor term; each reminder is sent once."""
    today = today or timezone.localdate()
    colleagues = trustees_sitting(today)
    sent = 0
    for days, field in REMINDERS:
        due = TrusteeTerm.objects.filter(
            ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=days), **{field: None}
        )
        for term in due:
            with transaction.atomic():
                term = (
                    TrusteeTerm.objects.select_for_update().select_related("user").get(pk=term.pk)
                )
                if getattr(term, field) is not None:
                    continue
                if TrusteeTerm.objects.filter(user=term.user, starts_on__gt=term.ends_on).exists():
                    continue  # already re-elected
                now = timezone.now()
                term.reminded_30_at = term.reminded_30_at or (now if days == 30 else None)
                term.reminded_60_at = term.reminded_60_at or now
                term.save(update_fields=["reminded_30_at", "reminded_60_at"])
                notify(
                    event_type="trustee.term_ending",
                    users=[term.user, *colleagues],
                    title=f"{term.user}'s trustee term ends on {term.ends_on:%Y-%m-%d}",
                    body="Re-elect them or elect a successor before the term ends.",
                    link=reverse("trust:home"),
                    payload={"term": term.pk, "ends_on": term.ends_on.isoformat()},
                )
                sent += 1
    return sent
