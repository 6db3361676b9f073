"""An inquiry's answer as a signed document (kind inquiry_answer): issued with the answer, its PDF carries
the serial and the outcome, its QR verifies on the public page, only the agency that asked downloads it
(409 while the job prepares it), and a revoked answer shows revoked."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from accounts.roles import Role
from documents import services as document_services
from documents.models import IssuedDocument
from gis_app.text import digits_to_ascii
from inquiries.models import Inquiry
from tests.conftest import Client
from tests.documents.conftest import pdf_png, pdf_text, qr_payloads, screenshots_dir
from tests.documents.issuing import document_keys  # noqa: F401 - the fixture
from tests.inquiries.conftest import ACROSS_STREET, api_get, api_post, issued, line_geojson
from tests.surveys.conftest import SRID, user_with

pytestmark = pytest.mark.django_db
URL = "/api/v1/inquiries/"


def ask(client, token, plot, kind, **extra):
    body = {"kind": kind, "purpose": "فروش ملک", "property": plot.file_code, **extra}
    r = api_post(client, URL, token, body)
    assert r.status_code == 201, r.content
    return r.json()


def rendered(public_id: str) -> IssuedDocument:
    """Run the rendering job's body for the answer's document and read it back."""
    document = IssuedDocument.objects.get(subject_ref=public_id, kind="inquiry_answer")
    assert document_services.document_render(document_id=document.pk) == "ready", document.render_error
    return IssuedDocument.objects.get(pk=document.pk)


def check_pdf_and_qr(document, outcome_words, tmp_path, client):
    """The signed PDF holds the serial and the outcome; its QR (read from the page's PNG, kept under
    .local/screenshots/ per inquiry kind for a person to look at) opens the verification page: valid."""
    pdf = bytes(document.pdf)
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf  # PAdES-signed
    text = digits_to_ascii(pdf_text(pdf, tmp_path))
    assert document.serial in text
    assert outcome_words in text, text
    shot = screenshots_dir() / f"doc-inquiry_answer-{document.key_fields.get('inquiry_kind', 'answer')}-fa.png"
    payloads = qr_payloads(pdf_png(pdf, shot))
    assert payloads == [document.qr_payload]
    url = urlsplit(payloads[0])
    page = client.get(url.path, dict(p.split("=", 1) for p in url.query.split("&")))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-outcome="valid"' in body
    return body


def test_a_notary_answer_is_a_signed_document_that_verifies(client, plot, tokens, tmp_path):
    body = ask(client, tokens["notary"], plot, "notary")
    doc = body["document"]
    assert doc["serial"].startswith("IA-") and doc["status"] == "valid" and doc["pdf"] == "pending"
    assert doc["verification_url"].startswith("https://")
    # while the job has not run: 409 with a clear message
    pending = api_get(client, f"{URL}{body['id']}/document.pdf", tokens["notary"])
    assert pending.status_code == 409 and "آماده" in pending.json()["detail"]
    document = rendered(body["id"])
    page = check_pdf_and_qr(document, "انجام معامله", tmp_path, client)
    # the page shows the purpose's facts in words (never the codes) and the agency masked
    assert "not_cleared" not in page and "no_certificate" not in page
    assert "دفترخانه ۱۲ بجنورد" not in page
    assert document.key_fields["answer"] == "not_cleared"
    assert document.key_fields["reasons"] == "no_certificate"
    got = api_get(client, f"{URL}{body['id']}/document.pdf", tokens["notary"])
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert b"".join(got.streaming_content if got.streaming else [got.content]) == bytes(document.pdf)


def test_a_bank_answer_carries_permit_certificate_and_stage(client, plot, tokens, tmp_path):
    issued(plot, "building_new", user_with("citizen", "owner-bank"))
    body = ask(client, tokens["bank"], plot, "bank")
    document = rendered(body["id"])
    fields = document.key_fields
    assert (fields["valid_permit"], fields["completion"], fields["stage"]) == ("yes", "no", "under_construction")
    assert fields["holder"] == "بانک ملی شعبه مرکزی" and fields["inquiry_kind"] == "bank"
    check_pdf_and_qr(document, "پاسخ داده شد", tmp_path, client)


def test_a_utility_answer_decided_by_the_unit_is_issued_then(client, plot, tokens, tmp_path):
    body = ask(client, tokens["water"], plot, "utility", unit="1-2-15-20-0-0-1")
    assert body["status"] == "pending" and body["document"] is None
    assert not IssuedDocument.objects.filter(subject_ref=body["id"]).exists()
    web = Client()
    web.force_login(user_with(Role.PERMIT_OFFICER.value, "permit-unit"))
    assert web.post(f"/agency/inbox/{body['id']}/", {"decision": "approve"}).status_code == 302
    document = rendered(body["id"])
    assert document.key_fields["answer"] == "eligible" and document.key_fields["unit"] == "1-2-15-20-0-0-1"
    check_pdf_and_qr(document, "انشعاب", tmp_path, client)


def test_an_excavation_answer_carries_conditions_fee_and_bill(client, plot, tokens, tmp_path):
    body = ask(client, tokens["water"], plot, "excavation", geometry=line_geojson(*ACROSS_STREET), crs=SRID)
    inquiry = Inquiry.objects.get(public_id=body["id"])
    document = rendered(body["id"])
    fields = document.key_fields
    assert fields["answer"] == body["answer"]["outcome"]
    assert fields["fee_irr"] == body["answer"]["facts"]["fee_irr"]
    if inquiry.bill_id:
        assert (fields["bill_id"], fields["payment_id"]) == (inquiry.bill.bill_id, inquiry.bill.payment_id)
    text = digits_to_ascii(pdf_text(bytes(document.pdf), tmp_path))
    assert document.serial in text and "حفاری" in text
    check_pdf_and_qr(document, "حفاری مجاز", tmp_path, client)


@pytest.mark.hostile("idor")
def test_another_agency_cannot_download_the_answer(client, plot, tokens, agencies, tmp_path):
    body = ask(client, tokens["notary"], plot, "notary")
    rendered(body["id"])
    for token in (tokens["bank"], tokens["water"]):
        r = api_get(client, f"{URL}{body['id']}/document.pdf", token)
        assert r.status_code == 404
    # malformed and unknown ids are JSON 404s too
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"):
        assert api_get(client, f"{URL}{bad}/document.pdf", tokens["notary"]).status_code == 404
    # the other agency's member on the Persian pages: 404
    web = Client()
    web.force_login(agencies["bank"].members.get().user)
    assert web.get(f"/agency/inquiries/{body['id']}/document.pdf").status_code == 404
    assert web.get(f"/agency/inquiries/{body['id']}/").status_code == 404
    # the agency that asked sees and downloads it from its page
    mine = Client()
    mine.force_login(agencies["notary"].members.get().user)
    page = mine.get(f"/agency/inquiries/{body['id']}/").content.decode()
    assert 'data-testid="document-download"' in page and 'data-testid="document-serial"' in page
    got = mine.get(f"/agency/inquiries/{body['id']}/document.pdf")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"


def test_a_revoked_answer_shows_revoked(client, plot, tokens, tmp_path):
    body = ask(client, tokens["notary"], plot, "notary")
    document = rendered(body["id"])
    officer = user_with(Role.PERMIT_OFFICER.value, "officer-revoke")
    document_services.document_revoke(document_id=document.pk, actor=officer, reason="پاسخ بر داده نادرست بود")
    url = urlsplit(document.qr_payload)
    page = client.get(url.path, dict(p.split("=", 1) for p in url.query.split("&")))
    assert 'data-outcome="revoked"' in page.content.decode()
    again = api_get(client, f"{URL}{body['id']}/", tokens["notary"]).json()
    assert again["document"]["status"] == "revoked"


def test_the_english_copy_renders_from_the_same_record(client, plot, tokens, tmp_path):
    from documents.content import content_for
    from documents.render import render_document

    body = ask(client, tokens["notary"], plot, "notary")
    document = IssuedDocument.objects.get(subject_ref=body["id"])
    content = content_for("inquiry_answer", body["id"])
    pdf = render_document(
        content, serial=document.serial, issued_on=document.issued_on, qr_url=document.qr_payload, lang="en"
    )
    text = pdf_text(pdf, tmp_path)
    assert "Answer to an inquiry" in text and "Not cleared for the sale" in text and document.serial in text


@pytest.mark.hostile("bad_input")
def test_no_document_for_an_unanswered_or_unknown_subject():
    from documents.content import DocumentNotReady, content_for

    for ref in ("", "00000000-0000-0000-0000-000000000000", 5, None):
        with pytest.raises(DocumentNotReady):
            content_for("inquiry_answer", ref)


@pytest.mark.hostile("idor")
def test_the_owner_side_cannot_open_an_agencys_answer_through_the_documents_pages(client, plot, tokens, tmp_path):
    owner = user_with("citizen", "owner-answer")
    issued(plot, "completion", owner)  # the owner's own request on the same file
    body = ask(client, tokens["notary"], plot, "notary")
    document = rendered(body["id"])
    assert document.file_id is not None
    web = Client()
    web.force_login(owner)
    assert web.get(f"/documents/{document.serial}/pdf").status_code == 404
