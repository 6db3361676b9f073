"""Browser journeys of fees (issue 18): a file at the revenue stage is assessed and billed by the revenue
officer, the citizen reads the itemised bill and pays it through the sandbox PSP (a real process), and the
file moves on; and a citizen pays a property's renovation dues by its renovation code. Headless Chromium,
the whole stack."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import User
from fees.models import Bill, Payment
from gis_app.templatetags.persian import money_text
from gis_app.text import digits_to_persian
from parcels.models import Owner, Ownership
from parcels.selectors import live_parcels
from permits import review, services, transitions
from permits.models import PermitRequest
from tests.browser.test_permit_journeys import PASSWORD, a_parcel_that_passes, inspect_and_survey, login, staff_user
from tests.fees.conftest import psp, psp_sandbox_process  # noqa: F401 - fixtures
from tests.permits.conftest import advance, fee_data_ready, pdf_bytes, tick_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"


def photograph(page, name: str) -> None:
    """The page at desktop and phone width, whole (under .local/screenshots/, for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1200.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)


def citizen_user(national_id: str) -> User:
    user = User.objects.create_user(
        username=national_id,
        national_id=national_id,
        password=PASSWORD,
        first_name="مریم",
        last_name="رضایی",
        mobile="09151234567",
    )
    user.groups.add(Group.objects.get_or_create(name="citizen")[0])
    return user


def file_at_revenue(parcel, report, citizen, users) -> PermitRequest:
    """A building request walked by the services to stage 7 (renovation dues and the paving share assessed,
    billed and paid at a bank on the way)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    req = services.request_create(
        applicant=citizen,
        filed_by=citizen,
        parcel=parcel,
        kind="building_new",
        use=report.zone.land_use,
        floors=report.envelope.max_floors,
        floor_area_m2=round(report.envelope.max_floor_area_m2 * 0.9, 1),
        footprint_m2=round(report.envelope.max_footprint_m2 * 0.8, 1),
    )
    for kind in ("deed", "national_card"):
        services.document_add(
            request_id=req.pk, actor=citizen, kind=kind, upload=SimpleUploadedFile(f"{kind}.pdf", pdf_bytes())
        )
    req.refresh_from_db()
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    req = advance(req, users["clerk"])
    inspect_and_survey(parcel, users["inspector"], users["surveyor"], users["planner"], req)
    req = advance(req, users["inspector"])
    review.compliance_check_run(request_id=req.pk, actor=users["planner"])
    review.map_order_issue(request_id=req.pk, actor=users["planner"])
    for role in ("planner", "violations_officer", "renovation_officer", "executive_unit"):
        req = advance(req, users[role])
    assert req.stage == "revenue"
    return req


def test_the_citizen_pays_the_permit_fees_through_the_gateway_and_the_file_moves_on(
    page,
    live_url,
    tmp_path,
    settings,
    psp,  # noqa: F811
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("sample_city_load", verbosity=0)
    call_command("permit_schedules_load", verbosity=0)
    call_command("tariff_load", verbosity=0)
    parcel, report = a_parcel_that_passes()
    fee_data_ready(parcel)
    roles = ("clerk", "inspector", "surveyor", "planner", "violations_officer", "renovation_officer")
    users = {r: staff_user(r) for r in (*roles, "executive_unit", "revenue_officer")}
    citizen = citizen_user("0013542419")
    owner = Owner.objects.create(national_id=citizen.national_id, full_name="مریم رضایی")
    Ownership.objects.create(parcel=parcel, owner=owner, share_dang=6)
    req = file_at_revenue(parcel, report, citizen, users)
    tracking = digits_to_persian(req.tracking_code)

    # 1. the revenue officer assesses the file from the tariff book and issues the bill
    login(page, live_url, "j-revenue_officer")
    page.goto(f"{live_url}/fees/assessments/")
    row = page.get_by_test_id("assessment-row").filter(has_text=tracking)
    expect(row).to_have_count(1)
    row.get_by_test_id("assess").click()
    bill = Bill.objects.get(request=req, kind="permit_fees", status="unpaid")
    lines = bill.assessment.record.lines
    assert bill.amount_irr == bill.assessment.total_irr // 1000 * 1000 > 0

    # 2. the citizen sees the bill on the file page, and the itemised slip
    login(page, live_url, citizen.username, PASSWORD)
    page.goto(f"{live_url}/files/{req.tracking_code}/")
    bills = page.get_by_test_id("file-bills")
    expect(bills).to_contain_text(digits_to_persian(bill.bill_id))
    bills.get_by_test_id("file-bill").locator("a").first.click()
    slip = page.get_by_test_id("bill-lines")
    expect(slip.locator("tbody tr")).to_have_count(len(lines))
    for line in lines:
        expect(slip).to_contain_text(line.title_fa)
    expect(page.get_by_test_id("slip-payment-id")).to_contain_text(digits_to_persian(bill.payment_id))
    photograph(page, "bill-fa")

    # 3. pays online: our page sends the browser to the PSP, the payer pays, the PSP sends it back
    page.get_by_test_id("pay-online").locator("button").click()
    expect(page.locator("#pay")).to_be_visible()
    assert page.url.startswith(psp.url)
    page.locator("#pay").click()
    expect(page.get_by_test_id("payment-paid")).to_be_visible(timeout=15_000)
    photograph(page, "receipt-fa")
    with translation.override("fa"):
        expect(page.get_by_test_id("receipt")).to_contain_text(money_text(bill.amount_irr))
    bill.refresh_from_db()
    assert bill.status == "paid"
    payment = Payment.objects.get(bill=bill, status="paid")
    assert payment.channel == "online" and payment.reference
    # the bill page now says paid and offers no payment
    page.goto(f"{live_url}/fees/bills/{bill.pk}/")
    expect(page.get_by_test_id("bill-status")).to_contain_text("پرداخت")
    expect(page.get_by_test_id("pay-online")).to_have_count(0)

    # 4. the file moves on: the revenue stage's guard passes, the officer sends it to issuance
    tick_all(PermitRequest.objects.get(pk=req.pk), users["revenue_officer"])
    login(page, live_url, "j-revenue_officer")
    page.goto(f"{live_url}/files/{req.tracking_code}/")
    page.get_by_test_id("act-advance").click()
    expect(page.locator(".messages")).to_contain_text("انجام شد")
    req.refresh_from_db()
    assert (req.status, req.stage) == ("in_review", "issuance")


def test_a_citizen_pays_renovation_dues_by_renovation_code(page, live_url, settings, psp):  # noqa: F811
    call_command("sample_city_load", verbosity=0)
    call_command("tariff_load", verbosity=0)
    parcel = live_parcels().exclude(renovation_code="").order_by("renovation_code")[5]
    citizen_user("0499370899")

    login(page, live_url, "0499370899", PASSWORD)
    page.goto(f"{live_url}/fees/dues/")
    # typed as the receipts show it, in Persian digits
    page.get_by_test_id("dues-code").fill(digits_to_persian(parcel.renovation_code))
    page.get_by_test_id("dues-search").locator("button").click()
    years = page.get_by_test_id("dues-year")
    expect(years).to_have_count(3)
    expect(page.get_by_test_id("dues-statement")).to_contain_text("۱۴۰۳")
    page.get_by_test_id("dues-bill-form").locator("button").click()
    expect(page.get_by_test_id("dues-bills").locator("tbody tr")).to_have_count(3)
    photograph(page, "dues-fa")
    owed = list(Bill.objects.filter(status="unpaid").order_by("dues_year"))
    assert [b.dues_year for b in owed] == [1403, 1404, 1405]

    # pay the oldest year online
    page.get_by_test_id("dues-pay").first.click()
    page.locator("#pay").click()
    expect(page.get_by_test_id("payment-paid")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("receipt")).to_be_visible()
    paid = Bill.objects.get(status="paid")
    assert paid.dues_year == 1403 and paid.kind == "renovation"

    # the statement shows the year paid and two left
    page.goto(f"{live_url}/fees/dues/?code={parcel.renovation_code}")
    expect(page.get_by_test_id("dues-bills").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("dues-years")).to_contain_text("پرداخت‌شده")
