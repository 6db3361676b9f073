import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_in_persian_then_english_then_login_as_demo_user(page, live_url, tmp_path, capsys):
    call_command("demo_accounts", "--passwords-file", str(tmp_path / "demo.json"))
    password = re.search(r"demo-planner\s+(\S+)", capsys.readouterr().out).group(1)

    page.goto(live_url + "/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("پروانه ساختمانی بدون مراجعه به شهرداری")
    expect(page.get_by_test_id("today")).to_have_text(re.compile(r"^۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}$"))
    # The page really uses the self-hosted Vazirmatn font.
    page.wait_for_function("document.fonts.check('16px Vazirmatn')")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith("Vazirmatn")

    page.get_by_test_id("language-switch").click()
    expect(page).to_have_url(live_url + "/en/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("h1")).to_have_text("Building permits without a visit to the municipality")

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Username").fill("demo-planner")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_text("حساب نمونه کارشناس طرح تفصیلی")
    expect(page).to_have_url(live_url + "/en/")  # the home page, still in English
    expect(page.get_by_role("link", name="Administration")).to_be_visible()  # planners are staff


def test_map_shows_zones_and_parcels_on_a_phone(phone, live_url):
    call_command("sample_city_load", verbosity=0)
    errors = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    external = []
    phone.on(
        "request",
        lambda req: external.append(req.url) if not req.url.startswith(live_url) else None,
    )
    phone.goto(live_url + "/map/")
    phone.wait_for_selector("[data-layers-loaded=true]")
    assert phone.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length") == 23 + 24
    # Zoom in to the street level: parcels appear.
    phone.evaluate("() => { const m = window.maps[0]; m.setView(m.getCenter(), 17); }")
    phone.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane path').length > 200")
    # Click the map centre: a parcel (or a zone) tells what it is, in Persian.
    phone.locator("#city-map").click(position={"x": 195, "y": 200})
    expect(phone.locator("#map-details dl")).to_be_visible()
    assert not errors, errors
    assert not external, f"requests left the site: {external[:3]}"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling on a phone"


def test_home_and_login_fit_a_phone_screen(phone, live_url):
    for path in ("/", "/en/", "/accounts/login/"):
        phone.goto(live_url + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        expect(phone.locator("h1")).to_be_visible()
    expect(phone.get_by_role("button", name="ورود")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
