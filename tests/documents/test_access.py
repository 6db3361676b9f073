"""Who gets an issued document: the applicant's side downloads the valid one of their file (served as an
attachment, never cached); staff see every version; another citizen gets 404, an anonymous visitor the
login page; a document still being prepared says so."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from documents import services
from documents.models import IssuedDocument
from tests.conftest import run_jobs_here
from tests.documents.issuing import document_keys, issue, signed_in, to_issuance  # noqa: F401 - the fixture
from tests.permits.conftest import another_owner, citizen, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(plot, staff, citizen):  # noqa: F811 - fixtures
    req = issue(to_issuance(plot, staff, citizen), staff[Role.PERMIT_OFFICER])
    return req, IssuedDocument.objects.get(request=req, kind="building_permit")


def test_being_prepared_then_the_citizen_downloads_the_signed_pdf(issued, citizen):  # noqa: F811
    req, permit = issued
    client = signed_in(citizen)
    url = reverse("documents:download", args=[permit.serial])
    response = client.get(url)
    assert response.status_code == 409 and "در حال آماده‌سازی" in response.content.decode()
    page = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    assert 'data-testid="document-preparing"' in page
    run_jobs_here()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{permit.serial}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    page = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    assert url in page and permit.serial in page


@pytest.mark.hostile("access")
def test_another_citizen_gets_404_and_an_anonymous_visitor_the_login_page(issued, plot):  # noqa: F811
    _, permit = issued
    run_jobs_here()
    stranger = another_owner(plot, 7)  # even an owner of the same parcel, not on this request
    for name in ("download", "revoke"):
        url = reverse(f"documents:{name}", args=[permit.serial])
        assert signed_in(stranger).get(url).status_code == 404
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for bad in ("BP-1405-999999", "NOT-A-SERIAL", "BP-1405-000001'--", "..%2F..%2Fetc"):
        assert signed_in(stranger).get(f"/documents/{bad}/pdf").status_code == 404


def test_staff_see_every_version_the_citizen_only_the_valid_one(issued, staff, citizen):  # noqa: F811
    req, permit = issued
    officer = staff[Role.PERMIT_OFFICER]
    new = services.document_reissue(document_id=permit.pk, actor=officer)
    services.document_revoke(document_id=new.pk, actor=officer, reason="the owner's name was misspelt")
    file_url = reverse("permits:file", args=[req.tracking_code])
    staff_page = signed_in(officer).get(file_url).content.decode()
    assert permit.serial in staff_page and new.serial in staff_page
    citizen_page = signed_in(citizen).get(file_url).content.decode()
    assert permit.serial not in citizen_page and new.serial not in citizen_page  # superseded and revoked
    run_jobs_here()
    assert signed_in(citizen).get(reverse("documents:download", args=[permit.serial])).status_code == 404
    assert signed_in(officer).get(reverse("documents:download", args=[permit.serial])).status_code == 200


@pytest.mark.hostile("access")
def test_the_payment_slip_on_demand_for_the_bills_applicant_only(plot, staff, citizen):  # noqa: F811
    from fees.models import Bill

    req = to_issuance(plot, staff, citizen)
    bill = Bill.objects.filter(request=req).exclude(status="cancelled").first()
    url = reverse("documents:slip", args=[bill.pk])
    client = signed_in(citizen)
    first = client.post(url)
    assert first.status_code == 302
    slip = IssuedDocument.objects.get(bill=bill, kind="payment_slip")
    assert first["Location"] == reverse("documents:download", args=[slip.serial])
    assert slip.serial.startswith("PS-") and slip.key_fields["bill_id"] == bill.bill_id
    assert client.post(url)["Location"] == first["Location"]  # the bill unchanged: the same slip
    run_jobs_here()
    response = client.get(first["Location"])
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    stranger = another_owner(plot, 8)
    assert signed_in(stranger).post(url).status_code == 404
    assert signed_in(stranger).get(first["Location"]).status_code == 404
    assert Client().post(url).status_code == 302  # to the login page
    assert client.get(url).status_code == 405  # issuing is a POST
    assert signed_in(citizen).post(reverse("documents:slip", args=[999999])).status_code == 404
    assert IssuedDocument.objects.filter(kind="payment_slip").count() == 1
