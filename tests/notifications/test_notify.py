"""Notification backends: the development one records and never claims to send; the HTTP gateway
one talks to a real HTTP server (our sandbox of an SMS/e-mail provider, started here)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.roles import Role
from notifications.services import notify
from tests.surveys.conftest import user_with

pytestmark = pytest.mark.django_db


class Sandbox(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Sandbox.received.append(body)
        self.send_response(202 if body["to"] != "09000000000" else 500)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def citizen():
    user = user_with(Role.CITIZEN.value, "t-citizen")
    user.mobile, user.email = "09151234567", "owner@example.org"
    user.save()
    return user


@pytest.fixture
def gateway(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sandbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Sandbox.received = []
    settings.NOTIFICATION_BACKEND = "notifications.services.HttpGatewayBackend"
    settings.NOTIFICATION_GATEWAY = f"http://127.0.0.1:{server.server_port}/send"
    yield Sandbox.received
    server.shutdown()


def test_development_backend_records_without_sending(citizen):
    sent = notify(recipient=citizen, subject="s", body="b")
    assert [(n.channel, n.delivery) for n in sent] == [("sms", "recorded"), ("email", "recorded")]
    assert "not sent" in sent[0].detail


def test_http_gateway_sends_and_reports_failures(gateway, citizen, settings):
    sent = notify(recipient=citizen, subject="subject", body="body text")
    assert [n.delivery for n in sent] == ["sent", "sent"]
    assert [(m["channel"], m["to"]) for m in gateway] == [("sms", "09151234567"), ("email", "owner@example.org")]
    citizen.mobile, citizen.email = "09000000000", ""
    (failed,) = notify(recipient=citizen, subject="s", body="b")
    assert failed.delivery == "failed" and "500" in failed.detail
    settings.NOTIFICATION_GATEWAY = "http://127.0.0.1:9/closed"
    (down,) = notify(recipient=citizen, subject="s", body="b")
    assert down.delivery == "failed"
