"""The map panel in the browser: click a parcel, read the verdict, «ثبت درخواست برای این ملک» opens the
request wizard on that parcel for a logged-in citizen (and through the login page for a visitor); an
unbuildable parcel draws no envelope. Screenshots at desktop and phone width in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from gis_app.text import digits_to_persian
from parcels.models import Parcel
from tests.browser.test_permit_journeys import PASSWORD, login
from zoning.compliance.verdict import verdict_of
from zoning.selectors import parcel_compliance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"


def parcels_by_verdict():
    """A buildable sample-city parcel and one below its zone's minimum plot."""
    buildable = small = None
    for parcel in Parcel.objects.filter(version__is_active=True).order_by("id")[:600]:
        verdict = verdict_of(parcel_compliance(parcel_id=parcel.pk))
        if verdict.buildable and buildable is None:
            buildable = parcel
        if verdict.below_minimum_plot and small is None:
            small = parcel
        if buildable and small:
            return buildable, small
    raise AssertionError("the sample city lacks a buildable parcel or one below the minimum plot")


def click_parcel(tab, parcel) -> None:
    """Centre the map on the parcel, then click on its surface as a person would."""
    inside = parcel.anchor.transform(4326, clone=True)
    tab.evaluate("([lat, lon]) => window.cityMap.setView([lat, lon], 19, {animate: false})", [inside.y, inside.x])
    tab.wait_for_selector("body[data-map-idle=true]")
    x, y = tab.evaluate(
        """([lat, lon]) => {
          const p = window.cityMap.latLngToContainerPoint([lat, lon]);
          const r = window.cityMap.getContainer().getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }""",
        [inside.y, inside.x],
    )
    tab.mouse.click(x, y)


def shoot(request, tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    tab.locator("#map-details").scroll_into_view_if_needed()
    tab.screenshot(path=str(shot))
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(f"\nscreenshot: {shot}")


def test_a_citizen_clicks_a_parcel_reads_the_verdict_and_starts_a_request_on_it(page, live_url, request):
    call_command("sample_city_load", verbosity=0)
    buildable, small = parcels_by_verdict()
    citizen = User.objects.create_user(username="0499370899", password=PASSWORD, first_name="مریم", last_name="شهروند")
    citizen.groups.add(Group.objects.get_or_create(name="citizen")[0])
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # a visitor: the verdict says what may be built; the link goes through the login to the wizard
    page.goto(live_url + "/map/")
    page.wait_for_selector("body[data-tiles-loaded=true]")
    click_parcel(page, buildable)
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_contain_text("در این ملک می‌توانید تا ")
    expect(page.get_by_test_id("panel-file-code")).to_contain_text(digits_to_persian(buildable.file_code))
    page.wait_for_selector("body[data-envelope-drawn=true]")
    expect(page.locator("path.sel-envelope")).to_have_count(1)
    shoot(request, page, "panel-fa-1200")

    # a parcel below the minimum plot: not buildable, the owner's ways forward, no envelope drawn
    click_parcel(page, small)
    expect(verdict).to_contain_text("در وضع کنونی ساخت در این ملک مجاز نیست")
    expect(page.get_by_test_id("owner-options")).to_contain_text("کمیسیون ماده ۵")
    page.wait_for_selector("body[data-envelope-drawn=false]")
    expect(page.locator("path.sel-envelope")).to_have_count(0)
    expect(page.locator("path.sel-parcel")).to_have_count(1)
    shoot(request, page, "panel-fa-1200-unbuildable")

    # logged in as a citizen: the map, the parcel, «ثبت درخواست برای این ملک», the wizard on it
    login(page, live_url, "0499370899")
    page.goto(live_url + "/map/")
    page.wait_for_selector("body[data-tiles-loaded=true]")
    click_parcel(page, buildable)
    expect(verdict).to_be_visible()
    page.get_by_test_id("start-request").click()
    expect(page).to_have_url(re.compile(r"/files/new/\?code="))
    expect(page.get_by_test_id("parcel-code")).to_have_value(buildable.file_code)
    expect(page.get_by_test_id("precheck")).to_be_visible()
    expect(page.get_by_test_id("lookup-error")).to_have_count(0)
    assert not errors, errors


@pytest.mark.parametrize(("device", "lang"), [("page", "en"), ("phone", "fa"), ("phone", "en")])
def test_the_panel_reads_right_at_desktop_and_phone_width(device, lang, request, live_url):
    tab = request.getfixturevalue(device)
    call_command("sample_city_load", verbosity=0)
    buildable, _small = parcels_by_verdict()
    prefix = "" if lang == "fa" else "/en"
    tab.goto(f"{live_url}{prefix}/map/")
    tab.wait_for_selector("body[data-tiles-loaded=true]")
    click_parcel(tab, buildable)
    verdict = tab.get_by_test_id("verdict")
    expect(verdict).to_contain_text("در این ملک" if lang == "fa" else "You may build up to")
    tab.wait_for_selector("body[data-envelope-drawn=true]")
    shoot(request, tab, f"panel-{lang}-{1200 if device == 'page' else 390}")
    if device == "phone":
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390, "no horizontal scrolling on a phone"
