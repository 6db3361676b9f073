"""Benchmark: a 6-floor drawing with 40 parking slots read, placed and checked, end to end.

    scripts/bench.sh drawings [--runs 30]

In one run, on the local database inside a transaction that is rolled back at the end (nothing is
left behind): a 20 m × 40 m test parcel on a street to be widened, one zone (density 400 %, coverage
60 %, 6 floors), an accepted-survey-free cadastral boundary. The drawing (made with ezdxf here) has 6
floors over a pilotis, 40 parking slots on two basement-free pilotis rows, deductions and balconies,
drawn in its own frame and turned 17°, so the similarity fit does real work. Each run does what an
upload does before storing: the locked-down child reads the bytes (drawings.uploads.drawing_read), the
convention sorts them, the plot is fitted to the parcel, the parcel is measured in PostGIS
(zoning.selectors.parcel_facts), the plan runner gives the envelope, PostGIS measures the placed drawing
(drawings.selectors.drawing_measures) and the rules run; each phase is timed. Beside it, in the same
run: the reader's bare start-up on an empty DXF, cold (a fresh `python -m drawings.reader`: interpreter,
limits, ezdxf import) and warm (a child forked by this process's warm reader, surveys.reader_server),
and the end-to-end p95 as a ratio of each (the machine is shared). Target (issue 22): p95 < 1 s end to
end.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

import ezdxf  # noqa: E402
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, MultiPolygon, Point  # noqa: E402
from django.db import transaction  # noqa: E402

from drawings.checks import drawing_checks  # noqa: E402
from drawings.parse import drawing_parse  # noqa: E402
from drawings.placement import drawing_place, placement_find  # noqa: E402
from drawings.records import OrderTerms  # noqa: E402
from drawings.selectors import drawing_measures  # noqa: E402
from drawings.uploads import drawing_read  # noqa: E402
from gis_app.models import DatasetKind, DatasetVersion  # noqa: E402
from parcels.models import Parcel  # noqa: E402
from zoning.compliance.records import Proposal  # noqa: E402
from zoning.compliance.runner import compliance_run  # noqa: E402
from zoning.models import PlanZone, Street, land_use_labels  # noqa: E402
from zoning.selectors import parcel_facts  # noqa: E402

E0, N0, SRID = 531_000.0, 4_149_000.0, 32640
W, D = 20.0, 40.0  # the parcel; its street along y = 0, 10 m wide, approved 14 m (realigned line at y = 7)


def _multi(wkt: str) -> MultiPolygon:
    return MultiPolygon(GEOSGeometry(wkt, srid=SRID), srid=SRID)


def _live(kind: str) -> DatasetVersion:
    DatasetVersion.objects.filter(kind=kind, is_active=True).update(is_active=False)
    return DatasetVersion.objects.create(kind=kind, source_name="bench", source_sha256="0" * 64, is_active=True)


def setup_parcel() -> Parcel:
    pv, sv, zv = (_live(k) for k in (DatasetKind.PARCELS, DatasetKind.STREETS, DatasetKind.ZONES))
    box = f"POLYGON(({E0} {N0 + 5},{E0 + W} {N0 + 5},{E0 + W} {N0 + D + 5},{E0} {N0 + D + 5},{E0} {N0 + 5}))"
    parcel = Parcel.objects.create(
        version=pv,
        geom=_multi(box),
        anchor=Point(E0 + W / 2, N0 + 20, srid=SRID),
        file_code="BENCH-DRAWINGS",
        geom_hash="bench",
        deed_area_m2=W * D,
    )
    line = GEOSGeometry(f"LINESTRING({E0 - 60} {N0}, {E0 + 80} {N0})", srid=SRID)
    Street.objects.create(
        version=sv,
        geom=MultiLineString(line, srid=SRID),
        name="bench",
        hierarchy="local",
        existing_width_m=10,
        approved_width_m=14,
    )
    x0, y0, x1, y1 = E0 - 200, N0 - 200, E0 + 200, N0 + 200
    zone = f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"
    PlanZone.objects.create(
        version=zv,
        geom=_multi(zone),
        plan_code="R-B",
        land_use="residential",
        density_pct=400,
        coverage_pct=60,
        max_floors=6,
        max_height_m=22,
        min_plot_area_m2=200,
        min_frontage_m=10,
    )
    return parcel


def six_floor_drawing() -> bytes:
    """Plot 20 × 40 from (0, 0) in the drawing's frame, turned 17° and moved; 6 floors of 20 × 23 m at
    the north, 40 slots of 2.5 × 5 m, a void per floor, a balcony per floor."""
    a = math.radians(17)

    def move(pts):
        return [(x * math.cos(a) - y * math.sin(a) + 300, x * math.sin(a) + y * math.cos(a) + 700) for x, y in pts]

    doc = ezdxf.new("R2010", setup=True)
    msp = doc.modelspace()

    def poly(layer, pts):
        msp.add_lwpolyline(move(pts), close=True, dxfattribs={"layer": layer})

    for i, t in enumerate(("USE=residential", "UNITS=12", "FLOORS=6")):
        msp.add_text(t, dxfattribs={"layer": "PLAN_INFO"}).set_placement((50, 50 - i))
    poly("PLOT_BOUNDARY", [(0, 0), (W, 0), (W, D), (0, D)])
    footprint = [(0, 17), (W, 17), (W, D), (0, D)]
    for n in range(7):
        poly(f"FLR_{n}_FOOTPRINT", footprint)
        if n:
            poly(f"FLR_{n}_DEDUCT", [(9, 28), (11, 28), (11, 30), (9, 30)])
            poly(f"BALCONY_{n}", [(5, 16), (15, 16), (15, 17), (5, 17)])
    for i in range(40):  # 8 per row × 5 rows, on the pilotis and the yard
        x, y = (i % 8) * 2.5, 12 + (i // 8) * 5.5
        poly("PARKING_SLOT", [(x, y), (x + 2.5, y), (x + 2.5, y + 5), (x, y + 5)])
    p1, p2 = move([(-1, 0), (-1, 21.0)])
    msp.add_aligned_dim(p1=p1, p2=p2, distance=1, dxfattribs={"layer": "HEIGHT"}).render()
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


def empty_dxf() -> bytes:
    out = io.StringIO()
    ezdxf.new("R2010").write(out)
    return out.getvalue().encode()


PHASES = ("read", "parse", "place", "facts", "plan", "measures", "rules")


def end_to_end(data: bytes, parcel: Parcel, phases: dict[str, list[float]] | None = None) -> bool:
    import shapely

    marks = [time.perf_counter()]

    def mark() -> None:
        marks.append(time.perf_counter())

    raw = drawing_read(data=data, name="bench.dxf")
    mark()
    drawing = drawing_parse(raw)
    mark()
    facts = parcel_facts(parcel_id=parcel.pk)
    facts_at = time.perf_counter()
    placement = placement_find(plot=drawing.plot, parcel=facts.geom, target="cadastral")
    placed = drawing_place(drawing, placement)
    mark()
    counted = placed.counted_floors
    proposal = Proposal(
        use="residential",
        floors=len(counted),
        floor_area_m2=sum(f.area.area for f in counted),
        footprint_m2=max(f.footprint.area for f in placed.floors),
        footprint=shapely.union_all([f.footprint for f in placed.floors]),
        height_m=placed.height_m,
    )
    plan = compliance_run(facts=facts, use_labels=land_use_labels(), proposal=proposal)
    mark()
    measures = drawing_measures(
        drawing=placed, envelope=plan.envelope.geom, net=facts.net, streets_version_id=facts.streets_version_id
    )
    mark()
    env = plan.envelope
    order = OrderTerms(
        max_floors=env.max_floors,
        max_footprint_m2=env.max_footprint_m2,
        max_floor_area_m2=env.max_floor_area_m2,
        max_height_m=22.0,
        land_use="residential",
        file_code=parcel.file_code,
        renovation_code="",
        zones_version=facts.zones_version_id,
        issued_at="",
    )
    report = drawing_checks(
        drawing=placed, measures=measures, order=order, params=facts.params, request_use="residential"
    )
    mark()
    if phases is not None:
        # read, parse, (facts | place), plan, measures, rules: the facts query is timed apart from the fit
        spans = [b - a for a, b in itertools.pairwise(marks)]
        facts_s = facts_at - marks[2]
        for name, value in zip(PHASES, [spans[0], spans[1], spans[2] - facts_s, facts_s, *spans[3:]], strict=True):
            phases.setdefault(name, []).append(value * 1000)
    if len(measures.slot_sides_m) != 40 or len(counted) != 6:
        raise SystemExit("the bench drawing was not read as drawn")
    return report.passed


def cold_read(data: bytes) -> None:
    """The reader as a fresh process (`python -m drawings.reader`, no warm reader): the old way."""
    from drawings.uploads import LIMITS
    from surveys.uploads import _cold_run

    header = {
        "memory_bytes": LIMITS.memory_bytes,
        "cpu_seconds": LIMITS.cpu_seconds,
        "limits": {"entities": LIMITS.entities, "vertices": LIMITS.vertices, "block_depth": LIMITS.block_depth},
    }
    payload = json.dumps(header).encode() + b"\n" + data
    if not (_cold_run(module="drawings.reader", payload=payload, wall_seconds=LIMITS.wall_seconds) or {}).get("ok"):
        raise SystemExit("the fresh reader did not read the empty drawing")


def pct(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    from surveys.uploads import reader_warm_start, reader_warm_stop

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the scripts' database, when it was never migrated
    data, empty = six_floor_drawing(), empty_dxf()
    print(
        f"drawing: {len(data) / 1024:.0f} kB, 6 floors + pilotis, 40 parking slots; "
        f"{args.runs} runs, cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
    )
    reader_warm_stop()
    t0 = time.perf_counter()
    reader_warm_start()
    server_start = (time.perf_counter() - t0) * 1000
    with transaction.atomic():
        parcel = setup_parcel()
        end_to_end(data, parcel)  # warm-up: connections, prepared statements, caches
        cold, warm, total, phases = [], [], [], {}
        for _ in range(args.runs):
            t0 = time.perf_counter()
            cold_read(empty)
            cold.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            drawing_read(data=empty, name="empty.dxf")
            warm.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            passed = end_to_end(data, parcel, phases)
            total.append((time.perf_counter() - t0) * 1000)
        transaction.set_rollback(True)
    line = "  {:<44} p50 {:8.1f} ms   p95 {:8.1f} ms"
    print(f"  warm reader started (once per process, parsers imported): {server_start:.0f} ms")
    print(line.format("reader bare start-up, cold (fresh process)", statistics.median(cold), pct(cold, 95)))
    print(line.format("reader bare start-up, warm (forked child)", statistics.median(warm), pct(warm, 95)))
    for name in PHASES:
        print(line.format(f"    phase: {name}", statistics.median(phases[name]), pct(phases[name], 95)))
    p50, p95 = statistics.median(total), pct(total, 95)
    print(line.format("read + place + check, end to end", p50, p95))
    print(
        f"  end to end p95 / cold start-up p50: {p95 / statistics.median(cold):.2f}; "
        f"/ warm start-up p50: {p95 / statistics.median(warm):.2f}"
    )
    print(f"  every check passed: {passed}; target p95 < 1000 ms: {'met' if p95 < 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
