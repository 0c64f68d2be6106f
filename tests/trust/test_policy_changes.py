"""A policy change from draft to in force: signed by the RSO and the CEO, put to the Trust,
voted by the board only after the consultation closes, published, then in effect."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.services.board import conflict_declare, director_seat, motion_close, vote_cast
from governance.board.services.policy_changes import (
    policy_change_create,
    policy_change_diff,
    policy_change_publish,
    policy_change_sign,
    policy_change_take_effect,
    policy_change_vote_open,
    policy_change_withdraw,
    policy_changes_take_effect_due,
)
from governance.choices import MotionResult, PolicyChangeState, Role, SeatType, VoteChoice
from governance.errors import DomainError, TransitionNotAllowed
from governance.models import AuditEvent, FrameworkVersion
from governance.selectors import framework_version_in_force
from governance.services import framework_version_adopt
from tests.conftest import FIXED_NOW  # noqa: E402
from trust.models import TrustConsultation
from trust.services import (
    consultation_close,
    consultation_open,
    trust_advice_record,
    trustee_advice_give,
)

# Dates here are relative to "today": the clock starts at one fixed moment (and ticks).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TOMORROW = timezone.localdate(FIXED_NOW) + dt.timedelta(days=1)


def _draft(people, version, **overrides):
    fields = {
        "title": "Adopt the new framework",
        "rationale": "It covers more risks.",
        "changelog_entry": "Replaced the policy with the new framework.",
        "effective_from": timezone.now() + dt.timedelta(days=10),
        **overrides,
    }
    return policy_change_create(actor=people["rso"], version=version, **fields)


def _proposed(people, version, **overrides):
    change = _draft(people, version, **overrides)
    policy_change_sign(actor=people["rso"], change=change)
    return policy_change_sign(actor=people["ceo"], change=change)


def _consulted(people, version, **overrides):
    change = _proposed(people, version, **overrides)
    consultation = consultation_open(
        actor=people["ceo"], policy_change=change, question="Should we?", respond_by=TOMORROW
    )
    trust_advice_record(
        actor=people["trustees"][0], consultation=consultation, collective_advice="Go ahead."
    )
    consultation_close(actor=people["rso"], consultation=consultation, lab_response="Thanks.")
    change.refresh_from_db()
    return change


def _vote(people, change, choices):
    motion = policy_change_vote_open(actor=people["directors"][0], change=change)
    for director, choice in zip(people["directors"], choices, strict=False):
        vote_cast(actor=director, motion=motion, choice=choice)
    motion = motion_close(actor=people["directors"][0], motion=motion)
    change.refresh_from_db()
    return motion


def test_from_proposal_to_the_version_in_force(people, new_version):
    assert framework_version_in_force() != new_version
    change = _draft(people, new_version)
    assert change.state == PolicyChangeState.DRAFT
    change = policy_change_sign(actor=people["rso"], change=change)
    assert change.state == PolicyChangeState.DRAFT  # one signature is not a proposal
    change = policy_change_sign(actor=people["ceo"], change=change)
    assert change.state == PolicyChangeState.PROPOSED

    consultation = consultation_open(
        actor=people["rso"],
        policy_change=change,
        question="Do you advise adopting this framework?",
        respond_by=TOMORROW,
        documents=["Draft framework", "Gap analysis"],
    )
    change.refresh_from_db()
    assert change.state == PolicyChangeState.CONSULTATION
    with pytest.raises(TransitionNotAllowed, match="Trust consultation is closed"):
        policy_change_vote_open(actor=people["directors"][0], change=change)

    for trustee in people["trustees"]:
        trustee_advice_give(actor=trustee, consultation=consultation, advice="Adopt it.")
    trust_advice_record(
        actor=people["trustees"][1], consultation=consultation, collective_advice="Adopt it."
    )
    consultation_close(
        actor=people["ceo"], consultation=consultation, lab_response="We will adopt it."
    )

    change.refresh_from_db()
    motion = _vote(people, change, [VoteChoice.YES, VoteChoice.YES, VoteChoice.NO])
    assert motion.result == MotionResult.PASSED
    assert change.state == PolicyChangeState.APPROVED

    change = policy_change_publish(actor=people["rso"], change=change)
    assert change.state == PolicyChangeState.PUBLISHED
    assert change.published_at <= change.effective_from
    with pytest.raises(TransitionNotAllowed, match="not before"):
        policy_change_take_effect(change=change)
    assert policy_changes_take_effect_due() == 0

    assert policy_changes_take_effect_due(now=change.effective_from) == 1
    change.refresh_from_db()
    assert change.state == PolicyChangeState.EFFECTIVE
    assert framework_version_in_force(change.effective_from) == new_version
    assert framework_version_in_force(change.effective_from - dt.timedelta(seconds=1)) != (
        new_version
    )

    actions = list(
        AuditEvent.objects.filter(action__startswith="policy_change.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "policy_change.created",
        "policy_change.signed",
        "policy_change.signed",
        "policy_change.proposed",
        "policy_change.consultation_opened",
        "policy_change.consultation_closed",
        "policy_change.vote_opened",
        "policy_change.approved",
        "policy_change.published",
        "policy_change.took_effect",
    ]
    adopted = AuditEvent.objects.filter(action="framework_version.adopted").first()
    assert adopted.actor_user is None and str(change.pk) in adopted.after["note"]


def test_diff_against_the_version_in_force(people, new_version):
    change = _draft(people, new_version)
    diff = policy_change_diff(change)
    assert diff.startswith(f"--- {framework_version_in_force()}\n+++ {new_version}\n")
    assert "\n-" in diff and "\n+" in diff


def test_two_people_sign(people, new_version, make_user):
    change = _draft(people, new_version)
    policy_change_sign(actor=people["rso"], change=change)
    with pytest.raises(TransitionNotAllowed, match="signed already"):
        policy_change_sign(actor=people["rso"], change=change)
    both = make_user(Role.RSO, Role.CEO)
    other = _draft(people, new_version)
    policy_change_sign(actor=both, change=other)
    with pytest.raises(TransitionNotAllowed, match="signed already"):
        policy_change_sign(actor=both, change=other)
    with pytest.raises(PermissionDenied):
        policy_change_sign(actor=make_user(Role.SAFETY_STAFF), change=other)


def test_draft_validation(people, new_version):
    with pytest.raises(ValidationError) as error:
        _draft(
            people,
            new_version,
            title=" ",
            rationale="",
            effective_from=timezone.now() - dt.timedelta(days=1),
        )
    assert set(error.value.message_dict) == {"title", "rationale", "effective_from"}
    with pytest.raises(ValidationError, match="already the version in force"):
        _draft(people, framework_version_in_force())


@pytest.mark.parametrize(
    ("role", "may_draft", "may_publish", "may_open_vote"),
    [
        (Role.RSO, True, True, False),
        (Role.CEO, True, False, False),
        (Role.BOARD_DIRECTOR, False, False, True),
        (Role.TRUSTEE, False, False, False),
        (Role.SAFETY_STAFF, False, False, False),
        (Role.AUDITOR, False, False, False),
    ],
)
def test_who_may_do_what(
    people, new_version, make_user, role, may_draft, may_publish, may_open_vote
):
    person = make_user(role)
    if role == Role.BOARD_DIRECTOR:
        director_seat(
            actor=SYSTEM, user=person, seat_type=SeatType.STOCKHOLDERS, term_start=TOMORROW
        )

    def attempt(call):
        try:
            call()
        except PermissionDenied:
            return False
        except (TransitionNotAllowed, ValidationError, DomainError):
            return True  # let past the role check
        return True

    assert (
        attempt(
            lambda: policy_change_create(
                actor=person,
                version=new_version,
                title="T",
                rationale="R",
                changelog_entry="C",
                effective_from=timezone.now() + dt.timedelta(days=1),
            )
        )
        is may_draft
    )
    change = _draft(people, new_version)  # still a draft: each step below is refused by state
    assert attempt(lambda: policy_change_publish(actor=person, change=change)) is may_publish
    assert attempt(lambda: policy_change_vote_open(actor=person, change=change)) is may_open_vote


def test_consultation_cannot_close_without_advice_before_its_deadline(people, new_version):
    change = _proposed(people, new_version)
    consultation = consultation_open(
        actor=people["rso"], policy_change=change, question="Q", respond_by=TOMORROW
    )
    with pytest.raises(TransitionNotAllowed, match="has until"):
        consultation_close(actor=people["rso"], consultation=consultation, lab_response="R")
    with pytest.raises(PermissionDenied):
        consultation_close(actor=people["trustees"][0], consultation=consultation, lab_response="R")
    # Past the deadline the lab may close it; the record shows no advice came.
    TrustConsultation.objects.filter(pk=consultation.pk).update(
        respond_by=timezone.localdate() - dt.timedelta(days=1)
    )
    consultation = consultation_close(
        actor=people["rso"], consultation=consultation, lab_response="No advice came."
    )
    assert consultation.is_closed and not consultation.collective_advice
    with pytest.raises(TransitionNotAllowed, match="closed"):
        trustee_advice_give(actor=people["trustees"][0], consultation=consultation, advice="Late")


def test_consultation_rules(people, new_version):
    draft = _draft(people, new_version)
    with pytest.raises(TransitionNotAllowed, match="draft"):  # not yet proposed
        consultation_open(
            actor=people["rso"], policy_change=draft, question="Q", respond_by=TOMORROW
        )
    change = _proposed(people, new_version)
    with pytest.raises(ValidationError, match="later day"):
        consultation_open(
            actor=people["rso"],
            policy_change=change,
            question="Q",
            respond_by=timezone.localdate(),
        )
    with pytest.raises(PermissionDenied):
        consultation_open(
            actor=people["trustees"][0], policy_change=change, question="Q", respond_by=TOMORROW
        )
    consultation = consultation_open(
        actor=people["rso"], policy_change=change, question="Q", respond_by=TOMORROW
    )
    trustee_advice_give(actor=people["trustees"][0], consultation=consultation, advice="Yes")
    with pytest.raises(DomainError, match="already given"):
        trustee_advice_give(actor=people["trustees"][0], consultation=consultation, advice="No")
    with pytest.raises(PermissionDenied):
        trustee_advice_give(actor=people["rso"], consultation=consultation, advice="Yes")


def test_recused_trustee_cannot_advise(people, new_version):
    change = _proposed(people, new_version, organisations=["Google DeepMind"])
    consultation = consultation_open(
        actor=people["rso"], policy_change=change, question="Q", respond_by=TOMORROW
    )
    conflict_declare(
        actor=people["trustees"][0],
        organisation="google deepmind",
        relationship="Former employee with stock",
        kind="financial",
        starts_on=timezone.localdate() - dt.timedelta(days=100),
    )
    with pytest.raises(PermissionDenied, match="recused"):
        trustee_advice_give(actor=people["trustees"][0], consultation=consultation, advice="Yes")
    with pytest.raises(PermissionDenied, match="recused"):
        trust_advice_record(
            actor=people["trustees"][0], consultation=consultation, collective_advice="Yes"
        )
    trustee_advice_give(actor=people["trustees"][1], consultation=consultation, advice="Yes")


def test_failed_vote_rejects_and_no_quorum_waits(people, new_version):
    change = _consulted(people, new_version)
    motion = _vote(people, change, [VoteChoice.YES])  # one of three: no quorum
    assert motion.result == MotionResult.NO_QUORUM
    assert change.state == PolicyChangeState.BOARD_VOTE
    motion = _vote(people, change, [VoteChoice.YES, VoteChoice.NO])  # put again: a tie
    assert motion.result == MotionResult.FAILED
    assert change.state == PolicyChangeState.REJECTED
    assert change.decided_at is not None
    with pytest.raises(TransitionNotAllowed, match="rejected"):
        policy_change_publish(actor=people["rso"], change=change)


def test_one_open_vote_at_a_time(people, new_version):
    change = _consulted(people, new_version)
    policy_change_vote_open(actor=people["directors"][0], change=change)
    with pytest.raises(TransitionNotAllowed, match="already open"):
        policy_change_vote_open(actor=people["directors"][1], change=change)


def test_publish_before_the_effective_time_only(people, new_version):
    change = _consulted(people, new_version)
    _vote(people, change, [VoteChoice.YES, VoteChoice.YES])
    type(change).objects.filter(pk=change.pk).update(
        effective_from=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="published before it takes effect"):
        policy_change_publish(actor=people["rso"], change=change)


def test_withdraw_except_while_the_board_votes(people, new_version):
    change = _proposed(people, new_version)
    with pytest.raises(ValidationError, match="why"):
        policy_change_withdraw(actor=people["ceo"], change=change, reason=" ")
    change = policy_change_withdraw(actor=people["ceo"], change=change, reason="Superseded")
    assert change.state == PolicyChangeState.WITHDRAWN
    event = AuditEvent.objects.filter(action="policy_change.withdrawn").get()
    assert event.after["note"] == "Superseded"
    voted = _consulted(people, new_version)
    policy_change_vote_open(actor=people["directors"][0], change=voted)
    with pytest.raises(TransitionNotAllowed, match="board is voting"):
        policy_change_withdraw(actor=people["rso"], change=voted, reason="Changed our minds")


def _approved(people, version, **overrides):
    change = _consulted(people, version, **overrides)
    _vote(people, change, [VoteChoice.YES, VoteChoice.YES])
    return change


def test_two_changes_cannot_take_effect_at_the_same_moment(people, new_version):
    moment = timezone.now() + dt.timedelta(days=3)
    first = policy_change_publish(
        actor=people["rso"], change=_approved(people, new_version, effective_from=moment)
    )
    other = FrameworkVersion.objects.get(framework__slug="openai-preparedness")
    second = _approved(people, other, effective_from=moment)
    with pytest.raises(ValidationError, match=f"policy change #{first.pk}"):
        policy_change_publish(actor=people["rso"], change=second)


def test_one_change_that_cannot_take_effect_does_not_hold_back_the_others(
    people, new_version, caplog
):
    moment = timezone.now() + dt.timedelta(days=3)
    stuck = policy_change_publish(
        actor=people["rso"], change=_approved(people, new_version, effective_from=moment)
    )
    other = FrameworkVersion.objects.get(framework__slug="openai-preparedness")
    later = policy_change_publish(
        actor=people["rso"],
        change=_approved(people, other, effective_from=moment + dt.timedelta(hours=1)),
    )
    # Someone adopts another version at the stuck change's exact moment, behind its back.
    framework_version_adopt(
        actor=SYSTEM,
        version=FrameworkVersion.objects.get(framework__slug="anthropic-rsp", version="1.0"),
        effective_from=moment,
    )
    assert policy_changes_take_effect_due(now=moment + dt.timedelta(hours=2)) == 1
    stuck.refresh_from_db()
    later.refresh_from_db()
    assert (stuck.state, later.state) == (PolicyChangeState.PUBLISHED, PolicyChangeState.EFFECTIVE)
    assert f"Policy change #{stuck.pk} could not take effect" in caplog.text


def test_withdrawing_ends_the_consultation(people, new_version):
    change = _proposed(people, new_version)
    consultation = consultation_open(
        actor=people["rso"], policy_change=change, question="Q", respond_by=TOMORROW
    )
    policy_change_withdraw(actor=people["rso"], change=change, reason="Superseded")
    with pytest.raises(TransitionNotAllowed, match="withdrawn; the consultation is over"):
        trustee_advice_give(actor=people["trustees"][0], consultation=consultation, advice="Yes")


def test_an_approved_change_can_still_be_withdrawn(people, new_version):
    change = _approved(people, new_version)
    change = policy_change_withdraw(actor=people["ceo"], change=change, reason="Overtaken")
    assert change.state == PolicyChangeState.WITHDRAWN
