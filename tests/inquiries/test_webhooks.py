"""Webhooks: a status change sends a signed POST through the task queue (a real worker) to a real
receiver; failures are retried with back-off; the receiver's check detects replays and tampering."""

from __future__ import annotations

import httpx
import pytest

from inquiries import services
from inquiries.models import Inquiry, WebhookDelivery
from inquiries.webhooks import HEADER_SIG, HEADER_TS, signature, signature_check
from tests.conftest import Client, wait_for
from tests.inquiries.conftest import ACROSS_STREET, api_post, line_geojson, paved
from tests.inquiries.receiver import Receiver
from tests.surveys.conftest import SRID, user_with


@pytest.fixture
def receiver():
    r = Receiver(fail_first=1)
    yield r
    r.close()


@pytest.fixture
def fast_retries(settings, monkeypatch):
    settings.INQUIRY_WEBHOOK_ALLOW_HTTP = True
    monkeypatch.setenv("INQUIRY_WEBHOOK_RETRY_BACKOFF_S", "1")
    monkeypatch.setenv("INQUIRY_WEBHOOK_RETRY_ATTEMPTS", "3")


def test_signature_check_pure():
    seen: set = set()
    body = b'{"a": 1}'
    headers = {
        "X-Bojnord-Delivery": "7",
        HEADER_TS: "1000",
        HEADER_SIG: signature(secret="k", timestamp=1000, delivery_id="7", body=body),
    }
    assert signature_check(secret="k", headers=headers, body=body, now=1010, seen=seen).ok
    assert signature_check(secret="k", headers=headers, body=body, now=1010, seen=seen).reason == "replayed"
    assert (
        signature_check(secret="k", headers=headers, body=body + b" ", now=1010, seen=set()).reason == "bad_signature"
    )
    assert signature_check(secret="x", headers=headers, body=body, now=1010, seen=set()).reason == "bad_signature"
    assert signature_check(secret="k", headers=headers, body=body, now=2000, seen=set()).reason == "stale"
    moved = {**headers, "X-Bojnord-Delivery": "8"}
    assert signature_check(secret="k", headers=moved, body=body, now=1010, seen=set()).reason == "bad_signature"
    assert signature_check(secret="k", headers={}, body=body, now=1010, seen=set()).reason == "missing"


@pytest.mark.hostile("webhook_replay")
def test_answer_fires_a_signed_webhook_retried_and_replays_are_refused(
    client, plot, tokens, agencies, receiver, fast_retries, start_worker
):
    paved(20)
    r = api_post(
        client,
        "/api/v1/inquiries/",
        tokens["water"],
        {
            "kind": "excavation",
            "purpose": "انشعاب آب",
            "property": plot.file_code,
            "geometry": line_geojson(*ACROSS_STREET),
            "crs": SRID,
        },
    )
    inquiry_id = r.json()["id"]
    sub = api_post(client, "/api/v1/webhooks/", tokens["water"], {"url": receiver.url, "inquiry": inquiry_id})
    assert sub.status_code == 201, sub.content
    receiver.secret = sub.json()["secret"]
    start_worker()
    web = Client()
    web.force_login(user_with("executive_unit", "exec-w"))
    assert web.post(f"/agency/inbox/{inquiry_id}/", {"decision": "approve", "note": ""}).status_code == 302

    wait_for(lambda: receiver.accepted, timeout=40, what="the webhook")
    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(status="delivered").first(), timeout=20, what="the delivery row"
    )
    assert delivery.attempts == 2 and delivery.last_status_code == 204  # the first try met a 503
    got = receiver.accepted[0]
    assert got["inquiry"] == inquiry_id and got["event"] == "inquiry.answered" and got["outcome"] == "permitted"
    assert Inquiry.objects.get(public_id=inquiry_id).status == "answered"

    # an attacker who captured the request replays it: the receiver's check refuses it
    captured, body = receiver.raw[0]
    headers = {k: v for k, v in captured.items() if k.lower().startswith("x-bojnord") or k.lower() == "content-type"}
    replay = httpx.post(receiver.url, content=body, headers=headers)
    assert replay.status_code == 409 and receiver.refused == ["replayed"]
    # …and cannot freshen it: a new timestamp breaks the signature
    fresh = {**headers, HEADER_TS: str(int(headers[HEADER_TS]) + 1)}
    assert httpx.post(receiver.url, content=body, headers=fresh).status_code == 401
    assert httpx.post(receiver.url, content=body.replace(b"permitted", b"refused"), headers=headers).status_code == 401
    assert len(receiver.accepted) == 1

    # the agency sees the delivery history, another agency does not
    hist = client.get(
        f"/api/v1/webhooks/{sub.json()['id']}/deliveries/", HTTP_AUTHORIZATION=f"Bearer {tokens['water']}"
    )
    assert hist.json()["results"][0]["status"] == "delivered"
    other = client.get(f"/api/v1/webhooks/{sub.json()['id']}/deliveries/", HTTP_AUTHORIZATION=f"Bearer {tokens['gas']}")
    assert other.status_code == 404


@pytest.mark.hostile("webhook_url")
@pytest.mark.parametrize(
    "url", ["ftp://x.example/h", "javascript:alert(1)", "http://bank.example/hook", "not a url", ""]
)
def test_webhook_urls_must_be_https(client, plot, tokens, settings, url):
    settings.INQUIRY_WEBHOOK_ALLOW_HTTP = False
    r = api_post(client, "/api/v1/webhooks/", tokens["bank"], {"url": url, "property": plot.file_code})
    assert r.status_code == 400


def test_subscribing_to_a_property_hears_its_inquiries(db, plot, agencies):
    sub = services.webhook_subscribe(agency=agencies["notary"], url="https://n.example/h", property_code=plot.file_code)
    services.inquiry_file(agency=agencies["notary"], kind="notary", purpose="فروش", property_code=plot.file_code)
    services.inquiry_file(agency=agencies["bank"], kind="bank", purpose="وام", property_code=plot.file_code)
    # the notary hears its own inquiry on the property, never the bank's
    assert list(WebhookDelivery.objects.values_list("subscription", "event")) == [(sub.pk, "inquiry.filed")]
