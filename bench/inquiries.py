"""Benchmark: inquiries at 1M parcels.

    scripts/bench.sh inquiries [--parcels 1000000] [--inquiries 1000]

A fresh database gets the city of bench/compliance.py (the sample city tiled to that many parcels, its
zones and streets copied alongside), and here: every street of the tiled city recorded as paved (half
of them recently), a notary and a water company. Then, on random parcels, in one run:

- notary clearance: half the parcels have a file with an issued completion certificate (a signed document
  row, as the clearance reads them; every third file also an older no-violation certificate that has run
  out), half no file;
  `inquiries.services.inquiry_file(kind="notary")` end to end: the parcel found by its file code
  among 1M, the file's permits, bills, fines and open cases, the rule, the stored inquiry with its
  typed answer and audit row, the webhook look-up, committed. Target (issue 20): p95 < 50 ms.
  The figure includes the answer's document issuance (documents.services.document_of_subject_issue:
  the gap-free IA serial, the Ed25519-signed QR fields, the row, the audit row and the deferred job);
  the Typst rendering and the PAdES signature run afterwards in the documents job, outside this figure.
- excavation buffer check: a 40 m line from each parcel's anchor southwards (into its street), checked
  by `inquiries.selectors.excavation_crossing` (parcels, streets, paving and open excavations within
  INQUIRY_CHECK_DISTANCE_M; four GiST-indexed ST_DWithin) beside a bare prepared `ST_DWithin` on the
  parcels alone, measured in the same run. Target: p95 < 30 ms.
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

_CITY, _sep, _rest = CITY_CHILD.partition('if args.get("city_only")')
if not _sep:
    raise SystemExit("bench/compliance.py changed: inquiries cannot reuse its city set-up")

SECTIONS_CHILD = r"""
import datetime as dt
from django.contrib.gis.geos import GEOSGeometry
from django.utils import timezone
from accounts.models import User
from inquiries.models import Agency
from inquiries.selectors import excavation_crossing
from inquiries.services import inquiry_file
from parcels.models import Parcel, PropertyFile
from permits.models import PermitRequest

rng = random.Random(1405)
n = args["inquiries"]

def ms(t0):
    return (time.perf_counter() - t0) * 1000

with connection.cursor() as cur:
    # every street of the live (tiled) city paved: half of them within the protection period
    cur.execute("INSERT INTO inquiries_pavingrecord (street_name, geom, width_m, paved_on, contractor, created_at) "
                "SELECT s.name, s.geom, GREATEST(s.existing_width_m, 1), "
                "CURRENT_DATE - ((s.id % 2) * 1000 + 30)::int, '', now() "
                "FROM zoning_street s JOIN gis_app_datasetversion v ON v.id = s.version_id AND v.is_active "
                "WHERE v.kind = 'streets'")
    cur.execute("SELECT count(*) FROM inquiries_pavingrecord")
    paving_rows = cur.fetchone()[0]
    cur.execute("SELECT id FROM parcels_parcel WHERE version_id = %s ORDER BY random() LIMIT %s", [version.pk, n + 200])
    ids = [r[0] for r in cur.fetchall()]
parcels = list(Parcel.objects.filter(version_id=version.pk, pk__in=ids).only("id", "file_code", "anchor"))
rng.shuffle(parcels)
owner = User.objects.create_user(username="bench-owner", password=None)
with_file = parcels[::2]
files = PropertyFile.objects.bulk_create(PropertyFile(code=p.file_code, parcel_id=p.pk) for p in with_file)
now = timezone.now()
PermitRequest.objects.bulk_create(
    PermitRequest(tracking_code=f"BJ-BENCH-{i:07d}", kind="completion", status="issued", applicant=owner,
                  filed_by=owner, file=f, parcel_id=p.pk, closed_at=now)
    for i, (f, p) in enumerate(zip(files, with_file)))
# the certificates as documents record them (the clearance reads valid issued documents): each file its
# completion certificate, and every third file also an older no-violation certificate that has run out
from documents.models import DocumentKind, IssuedDocument
today = timezone.localdate()
docs = []
for i, f in enumerate(files):
    docs.append(IssuedDocument(kind=DocumentKind.COMPLETION_CERTIFICATE, serial=f"CC-1405-{i + 1:06d}",
                               jalali_year=1405, sequence=i + 1, file=f, issued_at=now, issued_on=today,
                               key_fields={"file": f.code}, key_id="bench", signature="x", qr_payload="x"))
    if i % 3 == 0:
        docs.append(IssuedDocument(kind=DocumentKind.NO_VIOLATION_CERTIFICATE, serial=f"NV-1404-{i + 1:06d}",
                                   jalali_year=1404, sequence=i + 1, file=f, issued_at=now - dt.timedelta(days=400),
                                   issued_on=today - dt.timedelta(days=400), key_id="bench", signature="x",
                                   key_fields={"file": f.code, "valid_until": str(today - dt.timedelta(days=220))},
                                   qr_payload="x"))
IssuedDocument.objects.bulk_create(docs)
notary = Agency.objects.create(name="bench notary", kind="notary")
with connection.cursor() as cur:
    cur.execute("ANALYZE")

clearance, outcomes = [], {}
for i, p in enumerate(parcels):
    t = time.perf_counter()
    q = inquiry_file(agency=notary, kind="notary", purpose="bench", property_code=p.file_code)
    if i >= 200:  # the first 200 warm the caches
        clearance.append(ms(t))
    outcomes[q.answer["outcome"]] = outcomes.get(q.answer["outcome"], 0) + 1

connection.ensure_connection()
conn = connection.connection
BARE = ("SELECT id FROM parcels_parcel WHERE version_id = %(pv)s "
        "AND ST_DWithin(geom, ST_GeomFromText(%(wkt)s, 32640), %(d)s)")
lines = [f"LINESTRING({p.anchor.x} {p.anchor.y}, {p.anchor.x + 0.5} {p.anchor.y - 40})" for p in parcels]
bare, crossing, found = [], [], {"streets": 0, "paving": 0, "parcels": 0}
for rounds in range(2):  # bare before and after the full check, on the same lines
    for i, wkt in enumerate(lines):
        if rounds == 1:
            t = time.perf_counter()
            c = excavation_crossing(geom=GEOSGeometry(wkt, srid=32640))
            if i >= 200:
                crossing.append(ms(t))
                found["streets"] += bool(c.streets)
                found["paving"] += bool(c.paving)
                found["parcels"] += len(c.parcel_ids)
        t = time.perf_counter()
        with psycopg.Cursor(conn) as cur:
            cur.execute(BARE, {"pv": version.pk, "wkt": wkt, "d": 2.0}, prepare=True)
            cur.fetchall()
        if i >= 200:
            bare.append(ms(t))
print(json.dumps({"parcels": parcels_count, "load_s": load_s, "paving_rows": paving_rows, "clearance": clearance,
                  "outcomes": outcomes, "bare": bare, "crossing": crossing, "found": found}))
"""


def run_child(url: str, n: int, inquiries: int) -> dict:
    mapping = OUT / "parcels_only.yaml"
    mapping.write_text(PARCELS_ONLY_MAPPING)
    args = {
        "gpkg": str(tiled_parcels(n)),
        "mapping": str(mapping),
        "offsets": tile_offsets(n, sample_parcel_geoms()),
        "clicks": 0,
        "inquiries": inquiries,
    }
    code = _CITY + "parcels_count = parcels\n" + SECTIONS_CHILD
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
    print(f"   {title:<52s} p50 {f['p50']:6.3f} ms  p95 {f['p95']:6.3f} ms  p99 {f['p99']:6.3f} ms")
    return f


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parcels", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--inquiries", type=int, default=1000, help="inquiries of each kind (after 200 to warm up)")
    parser.add_argument("--keep", action="store_true", help="Keep the last city's database (bench_inquiries).")
    args = parser.parse_args()
    admin_url = os.environ["DATABASE_URL"]
    out = {}
    for n in args.parcels:
        url = fresh_database(admin_url, "bench_inquiries")
        print(f"\n== {n:,} parcels: building the city ...", flush=True)
        r = run_child(url, n, args.inquiries)
        print(
            f"   {r['parcels']:,} parcels imported and live in {r['load_s']:.1f} s; {r['paving_rows']:,} paved streets"
        )
        clearance = _line("notary clearance, end to end (committed)", r["clearance"])
        print(f"   outcomes {r['outcomes']}")
        if not r["outcomes"].get("cleared") or not r["outcomes"].get("not_cleared"):
            raise SystemExit("the clearance was measured on one outcome only: the city's certificates are wrong")
        bare = _line("bare ST_DWithin on the parcels (prepared)", r["bare"])
        crossing = _line("excavation buffer check (parcels, streets, paving, open)", r["crossing"])
        found = r["found"]
        print(
            f"   lines meeting a street {found['streets']}, fresh paving {found['paving']}, "
            f"parcels within reach {found['parcels']}"
        )
        print(
            f"   clearance p95 {clearance['p95']:.2f} ms (< 50 ms) {'OK' if clearance['p95'] < 50 else 'MISSED'}; "
            f"buffer check p95 {crossing['p95']:.2f} ms (< 30 ms) {'OK' if crossing['p95'] < 30 else 'MISSED'}, "
            f"{crossing['p95'] / bare['p95']:.1f}x the bare ST_DWithin"
        )
        out[n] = {"clearance": clearance, "bare": bare, "crossing": crossing, "outcomes": r["outcomes"], "found": found}
    (OUT / "inquiries.json").write_text(json.dumps(out, indent=1))
    if not args.keep:
        fresh_database(admin_url, "bench_inquiries")


if __name__ == "__main__":
    main()
