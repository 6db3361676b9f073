"""The gateway client against the sandbox PSP process: tokens, verify codes, settle and reverse, a time-out
told apart from a negative answer, the PSP down, signatures, the settlement file and the control
endpoint. No database: the PSP is a real HTTP process."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
import urllib.error
import urllib.request

import pytest

from fees import gateway

CALLBACK = "http://127.0.0.1:1/fees/gateway/callback/"
_order = iter(range(int(time.time() * 1000) % 10**9 * 100, 10**12))


def new_token(amount: int = 17_000_000) -> tuple[int, str]:
    order = next(_order)
    answer = gateway.token_request(order_id=order, amount_irr=amount, callback_url=CALLBACK)
    assert answer.ok, answer
    return order, answer.token


def test_token_pay_verify_settle(psp):
    order, token = new_token()
    action, fields = psp.pay(gateway.pay_url(token))
    assert action == CALLBACK
    assert fields["state"] == "OK" and fields["order_id"] == str(order) and fields["amount"] == "17000000"
    assert "*" in fields["card"] and len(fields["reference"]) == 12
    answer = gateway.verify(token=token, reference=fields["reference"])
    assert answer.ok and answer.code == gateway.OK and answer.amount_irr == 17_000_000
    assert answer.reference == fields["reference"] and not answer.already_verified
    # a repeated verify: "already verified", with the same amount (Saman)
    again = gateway.verify(token=token, reference=fields["reference"])
    assert again.ok and again.already_verified and again.amount_irr == 17_000_000
    assert gateway.settle(token=token).ok
    assert psp.state(token)["state"] == "settled"
    # settled: too late to reverse
    assert gateway.reverse(token=token).code == gateway.ALREADY_SETTLED


def test_an_order_id_is_used_once(psp):
    order, _token = new_token()
    answer = gateway.token_request(order_id=order, amount_irr=1000, callback_url=CALLBACK)
    assert not answer.ok and answer.code == gateway.DUPLICATE_ORDER


@pytest.mark.parametrize(
    ("action", "mode", "code"),
    [
        ("cancel", None, gateway.CANCELLED),
        ("pay", "decline", gateway.DECLINED),
        ("pay", "fail_verify", gateway.VERIFY_FAILED),
    ],
)
def test_negative_answers_are_answers(psp, action, mode, code):
    if mode:
        psp.control(mode=mode, count=1)
    _order_id, token = new_token()
    _action, fields = psp.pay(gateway.pay_url(token), action=action)
    answer = gateway.verify(token=token, reference=fields.get("reference", ""))
    assert not answer.ok and answer.code == code and answer.amount_irr is None


def test_verify_before_paying_and_unknown_token_and_wrong_reference(psp):
    _order_id, token = new_token()
    assert gateway.verify(token=token).code == gateway.NOT_PAID_YET
    assert gateway.verify(token="no-such-token-123").code == gateway.UNKNOWN_TOKEN
    psp.pay(gateway.pay_url(token))
    assert gateway.verify(token=token, reference="999999999999").code == gateway.REFERENCE_MISMATCH
    assert psp.state(token)["state"] == "paid"  # a wrong reference verifies nothing


def test_a_hanging_verify_is_a_time_out_not_an_answer(psp, settings):
    settings.PSP_TIMEOUT_S = 0.5
    psp.control(mode="hang", count=1, times=1)
    _order_id, token = new_token()
    _action, fields = psp.pay(gateway.pay_url(token))
    started = time.monotonic()
    with pytest.raises(gateway.GatewayUnavailable):
        gateway.verify(token=token, reference=fields["reference"])
    assert time.monotonic() - started < 2
    # the next verify is answered (the hang was once): retrying after a time-out is right
    assert gateway.verify(token=token, reference=fields["reference"]).ok


def test_late_verify_is_reversed_by_the_psp(psp):
    psp.control(mode="late", count=1)
    _order_id, token = new_token()
    _action, fields = psp.pay(gateway.pay_url(token))
    answer = gateway.verify(token=token, reference=fields["reference"])
    assert answer.code == gateway.REVERSED_LATE
    assert psp.state(token)["state"] == "reversed"


def test_the_window_passes_for_real(psp):
    psp.control(window_s=1)
    _order_id, token = new_token()
    psp.pay(gateway.pay_url(token))
    time.sleep(1.3)
    assert gateway.verify(token=token).code == gateway.REVERSED_LATE


def test_psp_down_and_stopped(psp):
    psp.control(mode="down")
    with pytest.raises(gateway.GatewayUnavailable):
        gateway.token_request(order_id=next(_order), amount_irr=1000, callback_url=CALLBACK)
    with pytest.raises(gateway.GatewayUnavailable):
        gateway.verify(token="whatever-token")
    psp.control(mode="up")
    new_token()
    psp.stop()  # connection refused
    with pytest.raises(gateway.GatewayUnavailable):
        gateway.verify(token="whatever-token")
    psp.start()
    new_token()  # a kept connection to the old process is replaced


def test_a_wrong_secret_or_merchant_is_refused(psp, settings):
    settings.PSP_SECRET = "not-the-secret"
    answer = gateway.token_request(order_id=next(_order), amount_irr=1000, callback_url=CALLBACK)
    assert not answer.ok and answer.code == -10
    settings.PSP_SECRET = "sandbox-secret"
    settings.PSP_MERCHANT_ID = "someone-else"
    assert gateway.token_request(order_id=next(_order), amount_irr=1000, callback_url=CALLBACK).code == -10


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({"merchant_id": "sandbox-merchant"}).encode(), b"\xff\xfe"],
)
def test_garbage_to_the_psp_is_answered_not_crashed(psp, body):
    req = urllib.request.Request(psp.url + "/verify", data=body, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=5) as answer:  # noqa: S310
            data = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        data = json.loads(exc.read())
    assert data["status"] < 0
    new_token()  # still serving


def test_settlement_file_lists_the_days_verified_payments(psp):
    paid = []
    for n in range(3):
        _order_id, token = new_token(1000 * (n + 1))
        _a, fields = psp.pay(gateway.pay_url(token))
        if n < 2:
            assert gateway.verify(token=token).ok
            paid.append(fields["reference"])
    _order_id, token = new_token()
    psp.pay(gateway.pay_url(token), action="cancel")
    rows = list(csv.DictReader(io.StringIO(psp.settlement(dt.datetime.now(dt.UTC).date()).decode())))
    assert sorted(r["reference"] for r in rows) == sorted(paid)
    assert {r["amount"] for r in rows} == {"1000", "2000"}
    assert list(csv.reader(io.StringIO(psp.settlement(dt.date(2000, 1, 1)).decode()))) == [
        ["date", "time", "merchant_id", "order_id", "reference", "trace_no", "card", "amount", "state"]
    ]
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{psp.url}/settlement?date=yesterday", timeout=5)  # noqa: S310


def test_control_refuses_unknown_modes(psp):
    with pytest.raises(urllib.error.HTTPError):
        psp.control(mode="explode")
