"""Trustees: one-year terms, elections by the sitting trustees, an expired term removes the
vote, and reminders 60 and 30 days before a term ends."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.audit import SYSTEM
from governance.choices import MotionResult, Role, VoteChoice
from governance.errors import DomainError, TransitionNotAllowed
from governance.models import AuditEvent, Notification
from tests.conftest import FIXED_NOW  # noqa: E402
from trust.models import TrusteeElection, TrusteeTerm
from trust.services import (
    election_close,
    election_open,
    election_vote,
    one_year_on,
    trustee_term_record,
    trustee_terms_remind,
    trustees_sitting,
)

# Dates here are relative to "today": the clock starts at one fixed moment (and ticks).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]
TODAY = timezone.localdate(FIXED_NOW)


@pytest.fixture
def trustees(make_user):
    """Three founding trustees whose terms started 100 days ago."""
    people = [make_user(Role.TRUSTEE, username=f"trustee{i}") for i in range(3)]
    for person in people:
        trustee_term_record(actor=SYSTEM, user=person, starts_on=TODAY - dt.timedelta(days=100))
    return people


def test_a_term_is_one_year():
    assert one_year_on(dt.date(2026, 3, 1)) == dt.date(2027, 2, 28)
    assert one_year_on(dt.date(2028, 2, 29)) == dt.date(2029, 2, 27)


def test_the_trustees_elect_a_new_trustee_for_one_year(trustees, make_user):
    newcomer = make_user(Role.TRUSTEE, username="newcomer")
    assert newcomer not in trustees_sitting()
    election = election_open(actor=trustees[0], candidate=newcomer, term_starts_on=TODAY)
    assert set(election.electors.all()) == set(trustees)
    with pytest.raises(PermissionDenied, match="term is current"):
        election_vote(actor=newcomer, election=election, choice=VoteChoice.YES)
    election_vote(actor=trustees[0], election=election, choice=VoteChoice.YES)
    election_vote(actor=trustees[1], election=election, choice=VoteChoice.YES)
    election = election_close(actor=trustees[2], election=election)
    assert election.result == MotionResult.PASSED
    term = TrusteeTerm.objects.get(user=newcomer)
    assert (term.starts_on, term.ends_on, term.election) == (TODAY, one_year_on(TODAY), election)
    assert newcomer in trustees_sitting()
    assert AuditEvent.objects.filter(action="trustee.elected", target_id=str(term.pk)).exists()


def test_a_candidate_standing_for_re_election_does_not_vote(trustees):
    current = TrusteeTerm.objects.get(user=trustees[0])
    election = election_open(
        actor=trustees[1], candidate=trustees[0], term_starts_on=current.ends_on + dt.timedelta(1)
    )
    assert trustees[0] not in election.electors.all()
    with pytest.raises(PermissionDenied, match="sitting when the election opened"):
        election_vote(actor=trustees[0], election=election, choice=VoteChoice.YES)


def test_an_expired_term_removes_the_vote(trustees, make_user):
    newcomer = make_user(Role.TRUSTEE)
    election = election_open(actor=trustees[0], candidate=newcomer, term_starts_on=TODAY)
    TrusteeTerm.objects.filter(user=trustees[2]).update(ends_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied, match="term is current"):
        election_vote(actor=trustees[2], election=election, choice=VoteChoice.YES)
    # Two electors remain eligible; one yes is not a quorum of them.
    election_vote(actor=trustees[0], election=election, choice=VoteChoice.YES)
    election = election_close(actor=trustees[1], election=election)
    assert election.tally["eligible"] == 2
    assert election.result == MotionResult.NO_QUORUM
    assert not TrusteeTerm.objects.filter(user=newcomer).exists()


def test_a_tied_election_fails(trustees, make_user):
    election = election_open(
        actor=trustees[0], candidate=make_user(Role.TRUSTEE), term_starts_on=TODAY
    )
    election_vote(actor=trustees[0], election=election, choice=VoteChoice.YES)
    election_vote(actor=trustees[1], election=election, choice=VoteChoice.NO)
    assert election_close(actor=trustees[0], election=election).result == MotionResult.FAILED
    with pytest.raises(TransitionNotAllowed):
        election_vote(actor=trustees[2], election=election, choice=VoteChoice.YES)


def test_nomination_rules(trustees, make_user):
    with pytest.raises(ValidationError, match="trustee role"):
        election_open(actor=trustees[0], candidate=make_user(Role.RSO), term_starts_on=TODAY)
    with pytest.raises(ValidationError, match="already has a term"):
        election_open(actor=trustees[0], candidate=trustees[1], term_starts_on=TODAY)
    with pytest.raises(ValidationError, match="today or later"):
        election_open(
            actor=trustees[0],
            candidate=make_user(Role.TRUSTEE),
            term_starts_on=TODAY - dt.timedelta(days=1),
        )
    with pytest.raises(PermissionDenied):
        election_open(
            actor=make_user(Role.RSO), candidate=make_user(Role.TRUSTEE), term_starts_on=TODAY
        )
    candidate = make_user(Role.TRUSTEE)
    election = election_open(actor=trustees[0], candidate=candidate, term_starts_on=TODAY)
    with pytest.raises(DomainError, match="already open"):
        election_open(actor=trustees[1], candidate=candidate, term_starts_on=TODAY)
    election_vote(actor=trustees[1], election=election, choice=VoteChoice.ABSTAIN)
    with pytest.raises(DomainError, match="already voted"):
        election_vote(actor=trustees[1], election=election, choice=VoteChoice.YES)


def test_founding_terms_need_an_administrator(trustees, make_user):
    with pytest.raises(PermissionDenied):
        trustee_term_record(actor=trustees[0], user=make_user(Role.TRUSTEE), starts_on=TODAY)


def test_reminders_60_and_30_days_ahead_once_each(trustees):
    term = TrusteeTerm.objects.get(user=trustees[0])
    TrusteeTerm.objects.exclude(pk=term.pk).update(ends_on=TODAY + dt.timedelta(days=200))
    TrusteeTerm.objects.filter(pk=term.pk).update(ends_on=TODAY + dt.timedelta(days=59))
    assert trustee_terms_remind() == 1
    assert trustee_terms_remind() == 0  # once
    told = set(
        Notification.objects.filter(event_type="trustee.term_ending").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"trustee0", "trustee1", "trustee2"}
    assert trustee_terms_remind(today=TODAY + dt.timedelta(days=30)) == 1
    assert trustee_terms_remind(today=TODAY + dt.timedelta(days=31)) == 0


def test_no_reminder_once_re_elected(trustees):
    term = TrusteeTerm.objects.get(user=trustees[0])
    TrusteeTerm.objects.filter(pk=term.pk).update(ends_on=TODAY + dt.timedelta(days=20))
    TrusteeTerm.objects.create(
        user=trustees[0],
        starts_on=TODAY + dt.timedelta(days=21),
        ends_on=one_year_on(TODAY + dt.timedelta(days=21)),
    )
    assert trustee_terms_remind() == 0


def test_a_term_found_inside_30_days_gets_one_reminder(trustees):
    TrusteeTerm.objects.filter(user=trustees[0]).update(ends_on=TODAY + dt.timedelta(days=10))
    TrusteeTerm.objects.exclude(user=trustees[0]).update(ends_on=TODAY + dt.timedelta(days=200))
    assert trustee_terms_remind() == 1
    assert (
        Notification.objects.filter(user=trustees[0], event_type="trustee.term_ending").count() == 1
    )


def test_an_election_through_the_pages(trustees, make_user, client):
    newcomer = make_user(Role.TRUSTEE, username="newcomer")
    client.force_login(trustees[0])
    home = client.get(reverse("trust:home")).content.decode()
    assert "Nominate a trustee" in home and "trustee1" in home
    response = client.post(
        reverse("trust:election-create"),
        {"candidate": newcomer.pk, "term_starts_on": TODAY.isoformat()},
    )
    election = TrusteeElection.objects.get()
    assert response.status_code == 302 and response.url == election.get_absolute_url()
    for trustee in trustees[:2]:
        client.force_login(trustee)
        assert 'name="choice"' in client.get(election.get_absolute_url()).content.decode()
        client.post(reverse("trust:election-step", args=[election.pk, "vote"]), {"choice": "yes"})
    client.post(reverse("trust:election-step", args=[election.pk, "close"]))
    assert TrusteeTerm.objects.filter(user=newcomer, election=election).exists()
    client.force_login(newcomer)  # sitting now, but not an elector of a closed election
    page = client.get(election.get_absolute_url()).content.decode()
    assert "passed" in page and 'name="choice"' not in page
