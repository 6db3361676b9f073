"""Issuance through the workflow's hooks on a real file: the building permit when the permit officer
approves, the map preparation order when the planner records it (a new one supersedes the old), never
early; the PDF made by the job, PAdES-signed (an edited byte fails validation); a missing key refuses the
approval with nothing issued; a job that cannot sign leaves a clear error and no PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from documents import services
from documents.models import DocumentStatus, IssuedDocument, RenderState, SerialCounter
from documents.pades import validate_pdf
from documents.qrsign import SigningKeyMissing, published_keys
from documents.selectors import document_pdf, payload_verify
from gis_app.audit import audit_trail
from permits.errors import GuardsFailed
from permits.models import PermitRequest, RequestStatus
from tests.conftest import run_jobs_here
from tests.documents.issuing import document_keys, issue, signed_in, to_issuance  # noqa: F401 - the fixture
from tests.permits.conftest import citizen, drawing_check_settled, staff, tick_all  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_issuance(plot, staff, citizen):  # noqa: F811 - fixtures
    return to_issuance(plot, staff, citizen, floors=2, floor_area_m2=220.0, footprint_m2=110.0)


def _permit(req) -> IssuedDocument:
    return IssuedDocument.objects.get(request=req, kind="building_permit")


def test_the_permit_is_issued_when_the_officer_approves_and_its_pdf_is_signed(at_issuance, staff):  # noqa: F811 - fixtures
    req = at_issuance
    order = IssuedDocument.objects.get(request=req, kind="map_order")  # issued with the planner's order
    assert order.status == DocumentStatus.VALID
    assert not IssuedDocument.objects.filter(request=req, kind="building_permit").exists()  # never early
    req = issue(req, staff[Role.PERMIT_OFFICER])
    assert req.status == RequestStatus.ISSUED
    permit = _permit(req)
    assert permit.serial.startswith(f"BP-{permit.jalali_year}-") and permit.sequence >= 1
    assert permit.key_fields["file_code"] == req.file.code and permit.key_fields["floors"] == 2
    assert permit.key_fields["serial"] == permit.serial and permit.key_fields["issued_on"] == str(permit.issued_on)
    assert permit.qr_payload.startswith("https://shahrsazi.bojnord.example/documents/verify/" + permit.serial + "?k=")
    assert permit.render_state == RenderState.PENDING and document_pdf(document=permit) is None
    assert "document.issued" in [e.action for e in audit_trail(permit)]
    assert payload_verify(serial=permit.serial, key_id=permit.key_id, signature=permit.signature).outcome == "valid"

    assert "documents.render" in run_jobs_here()
    permit.refresh_from_db()
    assert permit.render_state == RenderState.READY, permit.render_error
    pdf = document_pdf(document=permit)
    assert pdf.startswith(b"%PDF") and len(permit.pdf_sha256) == 64
    assert validate_pdf(pdf).intact
    # one changed byte inside the signed range: PAdES validation fails
    at = pdf.index(b"/Type /Page") if b"/Type /Page" in pdf else len(pdf) // 3
    edited = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    assert not validate_pdf(edited).intact


def test_no_permit_while_a_bill_is_unpaid(plot, staff, citizen):  # noqa: F811 - fixtures
    """The fees guard stops the approval, so no permit (and no serial) exists."""
    from fees.models import Bill

    req = to_issuance(plot, staff, citizen)
    bill = Bill.objects.filter(request=req).first()
    assert bill is not None
    Bill.objects.filter(pk=bill.pk).update(status="unpaid")
    before = SerialCounter.objects.filter(kind="building_permit").values_list("last", flat=True).first()
    with pytest.raises(GuardsFailed):
        issue(req, staff[Role.PERMIT_OFFICER])
    assert not IssuedDocument.objects.filter(kind="building_permit").exists()
    assert SerialCounter.objects.filter(kind="building_permit").values_list("last", flat=True).first() == before


@pytest.mark.fault
def test_the_signing_key_missing_refuses_the_approval_with_nothing_issued(at_issuance, staff, document_keys):  # noqa: F811
    key = published_keys()[-1]
    (document_keys / f"{key.key_id}.pem").unlink()
    with pytest.raises(SigningKeyMissing, match="کلید امضای اسناد روی سرور نیست"):
        issue(at_issuance, staff[Role.PERMIT_OFFICER])
    req = PermitRequest.objects.get(pk=at_issuance.pk)
    assert req.status == RequestStatus.IN_REVIEW and req.stage == "issuance"
    assert not IssuedDocument.objects.filter(kind="building_permit").exists()
    assert not SerialCounter.objects.filter(kind="building_permit").exists()


@pytest.mark.fault
def test_the_officer_sees_the_signing_fault_on_the_file_page(at_issuance, staff, document_keys):  # noqa: F811
    key = published_keys()[-1]
    (document_keys / f"{key.key_id}.pem").unlink()
    req = at_issuance
    tick_all(req, staff[Role.PERMIT_OFFICER])
    drawing_check_settled(req, staff[Role.PERMIT_OFFICER])  # so that the signing key is what stops it
    req.refresh_from_db()
    client = signed_in(staff[Role.PERMIT_OFFICER])
    response = client.post(
        reverse("permits:act", args=[req.tracking_code]), {"action": "approve", "version": req.version}
    )
    body = response.content.decode()
    assert response.status_code == 400, body[body.find('role="alert"') - 200 :][:800]
    assert "کلید امضای" in body, body[body.find("file-error") - 100 :][:800]
    assert PermitRequest.objects.get(pk=req.pk).status == RequestStatus.IN_REVIEW


@pytest.mark.fault
def test_a_job_that_cannot_sign_leaves_a_clear_error_and_no_pdf(at_issuance, staff, settings, tmp_path, citizen):  # noqa: F811
    settings.DOCUMENTS_SIGNING_KEY = str(tmp_path / "absent.key")
    settings.DOCUMENTS_SIGNING_CERT = str(tmp_path / "absent.crt")
    req = issue(at_issuance, staff[Role.PERMIT_OFFICER])
    run_jobs_here()
    permit = _permit(req)
    assert permit.render_state == RenderState.FAILED and permit.render_error.startswith("signing_unavailable")
    assert permit.pdf is None
    response = signed_in(citizen).get(reverse("documents:download", args=[permit.serial]))
    assert response.status_code == 409
    assert "گواهی امضای" in response.content.decode()
    page = signed_in(staff[Role.PERMIT_OFFICER]).get(reverse("permits:file", args=[req.tracking_code]))
    assert 'data-testid="document-failed"' in page.content.decode()
    # the certificate comes back: the officer prepares the PDF again
    del settings.DOCUMENTS_SIGNING_KEY, settings.DOCUMENTS_SIGNING_CERT
    services.document_render_retry(document_id=permit.pk, actor=staff[Role.PERMIT_OFFICER])
    run_jobs_here()
    permit.refresh_from_db()
    assert permit.render_state == RenderState.READY


def test_a_new_map_order_supersedes_the_old_one_which_keeps_its_number(at_issuance, staff):  # noqa: F811 - fixtures
    from permits import review
    from permits.models import MapPreparationOrder

    old = IssuedDocument.objects.get(request=at_issuance, kind="map_order")
    # the order is issued again at the detailed-plan stage (after a referral back there)
    PermitRequest.objects.filter(pk=at_issuance.pk).update(stage="detailed_plan")
    MapPreparationOrder.objects.filter(request=at_issuance).update(withdrawn_at="2026-11-01T00:00Z")
    review.map_order_issue(request_id=at_issuance.pk, actor=staff[Role.PLANNER])
    new = IssuedDocument.objects.get(request=at_issuance, kind="map_order", status=DocumentStatus.VALID)
    old.refresh_from_db()
    assert old.status == DocumentStatus.SUPERSEDED and new.supersedes_id == old.pk
    assert new.sequence == old.sequence + 1 and new.serial != old.serial
    result = payload_verify(serial=old.serial, key_id=old.key_id, signature=old.signature)
    assert (result.outcome, result.superseded_by) == ("superseded", new.serial)


def test_a_revoked_permit_is_reissued_only_by_a_permit_officer(at_issuance, staff):  # noqa: F811 - fixtures
    from gis_app.errors import NotAllowed

    req = issue(at_issuance, staff[Role.PERMIT_OFFICER])
    permit = _permit(req)
    with pytest.raises(NotAllowed):
        services.document_revoke(document_id=permit.pk, actor=staff[Role.PLANNER], reason="not my business here")
    new = services.document_reissue(document_id=permit.pk, actor=staff[Role.PERMIT_OFFICER])
    permit.refresh_from_db()
    assert permit.status == DocumentStatus.SUPERSEDED and new.supersedes_id == permit.pk
    assert new.serial != permit.serial
