"""Benchmark: vector tiles of a ~1,000,000-parcel city at z14, z15, z16.

    scripts/bench.sh tiles [--parcels 1000000] [--tiles 600] [--seconds 15] [--workers 4]

A fresh database gets the city of bench/compliance.py (the sample city tiled to that many parcels,
with its zones, streets and buildings copied alongside). Random tiles are the tiles holding random
parcels (so every tile has city in it), the same list for every contender, measured in one run:

- the database ceiling: our tile statement (maps/tiles.py: TILE_SQL, every layer) run by pgbench
  with the same number of concurrent clients, the tile picked from a table of the same tiles;
- ours: GET /tiles/z/x/y.mvt?v=<stamp> on gunicorn (the serve command's server), as the map asks;
- TiPg (from PyPI) on uvicorn with as many workers, serving the same parcels (the live version's
  partition of parcels_parcel), only the parcels layer with file code, renovation code and plate.

Each prints tiles/s, p50/p95 latency and the largest tile per zoom. Targets (issue 5): ours >=
0.8x the database ceiling, and >= 3x TiPg at z16.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from compliance import CLIENTS, child_env, free_port, http_load, measure_in_django  # noqa: E402
from import_parcels import fresh_database, pg_params  # noqa: E402

ZOOMS = (14, 15, 16)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    from maps.tiles import Tile

    t = Tile.containing(lon, lat, z)
    return t.z, t.x, t.y


def wait_for(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - our own local server
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def start(args: list[str], env: dict, health: str) -> subprocess.Popen:
    server = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        wait_for(health)
    except RuntimeError:
        server.kill()
        raise
    return server


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def pgbench_ceiling(url: str, tiles: dict[int, list], seconds: float) -> dict[int, dict]:
    """Our tile statement for the same tiles, run by pgbench with CLIENTS connections: tiles/s per zoom."""
    import psycopg

    from maps.tiles import TILE_SQL, Tile, tile_params, tile_stamp

    stamp = tile_stamp()
    params = pg_params(url)
    conninfo = " ".join(f"{k}={v}" for k, v in params.items() if v)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_tiles")
        conn.execute("CREATE TABLE bench_tiles (z int, i int, x int, y int, PRIMARY KEY (z, i))")
        with conn.cursor().copy("COPY bench_tiles (z, i, x, y) FROM STDIN") as copy:
            for z, coords in tiles.items():
                for i, (_z, x, y) in enumerate(coords, 1):
                    copy.write_row((z, i, x, y))
    out = {}
    for z, coords in tiles.items():
        sample = tile_params(Tile(*coords[0]), stamp)
        # the statement with this zoom's constants inlined and x/y read from the table by :i
        sql = TILE_SQL.replace("%(x)s", f"(SELECT x FROM bench_tiles WHERE z = {z} AND i = :i)")  # noqa: S608
        sql = sql.replace("%(y)s", f"(SELECT y FROM bench_tiles WHERE z = {z} AND i = :i)")  # noqa: S608
        for key, value in sample.items():
            literal = ("true" if value else "false") if isinstance(value, bool) else repr(value)
            sql = sql.replace(f"%({key})s", literal)
        sql = " ".join(line.strip() for line in sql.strip().splitlines())
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
            script.write(f"\\set i random(1, {len(coords)})\n{sql};\n")
        env = os.environ | {"PGPASSWORD": params.get("password") or ""}
        cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(CLIENTS), "-j", "2", "-T", str(int(seconds)), "-r"]
        cmd += ["-f", script.name, "-h", params["host"], "-p", params["port"], "-U", params["user"], params["dbname"]]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)  # noqa: S603
        os.unlink(script.name)
        tps = float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))
        latency = float(re.search(r"latency average = ([\d.]+) ms", done.stdout).group(1))
        out[z] = {"tiles_s": tps, "latency_avg": latency}
    return out


def low_zoom_sizes(points: list, stamp_text: str) -> dict[int, tuple[int, int, float]]:
    """Every tile at z10..13 that holds a parcel of the city: (count, largest bytes, total ms)."""
    from maps.tiles import Tile, TileStamp, tile_bytes

    stamp = TileStamp.parse(stamp_text)
    out = {}
    for z in range(10, 14):
        tiles = {tile_of(lon, lat, z) for lon, lat in points}
        t = time.perf_counter()
        largest = max(len(tile_bytes(Tile(*coords), stamp)) for coords in sorted(tiles))
        out[z] = (len(tiles), largest, (time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--tiles", type=int, default=600, help="random tiles per zoom")
    parser.add_argument("--seconds", type=float, default=15.0, help="per contender and zoom")
    parser.add_argument("--workers", type=int, default=4, help=f"server workers ({os.cpu_count()} cores here)")
    parser.add_argument("--keep", action="store_true", help="keep the city's database (bench_tiles)")
    args = parser.parse_args()
    admin_url = os.environ["DATABASE_URL"]
    url = fresh_database(admin_url, "bench_tiles")
    print(f"== building a city of {args.parcels:,} parcels ...", flush=True)
    city = measure_in_django(url, args.parcels, clicks=args.tiles * len(ZOOMS), city_only=True)
    print(f"   {city['parcels']:,} parcels live ({city['load_s']:.1f} s to import)")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    rng = random.Random(1405)
    tiles = {z: [tile_of(lon, lat, z) for lon, lat in rng.sample(city["points"], args.tiles)] for z in ZOOMS}

    print(f"\n== database ceiling: pgbench, {CLIENTS} clients, our tile statement", flush=True)
    ceiling = pgbench_ceiling(url, tiles, args.seconds)
    for z in ZOOMS:
        print(f"   z{z}: {ceiling[z]['tiles_s']:7.1f} tiles/s (latency avg {ceiling[z]['latency_avg']:.2f} ms)")

    from maps.tiles import tile_stamp

    stamp = tile_stamp().etag
    sizes = low_zoom_sizes(city["points"], stamp)
    print("\n== every tile over the city below the parcels' zooms (generalised zones, streets from z13)")
    for z, (count, largest, total_ms) in sizes.items():
        print(f"   z{z}: {count:4d} tiles, largest {largest / 1024:6.1f} KB, {total_ms / count:7.1f} ms per tile")

    env = child_env(url)
    results: dict[str, dict[int, dict]] = {"ours": {}, "tipg": {}}
    port = free_port()
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        # the limits scripts/serve.sh sets
        "--limit-request-line=4094",
        "--limit-request-fields=50",
        "--limit-request-field_size=8190",
    ]
    server = start(
        [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    try:
        for z in ZOOMS:
            paths = [f"/tiles/{z}/{x}/{y}.mvt?v={stamp}" for z, x, y in tiles[z]]  # stamped, as the map asks
            results["ours"][z] = http_load(port, paths, args.seconds)
    finally:
        stop(server)

    partition = f"parcels_parcel_v{city['parcels_version']}"
    tipg_env = os.environ | {
        "DATABASE_URL": "postgresql" + url[url.index(":") :],
        "TIPG_DB_TABLES": json.dumps([f"public.{partition}"]),
        "TIPG_DB_EXCLUDE_FUNCTION_SCHEMAS": '["public"]',
        "TIPG_MAX_FEATURES_PER_TILE": "100000",
    }
    port = free_port()
    uvicorn = [str(Path(sys.executable).parent / "uvicorn"), "tipg.main:app", "--log-level", "warning"]
    server = start(
        [*uvicorn, "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)],
        tipg_env,
        f"http://127.0.0.1:{port}/collections",
    )
    try:
        base = f"/collections/public.{partition}/tiles/WebMercatorQuad"
        query = "?properties=file_code,renovation_code,registry_plate"
        for z in ZOOMS:
            results["tipg"][z] = http_load(port, [f"{base}/{z}/{x}/{y}{query}" for z, x, y in tiles[z]], args.seconds)
    finally:
        stop(server)

    print(f"\n== HTTP, {CLIENTS} clients, {args.workers} workers each")
    for name, title in (("ours", "ours: /tiles (all layers)"), ("tipg", "TiPg (parcels only)")):
        for z in ZOOMS:
            r = results[name][z]
            print(
                f"   {title:<26s} z{z}: {r['rps']:7.1f} tiles/s  p50 {r['p50']:6.2f} ms  p95 {r['p95']:6.2f} ms  "
                f"largest {r['largest'] / 1024:6.1f} KB  errors {r['errors']}"
            )
    print("\n== ratios")
    for z in ZOOMS:
        vs_db = results["ours"][z]["rps"] / ceiling[z]["tiles_s"]
        vs_tipg = results["ours"][z]["rps"] / results["tipg"][z]["rps"]
        print(f"   z{z}: ours / database ceiling = {vs_db:.2f}x (>= 0.8)   ours / TiPg = {vs_tipg:.2f}x (>= 3 at z16)")
    largest = max(results["ours"][z]["largest"] for z in ZOOMS)
    print(f"   largest tile of ours: {largest / 1024:.1f} KB (<= 500 KB)")
    if not args.keep:
        fresh_database(admin_url, "bench_tiles")


if __name__ == "__main__":
    main()
