"""Benchmark: the public verification page of an issued document against a static file on the same
server (issue 19: the page at >= 0.5x the static file's requests/s), with the home page (a Django page
without data) beside them.

    scripts/bench.sh document_verify [--seconds 10] [--workers 2]

Migrates the scripts' database, issues one building permit record on a sample-city file (the serial,
signature and QR payload made by documents.services.document_record), then serves the project with
gunicorn as the serve command does and loads it with wrk (bench/compliance.http_load): the static
style sheet (WhiteNoise), the home page, then the signed verification URL (signature check against
the key store, the record read, one scan row written, the page rendered). The rate limit per origin
is lifted for the run (every request comes from 127.0.0.1). Writes bench/out/document_verify.json.
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


def issued_payload() -> str:
    """One permit record on the first sample-city file (the sample city loaded when missing)."""
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
    with transaction.atomic():
        document = document_record(kind="building_permit", content=content, subject={"file_id": file.pk}, actor=None)
    return document.qr_payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help=f"server workers ({os.cpu_count()} cores here)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.templatetags.static import static

    payload = issued_payload()
    verify_path = urlsplit(payload).path + "?" + urlsplit(payload).query
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
        home_figures = http_load(port, ["/"], args.seconds)
        verify_figures = http_load(port, [verify_path], args.seconds)
    finally:
        stop(server)
    ratio = verify_figures["rps"] / static_figures["rps"]
    ratio_home = verify_figures["rps"] / home_figures["rps"]
    print(f"gunicorn, {args.workers} workers; wrk, {CLIENTS} connections, {args.seconds:.0f} s each")
    named = (("static file", static_figures), ("home page", home_figures), ("verification page", verify_figures))
    for name, f in named:
        print(f"  {name:18s} {f['rps']:8.1f} req/s  p50 {f['p50']:6.1f} ms  p95 {f['p95']:6.1f} ms")
    print(f"  verification / static file: {ratio:.2f}x; / home page (a Django page, no data): {ratio_home:.2f}x")
    out = BENCH / "out" / "document_verify.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"static": static_figures, "home": home_figures, "verify": verify_figures, "ratio": ratio}, indent=2)
    )


if __name__ == "__main__":
    main()
