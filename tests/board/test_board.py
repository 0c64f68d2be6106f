"""The board's votes: sitting directors, recusal on declared conflicts, quorum and majority at
their edges, and the audit trail of each step."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.models import SeatMilestone
from governance.board.services.board import (
    Tally,
    conflict_declare,
    director_seat,
    directors_sitting,
    motion_close,
    motion_open,
    motion_result,
    trust_seat_share,
    vote_cast,
)
from governance.choices import MotionResult, MotionState, Role, SeatType, VoteChoice
from governance.errors import DomainError, TransitionNotAllowed
from governance.models import AuditEvent
from governance.services import user_set_roles
from tests.conftest import FIXED_NOW

TODAY = timezone.localdate(FIXED_NOW)
YEAR_AGO = TODAY - dt.timedelta(days=365)

# Dates here are relative to "today": the clock starts at one fixed moment (and ticks).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]


@pytest.fixture
def board(make_user):
    """Four directors seated today, and one whose term has ended."""
    directors = [make_user(Role.BOARD_DIRECTOR, username=f"director{i}") for i in range(4)]
    for director in directors:
        director_seat(
            actor=SYSTEM, user=director, seat_type=SeatType.STOCKHOLDERS, term_start=YEAR_AGO
        )
    former = make_user(Role.BOARD_DIRECTOR, username="former")
    director_seat(
        actor=SYSTEM,
        user=former,
        seat_type=SeatType.TRUST,
        term_start=YEAR_AGO,
        term_end=TODAY - dt.timedelta(days=1),
    )
    return directors


def _result(yes, no, abstain, eligible, quorum=0.5, passing=0.5):
    return motion_result(
        Tally(eligible=eligible, yes=yes, no=no, abstain=abstain),
        quorum_fraction=quorum,
        pass_fraction=passing,
    )


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "eligible", "expected"),
    [
        (2, 0, 0, 4, MotionResult.NO_QUORUM),  # exactly half is not a majority
        (3, 0, 0, 4, MotionResult.PASSED),
        (2, 1, 0, 5, MotionResult.PASSED),  # 3 of 5 take part
        (1, 1, 1, 4, MotionResult.FAILED),  # a tie fails; the abstention makes the quorum
        (0, 0, 3, 4, MotionResult.FAILED),  # quorate, but nobody voted yes
        (2, 1, 2, 5, MotionResult.PASSED),  # abstentions are not votes cast
        (1, 0, 2, 3, MotionResult.PASSED),
        (0, 0, 0, 0, MotionResult.NO_QUORUM),  # everyone recused
    ],
)
def test_default_rules_at_the_edges(yes, no, abstain, eligible, expected):
    assert _result(yes, no, abstain, eligible) == expected


def test_rules_are_configurable():
    # A two-thirds majority: 2 of 3 is not more than two thirds, 3 of 4 is.
    assert _result(2, 1, 0, 4, passing=2 / 3) == MotionResult.FAILED
    assert _result(3, 1, 0, 4, passing=2 / 3) == MotionResult.PASSED
    # A quorum of a quarter: two of four suffice.
    assert _result(2, 0, 0, 4, quorum=0.25) == MotionResult.PASSED


def test_sitting_directors_are_those_in_term_with_the_role(board, make_user):
    assert {d.username for d in directors_sitting()} == {d.username for d in board}
    assert directors_sitting(TODAY - dt.timedelta(days=1))  # the former director sat yesterday
    assert "former" in {d.username for d in directors_sitting(TODAY - dt.timedelta(days=1))}


def test_seat_needs_an_administrator_and_the_role(board, make_user):
    with pytest.raises(PermissionDenied):
        director_seat(actor=board[0], user=board[1], seat_type=SeatType.TRUST, term_start=TODAY)
    with pytest.raises(ValidationError, match="board director role"):
        director_seat(
            actor=SYSTEM, user=make_user(Role.TRUSTEE), seat_type=SeatType.TRUST, term_start=TODAY
        )
    with pytest.raises(ValidationError, match="end before"):
        director_seat(
            actor=SYSTEM,
            user=board[0],
            seat_type=SeatType.TRUST,
            term_start=TODAY,
            term_end=YEAR_AGO,
        )


def test_a_passing_vote_is_audited_step_by_step(board):
    motion = motion_open(actor=board[0], title="Approve the budget")
    for director, choice in zip(board, ["yes", "yes", "no", "abstain"], strict=True):
        vote_cast(actor=director, motion=motion, choice=choice)
    motion = motion_close(actor=board[0], motion=motion)
    assert motion.state == MotionState.CLOSED
    assert motion.result == MotionResult.PASSED
    assert motion.tally == {"eligible": 4, "yes": 2, "no": 1, "abstain": 1}
    actions = list(
        AuditEvent.objects.filter(target_id=str(motion.pk), action__startswith="motion.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["motion.opened"] + ["motion.vote_cast"] * 4 + ["motion.closed"]


def test_recused_director_cannot_vote_and_does_not_count(board):
    conflict_declare(
        actor=board[3],
        organisation="Acme  Compute",
        relationship="Holds shares",
        kind="financial",
        starts_on=YEAR_AGO,
    )
    motion = motion_open(actor=board[0], title="Contract", organisations=["acme compute"])
    assert list(motion.recused.all()) == [board[3]]
    with pytest.raises(PermissionDenied, match="recused"):
        vote_cast(actor=board[3], motion=motion, choice=VoteChoice.YES)
    assert not motion.votes.exists()
    # Two of the three eligible directors take part: a quorum without the recused one.
    vote_cast(actor=board[0], motion=motion, choice=VoteChoice.YES)
    vote_cast(actor=board[1], motion=motion, choice=VoteChoice.NO)
    motion = motion_close(actor=board[0], motion=motion)
    assert motion.tally["eligible"] == 3
    assert motion.result == MotionResult.FAILED  # one yes, one no: a tie fails


def test_conflict_declared_after_opening_recuses_too(board):
    motion = motion_open(actor=board[0], title="Contract", organisations=["Acme"])
    conflict_declare(
        actor=board[2],
        organisation="ACME",
        relationship="Sibling is an officer",
        kind="personal",
        starts_on=TODAY,
    )
    with pytest.raises(PermissionDenied, match="recused"):
        vote_cast(actor=board[2], motion=motion, choice=VoteChoice.YES)


def test_ended_conflict_does_not_recuse(board):
    conflict_declare(
        actor=board[1],
        organisation="Acme",
        relationship="Former adviser",
        kind="financial",
        starts_on=YEAR_AGO,
        ends_on=TODAY - dt.timedelta(days=1),
    )
    motion = motion_open(actor=board[0], title="Contract", organisations=["Acme"])
    assert not motion.recused.exists()
    vote_cast(actor=board[1], motion=motion, choice=VoteChoice.YES)


def test_only_sitting_directors_vote_once_on_open_motions(board, make_user):
    motion = motion_open(actor=board[0], title="Approve the minutes")
    newcomer = make_user(Role.BOARD_DIRECTOR, username="newcomer")
    director_seat(actor=SYSTEM, user=newcomer, seat_type=SeatType.TRUST, term_start=TODAY)
    with pytest.raises(PermissionDenied, match="sitting when the motion opened"):
        vote_cast(actor=newcomer, motion=motion, choice=VoteChoice.YES)
    vote_cast(actor=board[0], motion=motion, choice=VoteChoice.YES)
    with pytest.raises(DomainError, match="already voted"):
        vote_cast(actor=board[0], motion=motion, choice=VoteChoice.NO)
    with pytest.raises(ValidationError, match="Choose one of"):
        vote_cast(actor=board[1], motion=motion, choice="maybe")
    motion_close(actor=board[0], motion=motion)
    with pytest.raises(TransitionNotAllowed, match="closed"):
        vote_cast(actor=board[1], motion=motion, choice=VoteChoice.YES)
    with pytest.raises(TransitionNotAllowed):
        motion_close(actor=board[0], motion=motion)


@pytest.mark.parametrize(
    "role",
    [Role.SAFETY_STAFF, Role.RSO, Role.CEO, Role.TRUSTEE, Role.AUDITOR, Role.INTERNAL_REVIEWER],
)
def test_only_directors_open_vote_and_close(board, make_user, role):
    outsider = make_user(role)
    with pytest.raises(PermissionDenied):
        motion_open(actor=outsider, title="Anything")
    motion = motion_open(actor=board[0], title="Anything")
    with pytest.raises(PermissionDenied):
        vote_cast(actor=outsider, motion=motion, choice=VoteChoice.YES)
    with pytest.raises(PermissionDenied):
        motion_close(actor=outsider, motion=motion)
    with pytest.raises(PermissionDenied):
        motion_open(actor=SYSTEM, title="Anything")


def test_motion_validation(board):
    with pytest.raises(ValidationError, match="title"):
        motion_open(actor=board[0], title="  ")
    with pytest.raises(ValidationError, match="up to"):
        motion_open(actor=board[0], title="X", pass_fraction=1)
    with pytest.raises(ValidationError, match="number"):
        motion_open(actor=board[0], title="X", quorum_fraction="half")
    with pytest.raises(ValidationError, match="organisation"):
        motion_open(actor=board[0], title="X", organisations=[""])


def test_no_seats_no_motion(make_user):
    chair = make_user(Role.BOARD_DIRECTOR)
    with pytest.raises(DomainError, match="No director holds a seat"):
        motion_open(actor=chair, title="Anything")


def test_conflicts_are_declared_by_directors_and_trustees_only(make_user):
    trustee = make_user(Role.TRUSTEE)
    declaration = conflict_declare(
        actor=trustee,
        organisation="Acme",
        relationship="Adviser",
        kind="financial",
        starts_on=TODAY,
    )
    assert AuditEvent.objects.filter(action="conflict.declared", target_id=str(declaration.pk))
    with pytest.raises(PermissionDenied):
        conflict_declare(
            actor=make_user(Role.SAFETY_STAFF),
            organisation="Acme",
            relationship="Adviser",
            kind="financial",
            starts_on=TODAY,
        )
    with pytest.raises(ValidationError, match="kind"):
        conflict_declare(
            actor=trustee, organisation="Acme", relationship="x", kind="other", starts_on=TODAY
        )


def test_recusal_fixed_at_opening_outlives_the_declaration(board):
    declaration = conflict_declare(
        actor=board[3],
        organisation="Acme",
        relationship="Holds shares",
        kind="financial",
        starts_on=YEAR_AGO,
    )
    motion = motion_open(actor=board[0], title="Contract", organisations=["Acme"])
    declaration.delete()  # withdrawing it mid-vote does not restore the vote
    with pytest.raises(PermissionDenied, match="recused"):
        vote_cast(actor=board[3], motion=motion, choice=VoteChoice.YES)
    for director in board[:2]:
        vote_cast(actor=director, motion=motion, choice=VoteChoice.YES)
    motion = motion_close(actor=board[0], motion=motion)
    assert motion.tally["eligible"] == 3
    assert motion.result == MotionResult.PASSED


def test_a_motion_may_be_stricter_than_the_board_rules_never_laxer(board):
    for field in ("quorum_fraction", "pass_fraction"):
        with pytest.raises(ValidationError, match="board's rule, 0.5"):
            motion_open(actor=board[0], title="Lax", **{field: 0})
    strict = motion_open(actor=board[0], title="Strict", pass_fraction=2 / 3)
    assert (strict.quorum_fraction, strict.pass_fraction) == (0.5, 2 / 3)


def test_only_sitting_directors_not_recused_close_a_vote(board, make_user):
    conflict_declare(
        actor=board[3],
        organisation="Acme",
        relationship="Holds shares",
        kind="financial",
        starts_on=YEAR_AGO,
    )
    motion = motion_open(actor=board[0], title="Contract", organisations=["Acme"])
    with pytest.raises(PermissionDenied, match="recused"):
        motion_close(actor=board[3], motion=motion)
    newcomer = make_user(Role.BOARD_DIRECTOR)
    director_seat(actor=SYSTEM, user=newcomer, seat_type=SeatType.TRUST, term_start=TODAY)
    with pytest.raises(PermissionDenied, match="sitting"):
        motion_close(actor=newcomer, motion=motion)
    assert motion_close(actor=board[1], motion=motion).state == MotionState.CLOSED


def test_trust_seat_share_against_the_milestones(board, make_user):
    SeatMilestone.objects.create(description="Two Trust seats", trust_seats=2, due_on=YEAR_AGO)
    SeatMilestone.objects.create(
        description="Trust majority", majority=True, due_on=TODAY + dt.timedelta(days=900)
    )
    share = trust_seat_share()
    assert (share.directors, share.trust_elected, share.percent) == (4, 0, 0)
    assert [(m.description, met, overdue) for m, met, overdue in share.milestones] == [
        ("Two Trust seats", False, True),
        ("Trust majority", False, False),
    ]
    for _ in range(3):
        director = make_user(Role.BOARD_DIRECTOR)
        director_seat(actor=SYSTEM, user=director, seat_type=SeatType.TRUST, term_start=YEAR_AGO)
    share = trust_seat_share()
    assert (share.directors, share.trust_elected) == (7, 3)
    assert [met for _, met, _ in share.milestones] == [True, False]  # 3 of 7 is no majority
    for expected in ([True, False], [True, True]):  # 4 of 8 is half, 5 of 9 a majority
        director_seat(
            actor=SYSTEM,
            user=make_user(Role.BOARD_DIRECTOR),
            seat_type=SeatType.TRUST,
            term_start=TODAY,
        )
        assert [met for _, met, _ in trust_seat_share().milestones] == expected


def test_milestones_entered_in_the_admin_are_audited_and_shown(board, make_user, client):
    admin_user = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/board/seatmilestone/add/",
        {"description": "Trust majority", "due_on": "2029-01-01", "majority": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="seat_milestone.created")
    assert event.actor_user == admin_user and event.after["majority"] is True
    client.force_login(board[0])
    page = client.get("/board/").content.decode()
    assert "0 of 4</strong> sitting directors" in page and "Trust majority" in page


def test_a_director_who_loses_the_role_no_longer_sits(board):
    user_set_roles(actor=SYSTEM, user=board[3], roles=[Role.AUDITOR])
    assert board[3] not in directors_sitting()
    assert len(directors_sitting()) == 3
