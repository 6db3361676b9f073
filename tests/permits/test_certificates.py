"""Stage 9 end to end below the browser: a permit issued, the building surveyed as built with one floor
too many, the completion certificate refused while the difference is open and while its fine is unpaid,
then issued as a signed document (CC) whose QR verifies; a no-violation certificate (NV) of a building in
progress, valid six months; their wording on the pages; who may see them; hostile input to the compare
action."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.services import authorisation_grant, authorisation_revoke
from documents.content import no_violation_valid_until
from documents.models import IssuedDocument, RenderState
from documents.selectors import document_pdf
from fees.models import Bill
from gis_app import jalali
from gis_app.text import digits_to_ascii
from inquiries.selectors import certificates_in_force
from permits.certificates import asbuilt_compare
from permits.errors import GuardsFailed
from permits.models import PermitRequest, RequestStatus
from tests.conftest import run_jobs_here
from tests.documents.conftest import pdf_png, pdf_text, qr_payloads, screenshots_dir
from tests.documents.issuing import document_keys, signed_in  # noqa: F401 - the fixture
from tests.fees.test_billing import assessment_row, pay
from tests.permits.asbuilt_case import (
    asbuilt_surveyed,
    at_comparison,
    certificate_request,
    permit_issued,
    schedules_loaded,
)
from tests.permits.conftest import advance, citizen, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import plot, user_with  # noqa: F401 - fixtures
from violations import services as violation_services
from violations.models import Violation

pytestmark = pytest.mark.django_db

PERMIT_WORDING = "صدور پروانه"


def _wording(html: str) -> str:
    """The page without the permit officer's role name («کارشناس صدور پروانه»: the role issues permits and
    certificates alike), where the stage's own wording must not say permit issuance."""
    from django.utils import translation

    with translation.override("fa"):
        return html.replace(str(Role.PERMIT_OFFICER.label), "")


def _to_certificate_stage(req, staff):  # noqa: F811
    """Compare, send on, renovation dues current (nothing due): the file at its issuing stage."""
    officer = staff[Role.VIOLATIONS_OFFICER]
    comparison = asbuilt_compare(request_id=req.pk, actor=officer)
    req = advance(req, officer)
    assessment_row(req, "renovation", 0)
    req = advance(req, staff[Role.RENOVATION_OFFICER], pay_fees=False)
    return req, comparison


def test_the_completion_certificate_waits_for_the_difference_and_its_fine(plot, staff, citizen, tmp_path):  # noqa: F811
    req = at_comparison(plot, staff, citizen, floors=4)
    req, comparison = _to_certificate_stage(req, staff)
    assert req.stage == "completion_issuance"
    (difference,) = comparison.record.differences
    permit_officer = staff[Role.PERMIT_OFFICER]
    with pytest.raises(GuardsFailed) as failed:
        advance(req, permit_officer, "approve")
    assert any("طبقات مازاد بر پروانه" in f for f in failed.value.failures)
    # the commission fines it: the case no longer blocks, the fine's bill does
    officer = staff[Role.VIOLATIONS_OFFICER]
    schedules_loaded(req)
    case = violation_services.violation_refer(actor=officer, violation_id=difference.violation_id)
    violation_services.violation_verdict(
        actor=officer, violation_id=case.pk, verdict="fine", fine_irr=case.fine_min_irr, text="Fine for the 4th floor"
    )
    with pytest.raises(GuardsFailed) as failed:
        advance(req, permit_officer, "approve")
    assert [f for f in failed.value.failures if "جریمه" in f]
    assert not IssuedDocument.objects.filter(request=req).exists()
    pay(Bill.objects.get(violation=case))
    assert Violation.objects.get(pk=case.pk).status == "closed"
    req = advance(req, permit_officer, "approve")
    assert req.status == RequestStatus.ISSUED
    cert = IssuedDocument.objects.get(request=req, kind="completion_certificate")
    assert cert.serial.startswith(f"CC-{cert.jalali_year}-")
    fields = cert.key_fields
    assert (fields["floors"], fields["permit"], fields["valid_until"]) == (4, comparison.permit.tracking_code, "")
    assert fields["footprint_m2"] == 112 and fields["floor_area_m2"] == 448
    # the signed PDF, its QR read back from the page image, and the public page says valid
    run_jobs_here()
    cert.refresh_from_db()
    assert cert.render_state == RenderState.READY, cert.render_error
    pdf = document_pdf(document=cert)
    assert "گواهی پایان کار" in pdf_text(pdf, tmp_path)
    (payload,) = qr_payloads(pdf_png(pdf, screenshots_dir() / "doc-completion_certificate-fa.png", dpi=200))
    assert payload == cert.qr_payload
    url = urlsplit(payload)
    page = signed_in(user_with("citizen", "passer-by")).get(f"{url.path}?{url.query}")
    assert (
        page.status_code == 200 and 'data-outcome="valid"' in page.content.decode()
    ) or "معتبر" in page.content.decode()
    completion, _until = certificates_in_force(file=req.file, today=timezone.localdate())
    assert completion


def test_a_no_violation_certificate_of_a_building_in_progress(plot, staff, citizen, tmp_path):  # noqa: F811
    req = at_comparison(plot, staff, citizen, "no_violation", floors=2)
    req, comparison = _to_certificate_stage(req, staff)
    assert comparison.record.differences == () and req.stage == "no_violation_issuance"
    req = advance(req, staff[Role.PERMIT_OFFICER], "approve")
    cert = IssuedDocument.objects.get(request=req, kind="no_violation_certificate")
    assert cert.serial.startswith("NV-") and cert.key_fields["floors"] == 2
    until = dt.date.fromisoformat(cert.key_fields["valid_until"])
    assert until == no_violation_valid_until(cert.issued_on)
    assert 178 <= (until - cert.issued_on).days <= 187  # six Jalali months
    assert certificates_in_force(file=req.file, today=timezone.localdate()) == (False, until)
    assert certificates_in_force(file=req.file, today=until + dt.timedelta(days=1)) == (False, None)
    # the printed certificate says what it is and until when (Jalali, Persian digits)
    run_jobs_here()
    cert.refresh_from_db()
    assert cert.render_state == RenderState.READY, cert.render_error
    pdf = document_pdf(document=cert)
    text = pdf_text(pdf, tmp_path)
    assert qr_payloads(pdf_png(pdf, screenshots_dir() / "doc-no_violation_certificate-fa.png", dpi=200)) == [
        cert.qr_payload
    ]
    assert "گواهی عدم" in text and cert.serial in text  # pdftotext splits the lam-alef of «خلاف»
    assert digits_to_ascii(jalali.format_date(until)) in text


def test_six_jalali_months_end_on_the_same_day_or_the_months_last():
    import jdatetime

    def g(y, m, d):
        return jdatetime.date(y, m, d).togregorian()

    assert no_violation_valid_until(g(1405, 1, 1), months=6) == g(1405, 7, 1)
    assert no_violation_valid_until(g(1405, 6, 31), months=6) == g(1405, 12, 29)  # Esfand 1405 has 29 days
    assert no_violation_valid_until(g(1405, 9, 10), months=6) == g(1406, 3, 10)


def test_the_certificate_pages_never_say_permit_issuance(plot, staff, citizen):  # noqa: F811
    req = at_comparison(plot, staff, citizen, floors=4)
    officer_page = signed_in(staff[Role.VIOLATIONS_OFFICER]).get(reverse("permits:file", args=[req.tracking_code]))
    html = officer_page.content.decode()
    assert "مقایسهٔ ساختمان ساخته‌شده با پروانه" in html and 'data-testid="asbuilt-compare"' in html
    req, _comparison = _to_certificate_stage(req, staff)
    client = signed_in(staff[Role.PERMIT_OFFICER])
    html = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    assert 'data-testid="act-approve">صدور گواهی پایان کار</button>' in html
    assert 'data-testid="difference-floors"' in html and '"kind": "difference"' in html  # on the table and the map
    assert PERMIT_WORDING not in _wording(html)
    inbox = client.get(reverse("permits:inbox")).content.decode()
    assert "صدور گواهی پایان کار" in inbox and PERMIT_WORDING not in _wording(inbox)
    mine = signed_in(citizen).get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    assert "صدور گواهی پایان کار" in mine and PERMIT_WORDING not in _wording(mine)


def test_who_may_see_and_compare(plot, staff, citizen):  # noqa: F811
    req = at_comparison(plot, staff, citizen, floors=4)
    file_url = reverse("permits:file", args=[req.tracking_code])
    compare_url = reverse("permits:asbuilt_compare", args=[req.tracking_code])
    stranger, agency = user_with("citizen", "stranger"), user_with("agency", "a-bank")
    for person in (stranger, agency):
        client = signed_in(person)
        assert client.get(file_url).status_code == 404
        assert client.post(compare_url).status_code == 404
    for role in (Role.SURVEYOR, Role.PERMIT_OFFICER, Role.INSPECTOR):  # staff, but not the comparing officer
        assert signed_in(staff[role]).post(compare_url).status_code == 403
    assert signed_in(citizen).post(compare_url).status_code == 403
    assert not req.asbuilt_comparisons.exists()
    response = signed_in(staff[Role.VIOLATIONS_OFFICER]).post(compare_url)
    assert response.status_code == 302 and req.asbuilt_comparisons.count() == 1


def test_an_attorney_files_for_the_owner_and_loses_the_file_when_revoked(plot, staff, citizen):  # noqa: F811
    engineer = staff[Role.ESERVICES_OFFICE]
    grant = authorisation_grant(
        client=citizen, agent=engineer, valid_until=timezone.localdate() + dt.timedelta(days=30)
    )
    permit_issued(plot, staff, citizen)
    # the supervising engineer files the completion request for the owner, with the final report
    req = certificate_request(plot, citizen, "completion", filed_by=engineer)
    assert req.filed_by_id == engineer.pk and req.documents.filter(kind="supervisor_report").exists()
    req = advance(req, staff[Role.CLERK])
    req = asbuilt_surveyed(plot, staff, req)
    req, _comparison = _to_certificate_stage(req, staff)
    req = advance(req, staff[Role.PERMIT_OFFICER], "approve")
    cert = IssuedDocument.objects.get(request=req, kind="completion_certificate")
    run_jobs_here()
    client = signed_in(engineer)
    download = reverse("documents:download", args=[cert.serial])
    assert client.get(reverse("permits:file", args=[req.tracking_code])).status_code == 200
    assert client.get(download).status_code == 200
    authorisation_revoke(client=citizen, grant_id=grant.pk)
    assert client.get(reverse("permits:file", args=[req.tracking_code])).status_code == 404
    assert client.get(download).status_code == 404
    assert signed_in(user_with("citizen", "other-owner")).get(download).status_code == 404
    assert signed_in(citizen).get(download).status_code == 200


@pytest.mark.hostile("malformed codes and wrong requests on the as-built comparison")
def test_bad_input_to_the_compare_action_gets_a_clear_answer(plot, staff, citizen):  # noqa: F811
    req = at_comparison(plot, staff, citizen, floors=4)
    client = signed_in(staff[Role.VIOLATIONS_OFFICER])
    for bad in ("BJ-\x00", "x" * 300, "BJ-٠١٢٣", "'; DROP TABLE permits_permitrequest; --", "../../etc/passwd", "%00"):
        response = client.post(f"/permits/{bad}/asbuilt/")
        assert response.status_code in (400, 404), (bad, response.status_code)
    url = reverse("permits:asbuilt_compare", args=[req.tracking_code])
    assert client.get(url).status_code == 405
    # the permit's own building request is not compared; a certificate not at its comparison stage neither
    permit = PermitRequest.objects.get(file=req.file, kind="building_new")
    response = client.post(reverse("permits:asbuilt_compare", args=[permit.tracking_code]))
    assert response.status_code == 400 and "پایان کار یا عدم خلاف" in response.content.decode()
    assert client.post(url).status_code == 302
    req = advance(req, staff[Role.VIOLATIONS_OFFICER])
    response = client.post(url)
    assert response.status_code == 400 and "مرحلهٔ مقایسه" in response.content.decode()
