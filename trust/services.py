"""Trust consultations: the RSO or the CEO puts a proposed policy change to the Trust; each
trustee may give advice; a trustee records the Trust's collective advice; the lab records its
response, which closes the consultation and lets the board vote. The advice is not a veto, but
the consultation cannot be skipped: the board vote waits for it to close.

If the Trust has given no collective advice by its deadline, the lab may close the consultation
with its response alone; the record then shows that no advice came."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.audit import Actor, audit_record
from governance.choices import PolicyChangeState, Role
from governance.errors import DomainError, TransitionNotAllowed
from governance.models import PolicyChange
from governance.permissions import require_person
from governance.services.board import conflicted
from governance.services.policy_changes import (
    policy_change_consultation_closed,
    policy_change_consultation_opened,
)

from .models import TrustConsultation, TrusteeAdvice

LAB = (Role.RSO, Role.CEO)


def _locked_open(consultation: TrustConsultation) -> TrustConsultation:
    consultation = TrustConsultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.is_closed:
        raise TransitionNotAllowed("The consultation is closed.")
    change = consultation.policy_change
    if change.state != PolicyChangeState.CONSULTATION:
        raise TransitionNotAllowed(
            f"The policy change is {change.get_state_display().lower()}; the consultation is over."
        )
    return consultation


def _not_recused(actor, consultation: TrustConsultation) -> None:
    names = consultation.policy_change.organisations
    if conflicted([actor], names):
        raise PermissionDenied(
            "You have declared a conflict of interest with an organisation this change names "
            f"({', '.join(names)}), so you are recused from advising on it."
        )


@transaction.atomic
def consultation_open(
    *,
    actor: Actor,
    policy_change: PolicyChange,
    question: str,
    respond_by: dt.date,
    documents: Iterable[str] = (),
) -> TrustConsultation:
    require_person(actor, LAB, "consult the Trust")
    errors = {}
    if not question.strip():
        errors["question"] = "Say what the Trust is asked."
    if respond_by <= timezone.localdate():
        errors["respond_by"] = "Give the Trust until a later day to respond."
    documents = [str(d).strip() for d in documents if str(d).strip()]
    if errors:
        raise ValidationError(errors)
    policy_change_consultation_opened(actor=actor, change=policy_change)
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


@transaction.atomic
def trustee_advice_give(
    *, actor: Actor, consultation: TrustConsultation, advice: str
) -> TrusteeAdvice:
    require_person(actor, (Role.TRUSTEE,), "advise on a consultation")
    if not advice.strip():
        raise ValidationError({"advice": "Write your advice."})
    consultation = _locked_open(consultation)
    _not_recused(actor, consultation)
    if consultation.advice.filter(trustee=actor).exists():
        raise DomainError("You have already given your advice on this consultation.")
    entry = TrusteeAdvice.objects.create(
        consultation=consultation, trustee=actor, advice=advice.strip(), at=timezone.now()
    )
    audit_record(actor=actor, action="consultation.advice_given", target=consultation)
    return entry


@transaction.atomic
def trust_advice_record(
    *, actor: Actor, consultation: TrustConsultation, collective_advice: str
) -> TrustConsultation:
    """A trustee records the Trust's collective advice (once)."""
    require_person(actor, (Role.TRUSTEE,), "record the Trust's advice")
    if not collective_advice.strip():
        raise ValidationError({"collective_advice": "Write the Trust's advice."})
    consultation = _locked_open(consultation)
    _not_recused(actor, consultation)
    if consultation.advised_at:
        raise DomainError("The Trust's collective advice is already on record.")
    consultation.collective_advice = collective_advice.strip()
    consultation.advised_by = actor
    consultation.advised_at = timezone.now()
    consultation.save(update_fields=["collective_advice", "advised_by", "advised_at"])
    audit_record(actor=actor, action="consultation.trust_advised", target=consultation)
    return consultation


@transaction.atomic
def consultation_close(
    *, actor: Actor, consultation: TrustConsultation, lab_response: str
) -> TrustConsultation:
    """The lab records its response to the Trust's advice; the board may then vote."""
    require_person(actor, LAB, "close a Trust consultation")
    if not lab_response.strip():
        raise ValidationError({"lab_response": "Record the lab's response to the Trust."})
    consultation = _locked_open(consultation)
    if not consultation.advised_at and timezone.localdate() <= consultation.respond_by:
        raise TransitionNotAllowed(
            "The Trust has not given its advice and has until "
            f"{consultation.respond_by:%Y-%m-%d} to do so."
        )
    consultation.lab_response = lab_response.strip()
    consultation.closed_by = actor
    consultation.closed_at = timezone.now()
    consultation.save(update_fields=["lab_response", "closed_by", "closed_at"])
    audit_record(
        actor=actor,
        action="consultation.closed",
        target=consultation,
        after={"trust_advised": consultation.advised_at is not None},
    )
    policy_change_consultation_closed(actor=actor, change=consultation.policy_change)
    return consultation
