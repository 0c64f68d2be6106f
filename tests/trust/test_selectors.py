"""The Trust's named reads (trust/selectors.py) that filter by person or by date."""

import datetime as dt

import pytest
from django.utils import timezone

from governance.board.services.board import conflict_declare
from governance.board.services.policy_changes import policy_change_create, policy_change_sign
from governance.choices import Role
from tests.conftest import FIXED_NOW  # noqa: E402
from trust.models import TrusteeTerm
from trust.selectors import (
    consultations_awaiting_advice,
    consultations_open,
    trustee_terms_not_ended,
)
from trust.services import (
    consultation_close,
    consultation_open,
    trust_advice_record,
    trustee_advice_give,
)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TODAY = timezone.localdate(FIXED_NOW)


def _consultation(people, version, title, respond_in_days):
    change = policy_change_create(
        actor=people["rso"],
        version=version,
        title=title,
        rationale="It covers more risks.",
        changelog_entry="Replaced the policy.",
        effective_from=timezone.now() + dt.timedelta(days=10),
        organisations=["Acme"],
    )
    policy_change_sign(actor=people["rso"], change=change)
    policy_change_sign(actor=people["ceo"], change=change)
    return consultation_open(
        actor=people["ceo"],
        policy_change=change,
        question="Should we?",
        respond_by=TODAY + dt.timedelta(days=respond_in_days),
    )


def test_what_awaits_a_persons_advice(people, new_version, make_user):
    later = _consultation(people, new_version, "Later", respond_in_days=9)
    sooner = _consultation(people, new_version, "Sooner", respond_in_days=3)
    closed = _consultation(people, new_version, "Closed", respond_in_days=5)
    trust_advice_record(actor=people["trustees"][0], consultation=closed, collective_advice="Go.")
    consultation_close(actor=people["rso"], consultation=closed, lab_response="Noted.")
    recused = make_user(Role.TRUSTEE, username="recused")
    conflict_declare(
        actor=recused,
        organisation="Acme",
        relationship="Shareholder",
        kind="financial",
        starts_on=TODAY - dt.timedelta(days=10),
    )

    assert consultations_open() == [sooner, later]  # the nearest deadline first
    trustee_advice_give(actor=people["trustees"][1], consultation=sooner, advice="Yes")
    assert consultations_awaiting_advice(people["trustees"][0]) == [sooner, later]
    assert consultations_awaiting_advice(people["trustees"][1]) == [later]  # advised once
    assert consultations_awaiting_advice(recused) == []
    assert consultations_awaiting_advice(people["rso"]) == []
    assert consultations_awaiting_advice(people["trustees"][0], among=[later]) == [later]


def test_the_terms_not_ended_are_current_and_future_ones_latest_first(make_user):
    ended, current, future = (make_user(Role.TRUSTEE) for _ in range(3))

    def term(user, starts_on):
        return TrusteeTerm.objects.create(
            user=user, starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=364)
        )

    term(ended, TODAY - dt.timedelta(days=400))
    now_sitting = term(current, TODAY - dt.timedelta(days=364))  # its last day is today
    next_year = term(future, TODAY + dt.timedelta(days=30))

    assert list(trustee_terms_not_ended()) == [next_year, now_sitting]
    assert list(trustee_terms_not_ended(TODAY + dt.timedelta(days=1))) == [next_year]
