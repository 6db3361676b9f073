"""The issued permit's journey in a browser: the permit officer approves at the issuance stage, the job
worker renders and signs the permit, the citizen downloads it from the file page; the test reads the PDF
back (pdftotext: serial, file code, floors; pdftoppm at 150 dpi + zbarimg: the QR), opens the scanned
URL and sees "valid" with the footprint map; the officer revokes it and the same scan shows "revoked";
a forged scan says "not issued by this municipality". Screenshots at 1200 and 390 px."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from documents.models import IssuedDocument
from gis_app.text import digits_to_ascii, digits_to_persian
from tests.browser.test_permit_journeys import login
from tests.conftest import wait_for
from tests.documents.issuing import document_keys, to_issuance  # noqa: F401 - the fixture
from tests.permits.conftest import PASSWORD, citizen, drawing_check_settled, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def photograph(page, name: str) -> None:
    """The page at desktop and phone width, whole (under .local/screenshots/, for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1200.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        [shutil.which("pdftotext"), "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return BIDI_CONTROLS.sub("", digits_to_ascii(out.stdout))


def qr_codes(path: Path) -> list[str]:
    """The QR codes zbarimg reads on the first page rendered at 150 dpi (pdftoppm)."""
    png = path.with_suffix("")
    subprocess.run(
        [shutil.which("pdftoppm"), "-r", "150", "-png", "-singlefile", "-f", "1", str(path), str(png)], check=True
    )
    out = subprocess.run(
        [shutil.which("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f"{png}.png"],
        capture_output=True,
        text=True,
    )
    return [line for line in out.stdout.splitlines() if line]


@pytest.fixture
def at_issuance(plot, staff, citizen):  # noqa: F811 - fixtures
    """A building request at the issuance stage, with its staff and its applicant."""
    req = to_issuance(plot, staff, citizen, floors=2, floor_area_m2=220.0, footprint_m2=110.0)
    drawing_check_settled(req, staff[Role.PERMIT_OFFICER])  # the drawing check has its own journey
    return req, staff, citizen


def test_a_permit_is_issued_downloaded_verified_and_revoked(page, live_url, settings, job_worker, at_issuance):
    req, people, applicant = at_issuance
    officer = people[Role.PERMIT_OFFICER]
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. the permit officer approves and issues
    login(page, live_url, officer.username, PASSWORD)
    page.goto(f"{live_url}/files/{req.tracking_code}/")
    open_tasks = page.get_by_test_id("checklist").locator("button[aria-pressed=false]")
    for _ in range(open_tasks.count()):  # each tick reloads the page
        open_tasks.first.click()
    expect(page.get_by_test_id("checklist").locator("button[aria-pressed=false]")).to_have_count(0)
    page.get_by_test_id("act-approve").click()
    expect(page.locator(".messages")).to_contain_text("انجام شد")
    permit = IssuedDocument.objects.get(request=req, kind="building_permit")
    wait_for(
        lambda: IssuedDocument.objects.filter(pk=permit.pk, render_state__in=["ready", "failed"]).exists(),
        timeout=60,
        what="the permit's PDF",
    )
    permit.refresh_from_db()
    assert permit.render_state == "ready", permit.render_error

    # 2. the citizen downloads it from the file page
    login(page, live_url, applicant.username, PASSWORD)
    page.goto(f"{live_url}/files/{req.tracking_code}/")
    row = page.locator(f"[data-testid=issued-document][data-serial='{permit.serial}']")
    expect(row).to_be_visible()
    with page.expect_download() as download:
        row.get_by_test_id("document-download").click()
    pdf = Path(settings.MEDIA_ROOT).parent / "permit.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    assert permit.serial in text and req.file.code in text
    # the floors row («تعداد طبقات»: 2), however pdftotext orders the right-to-left line
    floors_rows = [line for line in text.splitlines() if "تعداد طبقات" in line]
    assert any(re.search(r"(?<![\d.])2(?![\d.])", line) for line in floors_rows), floors_rows

    # 3. the QR, read from the printed page, opens the municipality's record: valid, with the footprint
    codes = qr_codes(pdf)
    assert codes == [permit.qr_payload]
    scanned = codes[0].replace(settings.DOCUMENTS_PUBLIC_BASE_URL, live_url)
    page.context.clear_cookies()
    page.goto(scanned)
    expect(page.get_by_test_id("verify-outcome")).to_have_attribute("data-outcome", "valid")
    expect(page.get_by_test_id("verify-serial")).to_contain_text(digits_to_persian(permit.serial))
    expect(page.get_by_test_id("verify-map")).to_be_visible()
    page.wait_for_selector("body[data-document-map-ready=true]")
    expect(page.locator("#document-map path.leaflet-interactive")).to_have_count(1)
    photograph(page, "document-verify-valid")

    # 4. a forged scan (one character of the signature changed)
    at = scanned.index("s=") + 4
    forged = scanned[:at] + ("A" if scanned[at] != "A" else "B") + scanned[at + 1 :]
    page.goto(forged)
    expect(page.get_by_test_id("verify-outcome")).to_have_attribute("data-outcome", "not_issued")
    expect(page.get_by_test_id("verify-outcome")).to_contain_text("صادر نشده")
    photograph(page, "document-verify-forged")

    # 5. the permit officer revokes it with a reason; the same scan shows "revoked" at once
    login(page, live_url, officer.username, PASSWORD)
    page.goto(f"{live_url}/files/{req.tracking_code}/")
    page.locator(f"[data-testid=issued-document][data-serial='{permit.serial}']").get_by_test_id(
        "document-manage"
    ).click()
    page.fill("#id_reason", "نقشه معماری با پروانه هم‌خوان نیست")
    page.check("#id_confirm")
    page.get_by_test_id("revoke").click()
    expect(page.get_by_test_id("document-status")).to_contain_text("باطل‌شده")
    page.context.clear_cookies()
    page.goto(scanned)
    expect(page.get_by_test_id("verify-outcome")).to_have_attribute("data-outcome", "revoked")
    expect(page.get_by_test_id("verify-outcome")).to_contain_text("نقشه معماری با پروانه هم‌خوان نیست")
    photograph(page, "document-verify-revoked")
    assert not errors, errors
