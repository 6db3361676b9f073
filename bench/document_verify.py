"""Benchmark: the public verification page of an issued document against a static page on the same
server (issue 19: the page at >= 0.5x the static page's requests/s).

    scripts/bench.sh document_verify [--seconds 10] [--workers 2] [--documents 300]

Migrates the scripts' database, issues building permit records on a sample-city file (the serial,
signature and QR payload made by documents.services.document_record), then serves the project with
gunicorn as the serve command does and loads it with wrk (bench/compliance.http_load), one after
another:

- static file: the style sheet, answered by WhiteNoise, the third middleware: it skips the other
  fifteen (load shedding, body limits, text checks, sessions, locale, CSRF, authentication, the second
  factor, axes...), the URL resolver and the template engine. Printed for reference, not the target;
- static page: the home page, a fixed page through the whole stack the verification page goes through
  (every middleware, the URL resolver, a view, the site's base template and its context processors)
  without reading the database: the fair "static page on the same server" of the target;
- verification page: the signed URL of one document scanned again and again (the signature check,
  the record read, the scan counted and logged, the page rendered);
- verification, many documents: the signed URLs of --documents documents in turn (each process
  draws each document's record once, then as for one).

The rate limit per origin is lifted for the run (every request comes from 127.0.0.1). Writes
bench/out/document_verify.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from compliance import CLIENTS, child_env, free_port, http_load  # noqa: E402
from tiles import start, stop  # noqa: E402


def issued_payloads(count: int) -> list[str]:
    """`count` permit records on the first sample-city file (the sample city loaded when missing)."""
    from django.core.management import call_command
    from django.db import transaction

    from documents.content import DocumentContent
    from documents.services import document_record
    from parcels.models import PropertyFile
    from parcels.selectors import live_parcels

    call_command("migrate", verbosity=0)
    if not live_parcels().exists():
        call_command("sample_city_load", verbosity=0)
    parcel = live_parcels().order_by("file_code").first()
    file, _ = PropertyFile.objects.get_or_create(code=parcel.file_code, defaults={"parcel": parcel})
    footprint = {
        "type": "Polygon",
        "coordinates": [[[57.33, 37.47], [57.3302, 37.47], [57.3302, 37.4702], [57.33, 37.47]]],
    }
    content = DocumentContent(
        kind="building_permit",
        file_code=file.code,
        holder_name="مریم رضایی",
        parcel_map=None,
        footprint_geojson=footprint,
    )
    payloads = []
    for _ in range(count):
        with transaction.atomic():
            document = document_record(
                kind="building_permit", content=content, subject={"file_id": file.pk}, actor=None
            )
        payloads.append(document.qr_payload)
    return payloads


def _path(payload: str) -> str:
    parts = urlsplit(payload)
    return parts.path + "?" + parts.query


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help=f"server workers ({os.cpu_count()} cores here)")
    parser.add_argument("--documents", type=int, default=300, help="documents scanned in turn in the last run")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.templatetags.static import static

    paths = [_path(p) for p in issued_payloads(max(1, args.documents))]
    static_path = static("css/site.css")
    env = child_env(os.environ["DATABASE_URL"]) | {
        "DOCUMENT_VERIFY_SCANS_PER_MINUTE": str(10**9),
        "DOCUMENT_KEYS_DIR": str(settings.DOCUMENT_KEYS_DIR),
    }
    port = free_port()
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi:application"]
    server = start(
        [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    try:
        static_figures = http_load(port, [static_path], args.seconds)
        page_figures = http_load(port, ["/"], args.seconds)
        verify_figures = http_load(port, paths[:1], args.seconds)
        many_figures = http_load(port, paths, args.seconds)
    finally:
        stop(server)
    ratio = verify_figures["rps"] / page_figures["rps"]
    ratio_many = many_figures["rps"] / page_figures["rps"]
    ratio_file = verify_figures["rps"] / static_figures["rps"]
    print(f"gunicorn, {args.workers} workers; wrk, {CLIENTS} connections, {args.seconds:.0f} s each")
    named = (
        ("static file (WhiteNoise)", static_figures),
        ("static page (home)", page_figures),
        ("verification page", verify_figures),
        (f"verification, {len(paths)} documents", many_figures),
    )
    for name, f in named:
        print(f"  {name:30s} {f['rps']:8.1f} req/s  p50 {f['p50']:6.1f} ms  p95 {f['p95']:6.1f} ms")
    verdict = "met" if ratio >= 0.5 else "NOT met"
    print(
        f"  verification / static page: {ratio:.2f}x ({len(paths)} documents in turn: {ratio_many:.2f}x); "
        f"target >= 0.5x: {verdict}"
    )
    print(f"  verification / static file (WhiteNoise, before most of the stack): {ratio_file:.2f}x")
    print(f"  load average {os.getloadavg()[0]:.1f} (the machine is shared: compare the ratios, measured together)")
    out = BENCH / "out" / "document_verify.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "static_file": static_figures,
                "static_page": page_figures,
                "verify": verify_figures,
                "verify_many": many_figures,
                "documents": len(paths),
                "ratio": ratio,
                "ratio_many": ratio_many,
                "ratio_static_file": ratio_file,
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
