"""The demo's board (`manage.py seed_demo`): the director's seat, and last quarter's report
drafted from the demo records for the RSO to issue."""

import datetime as dt

from django.contrib.auth import get_user_model

from governance.audit import SYSTEM
from governance.choices import SeatType

from .models import Director
from .services.board import director_seat
from .services.quarterly_reports import quarterly_report_prepare_due


def seed_board_seat() -> list[str]:
    if not Director.objects.exists():
        director_seat(
            actor=SYSTEM,
            user=get_user_model().objects.get(username="director"),
            seat_type=SeatType.TRUST,
            term_start=dt.date(2025, 1, 1),
            chair=True,
        )
    return []


def seed_quarterly_report() -> list[str]:
    quarterly_report_prepare_due()
    return []
