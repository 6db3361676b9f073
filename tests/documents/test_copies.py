"""English copies on request (issue 19, item 1): the owner of a document (and staff) asks for one; a job
renders the same content record with English labels, Latin digits and Gregorian dates beside the Jalali
ones, the serial with its -EN marker, its own signature and QR to the same verification page (in English);
exactly who may download the Persian one may download it; forged or mixed-up copy payloads are "not issued"."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from documents import qrsign, services
from documents.mapdraw import shade_classes, shade_of
from documents.models import DocumentCopy, IssuedDocument, RenderState
from documents.pades import validate_pdf
from documents.selectors import payload_verify
from tests.conftest import run_jobs_here
from tests.documents.conftest import pdf_png, pdf_text, qr_payloads, screenshots_dir
from tests.documents.issuing import document_keys, issue, signed_in, to_issuance  # noqa: F401 - the fixture
from tests.permits.conftest import another_owner, citizen, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(plot, staff, citizen):  # noqa: F811 - fixtures
    req = issue(to_issuance(plot, staff, citizen), staff[Role.PERMIT_OFFICER])
    run_jobs_here()
    return req, IssuedDocument.objects.get(request=req, kind="building_permit")


def _ask(client, serial: str, lang: str = "en"):
    return client.post(reverse("documents:copy", args=[serial, lang]))


def test_the_holder_gets_an_english_copy_that_verifies(issued, citizen, tmp_path):  # noqa: F811
    req, permit = issued
    client = signed_in(citizen)
    page = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    assert 'data-testid="document-copy-request"' in page
    response = _ask(client, permit.serial)
    url = reverse("documents:copy_download", args=[permit.serial, "en"])
    assert response.status_code == 302 and response["Location"] == url
    assert client.get(url).status_code == 409  # being prepared
    assert (
        'data-testid="document-copy-preparing"'
        in client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    )
    run_jobs_here()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{permit.serial}-EN.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    pdf = response.content
    check = validate_pdf(pdf)
    assert check.intact and check.trusted
    text = pdf_text(pdf, tmp_path)
    assert "Building permit" in text and f"{permit.serial}-EN" in text and "Copy in English" in text
    assert req.tracking_code in text and "3 floors" in text and "400 m²" in text
    # the Jalali date with Latin digits and the Gregorian one beside it
    assert re.search(r"14\d\d/\d\d/\d\d \(20\d\d-\d\d-\d\d\)", text)
    # English labels: the Persian page's words are gone (names and street names stay as recorded)
    assert not any(word in text for word in ("پروانه ساختمانی", "شماره سریال", "تاریخ صدور", "نقشه"))
    png = pdf_png(pdf, screenshots_dir() / "building_permit_en.png")
    (scanned,) = qr_payloads(png)
    copy = DocumentCopy.objects.get(document=permit, lang="en")
    assert scanned == copy.qr_payload and copy.signature != permit.signature
    parts = urlsplit(scanned)
    assert parts.path == f"/en/documents/verify/{permit.serial}" and parse_qs(parts.query)["c"] == ["en"]
    body = Client().get(parts.path + "?" + parts.query).content.decode()
    assert 'data-outcome="valid"' in body and 'data-testid="verify-copy"' in body and "Valid" in body
    # the original still verifies, in Persian; the file page now offers the copy
    original = urlsplit(permit.qr_payload)
    assert 'data-outcome="valid"' in Client().get(original.path + "?" + original.query).content.decode()
    page = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    assert url in page
    # asking again returns the same copy
    assert _ask(client, permit.serial).status_code == 302 and DocumentCopy.objects.count() == 1


@pytest.mark.hostile("access")
def test_exactly_who_may_download_the_original_may_get_the_copy(issued, plot, staff, citizen):  # noqa: F811
    _, permit = issued
    assert _ask(signed_in(staff[Role.CLERK]), permit.serial).status_code == 302  # staff
    run_jobs_here()
    url = reverse("documents:copy_download", args=[permit.serial, "en"])
    assert signed_in(citizen).get(url).status_code == 200
    stranger = another_owner(plot, 9)
    assert signed_in(stranger).get(url).status_code == 404
    assert _ask(signed_in(stranger), permit.serial).status_code == 404
    assert Client().get(url).status_code == 302 and "/accounts/login/" in Client().get(url)["Location"]
    assert Client().post(reverse("documents:copy", args=[permit.serial, "en"])).status_code == 302
    assert signed_in(citizen).get(reverse("documents:copy", args=[permit.serial, "en"])).status_code == 405
    for lang in ("fr", "EN", "fa", "en-us", "..", "e n"):
        assert _ask(signed_in(citizen), permit.serial, lang).status_code == 404, lang
    for bad in ("BP-1405-999999", "NOT-A-SERIAL", "BP-1405-000001'--"):
        assert _ask(signed_in(citizen), bad).status_code == 404
    assert DocumentCopy.objects.count() == 1
    # revoked: the citizen no longer gets it, the copy's scan says revoked, staff cannot ask for a new copy
    officer = staff[Role.PERMIT_OFFICER]
    services.document_revoke(document_id=permit.pk, actor=officer, reason="issued on a misspelt owner name")
    assert signed_in(citizen).get(url).status_code == 404
    copy = DocumentCopy.objects.get()
    parts = urlsplit(copy.qr_payload)
    assert 'data-outcome="revoked"' in Client().get(parts.path + "?" + parts.query).content.decode()
    DocumentCopy.objects.all().delete()
    response = _ask(signed_in(officer), permit.serial)
    assert response.status_code == 409 and DocumentCopy.objects.count() == 0


@pytest.mark.hostile("forged_qr")
def test_mixed_up_or_forged_copy_payloads_are_not_issued_by_us(issued, citizen):  # noqa: F811
    _, permit = issued
    services.document_copy_request(document_id=permit.pk, lang="en", actor=citizen)
    copy = DocumentCopy.objects.get()
    k, s = permit.key_id, permit.signature
    ck, cs = copy.key_id, copy.signature
    assert payload_verify(serial=permit.serial, key_id=ck, signature=cs, copy="en").outcome == "valid"
    assert payload_verify(serial=permit.serial, key_id=k, signature=s).outcome == "valid"
    # the copy's signature without its marker, the original's with one, another language, a flipped byte
    assert payload_verify(serial=permit.serial, key_id=ck, signature=cs).outcome == "not_issued"
    assert payload_verify(serial=permit.serial, key_id=k, signature=s, copy="en").outcome == "not_issued"
    assert payload_verify(serial=permit.serial, key_id=ck, signature=cs, copy="fr").outcome == "not_issued"
    flipped = ("A" if cs[5] != "A" else "B").join((cs[:5], cs[6:]))
    assert payload_verify(serial=permit.serial, key_id=ck, signature=flipped, copy="en").outcome == "not_issued"
    other = IssuedDocument.objects.exclude(pk=permit.pk).first()  # the map order: no copy asked for
    assert payload_verify(serial=other.serial, key_id=ck, signature=cs, copy="en").outcome == "not_issued"
    # the parser takes the marker from a scanned URL and refuses unknown ones
    assert qrsign.payload_parse(copy.qr_payload).copy == "en"
    forged = copy.qr_payload.replace("c=en", "c=xx")
    assert qrsign.payload_parse(forged) is None
    extra = copy.qr_payload + "&" + urlencode({"z": "1"})
    assert qrsign.payload_parse(extra) is None
    page = Client().get(f"/en/documents/verify/{permit.serial}", {"k": ck, "s": cs, "c": "xx"})
    assert page.status_code == 404 and 'data-outcome="not_issued"' in page.content.decode()


@pytest.mark.fault
def test_a_copy_that_cannot_be_signed_fails_with_a_reason_and_is_prepared_again(issued, citizen, settings, tmp_path):  # noqa: F811
    _, permit = issued
    settings.DOCUMENTS_SIGNING_KEY = str(tmp_path / "absent.key")
    settings.DOCUMENTS_SIGNING_CERT = str(tmp_path / "absent.crt")
    services.document_copy_request(document_id=permit.pk, lang="en", actor=citizen)
    run_jobs_here()
    copy = DocumentCopy.objects.get()
    assert copy.render_state == RenderState.FAILED and copy.render_error.startswith("signing_unavailable")
    url = reverse("documents:copy_download", args=[permit.serial, "en"])
    response = signed_in(citizen).get(url)
    assert response.status_code == 409 and 'data-testid="document-failed"' in response.content.decode()
    # the certificate comes back: asking again prepares the same copy (same signature) again
    del settings.DOCUMENTS_SIGNING_KEY, settings.DOCUMENTS_SIGNING_CERT
    assert _ask(signed_in(citizen), permit.serial).status_code == 302
    run_jobs_here()
    again = DocumentCopy.objects.get()
    assert again.render_state == RenderState.READY and again.signature == copy.signature
    assert signed_in(citizen).get(url).status_code == 200


def test_choropleth_classes_for_counts_and_for_days():
    assert shade_classes([]) == [] and shade_classes([None, None]) == []
    assert shade_classes([3, 3]) == [(3.0, 3.0)]
    assert shade_classes([0, 1], whole=True) == [(0.0, 0.0), (1.0, 1.0)]
    assert shade_classes([0, 9], whole=True) == [(0.0, 1.0), (2.0, 3.0), (4.0, 5.0), (6.0, 7.0), (8.0, 9.0)]
    days = shade_classes([1.0, 6.0])
    assert len(days) == 5 and days[0] == (1.0, 2.0) and days[-1][1] == 6.0
    assert shade_of(None, days) == "nodata" and shade_of(1.0, days) == "c0" and shade_of(6.0, days) == "c4"
    assert shade_of(3.5, days) == "c2"
    two = shade_classes([0, 1], whole=True)  # two classes: the lightest and the darkest shade
    assert (shade_of(0, two), shade_of(1, two)) == ("c0", "c4")
    assert shade_of(5, [(5.0, 5.0)]) == "c2"
