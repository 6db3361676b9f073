"""Benchmark: the manager's dashboard on a synthetic city history.

    scripts/bench.sh dashboard [--scale 1.0] [--rounds 40] [--keep]

A fresh database (bench_dashboard) gets, deterministically (seeded), at --scale 1: 1,000,000 parcels
(a grid of 10 m x 25 m plots), 8 districts (strips across the grid), 100,000 property files with one
permit request each and their stage history (about 1,000,000 stage visits: every stage of the request
type, returns to the applicant with waits, late visits, 85 % decided), 20,000 violations, 100,000
bills and 50,000 citizen reports (six categories routed as reports.routing says, received over three
years at points of the grid, 80 % closed after 0 to 24 days).

Then the two materialised views are refreshed (the time is printed: it bounds how fresh the period
figures are), and every dashboard query is timed over --rounds random Jalali months (and seasons and
years), all districts and one district at a time, printed as p50/p95 beside a plain count(*) of the
same rows in the same run. Targets (issue 21): every query p95 < 100 ms, the district choropleth
< 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

SEED = 1405
E0, N0 = 540_000.0, 4_140_000.0  # a city-sized grid in UTM 40N, east of the sample city
COLUMNS = 1000  # parcels per row of the grid
DISTRICTS = 8
OFFICERS = 60


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


# --- the generator (runs inside Django, against the bench database) ----------------------------------


def _visits_for(rng: random.Random, stages: tuple[str, ...], limits: dict, start: float, *, finish: bool):
    """One request's visits as (stage, entered, left, outcome, due_in_days); times in seconds."""
    out = []
    t = start
    day = 86400.0
    last = len(stages) - 1 if finish else rng.randrange(len(stages))
    for i, code in enumerate(stages[: last + 1]):
        while True:
            stay = rng.expovariate(1 / (limits[code] * 0.8)) * day + 3600
            open_now = not finish and i == last
            if open_now:
                out.append((code, t, None, "", limits[code]))
                return out, t
            if rng.random() < 0.08:  # returned to the applicant, who answers after a wait
                out.append((code, t, t + stay, "return", limits[code]))
                t += stay + rng.uniform(1, 20) * day
                continue
            outcome = "approve" if i == len(stages) - 1 else "advance"
            if finish and i == len(stages) - 1 and rng.random() < 0.12:
                outcome = "reject"
            out.append((code, t, t + stay, outcome, limits[code]))
            t += stay
            break
    return out, t


def generate(scale: float) -> dict:
    """Write the synthetic history; returns the row counts and how long each part took."""
    import datetime as dt
    import io

    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from gis_app.models import DatasetVersion
    from permits.workflow import REQUEST_TYPES, STAGES

    rng = random.Random(SEED)
    n_parcels = int(1_000_000 * scale)
    n_files = int(100_000 * scale)
    rows_n = -(-n_parcels // COLUMNS)
    took = {}
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        pv = DatasetVersion.objects.create(kind="parcels", source_name="bench grid", source_sha256="0" * 64)
        dv = DatasetVersion.objects.create(kind="districts", source_name="bench strips", source_sha256="0" * 64)
        DatasetVersion.objects.filter(kind__in=["parcels", "districts"]).exclude(pk__in=[pv.pk, dv.pk]).update(
            is_active=False
        )
        DatasetVersion.objects.filter(pk__in=[pv.pk, dv.pk]).update(is_active=True)
        cur.execute(
            """INSERT INTO parcels_parcel (version_id, geom, anchor, file_code, geom_hash, source_id, registry_plate,
                                           renovation_code, address, postal_code, deed_area_m2)
               SELECT %s,
                      ST_Multi(ST_MakeEnvelope(%s + (i %% %s) * 10, %s + (i / %s) * 25,
                                               %s + (i %% %s) * 10 + 10, %s + (i / %s) * 25 + 25, 32640)),
                      ST_SetSRID(ST_MakePoint(%s + (i %% %s) * 10 + 5, %s + (i / %s) * 25 + 12.5), 32640),
                      'B' || i, md5(i::text), '', '', '', '', '', 250
                 FROM generate_series(0, %s - 1) AS i""",
            [pv.pk, E0, COLUMNS, N0, COLUMNS, E0, COLUMNS, N0, COLUMNS, E0, COLUMNS, N0, COLUMNS, n_parcels],
        )
        width = COLUMNS * 10 / DISTRICTS
        cur.execute(
            """INSERT INTO parcels_district (version_id, number, name, name_en, geom)
               SELECT %s, d, 'منطقه ' || d, 'District ' || d,
                      ST_Multi(ST_MakeEnvelope(%s + (d - 1) * %s, %s, %s + d * %s, %s + %s * 25, 32640))
                 FROM generate_series(1, %s) AS d""",
            [dv.pk, E0, width, N0, E0, width, N0, rows_n, DISTRICTS],
        )
        took["parcels_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        applicant = User.objects.create_user(username="bench-applicant", password=None)
        group, _ = Group.objects.get_or_create(name="clerk")
        officers = [
            User(username=f"bench-officer-{i}", first_name=f"کارشناس {i}", is_staff=True) for i in range(OFFICERS)
        ]
        User.objects.bulk_create(officers)
        officer_ids = list(User.objects.filter(username__startswith="bench-officer-").values_list("id", flat=True))
        group.user_set.add(*officer_ids)
        # one file per 10th parcel, its district by the strip it lies in
        cur.execute(
            """INSERT INTO parcels_propertyfile (code, parcel_id, district, status, opened_at)
               SELECT 'B' || (k * 10), p.id, 1 + floor(((k * 10) %% %s) * 10 / %s)::int, 'open', now()
                 FROM generate_series(0, %s - 1) AS k
                 JOIN parcels_parcel p ON p.version_id = %s AND p.file_code = 'B' || (k * 10)""",
            [COLUMNS, width, n_files, pv.pk],
        )
        cur.execute("SELECT id, parcel_id FROM parcels_propertyfile WHERE code LIKE 'B%%' ORDER BY id")
        files = cur.fetchall()
        kinds = list(REQUEST_TYPES)
        limits = {code: s.working_days for code, s in STAGES.items()}
        now = timezone.now().timestamp()
        span = 3 * 365 * 86400.0
        requests = io.StringIO()
        visits = io.StringIO()
        n_visits = 0
        decided = []
        # every file has a request; half of them an earlier one too, decided (~1M stage visits in all)
        plan = [(f, rng.random() < 0.85) for f in files] + [(f, True) for f in files[: len(files) // 2]]
        for rid, ((file_id, parcel_id), finish) in enumerate(plan, start=1):
            kind = rng.choice(kinds)
            start = now - rng.uniform(0, span)
            vs, end = _visits_for(rng, REQUEST_TYPES[kind].stages, limits, start, finish=finish)
            if rid > len(files) and end > now:
                # an earlier request of the file is decided before today (it must not be open beside
                # the file's other request: one open request per type and applicant)
                delta = end - now + 86400
                vs = [(c, e - delta, (lt - delta) if lt else None, o, d) for c, e, lt, o, d in vs]
                start, end = start - delta, end - delta
            if finish and end > now:
                finish = False
            last = vs[-1]
            if finish:
                status = "rejected" if last[3] == "reject" else "issued"
                closed = end
                stage = last[0]
            else:
                # cut the history at now: the visit under way stays open
                kept = [v for v in vs if v[1] < now]
                if not kept:
                    kept = vs[:1]
                vs = [*kept[:-1], (kept[-1][0], kept[-1][1], None, "", kept[-1][4])]
                status, closed, stage = "in_review", None, vs[-1][0]
            ts = lambda x: dt.datetime.fromtimestamp(x, dt.UTC).isoformat()  # noqa: E731
            due = lambda v: (dt.datetime.fromtimestamp(v[1], dt.UTC) + dt.timedelta(days=v[4] * 7 / 6)).date()  # noqa: E731
            requests.write(
                "\t".join(
                    [
                        str(rid),
                        f"BT{rid:08d}",
                        kind,
                        status,
                        stage,
                        "1",
                        str(applicant.pk),
                        str(applicant.pk),
                        str(file_id),
                        str(parcel_id),
                        "",
                        "",
                        ts(start),
                        ts(start),
                        ts(vs[-1][1]),
                        due(vs[-1]).isoformat(),
                        ts(closed) if closed else "\\N",
                    ]
                )
                + "\n"
            )
            for v in vs:
                n_visits += 1
                officer = rng.choice(officer_ids)
                visits.write(
                    "\t".join(
                        [
                            str(file_id),
                            str(rid),
                            v[0],
                            ts(v[1]),
                            str(applicant.pk),
                            "advance",
                            due(v).isoformat(),
                            ts(v[2]) if v[2] else "\\N",
                            str(officer) if v[2] else "\\N",
                            v[3],
                        ]
                    )
                    + "\n"
                )
            if finish:
                decided.append((file_id, rid, closed))
        took["history_python_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw = connection.connection
        with raw.cursor() as c:
            with c.copy(
                "COPY permits_permitrequest (id, tracking_code, kind, status, stage, version, applicant_id, "
                "filed_by_id, file_id, parcel_id, use, description, created_at, submitted_at, stage_entered_at, "
                "stage_due_on, closed_at) FROM STDIN"
            ) as copy:
                copy.write(requests.getvalue())
            c.execute("SELECT setval(pg_get_serial_sequence('permits_permitrequest', 'id'), %s)", [len(plan)])
            with c.copy(
                "COPY permits_stagevisit (file_id, request_id, stage, entered_at, entered_by_id, entered_on_action, "
                "due_on, left_at, left_by_id, outcome) FROM STDIN"
            ) as copy:
                copy.write(visits.getvalue())
        took["history_copy_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # violations on 20 % of the files, bills for every decided request (most paid)
        cur.execute(
            """INSERT INTO violations_violation (file_id, kind, geom, area_m2, parking_spaces, description,
                                                 status, recorded_by_id, recorded_at, verdict_text, decided_at,
                                                 verdict_fine_irr)
               SELECT f.id, 'extra_area_residential', p.geom, 20, 0, '',
                      (ARRAY['open','referred','fined','demolition','closed'])[1 + (f.id %% 5)], %s,
                      now() - ((f.id * 7919) %% (3 * 365)) * interval '1 day', '',
                      CASE WHEN f.id %% 5 >= 2 THEN now() - ((f.id * 7919) %% (3 * 365)) * interval '1 day'
                                                     + interval '30 days' END,
                      CASE WHEN f.id %% 5 = 2 THEN 100000000 END
                 FROM parcels_propertyfile f JOIN parcels_parcel p ON p.id = f.parcel_id
                WHERE f.code LIKE 'B%%' AND f.id %% 5 = 0""",
            [applicant.pk],
        )
        cur.execute(
            """INSERT INTO fees_bill (file_id, request_id, kind, amount_irr, bill_id, payment_id, status, issued_at,
                                      paid_at, exemption_reason)
               SELECT r.file_id, r.id, 'permit_fees', 10000000 + (r.id %% 97) * 1000000, '', '',
                      CASE WHEN r.id %% 10 = 0 THEN 'unpaid' ELSE 'paid' END,
                      r.closed_at - interval '2 days',
                      CASE WHEN r.id %% 10 = 0 THEN NULL ELSE r.closed_at - interval '1 day' END, ''
                 FROM permits_permitrequest r WHERE r.status = 'issued' AND r.tracking_code LIKE 'BT%%'""",
            [],
        )
        took["violations_bills_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # citizen reports: received over three years, 80 % closed 0..24 days later (when that is past)
        from reports.routing import ROUTES

        cats = list(ROUTES)
        cur.execute(
            """INSERT INTO reports_report (tracking_code, category, description, location, district, phone, via,
                                            status, unit, due_on, received_at, closed_at, outcome, close_note,
                                            reopen_reason)
               SELECT 'BR' || lpad(i::text, 8, '0'), (%s::text[])[1 + i %% %s], '',
                      ST_SetSRID(ST_MakePoint(%s + (i %% %s) * 10 + 5, %s + ((i * 7) %% %s) * 25 + 12.5), 32640),
                      1 + floor(((i %% %s) * 10) * %s / (%s * 10))::int,
                      '0912' || lpad((i %% 10000000)::text, 7, '0'), 'web',
                      CASE WHEN c.closed_at IS NULL THEN 'routed' ELSE 'closed' END,
                      (%s::text[])[1 + i %% %s], (c.received + (%s::int[])[1 + i %% %s] * interval '1 day')::date,
                      c.received, c.closed_at,
                      CASE WHEN c.closed_at IS NULL THEN '' ELSE 'resolved' END,
                      CASE WHEN c.closed_at IS NULL THEN '' ELSE 'done' END, ''
                 FROM generate_series(0::bigint, %s - 1) AS i,
                      LATERAL (SELECT now() - ((i * 7919) %% (3 * 365 * 24)) * interval '1 hour' AS received) r,
                      LATERAL (SELECT r.received,
                                      CASE WHEN i %% 10 < 8 AND r.received + ((i * 104729) %% 240) * interval '0.1 day'
                                                < now()
                                           THEN r.received + ((i * 104729) %% 240) * interval '0.1 day' END
                                      AS closed_at) c""",
            [
                cats,
                len(cats),
                E0,
                COLUMNS,
                N0,
                rows_n,
                COLUMNS,
                DISTRICTS,
                COLUMNS,
                [ROUTES[c].unit.value for c in cats],
                len(cats),
                [-(-ROUTES[c].working_days * 7 // 6) for c in cats],
                len(cats),
                int(50_000 * scale),
            ],
        )
        took["reports_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    took["analyze_s"] = time.perf_counter() - t0
    counts = {}
    with connection.cursor() as cur:
        for table in (
            "parcels_parcel",
            "parcels_propertyfile",
            "permits_permitrequest",
            "permits_stagevisit",
            "violations_violation",
            "fees_bill",
            "reports_report",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[table] = cur.fetchone()[0]
    return {"counts": counts, "took": took, "visits_written": n_visits}


# --- the measurements ---------------------------------------------------------------------------------


def measure(rounds: int) -> dict:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from dashboard import presenting, selectors
    from dashboard.periods import jalali_month, jalali_season, jalali_year
    from dashboard.selectors import Scope, _bounds
    from dashboard.services import figures_refresh

    t0 = time.perf_counter()
    figures_refresh()
    refresh_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    figures_refresh()
    refresh2_s = time.perf_counter() - t0
    rng = random.Random(SEED + 1)
    today = timezone.localdate()
    this_year = jalali_year(1405).year
    periods = []
    for _ in range(rounds):
        year = rng.choice([this_year - 2, this_year - 1, this_year])
        periods.append(
            rng.choice(
                [
                    jalali_month(year, rng.randint(1, 12)),
                    jalali_month(year, rng.randint(1, 12)),
                    jalali_season(year, rng.randint(1, 4)),
                    jalali_year(year),
                ]
            )
        )
    scopes = [Scope(None, None, "", False)] + [Scope((d,), None, "", False) for d in range(1, DISTRICTS + 1)]
    now = timezone.now()

    def count_spans(scope, period):
        start, end = _bounds(period)
        extra = " AND district = ANY(%s)" if scope.districts else ""
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT count(*) FROM dashboard_stage_span WHERE last_left >= %s AND last_left < %s{extra}",  # noqa: S608
                [start, end] + ([list(scope.districts)] if scope.districts else []),
            )
            return cur.fetchone()[0]

    def count_visits(scope, period):
        start, end = _bounds(period)
        extra = " AND f.district = ANY(%s)" if scope.districts else ""
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM permits_stagevisit v JOIN parcels_propertyfile f ON f.id = v.file_id "  # noqa: S608
                f"WHERE v.left_at >= %s AND v.left_at < %s{extra}",
                [start, end] + ([list(scope.districts)] if scope.districts else []),
            )
            return cur.fetchone()[0]

    def count_decided(scope, period):
        start, end = _bounds(period)
        extra = " AND district = ANY(%s)" if scope.districts else ""
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT count(*) FROM dashboard_decision WHERE closed_at >= %s AND closed_at < %s{extra}",  # noqa: S608
                [start, end] + ([list(scope.districts)] if scope.districts else []),
            )
            return cur.fetchone()[0]

    def count_open(scope, period):
        extra = " AND f.district = ANY(%s)" if scope.districts else ""
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM permits_permitrequest r JOIN parcels_propertyfile f ON f.id = r.file_id "  # noqa: S608
                f"WHERE r.status IN ('in_review', 'returned'){extra}",
                [list(scope.districts)] if scope.districts else [],
            )
            return cur.fetchone()[0]

    def count_reports(scope, period):
        start, end = _bounds(period)
        extra = " AND district = ANY(%s)" if scope.districts else ""
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT count(*) FROM reports_report WHERE received_at >= %s AND received_at < %s{extra}",  # noqa: S608
                [start, end] + ([list(scope.districts)] if scope.districts else []),
            )
            return cur.fetchone()[0]

    queries = {
        "files_by_stage_now": (lambda s, p: selectors.files_by_stage_now(scope=s, today=today), count_open),
        "stage_times": (lambda s, p: selectors.stage_times(scope=s, period=p), count_spans),
        "decisions": (lambda s, p: selectors.decisions(scope=s, period=p), count_decided),
        "issued_by_kind": (lambda s, p: selectors.issued_by_kind(scope=s, period=p), count_decided),
        "late_by_officer": (lambda s, p: selectors.late_by_officer(scope=s, period=p), count_spans),
        "fees": (lambda s, p: selectors.fees(scope=s, period=p), None),
        "violations": (lambda s, p: selectors.violations(scope=s, period=p), None),
        "districts_map (choropleth)": (lambda s, p: selectors.districts_map(scope=s, period=p), count_decided),
        "stuck_longest (points)": (lambda s, p: selectors.stuck_longest(scope=s, now=now), count_open),
        "files_behind (slowest stage)": (
            lambda s, p: selectors.files_behind(scope=s, period=p, show="stage_done", stage="inspection", today=today),
            count_spans,
        ),
        "report_categories (citizen reports)": (
            lambda s, p: selectors.report_categories(scope=s, period=p),
            count_reports,
        ),
        "reports_behind (closed, slowest first)": (
            lambda s, p: selectors.reports_behind(scope=s, period=p, category="construction", state="closed"),
            count_reports,
        ),
        "whole page (all tables, 2 periods)": (lambda s, p: presenting.figures(scope=s, period=p, today=today), None),
        "plain count(*) of the stage history rows (no view)": (None, count_visits),
    }
    results = {}
    for name, (run, count) in queries.items():
        times, counts, rows = [], [], []
        for i, period in enumerate(periods):
            scope = scopes[i % len(scopes)]
            if run is not None:
                t = time.perf_counter()
                run(scope, period)
                times.append((time.perf_counter() - t) * 1000)
            if count is not None:
                t = time.perf_counter()
                rows.append(count(scope, period))
                counts.append((time.perf_counter() - t) * 1000)
        by_kind = {}
        for kind in ("month", "season", "year"):
            picked = [x for x, p in zip(times, periods, strict=False) if p.kind.value == kind]
            by_kind[kind] = pct(picked, 95) if picked else None
        results[name] = {
            "by_kind_p95": by_kind,
            "p50": statistics.median(times) if times else None,
            "p95": pct(times, 95) if times else None,
            "count_p50": statistics.median(counts) if counts else None,
            "count_p95": pct(counts, 95) if counts else None,
            "rows_median": statistics.median(rows) if rows else None,
        }
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM dashboard_stage_span")
        spans = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM dashboard_decision")
        decided = cur.fetchone()[0]
    return {
        "refresh_s": refresh_s,
        "refresh2_s": refresh2_s,
        "spans": spans,
        "decided": decided,
        "q": results,
        "periods": [p.kind.value for p in periods],
        "when": dt.datetime.now().isoformat(),
    }


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    if args.measure_only:
        from django.db import connection

        counts = {}
        with connection.cursor() as cur:
            for table in ("parcels_parcel", "parcels_propertyfile", "permits_permitrequest", "permits_stagevisit"):
                cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
                counts[table] = cur.fetchone()[0]
        made = {"counts": counts, "took": {}}
    else:
        call_command("migrate", verbosity=0)
        t = time.perf_counter()
        made = generate(args.scale)
        made["generate_s"] = time.perf_counter() - t
    print(json.dumps(made), flush=True)
    print(json.dumps(measure(args.rounds)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1M parcels, 100k files, ~1M stage visits")
    parser.add_argument("--rounds", type=int, default=40, help="random periods (and scopes) per query")
    parser.add_argument("--keep", action="store_true", help="keep the bench_dashboard database afterwards")
    parser.add_argument(
        "--measure-only", action="store_true", help="measure again on the database a --keep run left (no generation)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    from import_parcels import fresh_database

    if args.measure_only:
        from urllib.parse import urlparse

        url = urlparse(os.environ["DATABASE_URL"])._replace(path="/bench_dashboard").geturl()
    else:
        url = fresh_database(os.environ["DATABASE_URL"], "bench_dashboard")
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_HTTPS": "0"}
    print(f"== scale {args.scale}: generating the history (seed {SEED}) ...", flush=True)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            __file__,
            "--child",
            "--scale",
            str(args.scale),
            "--rounds",
            str(args.rounds),
            *(["--measure-only"] if args.measure_only else []),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(done.stderr[-4000:])
    made, m = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    for table, n in made["counts"].items():
        print(f"   {table:<24s} {n:>10,}")
    print("   generated in " + ", ".join(f"{k} {v:.1f}" for k, v in made["took"].items()))
    print(
        f"   views: {m['spans']:,} stage spans, {m['decided']:,} decisions; "
        f"refresh {m['refresh_s']:.1f} s (again: {m['refresh2_s']:.1f} s) -> the period figures are at most "
        f"5 min + {m['refresh2_s']:.0f} s old"
    )
    kinds = {k: m["periods"].count(k) for k in sorted(set(m["periods"]))}
    print(f"\n{len(m['periods'])} random periods ({kinds}), all districts and each district in turn:")
    print(f"   {'query':<48s} {'p50 ms':>8s} {'p95 ms':>8s}   {'count(*) p50':>12s} {'p95':>7s}  rows (median)  target")
    for name, r in m["q"].items():
        target = 150 if "choropleth" in name else 100
        verdict = ""
        if r["p95"] is not None and "whole page" not in name:
            verdict = "OK" if r["p95"] < target else "MISSED"
            verdict = f"< {target} {verdict}"
        fmt = lambda v: f"{v:8.2f}" if v is not None else f"{'':>8s}"  # noqa: E731
        rows = f"{r['rows_median']:>12,.0f}" if r["rows_median"] is not None else f"{'':>12s}"
        cnt = f"{r['count_p50']:12.2f} {r['count_p95']:7.2f}" if r["count_p50"] is not None else f"{'':>20s}"
        print(f"   {name:<48s} {fmt(r['p50'])} {fmt(r['p95'])}   {cnt}  {rows}  {verdict}")
    print("\np95 (ms) by the kind of period:")
    for name, r in m["q"].items():
        if r["p95"] is None:
            continue
        parts = "  ".join(f"{k} {v:7.2f}" for k, v in r["by_kind_p95"].items() if v is not None)
        print(f"   {name:<48s} {parts}")
    if not args.keep:
        import psycopg
        from import_parcels import pg_params

        p = pg_params(os.environ["DATABASE_URL"])
        with psycopg.connect(
            **{k: v for k, v in p.items() if v and k != "dbname"}, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute('DROP DATABASE IF EXISTS "bench_dashboard" WITH (FORCE)')


if __name__ == "__main__":
    main()
