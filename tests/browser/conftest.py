"""Headless Chromium from Debian's packages, driven by Playwright (never a downloaded browser)."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it
# are ordinary synchronous calls, so Django's guard against async contexts is relaxed here only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def otp_code(username: str) -> str:
    """The code the user's authenticator shows now, computed with django_otp.oath as an app would; a
    code already used (django-otp refuses a time step twice) moves on to the next step's code, which
    the device accepts within its one-step tolerance, or waits for it."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while device.last_t + 1 > totp.t() + 1:
        time.sleep(1)
    if totp.t() <= device.last_t:
        totp.time = time.time() + device.step
    return f"{totp.token():06d}"


def second_factor(page, username: str) -> None:
    """After the password, as a staff member would: set up the authenticator from the key shown on the
    enrolment page (then continue past the backup codes), or type the current code."""
    from base64 import b32decode

    from django_otp.oath import totp
    from playwright.sync_api import expect

    page.wait_for_selector("[data-testid=second-factor], [data-testid=second-factor-enrol]")
    if page.get_by_test_id("second-factor-enrol").count():
        key = b32decode(page.get_by_test_id("otp-secret").inner_text().replace(" ", ""))
        page.fill("#id_code", f"{totp(key):06d}")
        page.click("main button[type=submit]")
        expect(page.get_by_test_id("backup-codes")).to_be_visible()
        page.get_by_test_id("continue").click()
    else:
        page.fill("#id_code", otp_code(username))
        page.click("main button[type=submit]")
    expect(page.get_by_test_id("second-factor")).to_have_count(0)
    expect(page.get_by_test_id("second-factor-enrol")).to_have_count(0)
