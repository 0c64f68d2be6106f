"""Date arithmetic the policy needs: months and years on (cadences, reviews, terms), and
calendar quarters in the site's time zone (what the RSO reports on, and when it is due)."""

import calendar
import datetime as dt
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.utils import timezone

DateOrMoment = TypeVar("DateOrMoment", dt.date, dt.datetime)


def add_months(day: DateOrMoment, months: int) -> DateOrMoment:
    """The same day `months` later, or the month's last day when it is shorter (31 January
    + 1 month is 28 or 29 February). A moment keeps its time of day and time zone.

    The rule for 29 February: 12 months on is 28 February of the next year, never 1 March.
    Every caller counts a period the policy sets as a maximum ("re-approved at least
    annually", one-year terms, yearly reviews), so the shorter month rounds down: an
    approval lapses a day early in a leap year's February, never a day late.
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def quarter_of(moment: dt.datetime) -> tuple[int, int]:
    moment = timezone.localtime(moment)
    return moment.year, (moment.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the quarter and the first moment of the next, in the site's zone."""
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "A quarter is 1, 2, 3 or 4."})
    if not 2000 <= year <= 2999:
        raise ValidationError({"year": "Give a four-digit year."})
    zone = timezone.get_current_timezone()
    next_year, following = next_quarter(year, quarter)
    start = dt.datetime(year, 3 * quarter - 2, 1, tzinfo=zone)
    return start, dt.datetime(next_year, 3 * following - 2, 1, tzinfo=zone)
