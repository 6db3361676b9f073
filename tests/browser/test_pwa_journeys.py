"""The app on a phone (issue 16 item 5), in headless Chromium: Chromium's own installability check
through the DevTools protocol, and the inspector's report written offline, kept as a draft, read back
from the service worker's copy of the form, and sent once when the phone is online again; a draft that
meets a newer report on the server gets the conflict message and stays on the phone."""

import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Inspection
from surveys.services import inspection_record
from tests.browser.conftest import second_factor
from tests.surveys.conftest import plot, user_with  # noqa: F401 - plot is a fixture
from tests.surveys.test_pages import jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVED = "Saved as a draft on this device; it will be sent when you are online."
REFUSED = "The draft kept on this device was not accepted and is still kept"
COUNT_DRAFTS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("inspection-drafts", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("drafts", { keyPath: "key" });
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const count = open.result.transaction("drafts").objectStore("drafts").count();
    count.onsuccess = () => resolve(count.result);
  };
})"""
KEPT_PAGES = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith("pages-")) continue;
    for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""


@pytest.fixture
def installable(browser, tmp_path, csp_violations):
    """A phone-sized page in a persistent (not off-the-record) profile: Chromium never offers to install
    from an incognito window, and Playwright's ordinary contexts are off the record."""
    from tests.browser.conftest import CHROMIUM, CspViolations, _fail_on

    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        viewport={"width": 390, "height": 800},
    )
    violations = CspViolations()
    violations.watch(context)
    csp_violations.append(violations)
    yield context.pages[0] if context.pages else context.new_page()
    context.close()
    _fail_on(violations)


@pytest.mark.parametrize(("path", "lang", "name"), [("/", "fa", "شهرسازی الکترونیک بجنورد"), ("/en/", "en", None)])
def test_chromium_finds_the_app_installable(installable, live_url, path, lang, name):
    page = installable
    page.goto(live_url + path)
    page.wait_for_selector("html[data-service-worker=ready]")
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    assert manifest["url"] == live_url + ("/manifest.webmanifest" if lang == "fa" else "/en/manifest.webmanifest")
    data = json.loads(manifest["data"])
    assert data["lang"] == lang and data["start_url"] == path
    if name:
        assert data["name"] == name
    # Chromium's own verdict: manifest, icons, a service worker with a fetch handler controlling the page
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []


def login(page, live_url, username):
    page.goto(f"{live_url}/en/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("main button[type=submit]")
    second_factor(page, username)  # staff: set up the authenticator the first time, then its code
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    page.wait_for_selector("html[data-service-worker=ready]")


def open_the_form_and_save_a_draft_offline(page, live_url, plot, tmp_path):  # noqa: F811
    page.goto(f"{live_url}/en/surveys/inspections/new/?file_code={plot.file_code}")
    page.wait_for_selector("[data-draft-panel][data-draft-ready=true]")
    token = page.locator("[data-testid=inspection-form] [name=csrfmiddlewaretoken]").input_value()
    page.context.set_offline(True)
    page.get_by_label("Notes").fill("The front wall stands one metre past the street line.")
    page.get_by_label("There are trees on the plot").check()
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg_with_gps())
    page.get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="Save the report").click()
    expect(page.get_by_test_id("draft-status")).to_have_text(SAVED)
    assert page.evaluate(COUNT_DRAFTS) == 1

    # reloaded offline: the form comes from the service worker's copy (the same page, token and all)
    page.reload()
    page.wait_for_selector("[data-draft-panel][data-draft-ready=true]")
    assert page.locator("[data-testid=inspection-form] [name=csrfmiddlewaretoken]").input_value() == token
    expect(page.get_by_test_id("draft-status")).to_have_text(SAVED)
    expect(page.get_by_label("Notes")).to_have_value("The front wall stands one metre past the street line.")
    expect(page.get_by_label("There are trees on the plot")).to_be_checked()
    expect(page.get_by_test_id("draft-photos")).to_have_text("1 photos are kept with the draft.")
    # another page that was never opened: the translated offline page
    other = page.context.new_page()
    other.goto(f"{live_url}/en/files/inbox/")
    expect(other.get_by_test_id("offline-page")).to_contain_text("No connection")
    other.close()
    assert Inspection.objects.count() == 0


def test_a_report_written_offline_is_sent_once_when_back_online(page, live_url, plot, tmp_path):  # noqa: F811
    inspector = user_with("inspector")
    login(page, live_url, inspector.username)
    open_the_form_and_save_a_draft_offline(page, live_url, plot, tmp_path)
    assert page.evaluate(KEPT_PAGES) == ["/en/surveys/inspections/new/"]

    page.context.set_offline(False)
    expect(page).to_have_url(re.compile(r"/en/surveys/inspections/\d+/$"), timeout=30_000)
    expect(page.locator("h1")).to_contain_text(f"Inspection report {plot.file_code}")
    (report,) = Inspection.objects.all()
    assert report.notes == "The front wall stands one metre past the street line."
    assert report.checklist["trees_on_site"] and not report.checklist["site_matches_map"]
    assert report.photos.count() == 1
    assert page.evaluate(COUNT_DRAFTS) == 0
    page.reload()
    assert Inspection.objects.count() == 1  # sent once

    # the kept copies of the inspector's pages are gone after logging out
    assert page.evaluate(KEPT_PAGES)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    assert page.evaluate(KEPT_PAGES) == []


def test_a_draft_that_meets_a_newer_report_gets_the_conflict_and_stays(page, live_url, plot, tmp_path):  # noqa: F811
    inspector = user_with("inspector")
    login(page, live_url, inspector.username)
    open_the_form_and_save_a_draft_offline(page, live_url, plot, tmp_path)
    newer = inspection_record(
        parcel=plot,
        inspector=user_with("inspector", "t-inspector-2"),
        visited_at=timezone.now(),
        checklist={},
        notes="",
        photos=[],
    )

    page.context.set_offline(False)
    expect(page.get_by_test_id("draft-status")).to_contain_text(REFUSED, timeout=30_000)
    expect(page.get_by_test_id("form-errors")).to_contain_text("Another inspection report was recorded on this file")
    assert list(Inspection.objects.values_list("pk", flat=True)) == [newer.pk]
    assert page.evaluate(COUNT_DRAFTS) == 1  # still on the phone
    # opened again, the draft is shown as refused and not sent again by itself
    page.reload()
    page.wait_for_selector("[data-draft-panel][data-draft-ready=true]")
    expect(page.get_by_test_id("draft-status")).to_contain_text(REFUSED)
    expect(page.get_by_label("Notes")).to_have_value("The front wall stands one metre past the street line.")
    assert Inspection.objects.count() == 1
