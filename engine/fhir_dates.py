"""FHIR dates as ranges: what a (possibly partial) date or dateTime can mean, never a ValueError.

FHIR allows `1980`, `1980-05`, `1980-05-15` and full dateTimes with a zone.
A partial date is a range of days (all of 1980), a date is a whole day, a
dateTime an instant. Anything the calendar does not have (2024-02-30, a
year-9999 time whose UTC form falls in year 10000) gives None: the caller
reports it, located, and does not use the value.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time
from typing import Any

_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T.*)?")


def parse_date(value: Any) -> tuple[date, date] | None:
    """(earliest, latest) day a FHIR date/dateTime may mean (UTC); None when it is no real date."""
    try:
        return _days(value)
    except (ValueError, OverflowError):
        return None


def _days(value: Any) -> tuple[date, date] | None:
    if isinstance(value, datetime):
        moment = _utc(value)
        return moment.date(), moment.date()
    if isinstance(value, date):
        return value, value
    if not isinstance(value, str):
        return None
    m = _DATE.fullmatch(value)
    if not m:
        return None
    year, month, day = int(m[1]), m[2], m[3]
    if day:
        d = date(year, int(month), int(day))
        return d, d
    if month:
        mo = int(month)
        return date(year, mo, 1), date(year, mo, calendar.monthrange(year, mo)[1])
    return date(year, 1, 1), date(year, 12, 31)


def _utc(moment: datetime) -> datetime:
    """The instant in UTC (a time without a zone is taken as UTC); may raise OverflowError."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def instants(value: Any) -> tuple[datetime, datetime] | None:
    """(earliest, latest) UTC instant a FHIR date/dateTime may mean: a date is its whole day."""
    try:
        if isinstance(value, datetime):
            moment = _utc(value)
            return moment, moment
    except (ValueError, OverflowError):
        return None
    days = parse_date(value)
    if days is None:
        return None
    return datetime.combine(days[0], time.min, UTC), datetime.combine(days[1], time.max, UTC)


def full_date(text: str) -> date | None:
    """A complete calendar date YYYY-MM-DD (for --as-of), or None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    days = parse_date(text)
    return days[0] if days else None


def completed_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
