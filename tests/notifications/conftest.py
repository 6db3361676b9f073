"""The SMS/e-mail provider's sandbox (a real HTTP server on the loopback interface) and a citizen
with a mobile number and an e-mail address."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.roles import Role
from tests.permits.conftest import staff  # noqa: F401 - fixtures
from tests.surveys.conftest import plot, user_with  # noqa: F401 - fixtures

FAILING_NUMBER = "09000000000"  # the sandbox answers 500 for this one


class Sandbox(BaseHTTPRequestHandler):
    """An SMS/e-mail provider: takes JSON messages, remembers them, 202 (or 500 when told to fail)."""

    received: list[dict] = []
    fail_all = False

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Sandbox.received.append(body)
        self.send_response(500 if Sandbox.fail_all or body["to"] == FAILING_NUMBER else 202)
        self.end_headers()

    def log_message(self, *args):
        pass


class Gateway:
    """The sandbox on a fixed port of the loopback interface, which can be stopped and started again."""

    def __init__(self):
        self.server = None
        self.port = 0
        Sandbox.received = []
        Sandbox.fail_all = False
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    @property
    def received(self) -> list[dict]:
        return Sandbox.received

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Sandbox)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def references(self, notification) -> int:
        return sum(1 for m in Sandbox.received if m["reference"] == str(notification.pk))


@pytest.fixture
def citizen(db):
    user = user_with(Role.CITIZEN.value, "t-citizen")
    user.mobile, user.email = "09151234567", "owner@example.org"
    user.save()
    return user


@pytest.fixture
def gateway(settings):
    sandbox = Gateway()
    settings.NOTIFICATION_BACKEND = "notifications.backends.HttpGatewayBackend"
    settings.NOTIFICATION_GATEWAY = sandbox.url
    yield sandbox
    sandbox.stop()
