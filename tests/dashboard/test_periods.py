"""Jalali periods and their predecessors (pure), and every bad period a query string can carry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from dashboard.periods import (
    PeriodError,
    PeriodKind,
    custom,
    jalali_month,
    jalali_season,
    jalali_year,
    period_from_params,
    previous,
)

TODAY = dt.date(2026, 11, 30)  # 1405/09/09


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_month_season_year_bounds():
    aban = jalali_month(1405, 8)
    assert (aban.start, aban.end) == (dt.date(2026, 10, 23), dt.date(2026, 11, 22))
    esfand = jalali_month(1404, 12)
    assert esfand.end == dt.date(2026, 3, 21)  # 1405/01/01, Nowruz
    autumn = jalali_season(1405, 3)
    assert (autumn.start, autumn.end) == (dt.date(2026, 9, 23), dt.date(2026, 12, 22))
    assert jalali_year(1405).days == 365


def test_previous_periods():
    assert previous(jalali_month(1405, 1)) == jalali_month(1404, 12)
    assert previous(jalali_month(1405, 8)) == jalali_month(1405, 7)
    assert previous(jalali_season(1405, 1)) == jalali_season(1404, 4)
    assert previous(jalali_year(1405)) == jalali_year(1404)
    week = custom(dt.date(2026, 11, 10), dt.date(2026, 11, 16))
    before = previous(week)
    assert (before.start, before.last_day) == (dt.date(2026, 11, 3), dt.date(2026, 11, 9))


def test_from_params():
    assert period_from_params(q(""), today=TODAY) == jalali_month(1405, 9)
    assert period_from_params(q("period=month&year=1405&n=8"), today=TODAY) == jalali_month(1405, 8)
    # typed with Persian digits, as the page shows them
    assert period_from_params(q("period=season&year=۱۴۰۵&n=۳"), today=TODAY) == jalali_season(1405, 3)
    assert period_from_params(q("period=year"), today=TODAY) == jalali_year(1405)
    c = period_from_params(q("period=custom&from=1405/08/01&to=1405/08/30"), today=TODAY)
    assert (c.kind, c.start, c.last_day) == (PeriodKind.CUSTOM, dt.date(2026, 10, 23), dt.date(2026, 11, 21))
    iso = period_from_params(q("period=custom&from=2026-10-23&to=2026-11-21"), today=TODAY)
    assert (iso.start, iso.end) == (c.start, c.end)


BAD = [
    "period=week",
    "period=month&year=1405&n=13",
    "period=month&year=1405&n=0",
    "period=month&year=1405&n=-1",
    "period=month&year=1405",
    "period=season&year=1405&n=5",
    "period=month&year=99999999999999999999&n=1",
    "period=year&year=1300",
    "period=year&year=abc",
    "period=custom&from=1405/08/01",
    "period=custom&from=1405/13/40&to=1405/08/01",
    "period=custom&from=1405/08/30&to=1405/08/01",
    "period=custom&from=1390/01/01&to=1405/08/01",
    "period=custom&from=0001-01-01&to=9999-12-31",
    "period=custom&from=1405/08/01%00&to=1405/08/02",
    "period=month%00&n=1",
    "period=custom&from=" + "1" * 5000 + "&to=1405/08/01",
    "period=custom&from=2026-02-30&to=2026-03-01",
]


@pytest.mark.hostile("dashboard period filters")
@pytest.mark.parametrize("text", BAD)
def test_bad_periods_say_why(text):
    with pytest.raises(PeriodError) as e:
        period_from_params(q(text), today=TODAY)
    assert str(e.value)
