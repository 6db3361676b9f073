"""Benchmark: importing parcels at 100k and 1M against ogr2ogr and geopandas.to_postgis.

    .venv/bin/python bench/import_parcels.py [--sizes 100000 1000000] [--skip-to-postgis]

Run through scripts/bench.sh, which starts the local PostGIS like the other scripts. For each size
a GeoPackage is made by tiling the sample city's parcels (bench/out/, cached), then loaded into a
fresh database three ways, all in the same run on the same cluster:

- ogr2ogr -f PostgreSQL (GDAL from Debian, COPY mode; it also builds its GiST index),
- geopandas.read_file + GeoDataFrame.to_postgis,
- our importer (parcels_import): read, map, COPY to staging, geometry checks and repair, file codes,
  owners, partition indexes. The overlap report is left out (it is a report, not the import; it is
  skipped by default above 200,000 parcels anyway).

Targets (issue 3): our loading step (read + map + COPY) >= 0.8x ogr2ogr's rows/s, the whole import
<= 2x ogr2ogr's time, and cost per parcel flat from 100k to 1M.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SAMPLE = ROOT / "data" / "shapefiles" / "parcels.shp"
MAPPING = ROOT / "data" / "mappings" / "sample_city.yaml"
# The cadastral layer alone: what a municipality's GIS exports (owners come from the registry).
PARCELS_ONLY_MAPPING = """parcels:
  fields: {source_id: parcel_id, registry_plate: plate, renovation_code: renov_code, deed_area_m2: deed_area}
"""


def tile_offsets(n: int, geoms) -> list[tuple[float, float]]:
    """Shifts of the copies of the sample city that make up n parcels, on a square grid around it
    (the compliance benchmark moves the plan zones and streets by the same shifts)."""
    import numpy as np
    import shapely

    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    w, h = maxx - minx + 60, maxy - miny + 60
    tiles = -(-n // len(geoms))
    side = int(np.ceil(np.sqrt(tiles)))
    grid = list(itertools.product(range(side), range(side)))[:tiles]
    return [((i - side / 2) * w, (j - side / 2) * h) for i, j in grid]


def sample_parcel_geoms():
    import shapely
    from pyogrio import raw

    return shapely.from_wkb(raw.read(SAMPLE)[2])


def tiled_parcels(n: int) -> Path:
    """A GeoPackage of n parcels: the sample city's parcels repeated on a grid of copies."""
    import numpy as np
    import shapely
    from pyogrio import raw

    path = OUT / f"parcels_{n}.gpkg"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    meta, _fids, geom, fields = raw.read(SAMPLE, return_fids=True)
    geoms = shapely.from_wkb(geom)
    parts, cols = [], [[] for _ in fields]
    for dx, dy in tile_offsets(n, geoms):
        parts.append(shapely.transform(geoms, lambda c, dx=dx, dy=dy: c + np.array([dx, dy])))
        for col, arr in zip(cols, fields, strict=True):
            col.append(arr)
    out_geoms = np.concatenate(parts)[:n]
    out_fields = [np.concatenate(c)[:n] for c in cols]
    out_fields[0] = np.array([f"P{i:07d}" for i in range(n)], dtype=object)  # unique source ids
    tmp = path.with_suffix(".tmp.gpkg")
    raw.write(
        tmp,
        shapely.to_wkb(out_geoms),
        out_fields,
        fields=meta["fields"],
        crs="EPSG:32640",
        geometry_type="MultiPolygon",
        driver="GPKG",
        layer="parcels",
        promote_to_multi=True,
    )
    tmp.rename(path)
    return path


def pg_params(url: str) -> dict[str, str]:
    u = urlparse(url)
    return {
        "host": unquote(u.hostname or "") if u.hostname else "",
        "port": str(u.port or 5432),
        "user": unquote(u.username or ""),
        "password": unquote(u.password or ""),
        "dbname": u.path.lstrip("/"),
    }


def fresh_database(admin_url: str, name: str) -> str:
    """Drop and create a bench database with PostGIS; returns its URL."""
    import psycopg

    p = pg_params(admin_url)
    conninfo = {k: v for k, v in p.items() if v and k != "dbname"}
    with psycopg.connect(**conninfo, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(**conninfo, dbname=name, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    u = urlparse(admin_url)
    return u._replace(path="/" + name).geturl()


def checkpoint(url: str) -> None:
    """Flush the previous run's writes so each load starts from the same state: PostgreSQL's
    dirty buffers to the files, then the kernel's dirty pages to the disk (without the second, a
    contender runs while the kernel writes back the one before it)."""
    import psycopg

    p = pg_params(url)
    with psycopg.connect(**{k: v for k, v in p.items() if v}, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    os.sync()


def ogr_dsn(url: str) -> str:
    p = pg_params(url)
    return "PG:" + " ".join(f"{k}={v}" for k, v in p.items() if v)


def run_ogr2ogr(url: str, path: Path, table: str) -> float:
    t = time.perf_counter()
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            "/usr/bin/ogr2ogr",
            "-f",
            "PostgreSQL",
            ogr_dsn(url),
            str(path),
            "parcels",
            "-nln",
            table,
            "-lco",
            "GEOMETRY_NAME=geom",
            "-overwrite",
            "--config",
            "PG_USE_COPY",
            "YES",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


def run_to_postgis(url: str, path: Path, table: str) -> float:
    import geopandas as gpd
    from sqlalchemy import create_engine

    p = pg_params(url)
    engine = create_engine(
        f"postgresql+psycopg://{p['user']}@/{p['dbname']}", connect_args={"host": p["host"], "port": p["port"]}
    )
    t = time.perf_counter()
    gdf = gpd.read_file(path, layer="parcels", engine="pyogrio", use_arrow=True)
    gdf.to_postgis(table, engine, if_exists="replace", index=False, chunksize=100_000)
    elapsed = time.perf_counter() - t
    engine.dispose()
    return elapsed


def run_ours(url: str, path: Path, mapping: Path) -> tuple[float, float, int]:
    """(whole import time, loading step time, imported) in a child process with its own settings."""
    code = f"""
import json, os, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from parcels.importers import parcels_import
from pathlib import Path
t = time.perf_counter()
version, report = parcels_import(path=Path({str(path)!r}), mapping_path=Path({str(mapping)!r}), check_overlaps=False)
total = time.perf_counter() - t
steps = report.timings
load = sum(v for k, v in steps.items() if k.startswith("read") or k.startswith("map") or k == "copy to staging")
print(json.dumps({{"total": total, "load": load, "imported": report.imported, "steps": steps}}))
"""
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    import json

    result = json.loads(done.stdout.strip().splitlines()[-1])
    for step, seconds in result["steps"].items():
        print(f"      {step:<32s} {seconds:7.2f} s")
    return result["total"], result["load"], result["imported"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--skip-to-postgis", action="store_true")
    parser.add_argument("--owners", action="store_true", help="Also import with the owners columns (two groups).")
    args = parser.parse_args()
    admin_url = os.environ["DATABASE_URL"]
    results = {}
    for n in args.sizes:
        path = tiled_parcels(n)
        print(f"\n== {n:,} parcels ({path.name}, {path.stat().st_size / 1e6:.0f} MB)")
        url = fresh_database(admin_url, "bench_import")
        checkpoint(url)
        t_ogr = run_ogr2ogr(url, path, "ogr_parcels")
        print(f"  ogr2ogr (COPY, with its GiST index)  {t_ogr:7.2f} s  {n / t_ogr:10,.0f} rows/s")
        t_gpd = None
        if not args.skip_to_postgis:
            checkpoint(url)
            t_gpd = run_to_postgis(url, path, "gpd_parcels")
            print(f"  geopandas read + to_postgis          {t_gpd:7.2f} s  {n / t_gpd:10,.0f} rows/s")
        url = fresh_database(admin_url, "bench_import")  # ours starts from an empty parcels table too
        mapping = OUT / "parcels_only.yaml"
        mapping.write_text(PARCELS_ONLY_MAPPING)
        checkpoint(url)
        print("  ours, step by step:")
        t_all, t_load, imported = run_ours(url, path, mapping)
        print(f"  ours: loading step (read+map+COPY)   {t_load:7.2f} s  {n / t_load:10,.0f} rows/s")
        print(
            f"  ours: whole import                   {t_all:7.2f} s  {n / t_all:10,.0f} rows/s  ({imported:,} imported)"
        )
        ratio_load = (n / t_load) / (n / t_ogr)
        ratio_all = t_all / t_ogr
        verdict_load = "OK" if ratio_load >= 0.8 else "MISSED"
        verdict_all = "OK" if ratio_all <= 2.0 else "MISSED"
        print(f"  loading rate / ogr2ogr rate = {ratio_load:.2f}x  (target >= 0.8)  {verdict_load}")
        print(f"  whole import / ogr2ogr time = {ratio_all:.2f}x  (target <= 2.0)  {verdict_all}")
        if t_gpd:
            print(f"  whole import / to_postgis time = {t_all / t_gpd:.2f}x")
        results[n] = (t_all, t_ogr)
        if args.owners:
            url = fresh_database(admin_url, "bench_import")
            checkpoint(url)
            print("  ours with owners and shares (two owner column groups), step by step:")
            t_own, _load, _n = run_ours(url, path, MAPPING)
            print(f"  ours with owners: whole import        {t_own:7.2f} s  ({t_own / t_ogr:.2f}x ogr2ogr)")
    if len(results) >= 2:
        (n1, (a1, o1)), (n2, (a2, o2)) = sorted(results.items())[:1] + sorted(results.items())[-1:]
        per1, per2 = a1 / n1 * 1e6, a2 / n2 * 1e6
        print(
            f"\nlinearity: ours {per1:.1f} us/parcel at {n1:,}, {per2:.1f} us/parcel at {n2:,} "
            f"(ratio {per2 / per1:.2f}; ogr2ogr {o1 / n1 * 1e6:.1f} -> {o2 / n2 * 1e6:.1f} us/row)"
        )
    fresh_database(admin_url, "bench_import")


if __name__ == "__main__":
    main()
