"""Every document kind rendered from a real file, in Persian and in English, read back with poppler
(text) and zbar (the QR on a 150 dpi PNG); PDF/A-2b identification; PNG renders kept under
.local/screenshots/ for a person to look at."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest

from documents.content import content_for
from documents.render import document_data, render_document
from fees.models import Bill
from tests.documents.conftest import ISSUED_ON, QR_URL, SERIAL, pdf_png, pdf_text, qr_payloads, screenshots_dir

pytestmark = pytest.mark.django_db

TITLES = {
    "building_permit": ("پروانه ساختمانی", "Building permit"),
    "fencing_permit": ("مجوز دیوارکشی", "Fencing permit"),
    "map_order": ("دستور تهیه نقشه", "Map preparation order"),
    "payment_slip": ("فیش پرداخت", "Payment slip"),
    "verdict_notice": ("رأی کمیسیون ماده صد", "Article 100 commission verdict"),
}


def _flat(text: str) -> str:
    """Words in reading order regardless of how poppler spaced the columns."""
    return " ".join(text.split())


def _squeeze(text: str) -> str:
    """Without spaces and zero-width non-joiners: poppler drops the space between a Persian word and a
    figure and moves a ZWNJ (the glyphs on the page are what a person reads; the PNGs show them)."""
    return text.replace(" ", "").replace("\u200c", "")


def _check(pdf: bytes, *, kind: str, lang: str, file_code: str, tmp_path, extra: tuple[str, ...] = ()) -> None:
    raw = pdf_text(pdf, tmp_path)
    text = _flat(raw)
    assert SERIAL in text
    assert file_code in text
    assert TITLES[kind][0 if lang == "fa" else 1] in text
    squeezed = _squeeze(text)
    for words in extra:  # poppler drops the space between a Persian word and a figure: compare without spaces
        assert _squeeze(words) in squeezed, (words, raw)
    png = pdf_png(pdf, screenshots_dir() / f"doc-{kind}-{lang}", dpi=150)
    assert qr_payloads(png) == [QR_URL]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
        assert len(doc.pages) == 1


def test_every_kind_renders_in_persian_and_english(at_issuance, decided_violation, tmp_path):
    req = at_issuance
    bill = Bill.objects.filter(request=req, status="paid").exclude(bill_id="").first()
    objects = {
        "building_permit": req,
        "fencing_permit": req,
        "map_order": req,
        "payment_slip": bill,
        "verdict_notice": decided_violation,
    }
    extras = {
        "building_permit": {"fa": ("2 طبقه", "مریم آزمون‌مالک"), "en": ("2 floors", "Bojnord Municipality")},
        "fencing_permit": {"fa": ("کوچه نسترن",), "en": ("Wall length",)},
        "map_order": {"fa": ("خیابان آزمون",), "en": ("Maximum footprint",)},
        "payment_slip": {"fa": (bill.bill_id, bill.payment_id), "en": (bill.bill_id, bill.payment_id)},
        "verdict_notice": {"fa": ("مریم آزمون‌مالک",), "en": ("Article 100 note",)},
    }
    for kind, obj in objects.items():
        content = content_for(kind, obj)
        assert content.kind == kind and content.parcel_map is not None
        for lang in ("fa", "en"):
            pdf = render_document(content, serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL, lang=lang)
            _check(pdf, kind=kind, lang=lang, file_code=content.file_code, tmp_path=tmp_path, extra=extras[kind][lang])


def test_the_permit_map_draws_every_part_of_the_parcel(at_issuance):
    content = content_for("building_permit", at_issuance)
    data = document_data(content, serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL, lang="fa")
    drawing = data["map"]
    roles = {s["role"] for s in drawing["shapes"]} | {line["role"] for line in drawing["lines"]}
    assert {"parcel", "setback", "chamfer", "envelope", "road", "realigned"} <= roles
    labels = [t["text"] for t in drawing["texts"]]
    assert "خیابان آزمون" in labels and "کوچه نسترن" in labels
    assert any(label.startswith("۲ طبقه") for label in labels)
    assert drawing["north"] == "شمال" and drawing["scale"]["label"].endswith("متر")
    # every point inside the box: nothing drawn off the map
    for shape in drawing["shapes"]:
        for ring in shape["rings"]:
            assert all(-50 <= x <= drawing["w"] + 50 and -50 <= y <= drawing["h"] + 50 for x, y in ring)
    # the data goes to Typst as one JSON input: the template never sees it as markup
    assert data["serial_ascii"] == SERIAL and data["dir"] == "rtl"


@pytest.mark.hostile("markup in a document's data")
def test_data_that_looks_like_markup_is_printed_as_text(tmp_path):
    """The page's data reaches Typst as one JSON input: names that look like Typst code, HTML or a
    format string are printed as they are, and never run."""
    import dataclasses

    from tests.documents.test_pades import permit_content

    for name in (
        '#panic("x") *bold* $x^2$ [link] #read("/etc/passwd")',
        "<script>alert(1)</script> {{ name }} %(n)s",
        '\\" ); #let x = 1 // \u202e not reversed \u2066 isolate \x07 bell',
    ):
        content = dataclasses.replace(permit_content(), holder_name=name)
        pdf = render_document(content, serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL, lang="en")
        text = _squeeze(pdf_text(pdf, tmp_path))
        visible = re.sub("[\u202e\u2066\x07]", "", name)
        assert _squeeze(visible) in text, name
        assert "root:" not in text


@pytest.mark.hostile("markup in a document's data")
def test_a_permit_with_many_long_streets_stays_on_one_sheet(tmp_path):
    import dataclasses

    from documents.content import StreetLine
    from tests.documents.test_pades import permit_content

    base = permit_content()
    streets = tuple(
        StreetLine(f"بزرگراه شهید دکتر محمدعلی رجایی شمالی، فرعی شماره {i}", 20.0, 45.5, 123.25, 18.0)
        for i in range(1, 7)
    )
    content = dataclasses.replace(base, streets=streets, holder_name="عبدالرحمن " * 12)
    for lang in ("fa", "en"):
        pdf = render_document(content, serial=SERIAL, issued_on=ISSUED_ON, qr_url=QR_URL, lang=lang)
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            assert len(doc.pages) == 1, lang
