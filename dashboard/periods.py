"""Jalali reporting periods (month, season, year, custom) and the period before each: pure functions.

A period is a half-open range of local (Asia/Tehran) dates [start, end); the dashboard's queries turn
it into timestamps at local midnight. Every bad value raises PeriodError with a message for a person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import jdatetime
from django.utils.translation import gettext as _

from gis_app.forms import parse_jalali_or_iso
from gis_app.text import InputKind, normalise_input

# The longest custom range and the oldest date a filter may reach: the figures are read from the
# stage history, which the city started in 1400; a wider range only costs time.
MAX_CUSTOM_DAYS = 3 * 366
EARLIEST_YEAR = 1390
LATEST_YEAR = 1499


class PeriodKind(StrEnum):
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"
    CUSTOM = "custom"


class PeriodError(ValueError):
    """A filter a person sent that names no valid period; str() is the translated message."""


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: dt.date  # first day (Gregorian, local)
    end: dt.date  # the day after the last
    year: int  # Jalali year of the start
    number: int  # month 1-12, season 1-4, 0 for a year or a custom range

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def as_params(self) -> dict[str, str]:
        """The query parameters that name this period (for links to the files behind a figure)."""
        if self.kind is PeriodKind.CUSTOM:
            return {"period": "custom", "from": self.start.isoformat(), "to": self.last_day.isoformat()}
        params = {"period": self.kind.value, "year": str(self.year)}
        if self.kind is not PeriodKind.YEAR:
            params["n"] = str(self.number)
        return params


def _jalali_month_start(year: int, month: int) -> dt.date:
    return jdatetime.date(year, month, 1).togregorian()


def jalali_month(year: int, month: int) -> Period:
    """The Jalali month (1-12) of a year."""
    start = _jalali_month_start(year, month)
    end = _jalali_month_start(year + 1, 1) if month == 12 else _jalali_month_start(year, month + 1)
    return Period(PeriodKind.MONTH, start, end, year, month)


def jalali_season(year: int, season: int) -> Period:
    """Season 1-4 (spring … winter): three Jalali months."""
    start = _jalali_month_start(year, 3 * season - 2)
    end = _jalali_month_start(year + 1, 1) if season == 4 else _jalali_month_start(year, 3 * season + 1)
    return Period(PeriodKind.SEASON, start, end, year, season)


def jalali_year(year: int) -> Period:
    return Period(PeriodKind.YEAR, _jalali_month_start(year, 1), _jalali_month_start(year + 1, 1), year, 0)


def custom(start: dt.date, last_day: dt.date) -> Period:
    """From start to last_day, both included."""
    if last_day < start:
        raise PeriodError(_("The end of the period is before its start."))
    if (last_day - start).days + 1 > MAX_CUSTOM_DAYS:
        raise PeriodError(_("A custom period may span at most three years."))
    return Period(
        PeriodKind.CUSTOM, start, last_day + dt.timedelta(days=1), jdatetime.date.fromgregorian(date=start).year, 0
    )


def previous(period: Period) -> Period:
    """The period just before: the month, season or year before; a custom range of the same length."""
    if period.kind is PeriodKind.MONTH:
        return jalali_month(period.year - 1, 12) if period.number == 1 else jalali_month(period.year, period.number - 1)
    if period.kind is PeriodKind.SEASON:
        return (
            jalali_season(period.year - 1, 4) if period.number == 1 else jalali_season(period.year, period.number - 1)
        )
    if period.kind is PeriodKind.YEAR:
        return jalali_year(period.year - 1)
    return custom(period.start - dt.timedelta(days=period.days), period.start - dt.timedelta(days=1))


def current(kind: PeriodKind, today: dt.date) -> Period:
    """The month, season or year that holds today."""
    j = jdatetime.date.fromgregorian(date=today)
    if kind is PeriodKind.MONTH:
        return jalali_month(j.year, j.month)
    if kind is PeriodKind.SEASON:
        return jalali_season(j.year, (j.month - 1) // 3 + 1)
    return jalali_year(j.year)


def _int(raw: str, *, low: int, high: int, message: str) -> int:
    text = normalise_input(raw, InputKind.NUMBER)
    if not text.isdigit() or len(text) > 4 or not low <= int(text) <= high:
        raise PeriodError(message)
    return int(text)


def _date(raw: str) -> dt.date:
    text = normalise_input(raw, InputKind.CODE)
    if len(text) > 10:
        raise PeriodError(_("Write the date as 1405/09/03 (or 2026-11-24)."))
    try:
        date = parse_jalali_or_iso(text)
    except (ValueError, OverflowError):
        raise PeriodError(_("Write the date as 1405/09/03 (or 2026-11-24).")) from None
    if not EARLIEST_YEAR <= jdatetime.date.fromgregorian(date=date).year <= LATEST_YEAR:
        raise PeriodError(_("The date is outside the years the figures cover."))
    return date


def period_from_params(params, *, today: dt.date) -> Period:
    """The period a query string names: period=month|season|year|custom with year and n (month 1-12 or
    season 1-4), or from/to (Jalali 1405/09/03 or ISO dates); nothing: the current month."""
    if any("\x00" in v for key in params for v in params.getlist(key)):
        raise PeriodError(_("The filter holds a character that is not allowed."))
    kind_text = normalise_input(params.get("period", ""), InputKind.CODE).lower()
    if not kind_text:
        return current(PeriodKind.MONTH, today)
    try:
        kind = PeriodKind(kind_text)
    except ValueError:
        raise PeriodError(_("Choose a month, a season, a year or a custom period.")) from None
    if kind is PeriodKind.CUSTOM:
        if not params.get("from") or not params.get("to"):
            raise PeriodError(_("A custom period needs a first and a last day."))
        return custom(_date(params["from"]), _date(params["to"]))
    this_year = jdatetime.date.fromgregorian(date=today).year
    year_text = params.get("year", "")
    year = (
        _int(
            year_text,
            low=EARLIEST_YEAR,
            high=LATEST_YEAR,
            message=_("The year is outside the years the figures cover."),
        )
        if year_text
        else this_year
    )
    if kind is PeriodKind.YEAR:
        return jalali_year(year)
    if kind is PeriodKind.MONTH:
        n = _int(params.get("n", ""), low=1, high=12, message=_("The month must be a number from 1 to 12."))
        return jalali_month(year, n)
    n = _int(params.get("n", ""), low=1, high=4, message=_("The season must be a number from 1 to 4."))
    return jalali_season(year, n)
