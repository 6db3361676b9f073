"""The days per stage read from the monthly histogram (dashboard_span_month) plus the spans at a period's
edges: against percentile_cont over the exact spans, for periods with and without whole months, and the
cumulative-sum percentile against the definition."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection

from accounts.roles import Role
from dashboard import selectors
from dashboard.periods import custom, jalali_month, jalali_season
from dashboard.selectors import Scope, percentile_of_histogram
from tests.dashboard.conftest import TZ, V, history

ALL = Scope(None, None, "", False)


def percentile_cont(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("q", [0.0, 0.5, 0.9, 1.0])
def test_the_histogram_percentile_is_percentile_cont(seed, q):
    rng = random.Random(seed)
    values = [rng.randint(0, 40) / 10 for _ in range(rng.randint(1, 30))]
    buckets = sorted({v: values.count(v) for v in values}.items())
    assert percentile_of_histogram(buckets, q) == pytest.approx(percentile_cont(values, q))


def test_an_empty_histogram():
    assert percentile_of_histogram([], 0.5) is None
    assert percentile_of_histogram([(1.0, 0)], 0.5) is None


def test_whole_months():
    start = dt.datetime(2026, 10, 30, tzinfo=TZ)
    assert selectors._whole_months(start, dt.datetime(2026, 12, 6, tzinfo=TZ)) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
    )
    assert selectors._whole_months(dt.datetime(2026, 11, 1, tzinfo=TZ), dt.datetime(2027, 1, 1, tzinfo=TZ)) == (
        dt.date(2026, 11, 1),
        dt.date(2027, 1, 1),
    )
    first, after = selectors._whole_months(start, dt.datetime(2026, 11, 20, tzinfo=TZ))
    assert first == after


@pytest.fixture
def spread(plot, people, districts, refreshed):
    """Secretariat spans ending from September to January at odd hours (not whole tenths of a day)."""
    rng = random.Random(21)
    citizen = people[Role.CITIZEN]
    officers = [people[Role.CLERK], people[Role.PERMIT_OFFICER], people[Role.INSPECTOR]]
    for i in range(60):
        entered = dt.datetime(2026, 9, 1, 8, tzinfo=TZ) + dt.timedelta(hours=rng.randint(0, 24 * 140))
        left = entered + dt.timedelta(minutes=rng.randint(30, 60 * 24 * 25))
        history(
            plot,
            citizen,
            [V("secretariat", entered, left, "advance", left_by=officers[i % 3]), V("inspection", left)],
            district=1 + i % 2,
        )
    refreshed()


def _exact(scope, period):
    start, end = selectors._bounds(period)
    extra = " AND district = ANY(%s)" if scope.districts else ""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY net_s / 86400),"  # noqa: S608
            " percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY gross_s / 86400)"
            f" FROM dashboard_stage_span WHERE stage = 'secretariat' AND last_left >= %s AND last_left < %s{extra}",
            [start, end] + ([list(scope.districts)] if scope.districts else []),
        )
        return cur.fetchone()


def _width(days: float) -> float:
    """Half a bucket (0.05 day below 10 days, half a day from 10 up), plus the display's rounding."""
    return (0.05 if days < 10 else 0.5) + 0.05 + 1e-9


@pytest.mark.parametrize(
    "period",
    [
        jalali_month(1405, 8),  # inside two Gregorian months: edges only
        jalali_season(1405, 3),  # whole Gregorian months and edges
        custom(dt.date(2026, 10, 1), dt.date(2026, 12, 31)),  # whole months only
        custom(dt.date(2026, 9, 15), dt.date(2027, 1, 20)),
    ],
)
@pytest.mark.parametrize("scope", [ALL, Scope((2,), None, "", False), Scope((1,), ("secretariat",), "clerk", True)])
def test_stage_times_match_the_exact_percentiles_to_the_bucket_width(spread, period, scope):
    (sec,) = [t for t in selectors.stage_times(scope=scope, period=period) if t.stage == "secretariat"]
    n, net, gross = _exact(scope, period)
    assert sec.spans == n and n > 0
    for got, want in (
        (sec.net_median_days, net[0]),
        (sec.net_p90_days, net[1]),
        (sec.gross_median_days, gross[0]),
        (sec.gross_p90_days, gross[1]),
    ):
        assert abs(got - want) <= _width(want), (got, want)


PERIODS = [
    jalali_month(1405, 8),
    jalali_season(1405, 3),
    custom(dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    custom(dt.date(2026, 9, 15), dt.date(2027, 1, 20)),
]


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("scope", [ALL, Scope((1,), None, "", False)])
def test_late_by_officer_and_the_counts_behind_match_the_spans(spread, people, period, scope):
    start, end = selectors._bounds(period)
    extra = " AND district = ANY(%s)" if scope.districts else ""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT officer_id, count(*), count(*) FILTER (WHERE NOT within_limit) FROM dashboard_stage_span"  # noqa: S608
            f" WHERE last_left >= %s AND last_left < %s{extra} GROUP BY officer_id"
            " HAVING count(*) FILTER (WHERE NOT within_limit) > 0 ORDER BY 3 DESC, 1",
            [start, end] + ([list(scope.districts)] if scope.districts else []),
        )
        want = cur.fetchall()
    got = [(o.officer_id, o.moved, o.late) for o in selectors.late_by_officer(scope=scope, period=period)]
    assert got == want and want
    today = dt.date(2026, 11, 30)
    done, _ = selectors.files_behind(scope=scope, period=period, show="stage_done", stage="secretariat", today=today)
    late, rows = selectors.files_behind(scope=scope, period=period, show="late", today=today)
    officer = want[0][0]
    mine, _ = selectors.files_behind(scope=scope, period=period, show="late", officer=officer, today=today)
    assert done == _exact(scope, period)[0]
    assert late == sum(x for _, _, x in want) and mine == want[0][2]
    assert len(rows) == min(late, 200)
