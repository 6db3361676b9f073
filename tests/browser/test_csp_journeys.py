"""Pages under the Content-Security-Policy in a real browser: the admin's map widget draws and its form
saves, the print view's button prints, and a violation is caught (the fixtures fail on any)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from parcels.models import District
from tests.browser.conftest import second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_map_widget_draws_and_the_form_saves(page, live_url):
    call_command("sample_city_load", verbosity=0)
    get_user_model().objects.create_superuser("root", password="correct horse battery")
    district = District.objects.order_by("id").first()
    assert district is not None
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_url + "/en/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")
    second_factor(page, "root")  # a superuser sets up the authenticator, then goes on
    page.goto(f"{live_url}/en/admin/parcels/district/{district.pk}/change/")
    widget = page.locator(".leaflet-container").first
    expect(widget).to_be_visible()
    # django-leaflet's nonced set-up ran: the map has its draw toolbar and the district's shape
    expect(page.locator(".leaflet-draw-toolbar").first).to_be_visible()
    expect(page.locator(".leaflet-container path.leaflet-interactive").first).to_be_attached()
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    assert not errors, errors


def test_the_print_view_draws_its_map_and_its_button_prints(page, live_url):
    call_command("sample_city_load", verbosity=0)
    page.add_init_script("window.print = () => { document.body.dataset.printed = 'yes'; };")
    page.goto(live_url + "/en/map/print/?bbox=57.32,37.47,57.33,37.475")
    expect(page.locator("#map-legend li").first).to_be_visible()  # built by the script, no inline styles
    page.wait_for_selector("body[data-tiles-loaded=true]")
    page.get_by_test_id("print-button").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")


def test_a_violation_is_caught(page, live_url, csp_violations):
    page.goto(live_url + "/en/")
    # what the policy refuses: a style attribute and an inline handler written into the page
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<i style="color: red" onmouseover="x()">!</i>')""")
    page.wait_for_function("true")
    page.wait_for_timeout(300)  # the events are reported asynchronously
    (violations,) = csp_violations
    assert any("style-src" in v for v in violations), violations
    violations.clear()  # seen: the fixture must not fail this test for it
