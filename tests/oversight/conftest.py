import pytest

from governance.choices import Role

# The evals fixtures (suite, snapshot, machine client, queueing at once) serve here too.
from tests.evals.conftest import (  # noqa: F401
    autonomy_suite,
    eval_system,
    machine,
    media_root,
    queue_at_once,
    snapshot,
)


@pytest.fixture
def officers(make_user):
    """The demo's people: one per role that escalations involve. The director holds a seat and
    the trustee a term, as those who are told of determinations must."""
    import datetime as dt

    from django.utils import timezone

    from governance.audit import SYSTEM
    from governance.board.services.board import director_seat
    from governance.choices import SeatType
    from trust.services import trustee_term_record

    people = {
        "rso": make_user(Role.RSO, username="rso", email="rso@example.org"),
        "ceo": make_user(Role.CEO, username="ceo", email="ceo@example.org"),
        "safety": make_user(Role.SAFETY_STAFF, username="safety", email="safety@example.org"),
        "director": make_user(Role.BOARD_DIRECTOR, username="director"),
        "trustee": make_user(Role.TRUSTEE, username="trustee"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
        "reviewer": make_user(Role.INTERNAL_REVIEWER, username="reviewer"),
    }
    today = timezone.localdate()
    director_seat(
        actor=SYSTEM,
        user=people["director"],
        seat_type=SeatType.TRUST,
        term_start=today - dt.timedelta(days=100),
    )
    trustee_term_record(actor=SYSTEM, user=people["trustee"], starts_on=today)
    return people


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what services leave for after commit (notifications), as a real commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run
