"""Benchmark: fees at 1M parcels, in sections run on one city.

    scripts/bench.sh fees [--parcels 1000000] [--files 2000] [--sections assessment]

A fresh database gets the city of bench/compliance.py (the sample city tiled to that many parcels, its
zones, streets and buildings copied alongside) and, here, its regional value zones copied by the same
shifts, plus the example tariff books (manage.py tariff_load). Then each section runs:

- assessment: permit files at the revenue stage on random parcels (a residential proposal of 150-600
  m²), and in the same run: the bare value-zone lookup (fees.valuation: the one spatial-join statement,
  prepared) and the assessment of a file (fees.assessment.assessment_make: request lock, book, parcel,
  value zone, parcel facts, every line, the stored assessment and its audit row, committed), each file
  assessed once. Target (issue 18): the assessment p95 < 5 ms at 1M parcels.

- callbacks: bench/fees_payments.py, in its own process against the sandbox PSP, one process per core:
  verified payments per second through the callback handling with each callback delivered once (the
  target, issue 18: >= 300 verified payments/s on 2 cores), then with each delivered twice (the replays
  wait for the first's row lock and change nothing); 0 double effects checked in both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from compliance import CHILD as CITY_CHILD  # noqa: E402 - the sibling benchmark's city
from compliance import child_env, summary  # noqa: E402
from import_parcels import (  # noqa: E402 - the sibling benchmark's tiling and database helpers
    OUT,
    PARCELS_ONLY_MAPPING,
    fresh_database,
    sample_parcel_geoms,
    tile_offsets,
    tiled_parcels,
)

# The city of bench/compliance.py up to its timings, with the value zones tiled as well.
_TILED = '("buildings", "parcels_existingbuilding"))'
_CITY, _sep, _rest = CITY_CHILD.partition('if args.get("city_only")')
if not _sep or _TILED not in _CITY:
    raise SystemExit("bench/compliance.py changed: fees cannot reuse its city set-up")
CITY = _CITY.replace(_TILED, '("buildings", "parcels_existingbuilding"), ("value_zones", "parcels_valuezone"))')
SECTIONS_CHILD = r"""
import gc
import statistics
FREEZE = args.get("gc_freeze", True)
from fees.assessment import assessment_make
from fees.valuation import value_zone_rows, NoValueZone, parcel_valuation
from parcels.models import Parcel, PropertyFile
from permits.models import PermitRequest
from accounts.models import User

call_command("tariff_load", verbosity=0)
rng = random.Random(1405)

def ms(t0):
    return (time.perf_counter() - t0) * 1000

def section_assessment(n_files):
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM parcels_parcel WHERE version_id = %s ORDER BY random() LIMIT %s",
                    [version.pk, n_files + 200])
        ids = [r[0] for r in cur.fetchall()]
    parcels = list(Parcel.objects.filter(version_id=version.pk, pk__in=ids).only("id", "version_id", "file_code"))
    rng.shuffle(parcels)
    inside, outside = [], 0
    for p in parcels:
        try:
            parcel_valuation(parcel=p)
            inside.append(p)
        except NoValueZone:
            outside += 1
    officer = User.objects.create_user(username="bench-revenue", password=None)
    applicant = User.objects.create_user(username="bench-citizen", password=None)
    files = PropertyFile.objects.bulk_create(PropertyFile(code=p.file_code, parcel_id=p.pk) for p in inside)
    now = timezone.now()
    reqs = PermitRequest.objects.bulk_create(
        PermitRequest(tracking_code=f"BJ-BENCH-{i:07d}", kind="building_new", status="in_review", stage="revenue",
                      applicant=applicant, filed_by=applicant, file=f, parcel_id=p.pk, use="residential",
                      floors=3, floor_area_m2=float(rng.randint(150, 600)), footprint_m2=120.0,
                      submitted_at=now, stage_entered_at=now)
        for i, (f, p) in enumerate(zip(files, inside)))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    bare, made = [], []
    for rounds in range(2):  # bare lookups before and after, the assessments between (same parcels)
        if rounds == 1:
            for i, r in enumerate(reqs):
                if i == 200 and hasattr(gc, "freeze") and FREEZE:
                    gc.freeze()  # after warm-up, as config/gunicorn.py's post_worker_init does in a web worker
                t = time.perf_counter()
                a = assessment_make(request=r, stage="revenue", actor=officer)
                if i >= 200:  # the first 200 warm the caches and the prepared statements
                    made.append(ms(t))
                assert a.total_irr > 0
        for i, p in enumerate(inside):
            t = time.perf_counter()
            rows = value_zone_rows(parcel_id=p.pk, parcel_version_id=p.version_id)
            if i >= 200:
                bare.append(ms(t))
            assert rows and rows[0][0] is not None
    # the same files again: nothing changed, so each answers its current assessment
    again = []
    for r in reqs[200:]:
        t = time.perf_counter()
        assessment_make(request=r, stage="revenue", actor=officer)
        again.append(ms(t))
    return {"files": len(reqs), "outside": outside, "bare": bare, "assessment": made, "again": again}

SECTIONS = {"assessment": section_assessment}
result = {"parcels": parcels, "load_s": load_s}
for name in args["sections"]:
    result[name] = SECTIONS[name](args["files"])
print(json.dumps(result))
"""


def run_child(url: str, n: int, files: int, sections: list[str], gc_freeze: bool = True) -> dict:
    mapping = OUT / "parcels_only.yaml"
    mapping.write_text(PARCELS_ONLY_MAPPING)
    args = {
        "gpkg": str(tiled_parcels(n)),
        "mapping": str(mapping),
        "offsets": tile_offsets(n, sample_parcel_geoms()),
        "clicks": 0,
        "files": files,
        "sections": sections,
        "gc_freeze": gc_freeze,
    }
    code = CITY + "from django.utils import timezone\n" + SECTIONS_CHILD
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, json.dumps(args)],
        env=child_env(url),
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"the benchmark's child failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _line(title: str, values: list[float]) -> dict:
    f = summary(values)
    print(f"   {title:<44s} p50 {f['p50']:6.3f} ms  p95 {f['p95']:6.3f} ms  p99 {f['p99']:6.3f} ms")
    return f


def print_assessment(r: dict) -> dict:
    print(f"   {r['files']:,} files at the revenue stage ({r['outside']} parcels outside every value zone left out)")
    bare = _line("bare value-zone lookup (spatial join)", r["bare"])
    made = _line("assessment of a file (revenue stage)", r["assessment"])
    again = _line("same file again, inputs unchanged", r["again"])
    verdict = "OK" if made["p95"] < 5 else "MISSED"
    print(
        f"   assessment p95 {made['p95']:.3f} ms (< 5 ms) {verdict}; {made['p95'] / bare['p95']:.1f}x the bare lookup"
    )
    return {"bare": bare, "assessment": made, "again": again}


PRINTERS = {"assessment": print_assessment}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parcels", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--files", type=int, default=2000, help="permit files assessed (after 200 to warm up)")
    parser.add_argument("--sections", nargs="+", default=[*PRINTERS, "callbacks"], choices=[*PRINTERS, "callbacks"])
    parser.add_argument("--payments", type=int, default=2000, help="payments of the callbacks section")
    parser.add_argument("--keep", action="store_true", help="Keep the last city's database (bench_fees).")
    parser.add_argument(
        "--no-gc-freeze", action="store_true", help="Do not gc.freeze() after warm-up (the web workers do)."
    )
    args = parser.parse_args()
    admin_url = os.environ["DATABASE_URL"]
    out = {}
    city_sections = [name for name in args.sections if name in PRINTERS]
    for n in args.parcels if city_sections else []:
        url = fresh_database(admin_url, "bench_fees")
        print(f"\n== {n:,} parcels: building the city ...", flush=True)
        r = run_child(url, n, args.files + 200, city_sections, gc_freeze=not args.no_gc_freeze)
        print(f"   {r['parcels']:,} parcels imported and live in {r['load_s']:.1f} s")
        out[n] = {name: PRINTERS[name](r[name]) for name in city_sections}
    (OUT / "fees.json").write_text(json.dumps(out, indent=1))
    if city_sections and not args.keep:
        fresh_database(admin_url, "bench_fees")
    if "callbacks" in args.sections:
        print("\n== payment callbacks against the sandbox PSP (bench/fees_payments.py)", flush=True)
        for duplicates in (0, 1):  # each callback once (the target), then each delivered twice (the replays)
            print(f"-- every callback delivered {1 + duplicates} time(s)", flush=True)
            subprocess.run(  # noqa: S603 - our own interpreter and script
                [
                    sys.executable,
                    str(BENCH / "fees_payments.py"),
                    "--payments",
                    str(args.payments),
                    "--duplicates",
                    str(duplicates),
                ],
                cwd=ROOT,
                check=True,
            )


if __name__ == "__main__":
    main()
