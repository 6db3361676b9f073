"""Benchmark: the building permit PDF (map, QR, PAdES signature) in a warm process, beside the bare
engine compile of the same page.

    scripts/bench.sh documents [--iterations 300] [--warmup 20]

Runs against the database the scripts set up (the sample city is loaded if it is not live yet). A
corner parcel of the sample city (two streets, a chamfer) is read once through the documents' own
selector (documents.content.parcel_map_read: parcel_facts on PostGIS) and given the most the plan
allows as its proposal; then, in one process and interleaved, each iteration times:

- bare: the Typst compile alone of the prepared page data (documents.render.compile_pdf): the engine's floor;
- permit: what the issuance job does for one permit after its content is read: the page's words and
  figures in Persian, the map drawing, the QR (segno), the compile to PDF/A-2b and the PAdES
  signature (documents.render.render_document + documents.pades.sign_pdf);
- sign: the PAdES signature alone of the rendered page;
- data: the page's words, figures, map drawing and QR alone (documents.render.document_data).

Prints p50/p95/max of each and the permit/bare ratio; target (issue 19): permit p95 < 60 ms. WeasyPrint
is timed on the same page only when it is installed (it is not a dependency). Writes the figures to
bench/out/documents.json and the last PDF to bench/out/documents-permit.pdf.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SERIAL = "BP-1405-000123"
QR_URL = "https://bojnord.example/d/BP-1405-000123?k=2026a&s=" + "A" * 86  # an Ed25519 signature's length
ISSUED_ON = dt.date(2026, 11, 30)


def corner_parcel_content():
    """A permit record on the first sample-city parcel with a chamfer, proposing the plan's maximum."""
    from django.db import connection

    from documents.content import PermitContent, StreetLine, parcel_map_read
    from gis_app.models import DatasetKind, DatasetVersion
    from zoning.compliance.output import geojson_wgs84_many
    from zoning.compliance.runner import compliance_run
    from zoning.models import land_use_labels
    from zoning.selectors import parcel_facts

    version = DatasetVersion.objects.get(kind=DatasetKind.PARCELS, is_active=True)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, file_code FROM parcels_parcel WHERE version_id = %s ORDER BY id LIMIT 2000", [version.pk]
        )
        rows = cur.fetchall()
    labels = land_use_labels()
    for pid, file_code in rows:
        facts = parcel_facts(parcel_id=pid, parcel_version_id=version.pk)
        if facts is None or not facts.chamfers or facts.governing_zone is None:
            continue
        report = compliance_run(facts=facts, use_labels=labels)
        proposal, zone = report.proposal, report.zone
        pmap = parcel_map_read(parcel_id=pid, parcel_version_id=version.pk, floors=proposal.floors, with_envelope=True)
        return PermitContent(
            kind="building_permit",
            file_code=file_code,
            holder_name="مریم آزمون‌مالک",
            parcel_map=pmap,
            footprint_geojson=geojson_wgs84_many([pmap.footprint])[0] if pmap.footprint is not None else None,
            tracking_code="BJ-75RWK-5N8ZR-M8",
            request_kind="building_new",
            renovation_code=facts.renovation_code,
            registry_plate=facts.registry_plate,
            use=proposal.use,
            floors=proposal.floors,
            floor_area_m2=proposal.floor_area_m2,
            footprint_m2=proposal.footprint_m2,
            height_m=proposal.height_m,
            deed_area_m2=facts.deed_area_m2,
            net_area_m2=facts.net_area_m2,
            zone_code=zone.plan_code,
            coverage_pct=zone.coverage_pct,
            density_pct=zone.density_pct,
            streets=tuple(
                StreetLine(s.name, s.existing_width_m, s.approved_width_m, s.setback_area_m2, s.frontage_after_m)
                for s in facts.streets
            ),
            parking_spaces=2,
            plan_versions=(facts.parcel_version_id, facts.zones_version_id, facts.streets_version_id),
        )
    raise SystemExit("no corner parcel (with a chamfer) in the first 2000 sample-city parcels")


def stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def weasyprint_time(data: dict, iterations: int) -> dict | None:
    """The same page's facts in HTML through WeasyPrint, only when it is installed (not a dependency)."""
    if importlib.util.find_spec("weasyprint") is None:
        return None
    import weasyprint

    rows = "".join(f"<tr><th>{r['label']}</th><td>{r['value']}</td></tr>" for s in data["sections"] for r in s["rows"])
    html = (
        f'<html dir="{data["dir"]}"><body><h1>{data["title"]}</h1><p>{data["serial"]}</p>'
        f"{data['qr']}<table>{rows}</table></body></html>"
    )
    samples = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        weasyprint.HTML(string=html).write_pdf()
        samples.append((time.perf_counter() - t0) * 1000)
    return stats(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], check=True, cwd=ROOT)  # noqa: S603 - our own command
    subprocess.run([*manage, "sample_city_load", "-v", "0"], check=True, cwd=ROOT)  # noqa: S603
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from documents.pades import sign_pdf, validate_pdf
    from documents.render import compile_pdf, document_data, render_document

    t0 = time.perf_counter()
    content = corner_parcel_content()
    read_ms = (time.perf_counter() - t0) * 1000
    data = document_data(content, serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL, lang="fa")
    stamp = dt.datetime(2026, 11, 30, 8, 30, tzinfo=dt.UTC)

    def permit() -> bytes:
        pdf = render_document(content, serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL, lang="fa")
        return sign_pdf(pdf)

    unsigned = render_document(content, serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL, lang="fa")
    for _ in range(args.warmup):  # the compiler, the fonts, the signer: loaded once per process
        compile_pdf(data, timestamp=stamp)
        permit()
    bare, full, sign, prep = [], [], [], []
    signed = b""
    for _ in range(args.iterations):
        t0 = time.perf_counter()
        compile_pdf(data, timestamp=stamp)
        t1 = time.perf_counter()
        signed = permit()
        t2 = time.perf_counter()
        sign_pdf(unsigned)
        t3 = time.perf_counter()
        document_data(content, serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL, lang="fa")
        t4 = time.perf_counter()
        bare.append((t1 - t0) * 1000)
        full.append((t2 - t1) * 1000)
        sign.append((t3 - t2) * 1000)
        prep.append((t4 - t3) * 1000)
    check = validate_pdf(signed)
    if not (check.intact and check.trusted):
        raise SystemExit("the benchmark's signed permit does not validate")
    results = {
        "parcel": content.file_code,
        "pages_bytes": len(signed),
        "content_read_ms": round(read_ms, 1),
        "bare_compile": stats(bare),
        "permit_with_map_qr_pades": stats(full),
        "pades_sign_alone": stats(sign),
        "page_data_map_qr_alone": stats(prep),
        "weasyprint": weasyprint_time(data, min(args.iterations, 50)),
        "load_average": os.getloadavg(),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "documents.json").write_text(json.dumps(results, indent=2))
    (OUT / "documents-permit.pdf").write_bytes(signed)

    b, f, s = results["bare_compile"], results["permit_with_map_qr_pades"], results["pades_sign_alone"]
    d = results["page_data_map_qr_alone"]
    print(
        f"building permit of parcel {content.file_code} (corner, chamfer), {args.iterations} iterations, warm process"
    )
    print(f"{'':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print(f"{'bare Typst compile (same page)':34} {b['p50_ms']:8.1f} {b['p95_ms']:8.1f} {b['max_ms']:8.1f}")
    print(f"{'permit: data+map+QR+PDF/A+PAdES':34} {f['p50_ms']:8.1f} {f['p95_ms']:8.1f} {f['max_ms']:8.1f}")
    print(f"{'PAdES signature alone':34} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f} {s['max_ms']:8.1f}")
    print(f"{'page data, map and QR alone':34} {d['p50_ms']:8.1f} {d['p95_ms']:8.1f} {d['max_ms']:8.1f}")
    verdict = "met" if f["p95_ms"] < 60 else "NOT met"
    print(f"permit/bare p95: {f['p95_ms'] / b['p95_ms']:.2f}x; target permit p95 < 60 ms: {verdict}")
    load = os.getloadavg()[0]
    print(
        f"content read from PostGIS once: {read_ms:.1f} ms; signed PDF {len(signed):,} bytes; load average {load:.1f}"
    )
    if results["weasyprint"] is None:
        print("WeasyPrint: not installed (not a dependency), not timed")
    else:
        w = results["weasyprint"]
        print(f"{'WeasyPrint (facts table only)':34} {w['p50_ms']:8.1f} {w['p95_ms']:8.1f} {w['max_ms']:8.1f}")


if __name__ == "__main__":
    main()
