"""Named reads of the Trust, shared by its pages, its API, its services and its workflow
declarations."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from governance.board.models import PolicyChange
from governance.choices import PolicyChangeState, Role
from governance.selectors import people_holding_role

from .models import ElectionVote, TrustConsultation, TrusteeAdvice, TrusteeElection, TrusteeTerm

# Trustees


def trustees_sitting(on: dt.date | None = None) -> list:
    """Trustees with a term covering `on` (today by default) who still hold the role."""
    on = on or timezone.localdate()
    terms = TrusteeTerm.objects.filter(starts_on__lte=on, ends_on__gte=on)
    return people_holding_role(Role.TRUSTEE, terms.values("user_id"))


def trustee_candidates() -> QuerySet:
    """Active people holding the trustee role, by username: whom a trustee may nominate."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.TRUSTEE, is_active=True)
        .order_by("username")
    )


def trustee_terms_list() -> QuerySet[TrusteeTerm]:
    """Trustee terms with their trustee, latest first."""
    return TrusteeTerm.objects.select_related("user").order_by("-starts_on", "-id")


def trustee_terms_not_ended(on: dt.date | None = None) -> QuerySet[TrusteeTerm]:
    """Current and future terms: those ending on or after `on` (today by default)."""
    return trustee_terms_list().filter(ends_on__gte=on or timezone.localdate())


# Consultations


def consultations_list() -> QuerySet[TrustConsultation]:
    """Consultations with their policy change and the people who opened, advised and closed
    them, newest first."""
    return TrustConsultation.objects.select_related(
        "policy_change", "opened_by", "advised_by", "closed_by"
    ).order_by("-opened_at", "-id")


def consultations_detailed() -> QuerySet[TrustConsultation]:
    """`consultations_list()` with each trustee's advice and its trustee."""
    return consultations_list().prefetch_related(
        Prefetch("advice", queryset=TrusteeAdvice.objects.select_related("trustee"))
    )


def consultations_open() -> list[TrustConsultation]:
    """Open consultations on changes still in consultation, the nearest deadline first."""
    return list(
        consultations_list()
        .filter(closed_at__isnull=True, policy_change__state=PolicyChangeState.CONSULTATION)
        .order_by("respond_by")
    )


def consultations_closed() -> QuerySet[TrustConsultation]:
    return consultations_list().filter(closed_at__isnull=False)


def consultations_awaiting_advice(
    user, *, among: Iterable[TrustConsultation] | None = None
) -> list[TrustConsultation]:
    """The open consultations `user` may advise on now (of `among`, when given: consultations
    already read by `consultations_open()`)."""
    from .workflows import CONSULTATION  # the declarations read trustees_sitting from here

    candidates = consultations_open() if among is None else among
    return [c for c in candidates if CONSULTATION.may(user, c, "advise")]


def policy_changes_to_consult_on() -> QuerySet[PolicyChange]:
    """Policy changes the lab may put to the Trust: proposed, not yet in consultation."""
    return PolicyChange.objects.filter(state=PolicyChangeState.PROPOSED)


# Elections


def elections_list() -> QuerySet[TrusteeElection]:
    """Elections with their candidate, nominator, electors and elected term, and `votes_cast`,
    newest first."""
    return (
        TrusteeElection.objects.select_related("candidate", "nominated_by", "term")
        .prefetch_related("electors")
        .annotate(votes_cast=Count("votes"))
        .order_by("-opened_at", "-id")
    )


def elections_detailed() -> QuerySet[TrusteeElection]:
    """`elections_list()` with each vote and its trustee."""
    return elections_list().prefetch_related(
        Prefetch("votes", queryset=ElectionVote.objects.select_related("trustee"))
    )


def elections_recent(limit: int = 20) -> QuerySet[TrusteeElection]:
    """The latest elections with their candidate only: a short list on the Trust's page."""
    return TrusteeElection.objects.select_related("candidate")[:limit]
