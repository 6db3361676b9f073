"""PAdES signatures: a signed document validates against the demo CA as trust root; one changed byte,
an appended update or another trust root makes it fail; a missing or unreadable key signs nothing."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat

import pikepdf
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from shapely.geometry import LineString, Polygon, box

from documents import pades
from documents.content import ParcelMap, PermitContent, StreetEdge, StreetLine
from documents.pades import SigningUnavailable, demo_pki_ensure, sign_pdf, validate_pdf
from documents.render import render_document
from tests.documents.conftest import ISSUED_ON, QR_URL, SERIAL


def permit_content() -> PermitContent:
    """A permit record with a hand-made 12 m × 25 m plot on a 16 m street (no database needed)."""
    x, y = 500000.0, 4150000.0
    parcel = box(x, y, x + 12, y + 25)
    strip = box(x, y, x + 12, y + 2)
    pmap = ParcelMap(
        parcel=parcel,
        streets=(
            StreetEdge(
                name="خیابان شهید بهشتی",
                approved_width_m=16,
                road=box(x - 10, y - 14, x + 22, y),
                realigned_line=LineString([(x, y + 2), (x + 12, y + 2)]),
                setback_strip=strip,
            ),
        ),
        chamfers=(Polygon([(x, y + 2), (x + 1.5, y + 2), (x, y + 3.5)]),),
        footprint=box(x, y + 10, x + 12, y + 25),
        footprint_drawn=False,
        floors=3,
    )
    return PermitContent(
        kind="building_permit",
        file_code="40N-5290-41470-001-2",
        holder_name="مریم آزمون‌مالک",
        parcel_map=pmap,
        footprint_geojson=None,
        tracking_code="BJ-75RWK-5N8ZR-M8",
        request_kind="building_new",
        use="residential",
        floors=3,
        floor_area_m2=432,
        footprint_m2=144,
        net_area_m2=276,
        deed_area_m2=300,
        zone_code="R121",
        coverage_pct=60,
        density_pct=180,
        streets=(StreetLine("خیابان شهید بهشتی", 12, 16, 24, 12),),
        parking_spaces=3,
        plan_versions=(1, 3, 2),
    )


@pytest.fixture
def demo_pki(settings, tmp_path):
    settings.DOCUMENTS_PKI_DIR = tmp_path / "pki"
    settings.DOCUMENTS_SIGNING_KEY = None
    settings.DOCUMENTS_SIGNING_CERT = None
    return settings.DOCUMENTS_PKI_DIR


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_document(permit_content(), serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL)


def test_a_signed_pdf_validates_against_the_demo_ca(demo_pki, unsigned):
    signed = sign_pdf(unsigned)
    # the demo CA and the signing certificate were made on first use; the keys readable by the owner only
    for name in (*pades.DEMO_CA, *pades.DEMO_SIGNER):
        assert (demo_pki / name).exists()
    assert stat.S_IMODE(os.stat(demo_pki / pades.DEMO_SIGNER[1]).st_mode) == 0o600
    result = validate_pdf(signed)
    assert result.intact and result.trusted
    assert "Bojnord Municipality document signing" in result.signer
    assert abs(result.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    # an incremental update: the rendered bytes are kept as they were, and the PDF/A identification too
    assert signed.startswith(unsigned)
    with pikepdf.open(io.BytesIO(signed)) as doc:
        assert doc.open_metadata().get("pdfaid:part") == "2"
    # the signer is loaded once per process
    assert pades.signer() is pades.signer()


@pytest.mark.hostile("edited signed PDF")
def test_one_changed_byte_breaks_the_signature(demo_pki, unsigned):
    signed = sign_pdf(unsigned)
    contents_at = signed.index(b"/Contents <") + len(b"/Contents <")
    positions = {
        "the page's content": len(unsigned) // 2,
        "the first byte": 0,
        "the document's end": len(unsigned) - 3,
        "the signature itself": contents_at + 40,
        "the signature dictionary after the signature": len(signed) - 200,
    }
    for where, at in positions.items():
        edited = bytearray(signed)
        edited[at] = edited[at] ^ 0x01
        result = validate_pdf(bytes(edited))
        assert not result.intact, where
    # a later update appended after the signature: the signature no longer covers the file
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    appended = out.getvalue()
    assert len(appended) > len(signed)
    assert not validate_pdf(appended).intact
    # an unsigned file and garbage are not signed documents
    assert not validate_pdf(unsigned).intact
    assert not validate_pdf(b"%PDF-1.7 not a pdf").intact
    assert not validate_pdf(b"").intact


@pytest.mark.hostile("edited signed PDF")
def test_another_trust_root_does_not_trust_the_signature(demo_pki, unsigned, tmp_path):
    signed = sign_pdf(unsigned)
    other = demo_pki_ensure(tmp_path / "other-pki")
    result = validate_pdf(signed, trust_roots=(str(other / pades.DEMO_CA[0]),))
    assert result.intact and not result.trusted


@pytest.mark.hostile("signing key missing or unreadable")
def test_a_missing_or_unreadable_key_signs_nothing(settings, demo_pki, unsigned, tmp_path):
    demo = demo_pki_ensure()
    cert = demo / pades.DEMO_SIGNER[0]
    garbage = tmp_path / "garbage.key"
    garbage.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    unreadable = tmp_path / "unreadable.key"
    unreadable.write_bytes((demo / pades.DEMO_SIGNER[1]).read_bytes())
    unreadable.chmod(0)
    cases = {
        "missing key": (tmp_path / "nowhere.key", cert),
        "missing certificate": (demo / pades.DEMO_SIGNER[1], tmp_path / "nowhere.pem"),
        "garbage key": (garbage, cert),
        "certificate given as the key": (cert, cert),
        "key without a certificate": (demo / pades.DEMO_SIGNER[1], None),
    }
    if os.geteuid() != 0:  # root reads a file whatever its mode
        cases["unreadable key"] = (unreadable, cert)
    for what, (key, certificate) in cases.items():
        settings.DOCUMENTS_SIGNING_KEY = str(key)
        settings.DOCUMENTS_SIGNING_CERT = str(certificate) if certificate else None
        with pytest.raises(SigningUnavailable) as caught:
            sign_pdf(unsigned)
        assert str(caught.value.message), what
    # the configured pair, once right, signs
    settings.DOCUMENTS_SIGNING_KEY = str(demo / pades.DEMO_SIGNER[1])
    settings.DOCUMENTS_SIGNING_CERT = str(cert)
    settings.DOCUMENTS_SIGNING_CHAIN = [str(demo / pades.DEMO_CA[0])]
    assert validate_pdf(sign_pdf(unsigned)).intact


@pytest.mark.hostile("signing key missing or unreadable")
def test_a_demo_pki_that_cannot_be_written_signs_nothing(settings, unsigned, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    settings.DOCUMENTS_PKI_DIR = blocker / "pki"  # under a file: cannot be created
    settings.DOCUMENTS_SIGNING_KEY = None
    settings.DOCUMENTS_SIGNING_CERT = None
    with pytest.raises(SigningUnavailable):
        sign_pdf(unsigned)


@pytest.mark.hostile("edited signed PDF")
def test_the_pki_command_shows_the_certificate_and_validates_a_file(demo_pki, unsigned, tmp_path):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("document_pki", stdout=out)
    assert "Bojnord Municipality document signing" in out.getvalue() and "demo-ca.pem" in out.getvalue()
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(sign_pdf(unsigned))
    out = io.StringIO()
    call_command("document_pki", "--validate", str(signed), stdout=out)
    assert "intact: True" in out.getvalue() and "trusted: True" in out.getvalue()
    edited = bytearray(signed.read_bytes())
    edited[len(unsigned) // 3] ^= 0x01
    signed.write_bytes(bytes(edited))
    with pytest.raises(CommandError):
        call_command("document_pki", "--validate", str(signed), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("document_pki", "--validate", str(tmp_path / "missing.pdf"), stdout=io.StringIO())


def test_signing_and_validating_work_inside_a_running_event_loop(demo_pki, unsigned):
    """pyHanko's synchronous calls start their own event loop; in a thread whose loop is already running
    (an async job runner, Playwright's sync API earlier in the same test process) they run aside."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def inside_a_loop():
        signed = sign_pdf(unsigned)
        return signed, validate_pdf(signed)

    def in_a_fresh_thread(coroutine):
        # a thread of its own, where asyncio.run() may start the loop the calls then run inside
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coroutine).result()

    signed, result = in_a_fresh_thread(inside_a_loop())
    assert result.intact and result.trusted
    broken = bytearray(signed)
    broken[len(unsigned) // 2] ^= 0x01
    assert not in_a_fresh_thread(_validate_async(bytes(broken))).intact


async def _validate_async(pdf: bytes):
    return validate_pdf(pdf)
