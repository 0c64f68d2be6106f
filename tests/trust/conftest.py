"""People and a framework version for the policy-change, board and Trust tests."""

import datetime as dt

import pytest
from django.utils import timezone

from governance.audit import SYSTEM
from governance.board.services.board import director_seat
from governance.choices import Role, SeatType
from governance.models import FrameworkVersion


@pytest.fixture
def people(make_user, frameworks):
    """Three seated directors, the RSO, the CEO, two trustees and people in the other roles."""
    directors = [make_user(Role.BOARD_DIRECTOR, username=f"director{i}") for i in range(3)]
    for director in directors:
        director_seat(
            actor=SYSTEM,
            user=director,
            seat_type=SeatType.TRUST,
            term_start=timezone.localdate() - dt.timedelta(days=30),
        )
    return {
        "rso": make_user(Role.RSO, username="rso"),
        "ceo": make_user(Role.CEO, username="ceo"),
        "trustees": [make_user(Role.TRUSTEE, username=f"trustee{i}") for i in range(2)],
        "directors": directors,
        "safety": make_user(Role.SAFETY_STAFF, username="safety"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
    }


@pytest.fixture
def new_version(frameworks):
    return FrameworkVersion.objects.get(framework__slug="google-deepmind-fsf")
