"""The sandbox PSP as a real process (fees/psp_sandbox.py) on a free loopback port, with the project
pointed at it, and bills to pay. Other tests and browser journeys use the `psp` fixture:

    def test_x(psp, bill): url = payment_start(...); callback_url, fields = psp.pay(url)

`psp` resets the sandbox (behaviours, payments, window) and sets PSP_URL, PSP_TIMEOUT_S and
PSP_VERIFY_WINDOW_S both in settings and in the environment (a job worker started afterwards reads them).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings

from fees.billing import bill_create
from fees.models import Bill
from tests.permits.conftest import citizen, staff, submitted  # noqa: F401 - fixtures
from tests.surveys.conftest import plot, user_with  # noqa: F401 - fixtures

AMOUNT = 17_000_000  # a bill of 17,000,000 IRR


class _Form(HTMLParser):
    """The PSP's answer page: its form's action and hidden fields."""

    def __init__(self):
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action") or ""
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""


class PspSandbox:
    """The sandbox process, its control endpoint and a payer's browser at its pages."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fees.psp_sandbox",
                "--port",
                str(self.port),
                "--merchant-id",
                django_settings.PSP_MERCHANT_ID,
                "--secret",
                django_settings.PSP_SECRET,
                "--hang-s",
                "4",
            ],
            cwd=django_settings.BASE_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()  # "psp sandbox listening on http://127.0.0.1:PORT"
        if not line.startswith("psp sandbox listening on "):
            self.stop()
            pytest.fail(f"the PSP sandbox did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _json(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as answer:  # noqa: S310
            return json.loads(answer.read())

    def control(self, **settings) -> dict:
        return self._json("POST", "/control", settings)

    def state(self, token: str) -> dict:
        return self._json("GET", f"/payments/{token}")

    def pay(self, pay_url: str, action: str = "pay") -> tuple[str, dict[str, str]]:
        """Be the payer at the PSP's page: pay (or cancel); the callback URL and fields the browser posts."""
        with urllib.request.urlopen(pay_url, timeout=10) as page:  # noqa: S310
            assert page.status == 200
        data = urllib.parse.urlencode({"action": action}).encode()
        with urllib.request.urlopen(urllib.request.Request(pay_url, data=data, method="POST"), timeout=30) as answer:  # noqa: S310
            form = _Form()
            form.feed(answer.read().decode())
        return form.action, form.fields

    def settlement(self, date) -> bytes:
        with urllib.request.urlopen(f"{self.url}/settlement?date={date.isoformat()}", timeout=10) as answer:  # noqa: S310
            return answer.read()


@pytest.fixture(scope="session")
def psp_sandbox_process():
    sandbox = PspSandbox()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def psp(psp_sandbox_process, settings, monkeypatch) -> PspSandbox:
    """The sandbox PSP, reset, with the project (and any job worker started later) pointed at it."""
    sandbox = psp_sandbox_process
    if not sandbox.running():
        sandbox.start()
    sandbox.control(mode="reset")
    values = {"PSP_URL": sandbox.url, "PSP_TIMEOUT_S": 1.0, "PSP_VERIFY_WINDOW_S": 900}
    for name, value in values.items():
        setattr(settings, name, value)
        monkeypatch.setenv(name, str(value))
    yield sandbox
    if not sandbox.running():
        sandbox.start()


def psp_window(psp: PspSandbox, settings, monkeypatch, seconds: int) -> None:
    """A short verify window, for the sandbox and for us (settings and the environment of later workers)."""
    psp.control(window_s=seconds)
    settings.PSP_VERIFY_WINDOW_S = seconds
    monkeypatch.setenv("PSP_VERIFY_WINDOW_S", str(seconds))


@pytest.fixture
def permit_request(plot, citizen, staff):  # noqa: F811 - fixtures
    return submitted(plot, citizen)


def bill_for(req, amount_irr: int = AMOUNT) -> Bill:
    return bill_create(file=req.file, kind="permit_fees", amount_irr=amount_irr, request=req)


@pytest.fixture
def bill(permit_request) -> Bill:
    """An unpaid bill of 17,000,000 IRR on the citizen's submitted request."""
    return bill_for(permit_request)


def wait_until(predicate, timeout: float = 30, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail("timed out")
