"""Browser journey of a citizen report (سامانه ۱۳۷): a citizen reports construction at a point on the map;
the inspector's queue (on a phone) shows it; the inspection is recorded, the violations officer records
the violation it found; the citizen sees "closed, violation recorded". Headless Chromium, whole stack."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User
from reports.models import Outcome, Report, ReportStatus
from tests.browser.conftest import second_factor
from tests.reports.conftest import ON_PARCEL, lon_lat
from tests.surveys.conftest import plot  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-1405"
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"


def photograph(page, name: str) -> None:
    """The page at desktop and phone width, whole (under .local/screenshots/, for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1200.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)


def user(username: str, role: str, **fields) -> User:
    made = User.objects.create_user(username=username, password=PASSWORD, **fields)
    made.groups.add(Group.objects.get_or_create(name=role)[0])
    return made


def login(page, live_url: str, username: str, *, staff: bool = False) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    if staff:
        second_factor(page, username)
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()


def site_photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 120, 90)).save(out, "JPEG")
    return {"name": "site.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_a_citizen_reports_construction_and_sees_it_closed_with_a_violation(page, phone, live_url, plot):  # noqa: F811
    user("r-citizen", "citizen", first_name="مریم", last_name="رضایی", mobile="09151234567")
    user("r-inspector", "inspector", is_staff=True, first_name="کارشناس", last_name="بازدید")
    user("r-officer", "violations_officer", is_staff=True, first_name="کارشناس", last_name="تخلفات")
    lon, lat = lon_lat(*ON_PARCEL)

    # the citizen: the report at the point, with a photo
    login(page, live_url, "r-citizen")
    page.get_by_test_id("nav-reports").click()
    page.get_by_test_id("report-new-link").click()
    page.goto(f"{page.url}?lat={lat:.7f}&lon={lon:.7f}")
    map_box = page.get_by_test_id("report-map")
    expect(map_box).to_be_visible()
    photograph(page, "report-form")
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_test_id("report-point")).to_contain_text("محل نشان داده شد")
    page.select_option("#id_category", "construction")
    page.fill("#id_description", "ساخت طبقهٔ چهارم بدون پروانه، شب‌ها")
    page.set_input_files("#id_photos", [site_photo()])
    page.get_by_test_id("report-submit").click()
    expect(page.get_by_test_id("report-status")).to_have_text("ارجاع به واحد مسئول")
    report = Report.objects.get()
    assert report.parcel_id == plot.pk and report.reporter.username == "r-citizen"
    assert (
        report.location.transform(4326, clone=True).distance(type(report.location)(lon, lat, srid=4326)) < 0.0002
    )  # the tap at the centre of the map, within about 15 m

    # the inspector, on his phone: the case in his queue, the inspection form made for the report
    login(phone, live_url, "r-inspector", staff=True)
    phone.goto(f"{live_url}/reports/inspections/")
    case = phone.get_by_test_id(f"case-{report.tracking_code}")
    expect(case).to_be_visible()
    photograph(phone, "report-inspection-queue")
    case.get_by_test_id(f"inspect-{report.tracking_code}").click()
    phone.fill("#id_visited_time", "00:00")  # today, so always in the past
    phone.check("#id_check_construction_in_progress")
    phone.fill("#id_notes", "طبقهٔ چهارم در حال ساخت؛ پروانه برای سه طبقه است.")
    phone.click("[data-testid=inspection-form] button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/surveys/inspections/\d+/$"))
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS and report.inspection is not None

    # the violations officer records the violation the inspection found
    login(page, live_url, "r-officer", staff=True)
    page.goto(f"{live_url}/reports/{report.pk}/")
    expect(page.get_by_test_id("chain-inspection")).to_be_visible()
    page.select_option("#id_kind", "extra_area_residential")
    page.fill("#id_description", "طبقهٔ چهارم بیش از پروانه")
    page.click("[data-testid=violation-form] button[type=submit]")
    expect(page.get_by_test_id("chain-violation")).to_be_visible()
    report.refresh_from_db()
    assert report.outcome == Outcome.VIOLATION_RECORDED

    # the citizen: "closed, violation recorded", the whole chain
    login(page, live_url, "r-citizen")
    page.goto(f"{live_url}/reports/mine/")
    page.get_by_test_id("reports").get_by_role("link").first.click()
    expect(page.get_by_test_id("violation-recorded")).to_have_text("بسته شد، تخلف ثبت شد")
    expect(page.get_by_test_id("chain-inspection")).to_be_visible()
    expect(page.get_by_test_id("chain-violation")).to_contain_text("اضافه بنای مسکونی")
    photograph(page, "report-status")
