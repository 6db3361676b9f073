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


# Every page of every journey runs under the Content-Security-Policy; a journey fails at teardown on any
# violation the browser reports, as a `securitypolicyviolation` event (recorded by an init script
# through an exposed binding, so that navigations lose none) or as a console message.
_RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${where} ${e.sample}`);
});
"""


class CspViolations(list):
    """What the browser refused in one context (its pages and pop-ups), in order."""

    def watch(self, context) -> None:
        context.expose_binding("__cspViolation", lambda source, text: self.append(f"{source['page'].url}: {text}"))
        context.add_init_script(_RECORD_VIOLATIONS)
        context.on("page", self._watch_page)

    def _watch_page(self, page) -> None:
        page.on(
            "console",
            lambda msg: (
                self.append(f"{page.url}: console: {msg.text}") if "Content Security Policy" in msg.text else None
            ),
        )


def _context(browser, **options):
    context = browser.new_context(**options)
    violations = CspViolations()
    violations.watch(context)
    return context, violations


@pytest.fixture
def csp_violations():
    """The violations of the test's browser contexts; the fixtures below fail the test on any."""
    return []


def _fail_on(violations: list[str]) -> None:
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def page(browser, csp_violations):
    context, violations = _context(browser, viewport={"width": 1200, "height": 800})
    csp_violations.append(violations)
    page = context.new_page()
    yield page
    context.close()
    _fail_on(violations)


@pytest.fixture
def phone(browser, csp_violations):
    context, violations = _context(browser, viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    csp_violations.append(violations)
    page = context.new_page()
    yield page
    context.close()
    _fail_on(violations)


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
