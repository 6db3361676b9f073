"""The figures against a hand-made history whose medians and percentiles are worked out by hand (Aban
1405 = 2026-10-23 .. 2026-11-21)."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.roles import Role
from dashboard import presenting, selectors
from dashboard.periods import jalali_month
from dashboard.selectors import Scope
from tests.dashboard.conftest import V, at, history

ABAN = jalali_month(1405, 8)
ALL = Scope(None, None, "", False)
D1 = Scope((1,), None, "", False)
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def made(plot, people, districts, refreshed):
    citizen = people[Role.CITIZEN]
    officer = people[Role.CLERK]
    officer.first_name = "=cmd|' /C calc'!A0"
    officer.save(update_fields=["first_name"])
    a = history(
        plot,
        citizen,
        [
            V("secretariat", at(2026, 11, 1), at(2026, 11, 3), "advance"),
            V("inspection", at(2026, 11, 3), at(2026, 11, 4), "return"),
            V("inspection", at(2026, 11, 8), at(2026, 11, 10), "advance"),
            V("detailed_plan", at(2026, 11, 10)),
        ],
    )
    b = history(
        plot,
        citizen,
        [
            V("secretariat", at(2026, 11, 2), at(2026, 11, 3), "advance", dt.date(2026, 11, 2), officer),
            V("inspection", at(2026, 11, 3), at(2026, 11, 8), "advance"),
            V("issuance", at(2026, 11, 8), at(2026, 11, 12), "approve"),
        ],
        kind="fencing",
        status="issued",
        closed_at=at(2026, 11, 12),
    )
    c = history(
        plot,
        citizen,
        [V("secretariat", at(2026, 11, 5), at(2026, 11, 6), "advance"), V("inspection", at(2026, 11, 6))],
        district=2,
    )
    e = history(
        plot,
        citizen,
        [
            V("secretariat", at(2026, 11, 1), at(2026, 11, 2), "return"),
            V("secretariat", at(2026, 11, 6), at(2026, 11, 7), "reject"),
        ],
        status="rejected",
        closed_at=at(2026, 11, 7),
    )
    refreshed()
    return {"a": a, "b": b, "c": c, "e": e, "officer": officer}


def _times(scope):
    return {t.stage: t for t in selectors.stage_times(scope=scope, period=ABAN)}


def test_gross_and_net_days_per_stage(made):
    t = _times(ALL)
    sec, insp = t["secretariat"], t["inspection"]
    assert sec.spans == 4
    assert (sec.net_median_days, sec.net_p90_days) == (1.5, 2.0)
    assert (sec.gross_median_days, sec.gross_p90_days) == (1.5, 4.8)
    assert sec.within_limit_share == 0.75  # b left the secretariat after its due date
    # a: 1 day, 4 days waiting on the applicant, 2 days -> net 3, gross 7; b: 5
    assert insp.spans == 2
    assert (insp.net_median_days, insp.gross_median_days) == (4.0, 6.0)
    # c is still at the inspection and a at the plan: no span of theirs is counted
    assert t["detailed_plan"].spans == 0 and t["detailed_plan"].net_median_days is None


def test_one_district(made):
    sec = _times(D1)["secretariat"]
    assert sec.spans == 3
    assert (sec.net_median_days, sec.gross_median_days) == (2.0, 2.0)


def test_the_period_before_is_empty(made):
    before = {t.stage: t for t in selectors.stage_times(scope=ALL, period=jalali_month(1405, 7))}
    assert before["secretariat"].spans == 0


def test_decisions_and_legal_limits(made):
    d = selectors.decisions(scope=ALL, period=ABAN)
    assert (d.decided, d.issued, d.rejected) == (2, 1, 1)
    # b: 10 days, no wait; e: 6 days gross, 2 net
    assert d.gross_median_days == 8.0 and d.net_median_days == 6.0
    assert d.within_legal_share == 0.5 and d.within_council_share == 1.0
    issued = {i.kind: i.issued for i in selectors.issued_by_kind(scope=ALL, period=ABAN)}
    assert issued["fencing"] == 1 and issued["building_new"] == 0


def test_files_now_and_overdue(made):
    now = {s.stage: s for s in selectors.files_by_stage_now(scope=ALL, today=dt.date(2026, 11, 30))}
    assert (now["detailed_plan"].in_review, now["detailed_plan"].overdue) == (1, 1)
    assert now["inspection"].in_review == 1
    assert now["secretariat"].in_review == 0
    assert now["inspection"].unit == "inspector"
    only_2 = {s.stage: s for s in selectors.files_by_stage_now(scope=Scope((2,), None, "", False), today=TODAY)}
    assert only_2["detailed_plan"].in_review == 0 and only_2["inspection"].in_review == 1


def test_late_by_officer(made):
    (row,) = selectors.late_by_officer(scope=ALL, period=ABAN)
    assert row.officer_id == made["officer"].pk and (row.moved, row.late) == (1, 1)


def test_districts_map_and_stuck_files(made):
    by_number = {d.number: d for d in selectors.districts_map(scope=ALL, period=ABAN)}
    assert by_number[1].backlog == 1 and by_number[2].backlog == 1
    assert by_number[1].issued == 1 and by_number[2].issued == 0
    assert by_number[1].net_median_days == 6.0
    assert '"MultiPolygon"' in by_number[1].geometry or '"Polygon"' in by_number[1].geometry
    stuck = selectors.stuck_longest(scope=ALL, now=at(2026, 11, 30))
    assert [s.tracking_code for s in stuck] == [made["c"].tracking_code, made["a"].tracking_code]
    assert stuck[0].lon is not None and 57 < stuck[0].lon < 58


def test_files_behind_the_slowest_stage(made):
    total, rows = selectors.files_behind(scope=ALL, period=ABAN, show="stage_done", stage="inspection", today=TODAY)
    assert total == 2
    assert [r.tracking_code for r in rows] == [made["b"].tracking_code, made["a"].tracking_code]  # 5 days, then 3


def test_every_figure_but_the_labels_has_a_key_and_the_counts_link_to_files(made):
    figures = presenting.figures(scope=ALL, period=ABAN, today=TODAY)
    texts = figures.texts()
    assert texts["times.inspection.net_median"] == "۴ روز"
    keyed = [c for t in figures.tables for row in t.rows for c in row if c.key]
    # figures with no file list of their own: an officer's total moves, fines and assessed sums
    unlinked = {c.key for c in keyed if not c.href}
    assert keyed and all(
        k.endswith((".moved", ".fines")) or k.startswith("fees.assessed")
        for k in unlinked - {"fees.outstanding.before"}
    )


def test_the_view_keeps_old_rows_until_refreshed(plot, people, districts, made):
    history(
        plot,
        people[Role.CITIZEN],
        [V("secretariat", at(2026, 11, 9), at(2026, 11, 10), "advance"), V("inspection", at(2026, 11, 10))],
    )
    assert _times(ALL)["secretariat"].spans == 4
    from dashboard.services import figures_refresh

    row = figures_refresh()
    assert _times(ALL)["secretariat"].spans == 5
    assert selectors.figures_as_of() == row.finished_at
