"""Benchmark: "click a point -> parcel -> zones -> full rule set -> envelope" at 100k and 1M parcels.

    scripts/bench.sh compliance [--sizes 100000 1000000] [--clicks 2000] [--http-seconds 20]

For each size a fresh database gets the sample city, then a city of that many parcels: the tiled
parcels GeoPackage of bench/import_parcels.py imported with our importer (file codes and all), and
the plan zones, streets and buildings copied onto every tile by the same shifts. Then, in the same run:

- the floor: a bare point-in-polygon query (prepared, same point transform) -> parcel id;
- the database part: the one parcel_facts statement (parcel, zones, streets, overlays, parameters);
- the engine: parcel_compliance (that statement + chamfers, net parcel, envelope, every rule);
- HTTP: GET /api/buildable?lon=&lat= on gunicorn (as many sync workers as cores by default: the
  work is CPU, and extra workers only queue on the cores), 8 concurrent connections from wrk.

Click points are the anchors of random parcels, in lon/lat as a browser sends them. Targets (issue
4): database part p95 < 2 ms, HTTP p95 < 15 ms with 8 clients, 1M vs 100k <= 1.3x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from import_parcels import (  # noqa: E402 - the sibling benchmark's tiling and database helpers
    OUT,
    PARCELS_ONLY_MAPPING,
    fresh_database,
    sample_parcel_geoms,
    tile_offsets,
    tiled_parcels,
)

CLIENTS = 8


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def summary(values_ms: list[float]) -> dict:
    return {"p50": statistics.median(values_ms), "p95": pct(values_ms, 95), "p99": pct(values_ms, 99)}


# --- the part that runs inside Django, against the bench database ------------------------------

CHILD = r"""
import json, random, sys, time
import django
django.setup()
import psycopg
from django.core.management import call_command
from django.db import connection, transaction
from gis_app.models import DatasetVersion
from gis_app.services import dataset_version_activate
from parcels.importers import parcels_import
from pathlib import Path
from zoning.selectors import parcel_compliance, parcel_facts_query
from zoning.compliance.output import report_data

args = json.loads(sys.argv[1])
call_command("migrate", verbosity=0)
call_command("sample_city_load", verbosity=0)
# The tiles lie outside the sample city's limits, which the importer enforces: no limits for the bench.
DatasetVersion.objects.filter(kind="boundary").update(is_active=False)
t = time.perf_counter()
version, report = parcels_import(path=Path(args["gpkg"]), mapping_path=Path(args["mapping"]), check_overlaps=False)
dataset_version_activate(version=version)
load_s = time.perf_counter() - t
dx = [o[0] for o in args["offsets"]]
dy = [o[1] for o in args["offsets"]]
with transaction.atomic(), connection.cursor() as cur:
    for kind, table in (("zones", "zoning_planzone"), ("streets", "zoning_street"),
                        ("buildings", "parcels_existingbuilding")):
        live = DatasetVersion.objects.get(kind=kind, is_active=True)
        tiled = DatasetVersion.objects.create(kind=kind, source_name=f"{live.source_name} x {len(dx)} tiles",
                                              source_sha256=live.source_sha256)
        # every column but the key, the version and the geometry; generated columns (the streets' name
        # key) are computed by the database, not copied
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND column_name NOT IN ('id', 'version_id', 'geom') AND is_generated = 'NEVER' "
                    "ORDER BY ordinal_position", [table])
        cols = ", ".join(r[0] for r in cur.fetchall())
        cur.execute(f"INSERT INTO {table} (version_id, geom, {cols}) "
                    f"SELECT %s, ST_Translate(t.geom, o.dx, o.dy), {cols} FROM {table} t, "
                    "unnest(%s::float8[], %s::float8[]) AS o(dx, dy) WHERE t.version_id = %s",
                    [tiled.pk, dx, dy, live.pk])
        if kind == "zones":
            # the plan-wide parameters, every column (a column added by a later migration comes along)
            cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = "
                        "'zoning_planparameters' AND column_name NOT IN ('id', 'version_id') "
                        "AND is_generated = 'NEVER' ORDER BY ordinal_position")
            pcols = ", ".join(r[0] for r in cur.fetchall())
            cur.execute(f"INSERT INTO zoning_planparameters (version_id, {pcols}) SELECT %s, {pcols} "
                        "FROM zoning_planparameters WHERE version_id = %s", [tiled.pk, live.pk])
        dataset_version_activate(version=tiled)
    cur.execute("ANALYZE")
with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM parcels_parcel WHERE version_id = %s", [version.pk])
    parcels = cur.fetchone()[0]
    cur.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(anchor, 4326) AS p FROM parcels_parcel "
                "WHERE version_id = %s ORDER BY random() LIMIT %s) s", [version.pk, args["clicks"] + 200])
    points = cur.fetchall()
random.Random(1405).shuffle(points)
if args.get("city_only"):  # bench/tiles.py: the city and random anchors, no timings
    print(json.dumps({"parcels": parcels, "load_s": load_s, "points": points, "parcels_version": version.pk}))
    sys.exit(0)
connection.ensure_connection()
conn = connection.connection
BARE = ("SELECT id FROM parcels_parcel WHERE version_id = %(pv)s AND ST_Intersects(geom, "
        "ST_Transform(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326), %(storage)s)) LIMIT 1")

def timed(run):
    out = []
    for i, (x, y) in enumerate(points):
        t = time.perf_counter()
        run(x, y)
        if i >= 200:  # the first 200 warm the caches and the prepared statements
            out.append((time.perf_counter() - t) * 1000)
    return out

def bare(x, y):
    with psycopg.Cursor(conn) as cur:
        cur.execute(BARE, {"pv": version.pk, "x": x, "y": y, "storage": 32640}, prepare=True)
        assert cur.fetchone() is not None

def facts_sql(x, y):
    sql, params = parcel_facts_query(point=(x, y))
    with psycopg.Cursor(conn) as cur:
        cur.execute(sql, params, prepare=True)
        assert cur.fetchone() is not None

def engine(x, y):
    assert parcel_compliance(point=(x, y)) is not None

def engine_json(x, y):
    json.dumps(report_data(parcel_compliance(point=(x, y))), ensure_ascii=False)

result = {"parcels": parcels, "load_s": load_s, "points": points[200:]}
for name, run in (("bare", bare), ("facts", facts_sql), ("engine", engine), ("engine_json", engine_json),
                  ("bare2", bare), ("facts2", facts_sql)):
    result[name] = timed(run)
print(json.dumps(result))
"""


def child_env(url: str) -> dict:
    return os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_HTTPS": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }


def measure_in_django(url: str, n: int, clicks: int, *, city_only: bool = False) -> dict:
    mapping = OUT / "parcels_only.yaml"
    mapping.write_text(PARCELS_ONLY_MAPPING)
    args = {
        "gpkg": str(tiled_parcels(n)),
        "mapping": str(mapping),
        "offsets": tile_offsets(n, sample_parcel_geoms()),
        "clicks": clicks,
        "city_only": city_only,
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CHILD, json.dumps(args)],
        env=child_env(url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- HTTP ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_load(port: int, paths: list[str], seconds: float) -> dict:
    """CLIENTS concurrent connections GET the paths, one after another, for the given seconds:
    latency percentiles (ms), requests, requests/s, the largest body and the failed answers.

    The load comes from wrk (Debian package; C, one thread driving every connection), so the
    client takes little of the cores the server and the database share on one machine (eight
    Python client processes took about a third of them, which showed as the server's latency).
    It runs 3 s first, which also warms every worker."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is missing: run the benchmark through scripts/bench.sh, which installs it.")
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(paths))
        listing.flush()
        figures = {}
        for duration in (3, max(1, round(seconds))):
            done = subprocess.run(  # noqa: S603 - fixed arguments
                [
                    wrk,
                    "-t1",
                    f"-c{CLIENTS}",
                    "--timeout",
                    "30s",  # a slow contender (TiPg at z14 takes over a second) is measured, not cut off
                    f"-d{duration}s",
                    "-s",
                    str(BENCH / "wrk_paths.lua"),
                    f"http://127.0.0.1:{port}",
                    "--",
                    listing.name,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "p50": figures["p50"],
        "p95": figures["p95"],
        "p99": figures["p99"],
        "requests": figures["requests"],
        "rps": figures["requests"] / figures["seconds"],
        "largest": figures["largest"],
        "errors": figures["non_2xx"] + figures["socket_errors"],
    }


def measure_http(url: str, points: list, seconds: float, workers: int) -> dict:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            # the limits scripts/serve.sh sets
            "--limit-request-line=4094",
            "--limit-request-fields=50",
            "--limit-request-field_size=8190",
        ],
        env=child_env(url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        http = http_load(port, [f"/api/buildable?lon={x:.7f}&lat={y:.7f}" for x, y in points], seconds)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if http["errors"]:
        raise RuntimeError(f"{http['errors']} answers of /api/buildable were not 200")
    return http


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--http-seconds", type=float, default=20.0, help="0: skip the HTTP part")
    parser.add_argument("--keep", action="store_true", help="Keep the last city's database (bench_compliance).")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="gunicorn workers (default: one per core)")
    args = parser.parse_args()
    admin_url = os.environ["DATABASE_URL"]
    runs = {}
    for n in args.sizes:
        url = fresh_database(admin_url, "bench_compliance")
        print(f"\n== {n:,} parcels: building the city ...", flush=True)
        r = measure_in_django(url, n, args.clicks)
        print(f"   {r['parcels']:,} parcels imported and live in {r['load_s']:.1f} s; {len(r['bare'])} clicks")
        figures = {
            name: summary(r[name] + r.get(name + "2", [])) for name in ("bare", "facts", "engine", "engine_json")
        }
        for name, title in (
            ("bare", "bare point-in-polygon (floor)"),
            ("facts", "database part: parcel_facts SQL"),
            ("engine", "engine: SQL + rules + envelope"),
            ("engine_json", "engine + JSON (the API's work)"),
        ):
            f = figures[name]
            print(f"   {title:<36s} p50 {f['p50']:6.3f} ms  p95 {f['p95']:6.3f} ms  p99 {f['p99']:6.3f} ms")
        ratio = figures["facts"]["p95"] / figures["bare"]["p95"]
        verdict = "OK" if figures["facts"]["p95"] < 2 else "MISSED"
        print(
            f"   database part p95 / floor p95 = {ratio:.1f}x; p95 {figures['facts']['p95']:.3f} ms (< 2 ms) {verdict}"
        )
        if not args.http_seconds:
            runs[n] = figures
            continue
        http = measure_http(url, r["points"], args.http_seconds, args.workers)
        verdict = "OK" if http["p95"] < 15 else "MISSED"
        print(
            f"   HTTP /api/buildable, {CLIENTS} clients, {args.workers} workers: {http['rps']:.0f} req/s, "
            f"p50 {http['p50']:.2f} ms, p95 {http['p95']:.2f} ms, p99 {http['p99']:.2f} ms (< 15 ms) {verdict}"
        )
        runs[n] = figures | {"http": http}
    if len(runs) >= 2:
        small, large = min(runs), max(runs)
        print(f"\ngrowth {small:,} -> {large:,} parcels (target <= 1.3x):")
        for name in ("bare", "facts", "engine", "http"):
            if name not in runs[small] or name not in runs[large]:
                continue
            a, b = runs[small][name]["p95"], runs[large][name]["p95"]
            print(f"   {name:<12s} p95 {a:6.3f} -> {b:6.3f} ms = {b / a:.2f}x  {'OK' if b / a <= 1.3 else 'MISSED'}")
    if not args.keep:
        fresh_database(admin_url, "bench_compliance")


if __name__ == "__main__":
    main()
