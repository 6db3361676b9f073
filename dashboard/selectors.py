"""The dashboard's reads: who may see which figures (scope), and the figures themselves as typed records.

Figures about now (files at each stage, overdue files) read the live tables; figures about a period
(days per stage, decisions, late moves by officer) read the materialised views of migration 0002, which
the periodic job dashboard.figures_refresh keeps at most REFRESH_EVERY_MIN minutes behind. The SQL is
raw (parameters only) because percentiles, FILTER and the views have no ORM spelling worth reading;
tests/dashboard pins every figure against hand-made histories."""

# ruff: noqa: S608 - the SQL is assembled only from fixed fragments and column names of this module;
# every value is a query parameter.

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from dashboard.models import UNIT_ROLES, UnitHead
from dashboard.periods import Period
from gis_app.text import InputKind, normalise_input
from permits.workflow import STAGES, RequestKind
from reports.selectors import CategoryFigures

DAY_S = 86400.0
LEGAL_DAYS = 7  # building permit within 7 days (1992 law)
COUNCIL_DAYS = 15  # Supreme Administrative Council
REFRESH_EVERY_MIN = 5
MAX_DISTRICT = 99
STUCK_POINTS = 50


class FilterError(ValueError):
    """A dashboard filter that names nothing valid; str() is the translated message."""


@dataclass(frozen=True)
class Scope:
    """Which files the figures count: districts None = every district; stages None = every stage."""

    districts: tuple[int, ...] | None
    stages: tuple[str, ...] | None
    unit: str  # the unit filtered on ("" for all)
    read_only_head: bool  # a unit head (his unit and district only)

    @property
    def district(self) -> int | None:
        return self.districts[0] if self.districts else None

    def as_params(self) -> dict[str, str]:
        params = {}
        if self.district is not None:
            params["district"] = str(self.district)
        if self.unit:
            params["unit"] = self.unit
        return params


def _district_param(raw: str) -> int | None:
    text = normalise_input(raw, InputKind.NUMBER)
    if not text:
        return None
    if "\x00" in raw or not text.isdigit() or len(text) > 3 or not 1 <= int(text) <= MAX_DISTRICT:
        raise FilterError(_("The district must be a district number."))
    return int(text)


def _unit_param(raw: str) -> str:
    text = normalise_input(raw, InputKind.CODE)
    if not text:
        return ""
    if text not in {r.value for r in UNIT_ROLES}:
        raise FilterError(_("There is no such unit."))
    return text


def is_dashboard_reader(user) -> bool:
    """Managers, and staff appointed as unit heads."""
    if not user.is_authenticated or not user.is_active:
        return False
    return Role.MANAGER in user.roles() or UnitHead.objects.filter(user=user, user__is_staff=True).exists()


def scope_for(*, user, params) -> Scope:
    """The figures this user asked for and may see: FilterError for a filter that names nothing,
    PermissionDenied for a person who may not read the dashboard or a unit head asking beyond his unit
    and district."""
    district = _district_param(params.get("district", ""))
    unit = _unit_param(params.get("unit", ""))
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Your role may not do this."))
    if Role.MANAGER in user.roles():
        stages = tuple(c for c, s in STAGES.items() if s.role.value == unit) if unit else None
        return Scope((district,) if district else None, stages, unit, False)
    head = UnitHead.objects.filter(user=user, user__is_staff=True).first()
    if head is None:
        raise PermissionDenied(_("Your role may not do this."))
    if district not in (None, head.district) or unit not in ("", head.unit):
        raise PermissionDenied(_("You may see the figures of your own unit and district only."))
    return Scope((head.district,), head.stages(), head.unit, True)


# --- the SQL -----------------------------------------------------------------------------------------


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end, dt.time.min, tzinfo=tz)
    return start, end


def _where(scope: Scope, *, district_col: str, stage_col: str | None) -> tuple[str, list]:
    sql, params = "", []
    if scope.districts is not None:
        sql += f" AND {district_col} = ANY(%s)"
        params.append(list(scope.districts))
    if scope.stages is not None and stage_col:
        sql += f" AND {stage_col} = ANY(%s)"
        params.append(list(scope.stages))
    return sql, params


def _files_join(scope: Scope, alias: str) -> str:
    """The property files, joined only when the figures are filtered by district (f.district)."""
    return f"JOIN parcels_propertyfile f ON f.id = {alias}.file_id" if scope.districts is not None else ""


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _days(seconds) -> float | None:
    return None if seconds is None else round(seconds / DAY_S, 1)


def _share(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


@dataclass(frozen=True)
class StageNow:
    stage: str
    title: str
    unit: str
    unit_label: str
    in_review: int
    returned: int
    overdue: int


def files_by_stage_now(*, scope: Scope, today: dt.date) -> list[StageNow]:
    """Open files at each stage now: being worked on, waiting on the applicant, and past the stage's due
    date (working days)."""
    where, params = _where(scope, district_col="f.district", stage_col="r.stage")
    # the files are joined only to filter by district (a join over every open request costs time)
    join = " JOIN parcels_propertyfile f ON f.id = r.file_id" if scope.districts is not None else ""
    rows = _fetch(
        f"""SELECT r.stage,
                   count(*) FILTER (WHERE r.status = 'in_review'),
                   count(*) FILTER (WHERE r.status = 'returned'),
                   count(*) FILTER (WHERE r.status = 'in_review' AND r.stage_due_on < %s)
              FROM permits_permitrequest r{join}
             WHERE r.status IN ('in_review', 'returned'){where}
             GROUP BY r.stage""",
        [today, *params],
    )
    found = {row[0]: row for row in rows}
    return [
        StageNow(
            code,
            str(s.title),
            s.role.value,
            str(s.role.label),
            *(found.get(code, (code, 0, 0, 0))[1:]),
        )
        for code, s in STAGES.items()
        if scope.stages is None or code in scope.stages
    ]


@dataclass(frozen=True)
class StageTime:
    stage: str
    title: str
    spans: int
    gross_median_days: float | None
    gross_p90_days: float | None
    net_median_days: float | None
    net_p90_days: float | None
    within_limit_share: float | None


# The bucket of a duration s (seconds) in tenths of a day: to 0.1 day below 10 days, to a day from 10
# days up (the same expression as migration 0003's dashboard_span_month).
BUCKET_SQL = "(CASE WHEN {s} < 864000 THEN round({s} / 8640.0) ELSE round({s} / 86400.0) * 10 END)::int"


def percentile_of_histogram(buckets: list[tuple[float, int]], q: float) -> float | None:
    """percentile_cont(q) of the values a histogram holds: `buckets` as (value, how many) in ascending
    order of value; the value at rank q * (n - 1) of the sorted values, interpolated between neighbours."""
    total = sum(n for _, n in buckets)
    if not total:
        return None

    def value_at(k: int) -> float:
        seen = 0
        for value, n in buckets:
            seen += n
            if k < seen:
                return value
        return buckets[-1][0]

    rank = q * (total - 1)
    low_rank = int(rank)
    low = value_at(low_rank)
    if rank == low_rank:
        return low
    return low + (rank - low_rank) * (value_at(low_rank + 1) - low)


def _whole_months(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """The whole Gregorian months in [start, end) (local midnights): [first, after) as first days of
    months; first == after when there is none."""
    first = (
        start.date() if start.date().day == 1 else (start.date().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    )
    after = end.date().replace(day=1)
    return (first, after) if first < after else (first, first)


@dataclass(frozen=True)
class _Split:
    """A period as its whole months (read from a monthly rollup) and its edge days (from the spans)."""

    first: dt.date
    after: dt.date
    edges: list  # [start, first_at, after_at, end]: spans in [start, first_at) or [after_at, end)


def _split(period: Period) -> _Split:
    start, end = _bounds(period)
    first, after = _whole_months(start, end)
    first_at = dt.datetime.combine(first, dt.time.min, tzinfo=start.tzinfo)
    after_at = dt.datetime.combine(after, dt.time.min, tzinfo=start.tzinfo)
    if first == after:  # no whole month: every day from the spans
        first_at = after_at = end
    return _Split(first, after, [start, first_at, after_at, end])


EDGES_SQL = "(s.last_left >= %s AND s.last_left < %s OR s.last_left >= %s AND s.last_left < %s)"


def _month_where(scope: Scope) -> tuple[str, list]:
    """The rows of a monthly rollup for a scope: every district together (-1), or the districts asked."""
    where, params = " AND district = -1", []
    if scope.districts is not None:
        where, params = " AND district = ANY(%s)", [list(scope.districts)]
    if scope.stages is not None:
        where += " AND stage = ANY(%s)"
        params.append(list(scope.stages))
    return where, params


def stage_times(*, scope: Scope, period: Period) -> list[StageTime]:
    """Median and p90 days per stage, gross and net of the applicant's waits, for the stage spans that
    ended in the period, and the share that kept every visit within the stage's own time limit.

    Read from histograms of 0.1-day buckets (a day from 10 days up): the period's whole months from the
    monthly rollup dashboard_span_month, the days at its edges from dashboard_stage_span bucketed the
    same way; the percentiles are then exact to the bucket width."""
    split = _split(period)
    month_where, month_params = _month_where(scope)
    span_where, span_params = _where(scope, district_col="s.district", stage_col="s.stage")
    rows = _fetch(
        f"""WITH h AS (
                SELECT stage, measure, bucket, n, within FROM dashboard_span_month
                 WHERE month >= %s AND month < %s{month_where}
                UNION ALL
                SELECT s.stage, m.measure, {BUCKET_SQL.format(s="m.secs")}, 1,
                       CASE WHEN s.within_limit THEN 1 ELSE 0 END
                  FROM dashboard_stage_span s, LATERAL (VALUES ('n', s.net_s), ('g', s.gross_s)) AS m(measure, secs)
                 WHERE {EDGES_SQL}{span_where})
            SELECT stage, measure, bucket, sum(n)::int, sum(within)::int FROM h
             GROUP BY stage, measure, bucket ORDER BY stage, measure, bucket""",
        [split.first, split.after, *month_params, *split.edges, *span_params],
    )
    hist: dict[tuple[str, str], list[tuple[float, int]]] = {}
    within: dict[str, int] = {}
    for stage, measure, bucket, n, w in rows:
        hist.setdefault((stage, measure), []).append((bucket / 10, n))
        if measure == "n":
            within[stage] = within.get(stage, 0) + w
    out = []
    for code, st in STAGES.items():
        if scope.stages is not None and code not in scope.stages:
            continue
        net, gross = hist.get((code, "n"), []), hist.get((code, "g"), [])
        n = sum(c for _, c in net)

        def days(buckets, q):
            value = percentile_of_histogram(buckets, q)
            return None if value is None else round(value, 1)

        out.append(
            StageTime(
                code,
                str(st.title),
                n,
                days(gross, 0.5),
                days(gross, 0.9),
                days(net, 0.5),
                days(net, 0.9),
                _share(within.get(code, 0), n),
            )
        )
    return out


@dataclass(frozen=True)
class Decisions:
    decided: int
    issued: int
    rejected: int
    gross_median_days: float | None
    net_median_days: float | None
    net_p90_days: float | None
    within_legal_share: float | None  # net days <= LEGAL_DAYS
    within_council_share: float | None  # net days <= COUNCIL_DAYS


@dataclass(frozen=True)
class IssuedByKind:
    kind: str
    label: str
    issued: int


def decisions(*, scope: Scope, period: Period) -> Decisions:
    """Requests decided (issued or rejected) in the period: counts, median days from submission to
    decision, and the share decided within the legal limits (calendar days, net of the applicant's waits)."""
    start, end = _bounds(period)
    where, params = _where(scope, district_col="district", stage_col=None)
    (row,) = _fetch(
        f"""SELECT count(*), count(*) FILTER (WHERE status = 'issued'), count(*) FILTER (WHERE status = 'rejected'),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY gross_s),
                   percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY net_s),
                   count(*) FILTER (WHERE net_s <= %s), count(*) FILTER (WHERE net_s <= %s)
              FROM dashboard_decision
             WHERE closed_at >= %s AND closed_at < %s{where}""",
        [LEGAL_DAYS * DAY_S, COUNCIL_DAYS * DAY_S, start, end, *params],
    )
    n, issued, rejected, gross, net, legal, council = row
    net = net or [None, None]
    return Decisions(
        n, issued, rejected, _days(gross), _days(net[0]), _days(net[1]), _share(legal, n), _share(council, n)
    )


def issued_by_kind(*, scope: Scope, period: Period) -> list[IssuedByKind]:
    """Permits and certificates issued in the period, by request type."""
    start, end = _bounds(period)
    where, params = _where(scope, district_col="district", stage_col=None)
    rows = dict(
        _fetch(
            f"""SELECT kind, count(*) FROM dashboard_decision
                 WHERE status = 'issued' AND closed_at >= %s AND closed_at < %s{where} GROUP BY kind""",
            [start, end, *params],
        )
    )
    return [IssuedByKind(k.value, str(k.label), rows.get(k.value, 0)) for k in RequestKind]


@dataclass(frozen=True)
class OfficerLate:
    officer_id: int
    name: str
    moved: int
    late: int


def late_by_officer(*, scope: Scope, period: Period, limit: int = 20) -> list[OfficerLate]:
    """Officers who moved files out of a stage in the period, the most late moves first: how many they
    moved and how many of those had passed the stage's due date."""
    split = _split(period)
    month_where, month_params = _month_where(scope)
    where, params = _where(scope, district_col="s.district", stage_col="s.stage")
    rows = _fetch(
        f"""WITH h AS (
                SELECT officer_id, moved, late FROM dashboard_late_month
                 WHERE month >= %s AND month < %s{month_where}
                UNION ALL
                SELECT coalesce(s.officer_id, 0), 1, CASE WHEN s.within_limit THEN 0 ELSE 1 END
                  FROM dashboard_stage_span s
                 WHERE {EDGES_SQL}{where}),
            late AS (
                SELECT officer_id, sum(moved)::int AS moved, sum(late)::int AS late FROM h
                 WHERE officer_id <> 0 GROUP BY officer_id HAVING sum(late) > 0
                 ORDER BY late DESC, officer_id LIMIT %s)
            SELECT late.officer_id, coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username),
                   late.moved, late.late
              FROM late JOIN accounts_user u ON u.id = late.officer_id
             ORDER BY late.late DESC, late.officer_id""",
        [split.first, split.after, *month_params, *split.edges, *params, limit],
    )
    return [OfficerLate(*row) for row in rows]


@dataclass(frozen=True)
class Fees:
    assessed_irr: int
    collected_irr: int
    outstanding_irr: int


def fees(*, scope: Scope, period: Period) -> Fees:
    """Fees assessed (current assessments made in the period), collected (bills paid in it), and
    outstanding now (bills unpaid)."""
    start, end = _bounds(period)
    where, params = _where(scope, district_col="f.district", stage_col=None)
    (assessed,) = _fetch(
        f"""SELECT coalesce(sum(a.total_irr), 0) FROM fees_assessment a {_files_join(scope, "a")}
             WHERE a.status = 'current' AND a.created_at >= %s AND a.created_at < %s{where}""",
        [start, end, *params],
    )[0]
    collected, outstanding = _fetch(
        f"""SELECT coalesce(sum(b.amount_irr) FILTER (WHERE b.status = 'paid'
                                                         AND b.paid_at >= %s AND b.paid_at < %s), 0),
                   coalesce(sum(b.amount_irr) FILTER (WHERE b.status = 'unpaid'), 0)
              FROM fees_bill b {_files_join(scope, "b")}
             WHERE (b.status = 'unpaid' OR b.paid_at >= %s AND b.paid_at < %s){where}""",
        [start, end, start, end, *params],
    )[0]
    return Fees(int(assessed), int(collected), int(outstanding))


@dataclass(frozen=True)
class ViolationCount:
    status: str
    label: str
    recorded: int  # recorded in the period, by where they stand now
    decided: int  # decided by the commission in the period
    fines_irr: int  # fines decided in the period


def violations(*, scope: Scope, period: Period) -> list[ViolationCount]:
    """Violations recorded in the period and the commission's outcomes decided in it, by status."""
    from violations.models import ViolationStatus

    start, end = _bounds(period)
    where, params = _where(scope, district_col="f.district", stage_col=None)
    rows = _fetch(
        f"""SELECT v.status,
                   count(*) FILTER (WHERE v.recorded_at >= %s AND v.recorded_at < %s),
                   count(*) FILTER (WHERE v.decided_at >= %s AND v.decided_at < %s),
                   coalesce(sum(v.verdict_fine_irr) FILTER (WHERE v.decided_at >= %s AND v.decided_at < %s), 0)
              FROM violations_violation v {_files_join(scope, "v")}
             WHERE (v.recorded_at >= %s AND v.recorded_at < %s OR v.decided_at >= %s AND v.decided_at < %s){where}
             GROUP BY v.status""",
        [start, end] * 5 + params,
    )
    found = {row[0]: row for row in rows}
    return [
        ViolationCount(s.value, str(s.label), *(int(x) for x in found.get(s.value, (s.value, 0, 0, 0))[1:]))
        for s in ViolationStatus
    ]


# --- citizen reports -------------------------------------------------------------------------------------


def _reports_where(scope: Scope) -> tuple[str, list]:
    """A unit head (or a unit filter) counts the reports routed to that unit; a district filter the
    reports whose point lies in it."""
    where, params = _where(scope, district_col="district", stage_col=None)
    if scope.unit:
        where += " AND unit = %s"
        params.append(scope.unit)
    return where, params


def report_categories(*, scope: Scope, period: Period) -> list[CategoryFigures]:
    """Citizen reports received in the period, by category: how many, how many closed, how many closed by
    their due date (the category's limit), and the median days from receipt to closing (the same
    definitions as reports.selectors.report_figures, which has no unit filter). One statement."""
    from reports.models import ReportStatus
    from reports.routing import Category

    start, end = _bounds(period)
    where, params = _reports_where(scope)
    rows = _fetch(
        f"""SELECT category, count(*),
                   count(*) FILTER (WHERE status = %s),
                   count(*) FILTER (WHERE status = %s AND (closed_at AT TIME ZONE %s)::date <= due_on),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - received_at))
                       FILTER (WHERE status = %s)
              FROM reports_report
             WHERE received_at >= %s AND received_at < %s{where}
             GROUP BY category""",
        [ReportStatus.CLOSED, ReportStatus.CLOSED, settings.TIME_ZONE, ReportStatus.CLOSED, start, end, *params],
    )
    found = {row[0]: row for row in rows}
    out = []
    for c in Category:
        _, received, closed, in_time, median = found.get(c.value, (c.value, 0, 0, 0, None))
        out.append(CategoryFigures(c.value, str(c.label), received, closed, in_time, _days(median)))
    return out


class ReportList:
    RECEIVED = "received"  # every report received in the period
    CLOSED = "closed"  # of those, the closed ones
    IN_TIME = "in_time"  # of those, the ones closed by their due date
    STATES = (RECEIVED, CLOSED, IN_TIME)


@dataclass(frozen=True)
class ReportRow:
    pk: int
    tracking_code: str
    category: str
    status: str
    district: int | None
    received_at: dt.datetime
    days_to_close: float | None


def reports_behind(
    *, scope: Scope, period: Period, category: str = "", state: str = ReportList.RECEIVED, limit: int = 200
) -> tuple[int, list[ReportRow]]:
    """The citizen reports behind a figure of the reports table: how many and the first `limit`, the
    slowest to close first (the open ones, oldest first, after them)."""
    from reports.models import ReportStatus
    from reports.routing import Category

    if category and category not in Category.values:
        raise FilterError(_("There is no such category of report."))
    if state not in ReportList.STATES:
        raise FilterError(_("There is no such list of reports."))
    start, end = _bounds(period)
    where, params = _reports_where(scope)
    if category:
        where += " AND category = %s"
        params.append(category)
    if state in (ReportList.CLOSED, ReportList.IN_TIME):
        where += " AND status = %s"
        params.append(ReportStatus.CLOSED)
    if state == ReportList.IN_TIME:
        where += " AND (closed_at AT TIME ZONE %s)::date <= due_on"
        params.append(settings.TIME_ZONE)
    base = f"FROM reports_report WHERE received_at >= %s AND received_at < %s{where}"
    params = [start, end, *params]
    ((total,),) = _fetch(f"SELECT count(*) {base}", params)
    rows = _fetch(
        f"""SELECT id, tracking_code, category, status, district, received_at,
                   extract(epoch FROM closed_at - received_at)::float8 {base}
             ORDER BY closed_at - received_at DESC NULLS LAST, received_at, id LIMIT %s""",
        [*params, limit],
    )
    return total, [ReportRow(i, t, c, s, d, r, _days(sec)) for i, t, c, s, d, r, sec in rows]


# --- the map -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictFigures:
    number: int
    name: str
    name_en: str
    geometry: str  # GeoJSON, EPSG:4326, simplified
    backlog: int
    issued: int
    violations: int
    net_median_days: float | None


def districts_map(*, scope: Scope, period: Period) -> list[DistrictFigures]:
    """Each live district's outline (simplified, in 4326) with its backlog now, permits issued, violations
    recorded and the median net days to a decision in the period: one statement."""
    from parcels.selectors import live_districts

    version_ids = list(live_districts().values_list("version_id", flat=True)[:1])
    if not version_ids:
        return []
    start, end = _bounds(period)
    where, params = ("", [])
    if scope.districts is not None:
        where, params = " AND d.number = ANY(%s)", [list(scope.districts)]
    rows = _fetch(
        # a period's violations look their file's district up one by one (an index probe each: a join
        # would hash every property file of the city first); the open requests are many, and a join is
        # cheaper for them
        f"""WITH backlog AS (
                SELECT f.district, count(*) AS n FROM permits_permitrequest r
                  JOIN parcels_propertyfile f ON f.id = r.file_id
                 WHERE r.status IN ('in_review', 'returned') GROUP BY f.district),
            decided AS (
                SELECT district, count(*) FILTER (WHERE status = 'issued') AS issued,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY net_s) AS net_median
                  FROM dashboard_decision WHERE closed_at >= %s AND closed_at < %s GROUP BY district),
            viol AS (
                SELECT (SELECT f.district FROM parcels_propertyfile f WHERE f.id = v.file_id) AS district,
                       count(*) AS n
                  FROM violations_violation v
                 WHERE v.recorded_at >= %s AND v.recorded_at < %s GROUP BY 1)
            SELECT d.number, coalesce(nullif(d.name, ''), d.number::text),
                   coalesce(nullif(d.name_en, ''), nullif(d.name, ''), d.number::text),
                   ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(d.geom, 5), 4326), 6),
                   coalesce(b.n, 0), coalesce(x.issued, 0), coalesce(vi.n, 0), x.net_median
              FROM parcels_district d
              LEFT JOIN backlog b ON b.district = d.number
              LEFT JOIN decided x ON x.district = d.number
              LEFT JOIN viol vi ON vi.district = d.number
             WHERE d.version_id = %s{where}
             ORDER BY d.number""",
        [start, end, start, end, version_ids[0], *params],
    )
    return [DistrictFigures(n, name, en, g, b, i, v, _days(m)) for n, name, en, g, b, i, v, m in rows]


@dataclass(frozen=True)
class StuckFile:
    tracking_code: str
    file_code: str
    stage: str
    stage_title: str
    district: int | None
    days: float
    lon: float | None
    lat: float | None


def stuck_longest(*, scope: Scope, now: dt.datetime, limit: int = STUCK_POINTS) -> list[StuckFile]:
    """The open files in review that have waited longest at their current stage, with a point (4326)."""
    where, params = _where(scope, district_col="f.district", stage_col="r.stage")
    rows = _fetch(
        f"""WITH top AS (
                SELECT r.tracking_code, r.file_id, r.stage, r.stage_entered_at, r.id
                  FROM permits_permitrequest r
                  {"JOIN parcels_propertyfile f ON f.id = r.file_id" if scope.districts is not None else ""}
                 WHERE r.status = 'in_review' AND r.stage_entered_at IS NOT NULL{where}
                 ORDER BY r.stage_entered_at, r.id LIMIT %s)
            SELECT top.tracking_code, f.code, top.stage, f.district,
                   extract(epoch FROM %s - top.stage_entered_at)::float8,
                   ST_X(ST_Transform(p.anchor, 4326)), ST_Y(ST_Transform(p.anchor, 4326))
              FROM top
              JOIN parcels_propertyfile f ON f.id = top.file_id
              LEFT JOIN LATERAL (SELECT anchor FROM parcels_parcel WHERE id = f.parcel_id LIMIT 1) p ON true
             ORDER BY top.stage_entered_at, top.id""",
        [*params, limit, now],
    )
    return [
        StuckFile(t, c, s, str(STAGES[s].title), d, round(sec / DAY_S, 1), lon, lat)
        for t, c, s, d, sec, lon, lat in rows
    ]


# --- the files behind a figure -----------------------------------------------------------------------


class FileList:
    OPEN = "open"  # files at a stage now (optionally overdue or returned)
    STAGE_DONE = "stage_done"  # spans that ended at a stage in the period, slowest first
    DECIDED = "decided"  # requests decided in the period
    LATE = "late"  # spans an officer moved late in the period
    VIOLATIONS = "violations"  # violations recorded (or decided) in the period, by status now
    BILLS = "bills"  # bills paid in the period, or unpaid now


@dataclass(frozen=True)
class FileRow:
    tracking_code: str
    file_code: str
    kind: str
    stage: str
    district: int | None
    days: float | None  # days at the stage, or to the decision (net)


def _spans_counted(scope: Scope, period: Period, *, stage: str, late: bool, officer: int | None) -> int:
    """How many stage spans ended in the period (at a stage, late, moved by an officer): the whole months
    from dashboard_late_month, the edge days from the spans."""
    split = _split(period)
    month_where, month_params = _month_where(scope)
    where, params = _where(scope, district_col="s.district", stage_col="s.stage")
    for value, month_sql, span_sql in (
        (stage or None, " AND stage = %s", " AND s.stage = %s"),
        (officer, " AND officer_id = %s", " AND s.officer_id = %s"),
    ):
        if value is not None:
            month_where += month_sql
            month_params.append(value)
            where += span_sql
            params.append(value)
    if late:
        where += " AND NOT s.within_limit"
    ((total,),) = _fetch(
        f"""SELECT (SELECT coalesce(sum({"late" if late else "moved"}), 0) FROM dashboard_late_month
                     WHERE month >= %s AND month < %s{month_where})
                 + (SELECT count(*) FROM dashboard_stage_span s WHERE {EDGES_SQL}{where})""",
        [split.first, split.after, *month_params, *split.edges, *params],
    )
    return int(total)


def files_behind(
    *,
    scope: Scope,
    period: Period,
    show: str,
    stage: str = "",
    state: str = "",
    kind: str = "",
    officer: int | None = None,
    today: dt.date,
    limit: int = 200,
) -> tuple[int, list[FileRow]]:
    """The files behind a figure: how many there are and the first `limit` of them (slowest first)."""
    if stage and stage not in STAGES:
        raise FilterError(_("There is no such stage."))
    if stage and scope.stages is not None and stage not in scope.stages:
        raise PermissionDenied(_("You may see the figures of your own unit and district only."))
    start, end = _bounds(period)
    total = None
    if show == FileList.OPEN:
        where, params = _where(scope, district_col="f.district", stage_col="r.stage")
        if stage:
            where += " AND r.stage = %s"
            params.append(stage)
        status = "returned" if state == "returned" else "in_review"
        if state == "overdue":
            where += " AND r.stage_due_on < %s"
            params.append(today)
        base = f"""FROM permits_permitrequest r JOIN parcels_propertyfile f ON f.id = r.file_id
                   WHERE r.status = %s{where}"""
        params = [status, *params]
        select = f"""SELECT r.tracking_code, f.code, r.kind, r.stage, f.district,
                            extract(epoch FROM now() - r.stage_entered_at)::float8 {base}
                     ORDER BY r.stage_entered_at NULLS LAST, r.id LIMIT %s"""
    elif show in (FileList.STAGE_DONE, FileList.LATE):
        where, params = _where(scope, district_col="s.district", stage_col="s.stage")
        if stage:
            where += " AND s.stage = %s"
            params.append(stage)
        if show == FileList.LATE:
            where += " AND NOT s.within_limit"
            if officer is not None:
                where += " AND s.officer_id = %s"
                params.append(officer)
        base = f"""FROM dashboard_stage_span s WHERE s.last_left >= %s AND s.last_left < %s{where}"""
        params = [start, end, *params]
        select = f"""WITH top AS (SELECT s.request_id, s.file_id, s.kind, s.stage, s.district, s.net_s {base}
                                  ORDER BY s.net_s DESC, s.request_id LIMIT %s)
                     SELECT r.tracking_code, f.code, top.kind, top.stage, top.district, top.net_s
                       FROM top JOIN permits_permitrequest r ON r.id = top.request_id
                       JOIN parcels_propertyfile f ON f.id = top.file_id
                      ORDER BY top.net_s DESC, top.request_id"""
        total = _spans_counted(scope, period, stage=stage, late=show == FileList.LATE, officer=officer)
    elif show == FileList.DECIDED:
        where, params = _where(scope, district_col="x.district", stage_col=None)
        if state in ("issued", "rejected"):
            where += " AND x.status = %s"
            params.append(state)
        if kind:
            where += " AND x.kind = %s"
            params.append(kind)
        base = f"""FROM dashboard_decision x WHERE x.closed_at >= %s AND x.closed_at < %s{where}"""
        params = [start, end, *params]
        select = f"""WITH top AS (SELECT x.request_id, x.file_id, x.kind, x.district, x.net_s {base}
                                  ORDER BY x.net_s DESC, x.request_id LIMIT %s)
                     SELECT r.tracking_code, f.code, top.kind, r.stage, top.district, top.net_s
                       FROM top JOIN permits_permitrequest r ON r.id = top.request_id
                       JOIN parcels_propertyfile f ON f.id = top.file_id
                      ORDER BY top.net_s DESC, top.request_id"""
    elif show in (FileList.VIOLATIONS, FileList.BILLS):
        # rows of the property file, with its latest request (if any) to open
        where, params = _where(scope, district_col="f.district", stage_col=None)
        latest = """(SELECT r.tracking_code FROM permits_permitrequest r WHERE r.file_id = f.id
                      ORDER BY r.created_at DESC, r.id DESC LIMIT 1)"""
        if show == FileList.VIOLATIONS:
            when = "v.decided_at" if state == "decided" else "v.recorded_at"
            base = f"""FROM violations_violation v JOIN parcels_propertyfile f ON f.id = v.file_id
                       WHERE {when} >= %s AND {when} < %s{where}"""
            params = [start, end, *params]
            if kind:
                base += " AND v.status = %s"
                params.append(kind)
            select = f"""SELECT coalesce({latest}, ''), f.code, v.kind, '', f.district,
                                extract(epoch FROM now() - v.recorded_at)::float8 {base}
                         ORDER BY v.recorded_at, v.id LIMIT %s"""
        else:
            if state == "unpaid":
                base = f"""FROM fees_bill b JOIN parcels_propertyfile f ON f.id = b.file_id
                           WHERE b.status = 'unpaid'{where}"""
            else:
                base = f"""FROM fees_bill b JOIN parcels_propertyfile f ON f.id = b.file_id
                           WHERE b.status = 'paid' AND b.paid_at >= %s AND b.paid_at < %s{where}"""
                params = [start, end, *params]
            select = f"""SELECT coalesce({latest}, ''), f.code, b.kind, '', f.district,
                                extract(epoch FROM now() - b.issued_at)::float8 {base}
                         ORDER BY b.issued_at, b.id LIMIT %s"""
    else:
        raise FilterError(_("There is no such list of files."))
    if total is None:
        ((total,),) = _fetch(f"SELECT count(*) {base}", params)
    rows = _fetch(select, [*params, limit])
    return total, [FileRow(t, c, k, s, d, _days(sec)) for t, c, k, s, d, sec in rows]


def figures_as_of() -> dt.datetime | None:
    """When the period figures were last refreshed (the refresh job records it)."""
    from dashboard.models import FiguresRefresh

    row = FiguresRefresh.objects.order_by("-finished_at").first()
    return row.finished_at if row else None


# --- the public transparency page ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicDistrict:
    number: int
    name: str
    name_en: str
    geometry: str
    issued_this_year: int
    issued_last_year: int
    net_median_days_this_year: float | None


@dataclass(frozen=True)
class Transparency:
    this_year: Period  # from the first day of this Jalali year to today
    last_year: Period  # the same days of last year
    decided_this_year: Decisions
    decided_last_year: Decisions
    districts: list[PublicDistrict]


def transparency(*, today: dt.date) -> Transparency:
    """No personal data: permits issued by district and median days to a decision, this year to date
    against the same days of last year."""
    from dashboard.periods import PeriodKind, current, custom

    year = current(PeriodKind.YEAR, today)
    this = custom(year.start, today)
    last_start = current(PeriodKind.YEAR, year.start - dt.timedelta(days=1)).start
    last = custom(last_start, last_start + dt.timedelta(days=this.days - 1))
    everything = Scope(None, None, "", False)
    now_map = districts_map(scope=everything, period=this)
    last_map = {d.number: d for d in districts_map(scope=everything, period=last)}
    return Transparency(
        this,
        last,
        decisions(scope=everything, period=this),
        decisions(scope=everything, period=last),
        [
            PublicDistrict(
                d.number,
                d.name,
                d.name_en,
                d.geometry,
                d.issued,
                last_map[d.number].issued if d.number in last_map else 0,
                d.net_median_days,
            )
            for d in now_map
        ],
    )
