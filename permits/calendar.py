"""Working days of the Iranian calendar: Friday is the weekly day off, official holidays come from
the Holiday table (the council's calendar changes yearly, so it is data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

FRIDAY = 4  # date.weekday()


def add_working_days(start: dt.date, days: int, *, holidays: Collection[dt.date] = ()) -> dt.date:
    """The date `days` working days after start (start itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() != FRIDAY and day not in holidays:
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, *, holidays: Collection[dt.date] = ()) -> int:
    """Working days after start up to and including end (negative when end is before start)."""
    if end < start:
        return -working_days_between(end, start, holidays=holidays)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if day.weekday() != FRIDAY and day not in holidays:
            count += 1
    return count
