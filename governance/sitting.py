"""Who sits on the board and the Trust, for the core and every area. Directors' seats belong to
the board app and trustees' terms to the trust app; each registers its lookup here when it
starts (the core never imports them)."""

import datetime as dt
from collections.abc import Callable

from django.contrib.auth import get_user_model

from .choices import Role
from .selectors import people_holding_role

_trustees_sitting: Callable[[dt.date | None], list] | None = None
_directors_sitting: Callable[[dt.date | None], list] | None = None


def register_directors_sitting(lookup: Callable[[dt.date | None], list]) -> None:
    global _directors_sitting
    _directors_sitting = lookup


def register_trustees_sitting(lookup: Callable[[dt.date | None], list]) -> None:
    global _trustees_sitting
    _trustees_sitting = lookup


def members_sitting(on: dt.date | None = None) -> list:
    """The board and the Trust as they sit on `on` (today by default): directors with a current
    seat and trustees with a current term, who still hold their role. Whoever must be told of a
    determination or a report, and acknowledge it; a director who is also a trustee is one."""
    sitting = {person.pk: person for person in directors_sitting(on) + trustees_sitting(on)}
    return list(sitting.values())


def trustees_sitting(on: dt.date | None = None) -> list:
    """The trustees whose term covers `on` (today by default); without the trust app, those
    holding the trustee role."""
    if _trustees_sitting is None:
        return people_holding_role(Role.TRUSTEE, get_user_model().objects.values("pk"))
    return _trustees_sitting(on)


def directors_sitting(on: dt.date | None = None) -> list:
    """The directors whose seat covers `on` (today by default); without the board app, those
    holding the director role."""
    if _directors_sitting is None:
        return people_holding_role(Role.BOARD_DIRECTOR, get_user_model().objects.values("pk"))
    return _directors_sitting(on)
