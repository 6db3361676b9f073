import json
import re
from pathlib import Path

import pytest
import shapely
import shapely.affinity
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect
from shapely.geometry import mapping

from accounts.models import User
from gis_app.text import digits_to_persian
from parcels.models import Parcel
from tests.browser.conftest import second_factor
from zoning.selectors import parcel_facts

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
    expect(page.get_by_test_id("second-factor")).to_be_visible()  # staff: the code comes next
    expect(page.locator("[data-testid=nav-inbox]")).to_have_count(0)  # nothing else until then
    second_factor(page, "demo-planner")
    expect(page.get_by_test_id("signed-in-as")).to_have_text("حساب نمونه کارشناس طرح تفصیلی")
    expect(page).to_have_url(live_url + "/en/files/inbox/")  # staff land on their inbox, still in English
    expect(page.get_by_role("link", name="Administration")).to_be_visible()  # planners may read the plan layers


SCREENSHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"


@pytest.mark.parametrize("device", ["page", "phone"])
def test_find_a_parcel_click_it_and_see_what_may_be_built(device, request, live_url):
    """The map's main journey on a desktop and on a phone: search a file code, click the parcel,
    read the panel, see the envelope drawn; only our own server is ever asked for anything."""
    tab = request.getfixturevalue(device)
    call_command("sample_city_load", verbosity=0)
    # a parcel on a street to be widened, so it has a setback strip to highlight
    parcel = next(
        p
        for p in Parcel.objects.filter(version__is_active=True).order_by("id")[40:]
        if parcel_facts(file_code=p.file_code).setback_area_m2 > 1
    )
    errors, external = [], []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("request", lambda req: None if req.url.startswith(live_url) else external.append(req.url))

    tab.goto(live_url + "/map/")
    tab.wait_for_selector("body[data-tiles-loaded=true]")
    tab.get_by_test_id("finder-q").fill(digits_to_persian(parcel.file_code))  # typed with Persian digits
    tab.get_by_test_id("finder-go").click()
    code = tab.get_by_test_id("panel-file-code")
    expect(code).to_contain_text(digits_to_persian(parcel.file_code.split("-")[-1]))
    tab.wait_for_selector("body[data-envelope-drawn=true]")

    # now click the parcel itself on the map (the finder has centred it clear of the panel)
    tab.wait_for_selector("body[data-map-idle=true][data-tiles-loaded=true]")
    tab.evaluate("document.getElementById('map-details').innerHTML = ''")
    inside = parcel.anchor.transform(4326, clone=True)  # a point on the parcel's surface
    x, y = tab.evaluate(
        """([lat, lon]) => {
          const p = window.cityMap.latLngToContainerPoint([lat, lon]);
          const r = window.cityMap.getContainer().getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }""",
        [inside.y, inside.x],
    )
    tab.mouse.click(x, y)
    expect(code).to_have_text(re.compile(re.escape(digits_to_persian(parcel.file_code))))
    expect(tab.locator("path.sel-envelope")).to_have_count(1)
    expect(tab.locator("path.sel-setback_strip").first).to_be_attached()
    results = tab.get_by_test_id("rule-results").locator("li")
    expect(results.first).to_be_visible()
    assert results.count() >= 8
    start = tab.get_by_test_id("start-request")
    assert start.get_attribute("href") == f"/files/new/?code={parcel.file_code}"  # the wizard, on this parcel

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"map-{device}.png"
    tab.screenshot(path=str(shot))
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(f"\nscreenshot: {shot}")
    assert not errors, errors
    assert not external, f"requests left the site: {external[:3]}"
    if device == "phone":
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390, "no horizontal scrolling on a phone"


def test_my_location_checks_the_parcel_under_the_phone_or_says_it_is_outside(phone, live_url):
    call_command("sample_city_load", verbosity=0)
    parcel = Parcel.objects.filter(version__is_active=True).order_by("id")[100]
    where = parcel.anchor.transform(4326, clone=True)
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": where.y, "longitude": where.x, "accuracy": 5})
    phone.goto(live_url + "/map/")
    phone.get_by_test_id("my-location").click()
    expect(phone.get_by_test_id("panel-file-code")).to_contain_text(digits_to_persian(parcel.file_code[-5:]))

    phone.context.set_geolocation({"latitude": 36.3, "longitude": 59.6})  # Mashhad
    phone.get_by_test_id("my-location").click()
    expect(phone.locator("#map-hint")).to_have_text("این نقطه بیرون از محدودهٔ شهر است.")
    expect(phone.get_by_test_id("panel-file-code")).to_have_count(0)


def test_finder_says_when_nothing_matches(page, live_url):
    call_command("sample_city_load", verbosity=0)
    page.goto(live_url + "/en/map/")
    page.get_by_test_id("finder-q").fill("40N-5291-41476-007-4")
    page.get_by_test_id("finder-go").click()
    expect(page.locator("#finder-message")).to_contain_text("check character")
    page.get_by_test_id("finder-q").fill("No Such Street")
    page.get_by_test_id("finder-go").click()
    expect(page.locator("#finder-message")).to_have_text("No parcel or street matches this text.")


def test_home_and_login_fit_a_phone_screen(phone, live_url):
    for path in ("/", "/en/", "/accounts/login/"):
        phone.goto(live_url + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        expect(phone.locator("h1")).to_be_visible()
    expect(phone.get_by_role("button", name="ورود")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")


def test_a_surveyor_uploads_a_survey_and_sees_the_reconciliation(
    page, live_url, tmp_path, settings, request, start_worker
):
    """Stage 2 in the browser: log in as a surveyor, upload a GeoJSON survey of a sample-city parcel
    (its cadastral boundary pushed 0.8 m east), see the upload wait for the reader, then (once a job
    worker runs) the figures and the reconciliation map."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("sample_city_load", verbosity=0)
    parcel = Parcel.objects.filter(version__is_active=True, deed_area_m2__isnull=False).order_by("id")[120]
    cadastral = shapely.from_wkb(bytes(parcel.geom.wkb)).geoms[0]
    measured = shapely.affinity.translate(cadastral, 0.8, 0)
    survey_file = tmp_path / "survey.geojson"
    survey_file.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32640"}},
                "features": [
                    {"type": "Feature", "properties": {"kind": "boundary"}, "geometry": mapping(measured)},
                    {
                        "type": "Feature",
                        "properties": {"kind": "building", "floors": 2},
                        "geometry": mapping(shapely.affinity.scale(measured, 0.5, 0.5)),
                    },
                ],
            }
        )
    )
    user = User.objects.create_user(username="field-surveyor", password="survey-pass-1405")
    user.groups.add(Group.objects.get_or_create(name="surveyor")[0])
    errors, external = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: None if req.url.startswith(live_url) else external.append(req.url))

    page.goto(f"{live_url}/accounts/login/?next=/surveys/new/%3Ffile_code%3D{parcel.file_code}")
    page.fill("#id_username", "field-surveyor")
    page.fill("#id_password", "survey-pass-1405")
    page.click("button[type=submit]")
    second_factor(page, "field-surveyor")  # the first sign-in sets up the authenticator, then goes on
    page.wait_for_selector("[data-testid=survey-form]")
    assert page.input_value("#id_file_code") == parcel.file_code
    page.set_input_files("#id_file", str(survey_file))
    page.get_by_test_id("survey-submit").click()
    # the answer comes at once: the upload's progress page, the file waiting for the reader
    expect(page.get_by_test_id("upload-progress")).to_be_visible()
    expect(page.get_by_test_id("upload-status")).to_contain_text("در صف خواندن")
    assert re.search(r"/surveys/uploads/\d+/$", page.url), page.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "survey-upload-progress.png"))
    start_worker()  # the page asks by itself and moves on to the reconciliation when the job ends
    page.wait_for_selector("body[data-survey-map-ready=true]", timeout=60_000)
    assert re.search(r"/surveys/\d+/$", page.url), page.url
    expect(page.get_by_test_id("survey-status")).to_have_text("در انتظار بررسی")
    expect(page.get_by_test_id("hausdorff")).to_contain_text("۰٫۸ متر")  # the display layer: no trailing zero
    expect(page.get_by_test_id("measured-area")).to_contain_text(
        digits_to_persian(f"{measured.area:.2f}".split(".")[0])
    )
    expect(page.get_by_test_id("survey-map").locator("path.leaflet-interactive")).not_to_have_count(0)
    expect(page.locator(".results li").first).to_be_visible()  # the plan checks re-run on the survey
    expect(page.get_by_test_id("audit")).to_contain_text("بارگذاری به دست نقشه‌بردار")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "survey-reconciliation.png"
    page.screenshot(path=str(shot), full_page=True)
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(f"\nscreenshot: {shot}")
    assert not errors, errors
    assert not external, f"requests left the site: {external[:3]}"


def _view(tab) -> list[float]:
    """The map's view (minlon, minlat, maxlon, maxlat), as the print link carries it after each move."""
    href = tab.locator("#print-link").get_attribute("href")
    return [float(v) for v in href.split("bbox=")[1].split(",")]


@pytest.mark.parametrize("typed", ["ولی\u200cعصر", "ولی عصر"])
def test_finder_zooms_to_a_street_and_highlights_it(page, live_url, typed):
    """A street typed with a zero-width non-joiner (or a space) where its stored name has none: the
    map moves onto the street's extent and draws its lines."""
    from zoning.selectors import live_streets

    call_command("sample_city_load", verbosity=0)
    street = live_streets().order_by("id").first()
    street.pk, street.name = None, "خیابان ولیعصر"
    street.save()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_url + "/map/")
    page.wait_for_selector("body[data-tiles-loaded=true]")
    page.wait_for_function("document.getElementById('print-link').href.includes('bbox=')")
    before = _view(page)
    page.get_by_test_id("finder-q").fill(typed)
    page.get_by_test_id("finder-go").click()
    expect(page.locator("#finder-message")).to_contain_text("ولیعصر")
    page.wait_for_selector("body[data-street-highlighted=true][data-map-idle=true]")
    expect(page.locator("path.street-highlight").first).to_be_attached()
    after = _view(page)
    assert after != before
    (found,) = page.evaluate(
        "async (q) => (await (await fetch('/api/find?q=' + encodeURIComponent(q))).json()).results", typed
    )
    west, south, east, north = found["bbox"]
    # the street's box is inside the view, and the view is not much larger than the street
    assert after[0] <= west and after[1] <= south and after[2] >= east and after[3] >= north
    assert (after[2] - after[0]) < (before[2] - before[0])
    assert errors == []
