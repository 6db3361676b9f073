"""Browser journey of the dashboard (issue 21): a manager opens the dashboard, filters by a Jalali month
and a district, clicks the slowest stage and lands on its files, exports the table as XLSX and opens it
with openpyxl; the district map draws; screenshots of the dashboard and the public transparency page at
desktop and phone width, in Persian and English. Headless Chromium, the whole stack."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from dashboard.periods import PeriodKind, current, previous
from dashboard.services import figures_refresh
from gis_app.text import digits_to_persian
from parcels.selectors import district_for_geometry, live_parcels
from tests.browser.test_fee_journeys import photograph
from tests.browser.test_permit_journeys import login, staff_user
from tests.dashboard.conftest import V, history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history(month) -> dict:
    """Twelve files in the month: the inspection is the slowest stage; half in one district."""
    applicant = staff_user("citizen")
    officer = staff_user("clerk")
    parcels = list(live_parcels().order_by("file_code")[:12])
    day0 = dt.datetime.combine(month.start + dt.timedelta(days=1), dt.time(9), tzinfo=timezone.get_current_timezone())
    made = {}
    for i, parcel in enumerate(parcels):
        district = district_for_geometry(geom=parcel.anchor)
        t = day0 + dt.timedelta(hours=i)
        visits = [
            V("secretariat", t, t + dt.timedelta(days=1), "advance", left_by=officer),
            V("inspection", t + dt.timedelta(days=1), t + dt.timedelta(days=6 + i % 3), "advance", left_by=officer),
            V("detailed_plan", t + dt.timedelta(days=6 + i % 3)),
        ]
        req = history(parcel, applicant, visits, district=district)
        made.setdefault(district, []).append(req)
    # and four permits issued in the last hours (this year's figures on the public page)
    now = timezone.now()
    for parcel in parcels[:4]:
        visits = [V("issuance", now - dt.timedelta(hours=3), now - dt.timedelta(hours=1), "approve", left_by=officer)]
        history(
            parcel,
            applicant,
            visits,
            district=district_for_geometry(geom=parcel.anchor),
            kind="fencing",
            status="issued",
            closed_at=now - dt.timedelta(hours=1),
        )
    figures_refresh()
    return made


def test_a_manager_filters_opens_the_slowest_stage_and_exports_it(page, live_url, settings):
    call_command("sample_city_load", verbosity=0)
    month = previous(current(PeriodKind.MONTH, timezone.localdate()))
    made = _history(month)
    district = max((d for d in made if d), key=lambda d: len(made[d]))
    staff_user("manager")
    login(page, live_url, "j-manager")

    page.get_by_test_id("nav-dashboard").click()
    expect(page.get_by_test_id("table-files_now")).to_be_visible()
    page.select_option("[data-testid=filter-period]", "month")
    page.fill("[data-testid=filter-year]", digits_to_persian(str(month.year)))
    page.fill("[data-testid=filter-n]", digits_to_persian(str(month.number)))
    page.select_option("[data-testid=filter-district]", str(district))
    page.get_by_test_id("filter-go").click()
    expect(page.get_by_test_id("period-label")).to_contain_text(
        digits_to_persian(f"{month.year}/{month.number:02d}/01")
    )
    # the district map draws the districts (and the files stuck longest as points)
    expect(page.locator("#dash-map path.leaflet-interactive").first).to_be_visible()
    photograph(page, "dashboard-fa")

    slowest = page.get_by_test_id("slowest-stage")
    expect(slowest).to_have_text("بازدید و نقشه‌برداری")
    slowest.click()
    rows = page.get_by_test_id("dashboard-file-row")
    expect(rows).to_have_count(len(made[district]))
    for req in made[district]:
        expect(page.get_by_test_id("dashboard-files")).to_contain_text(digits_to_persian(req.tracking_code))
    page.go_back()

    with page.expect_download() as download:
        page.get_by_test_id("export-stage_times-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    values = list(sheet.values)
    assert values[0][0] == "مرحله"
    by_stage = {row[0]: row for row in values[1:]}
    assert by_stage["بازدید و نقشه‌برداری"][1] == len(made[district])
    assert by_stage["دبیرخانه: مدارک و تشکیل پرونده"][4] == 1.0

    page.goto(f"{live_url}/en/dashboard/?{page.url.split('?', 1)[1] if '?' in page.url else ''}")
    expect(page.get_by_test_id("table-stage_times")).to_contain_text("Inspection and survey")
    photograph(page, "dashboard-en")
    page.goto(f"{live_url}/dashboard/public/")
    expect(page.get_by_test_id("public-issued")).to_have_text("۴")
    expect(page.locator("#public-map path.leaflet-interactive").first).to_be_visible()
    photograph(page, "transparency-fa")
    page.goto(f"{live_url}/en/dashboard/public/")
    photograph(page, "transparency-en")
