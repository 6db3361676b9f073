"""The payer's side: the file page lists the file's bills; a bill's page (slip) shows the itemised lines,
the amount in rials and tomans, the bill ID and payment ID for any bank, and the online payment button.
Only the applicant (or the agent who filed for them) and the fee officers see a bill; 404 for others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Authorisation
from accounts.roles import Role
from fees import billing
from permits import services, transitions
from tests.fees.test_billing import assessment_row, fee_data, fined, pay  # noqa: F401 - fixtures
from tests.fees.test_revenue_pages import signed_in
from tests.permits.conftest import another_owner, citizen, staff, submitted, with_documents  # noqa: F401
from tests.surveys.conftest import plot  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def bill_url(bill, lang: str = "fa") -> str:
    return f"/en/fees/bills/{bill.pk}/" if lang == "en" else f"/fees/bills/{bill.pk}/"


@pytest.fixture
def bill(plot, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    return billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 240_000_000), actor=None)


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_the_applicant_sees_the_slip(client, bill, citizen, lang):  # noqa: F811
    signed_in(client, citizen)
    response = client.get(bill_url(bill, lang))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    if lang == "fa":
        assert "۲۴۰٬۰۰۰٬۰۰۰ ریال" in html and "۲۴٬۰۰۰٬۰۰۰ تومان" in html
        assert "عوارض صدور پروانه" in html and "۳۰٪ × ۱۶۰ م² × ۵٬۰۰۰٬۰۰۰ ریال" in html
    else:
        assert "240,000,000 IRR" in html and "24,000,000 tomans" in html
        assert "Permit dues" in html and "30% × 160 m² × 5,000,000 IRR" in html
    # the bank identifiers, isolated left to right
    from gis_app.text import digits_to_persian

    for code in (bill.bill_id, bill.payment_id):
        shown = digits_to_persian(code) if lang == "fa" else code
        assert f'<bdi dir="ltr" class="code">{shown}</bdi>' in html
    # the online payment: the payments part's view when it is there, a note until then
    assert 'data-testid="pay-online' in html
    assert "permit_fees" not in html and ">unpaid<" not in html


def test_a_paid_bill_offers_no_payment(client, bill, citizen):  # noqa: F811
    pay(bill)
    signed_in(client, citizen)
    html = client.get(bill_url(bill, "en")).content.decode()
    assert "Paid" in html and 'data-testid="pay-online' not in html


@pytest.mark.parametrize("who", ["another_citizen", "agency", "planner", "surveyor", "inspector"])
def test_nobody_else_learns_the_bill_exists(client, bill, plot, staff, who):  # noqa: F811
    user = {
        "another_citizen": lambda: another_owner(plot, 7),
        "agency": lambda: staff[Role.AGENCY],
        "planner": lambda: staff[Role.PLANNER],
        "surveyor": lambda: staff[Role.SURVEYOR],
        "inspector": lambda: staff[Role.INSPECTOR],
    }[who]()
    signed_in(client, user)
    assert client.get(bill_url(bill)).status_code == 404
    assert client.get(bill_url(bill, "en")).status_code == 404


def test_anonymous_goes_to_the_login(client, bill):
    response = client.get(bill_url(bill))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", [Role.REVENUE_OFFICER, Role.MANAGER])
def test_fee_officers_see_the_bill(client, bill, staff, role):  # noqa: F811
    signed_in(client, staff[role])
    assert client.get(bill_url(bill)).status_code == 200


@pytest.mark.hostile("bad path parameter (fees: bill)")
@pytest.mark.parametrize(
    "path",
    ["/fees/bills/abc/", "/fees/bills/-1/", "/fees/bills/99999999999999999999/", "/fees/bills/0/", "/fees/bills/1.5/"],
)
def test_a_bad_bill_number_is_404(client, citizen, path):  # noqa: F811
    signed_in(client, citizen)
    assert client.get(path).status_code == 404


def test_the_agent_who_filed_sees_the_clients_bill_while_authorised(client, plot, staff, citizen):  # noqa: F811
    agent = staff[Role.ESERVICES_OFFICE]
    grant = Authorisation.objects.create(
        client=citizen, agent=agent, valid_until=timezone.localdate() + dt.timedelta(days=30)
    )
    req = services.request_create(applicant=citizen, filed_by=agent, parcel=plot, kind="fencing")
    req = with_documents(req, agent, kinds=("deed", "national_card", "power_of_attorney"))
    transitions.request_transition(request_id=req.pk, actor=agent, action="submit", version=req.version)
    b = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 9_000_000), actor=None)
    signed_in(client, agent)
    assert client.get(bill_url(b)).status_code == 200
    grant.revoked_at = timezone.now()
    grant.save()
    assert client.get(bill_url(b)).status_code == 404


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_the_file_page_lists_the_files_bills(client, plot, staff, citizen, lang):  # noqa: F811
    req = submitted(plot, citizen)
    own = billing.bill_for_assessment(assessment=assessment_row(req, "renovation", 28_000_000), actor=None)
    v = fined(req, staff)
    signed_in(client, citizen)
    prefix = "/en" if lang == "en" else ""
    html = client.get(f"{prefix}/files/{req.tracking_code}/").content.decode()
    assert 'data-testid="file-bills"' in html
    assert f"/fees/bills/{own.pk}/" in html
    fine = v.bills.get()
    assert f"/fees/bills/{fine.pk}/" in html
    assert ("۲۰۰٬۰۰۰٬۰۰۰ ریال" if lang == "fa" else "200,000,000 IRR") in html
    # the fine's slip names the verdict, not a code
    slip = client.get(bill_url(fine, lang)).content.decode()
    assert "Fine for the fourth floor" in slip and "extra_area_residential" not in slip
    # the revenue officer's file page links to the fee pages
    signed_in(client, staff[Role.REVENUE_OFFICER])
    html = client.get(f"{prefix}/files/{req.tracking_code}/").content.decode()
    assert 'data-testid="fees-desk"' in html


def test_a_bill_of_another_applicants_request_is_not_on_my_file_page(client, plot, staff, citizen):  # noqa: F811
    mine = submitted(plot, citizen)
    other_owner = another_owner(plot, 8)
    theirs = submitted(plot, other_owner)
    assert theirs.file_id == mine.file_id
    theirs_bill = billing.bill_for_assessment(assessment=assessment_row(theirs, "revenue", 9_000_000), actor=None)
    signed_in(client, citizen)
    html = client.get(f"/files/{mine.tracking_code}/").content.decode()
    assert f"/fees/bills/{theirs_bill.pk}/" not in html
    assert client.get(bill_url(theirs_bill)).status_code == 404


def test_staff_who_see_no_bills_get_no_bills_section(client, plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 9_000_000), actor=None)
    signed_in(client, staff[Role.PLANNER])
    html = client.get(f"/files/{req.tracking_code}/").content.decode()
    assert 'data-testid="bills"' not in html and "/fees/bills/" not in html
