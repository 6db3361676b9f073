"""Issue 16, "Phone": at 390 px no page scrolls sideways (/files/, the wizard, the file page, as a citizen
and as staff), tables stack with their labels, the wizard's legend sits under its map, and the file
page's long sections start folded. Headless Chromium, whole stack.

With SCREENSHOTS_DIR set, the same pages are also photographed at 1200 and 390 px in Persian and English."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from permits import services, transitions
from tests.browser.test_permit_journeys import a_parcel_that_passes, login, staff_user
from tests.permits.conftest import scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-1405"


def _citizen():
    from django.contrib.auth.models import Group

    from accounts.models import User

    user = User.objects.create_user(
        username="0013542419", password=PASSWORD, national_id="0013542419", first_name="مریم", last_name="رضایی"
    )
    user.groups.add(Group.objects.get_or_create(name="citizen")[0])
    return user


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _shoot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_no_page_is_wider_than_a_phone(phone, page, live_url, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("sample_city_load", verbosity=0)
    parcel, report = a_parcel_that_passes()
    citizen = _citizen()
    clerk = staff_user("clerk")
    req = services.request_create(
        applicant=citizen,
        filed_by=citizen,
        parcel=parcel,
        kind="building_new",
        use=report.zone.land_use,
        floors=1,
        floor_area_m2=50.0,
        footprint_m2=50.0,
    )
    for kind in ("deed", "national_card"):
        services.document_add(request_id=req.pk, actor=citizen, kind=kind, upload=scan(f"{kind}.pdf"))
    req.refresh_from_db()
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    pages = {
        "files": "/files/",
        "wizard": f"/files/new/?code={parcel.file_code}",
        "file": f"/files/{req.tracking_code}/",
    }
    staff_pages = {"inbox": "/files/inbox/", "file-staff": f"/files/{req.tracking_code}/"}

    for width, browser_page in ((390, phone), (1200, page)):
        login(browser_page, live_url, citizen.username)
        for lang in ("", "/en"):
            for name, path in pages.items():
                browser_page.goto(f"{live_url}{lang}{path}")
                if name in ("wizard", "file"):
                    browser_page.wait_for_selector("body[data-survey-map-ready=true]")
                if width == 390:
                    assert _scroll_width(browser_page) <= 390, f"{lang}{path} is wider than the phone"
                _shoot(browser_page, f"{name}-{lang.strip('/') or 'fa'}-{width}")
        if width == 390:
            # the wizard's legend sits under its map, not over it
            browser_page.goto(f"{live_url}{pages['wizard']}")
            browser_page.wait_for_selector("body[data-survey-map-ready=true]")
            map_box = browser_page.locator("#survey-map").bounding_box()
            legend_box = browser_page.get_by_test_id("map-legend").bounding_box()
            assert legend_box["y"] >= map_box["y"] + map_box["height"] - 1
            # and the drawing's Finish button follows right under the map and its legend
            finish_box = browser_page.get_by_test_id("draw-finish").bounding_box()
            assert 0 <= finish_box["y"] - (map_box["y"] + map_box["height"]) < 300
            # ... without overlapping what follows (Leaflet's height: 100% once pushed them over it)
            precheck_box = browser_page.get_by_test_id("precheck").bounding_box()
            assert precheck_box["y"] >= finish_box["y"] + finish_box["height"]
            # the file page: long sections folded, tables stacked with their column names
            browser_page.goto(f"{live_url}{pages['file']}")
            expect(browser_page.locator("[data-testid=history] details")).not_to_have_attribute("open", "")
            # the timeline writes its own stage numbers: no list markers beside them ("۱. ۱." was seen)
            markers = browser_page.evaluate("getComputedStyle(document.querySelector('ol.timeline')).listStyleType")
            assert markers == "none", markers
            browser_page.goto(f"{live_url}/files/")
            label = browser_page.evaluate(
                "getComputedStyle(document.querySelector('[data-testid=my-files] td[data-label]'), '::before').content"
            )
            assert "کد رهگیری" in label
        login(browser_page, live_url, clerk.username)
        for lang in ("", "/en"):
            for name, path in staff_pages.items():
                browser_page.goto(f"{live_url}{lang}{path}")
                if width == 390:
                    assert _scroll_width(browser_page) <= 390, f"{lang}{path} (staff) is wider than the phone"
                _shoot(browser_page, f"{name}-{lang.strip('/') or 'fa'}-{width}")
