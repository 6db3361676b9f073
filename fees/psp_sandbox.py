"""A sandbox payment gateway (PSP) modelled on the Shaparak internet payment gateways (DOMAIN.md
"Payments"), run as its own HTTP process: `python -m fees.psp_sandbox --port 8765`. Standard library
only; it imports nothing of Django or of this project, so it can run anywhere, like a real PSP would.

The protocol (JSON bodies in and out, except the pages and the settlement file):
- POST /token    {merchant_id, amount, order_id, callback_url, signature} → {status: 0, token}
- GET  /pay/<t>  the payer's page: pay or cancel (a POST to the same address); the answer is a page
                 whose form goes back to the callback URL (auto-submitted) with state, token, order_id,
                 reference, trace_no, card, amount, merchant_id
- POST /verify   {merchant_id, token, reference, signature} → {status: 0 | 2 (already verified), amount,
                 reference, trace_no, card} or a negative status (codes below)
- POST /settle   {merchant_id, token, signature} → {status: 0} or negative
- POST /reverse  {merchant_id, token, signature} → {status: 0} or negative
- GET  /settlement?date=YYYY-MM-DD  CSV of that day's verified (and settled) payments, not reversed
- POST /control  (loopback only) how the next payments, or one order id, behave; see CONTROL below
- GET  /payments/<token>  (loopback only) one payment's state, for tests and the demo

The signature is HMAC-SHA256 with the merchant's secret over the other fields, sorted by name, as
`name=value` lines. Like the real ones, the sandbox reverses a paid payment that is not verified within
its verify window (default 15 min; `--verify-window-s` or the control endpoint shorten it), answers a
repeated verify of a reference with "already verified" (2), and refuses an order id used before.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import hmac
import html
import io
import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Answers (the real PSPs' codes differ from one another; the meanings are theirs).
OK = 0
ALREADY_VERIFIED = 2
UNKNOWN_TOKEN = -1
NOT_PAID_YET = -2  # the payer has not finished (or the PSP has not recorded it yet)
CANCELLED = -3  # the payer cancelled, or the token expired unused
DECLINED = -4  # the card's bank declined
VERIFY_FAILED = -5  # the PSP could not verify (its own fault); it reverses by itself later
REVERSED_LATE = -6  # not verified within the window: reversed (Saman -6)
REFERENCE_MISMATCH = -7  # the reference does not belong to this token (Mellat: must equal the pay request's)
ALREADY_SETTLED = -8  # too late to reverse
NOT_VERIFIED = -9  # settle before verify
BAD_SIGNATURE = -10
BAD_REQUEST = -11
DUPLICATE_ORDER = -12  # an order id used before (Mellat 41)
REVERSED = -13  # reversed by the merchant

# What POST /control sets: {"mode": ..., "order_id": n (that order only) | "count": n (the next n
# payments; default all following ones), "times": n (hang: the first n verifies), "copies": n (duplicate),
# "window_s": seconds, "hang_s": seconds}. Modes:
#   approve      pay normally (the default)
#   decline      the card's bank declines
#   hang         the verify answers nothing for hang_s seconds (a time-out), `times` times or always
#   hang_settle  the same for the settle
#   fail_verify  the verify answers VERIFY_FAILED
#   late         the payment is paid but its verify window has passed by the time anyone verifies
#   duplicate    besides the payer's form, the PSP posts the same callback `copies` more times itself
#   reorder      the PSP posts the callback itself before it has recorded the payment, then the form
#   down         every PSP endpoint answers 503 (reset with "up" or "reset")
#   up / reset   back to normal (reset also forgets the payments and restores the window)
MODES = ("approve", "decline", "hang", "hang_settle", "fail_verify", "late", "duplicate", "reorder")
MAX_PAYMENTS = 500_000  # the oldest are forgotten past this (a sandbox, not a ledger)
MAX_BODY = 16 * 1024
TOKEN_TTL_S = 20 * 60  # Saman: a token is valid 20 minutes


def sign(secret: str, fields: dict) -> str:
    """HMAC-SHA256 of the fields (not `signature`) sorted by name, as `name=value` lines."""
    text = "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "signature")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


class Psp:
    """The sandbox's state: payments by token, the references used, the behaviours set by control."""

    def __init__(self, *, merchant_id: str, secret: str, window_s: float, hang_s: float):
        self.merchant_id, self.secret = merchant_id, secret
        self.default_window_s, self.default_hang_s = window_s, hang_s
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.window_s, self.hang_s = self.default_window_s, self.default_hang_s
        self.payments: OrderedDict[str, dict] = OrderedDict()
        self.by_reference: dict[str, str] = {}
        self.orders: set[int] = set()
        self.by_order: dict[int, dict] = {}  # behaviour per order id
        self.next: list[dict] = []  # behaviours for the next payments, in order; the last may repeat
        self.down = False

    def behaviour_for(self, order_id: int) -> dict:
        if order_id in self.by_order:
            return dict(self.by_order.pop(order_id))
        while self.next:
            head = self.next[0]
            if head.get("count") is None:
                return dict(head)
            head["count"] -= 1
            if head["count"] <= 0:
                self.next.pop(0)
            return dict(head)
        return {"mode": "approve"}

    def expire(self, p: dict, now: float) -> None:
        """What the real PSPs do on their own: an unverified paid payment is reversed after the window;
        an unused token expires."""
        if p["state"] == "paid" and now - p["paid_at"] > self.window_s:
            p["state"], p["reversed_at"], p["reversed_by"] = "reversed", now, "window"
        elif p["state"] == "new" and now - p["created"] > max(TOKEN_TTL_S, self.window_s):
            p["state"] = "cancelled"


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """The merchant's answer to a callback is for the payer's browser: the PSP does not follow it."""

    def redirect_request(self, *args, **kwargs):
        return None


_NO_REDIRECTS = urllib.request.build_opener(_KeepRedirects)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: our client reuses its connection
    # headers and body go out in two writes: without this, Nagle's algorithm holds the body until the
    # client's delayed ACK (~40 ms a call)
    disable_nagle_algorithm = True
    server_version = "PspSandbox/1"
    psp: Psp  # set on the class by serve()

    # --- plumbing ------------------------------------------------------------------------------------
    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: dict, status: int = 200) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _page(self, text: str, status: int = 200) -> None:
        self._send(status, text.encode(), "text/html; charset=utf-8")

    def _body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if not 0 <= length <= MAX_BODY:
            return None
        return self.rfile.read(length)

    def _json_body(self) -> dict | None:
        raw = self._body()
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _loopback(self) -> bool:
        return self.client_address[0] in ("127.0.0.1", "::1")

    def _signed(self, data: dict) -> bool:
        given = str(data.get("signature", ""))
        return str(data.get("merchant_id")) == self.psp.merchant_id and hmac.compare_digest(
            given, sign(self.psp.secret, data)
        )

    # --- routes --------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/payments/") and self._loopback():
            return self.payment_state(url.path.removeprefix("/payments/"))
        if url.path == "/health":
            return self._json({"status": OK})
        if self.psp.down:
            return self._json({"status": BAD_REQUEST, "message": "down"}, 503)
        if url.path.startswith("/pay/"):
            return self.pay_page(url.path.removeprefix("/pay/"))
        if url.path == "/settlement":
            return self.settlement(urllib.parse.parse_qs(url.query).get("date", [""])[0])
        return self._json({"status": BAD_REQUEST, "message": "not found"}, 404)

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/control":
            return self.control() if self._loopback() else self._json({"status": BAD_REQUEST}, 403)
        if self.psp.down:
            self._body()
            return self._json({"status": BAD_REQUEST, "message": "down"}, 503)
        if path.startswith("/pay/"):
            return self.pay(path.removeprefix("/pay/"))
        routes = {"/token": self.token, "/verify": self.verify, "/settle": self.settle, "/reverse": self.reverse}
        if path not in routes:
            self._body()
            return self._json({"status": BAD_REQUEST, "message": "not found"}, 404)
        data = self._json_body()
        if data is None:
            return self._json({"status": BAD_REQUEST, "message": "a JSON object expected"}, 400)
        if not self._signed(data):
            return self._json({"status": BAD_SIGNATURE, "message": "bad merchant or signature"})
        return routes[path](data)

    # --- the merchant's calls ------------------------------------------------------------------------
    def token(self, data: dict) -> None:
        try:
            amount, order_id = int(data["amount"]), int(data["order_id"])
            callback = str(data["callback_url"])
        except (KeyError, TypeError, ValueError):
            return self._json({"status": BAD_REQUEST, "message": "amount, order_id and callback_url expected"})
        if amount <= 0 or order_id <= 0 or not callback.startswith(("http://", "https://")):
            return self._json({"status": BAD_REQUEST, "message": "bad amount, order id or callback URL"})
        psp = self.psp
        with psp.lock:
            if order_id in psp.orders:
                return self._json({"status": DUPLICATE_ORDER, "message": "order id used before"})
            psp.orders.add(order_id)
            token = secrets.token_urlsafe(18)
            psp.payments[token] = {
                "token": token,
                "order_id": order_id,
                "amount": amount,
                "callback": callback,
                "created": time.time(),
                "state": "new",
                "behaviour": psp.behaviour_for(order_id),
                "reference": "",
                "trace_no": "",
                "card": "",
                "paid_at": None,
                "verified_at": None,
                "settled_at": None,
                "reversed_at": None,
                "verifies": 0,
            }
            while len(psp.payments) > MAX_PAYMENTS:
                _t, old = psp.payments.popitem(last=False)
                psp.by_reference.pop(old["reference"], None)
        return self._json({"status": OK, "token": token})

    def _find(self, data: dict) -> dict | None:
        return self.psp.payments.get(str(data.get("token", "")))

    def verify(self, data: dict) -> None:
        psp = self.psp
        with psp.lock:
            p = self._find(data)
            if p is None:
                return self._json({"status": UNKNOWN_TOKEN, "message": "unknown token"})
            p["verifies"] += 1
            behaviour = p["behaviour"]
            hang = behaviour.get("mode") == "hang" and (
                behaviour.get("times") is None or p["verifies"] <= int(behaviour["times"])
            )
        if hang:  # no answer in time: the client times out (the connection is then closed)
            time.sleep(float(behaviour.get("hang_s") or psp.hang_s))
            self.close_connection = True
            return None
        with psp.lock:
            psp.expire(p, time.time())
            reference = str(data.get("reference") or "")
            if reference and p["reference"] and reference != p["reference"]:
                return self._json({"status": REFERENCE_MISMATCH, "message": "the reference is not this payment's"})
            state = p["state"]
            if state in ("verified", "settled"):
                return self._json({"status": ALREADY_VERIFIED, **self._paid_fields(p)})
            if state == "paid":
                if behaviour.get("mode") == "fail_verify":
                    return self._json({"status": VERIFY_FAILED, "message": "verification failed"})
                p["state"], p["verified_at"] = "verified", time.time()
                return self._json({"status": OK, **self._paid_fields(p)})
            code = {
                "new": NOT_PAID_YET,
                "cancelled": CANCELLED,
                "declined": DECLINED,
                "reversed": REVERSED_LATE if p.get("reversed_by") == "window" else REVERSED,
            }[state]
            return self._json({"status": code, "message": state})

    @staticmethod
    def _paid_fields(p: dict) -> dict:
        return {"amount": p["amount"], "reference": p["reference"], "trace_no": p["trace_no"], "card": p["card"]}

    def settle(self, data: dict) -> None:
        with self.psp.lock:
            p = self._find(data)
            if p is None:
                return self._json({"status": UNKNOWN_TOKEN, "message": "unknown token"})
            p["settles"] = p.get("settles", 0) + 1
            behaviour = p["behaviour"]
            hang = behaviour.get("mode") == "hang_settle" and (
                behaviour.get("times") is None or p["settles"] <= int(behaviour["times"])
            )
        if hang:
            time.sleep(float(behaviour.get("hang_s") or self.psp.hang_s))
            self.close_connection = True
            return None
        with self.psp.lock:
            if p["state"] == "settled":
                return self._json({"status": OK, "message": "already settled"})
            if p["state"] != "verified":
                return self._json({"status": NOT_VERIFIED, "message": f"cannot settle: {p['state']}"})
            p["state"], p["settled_at"] = "settled", time.time()
        return self._json({"status": OK})

    def reverse(self, data: dict) -> None:
        with self.psp.lock:
            p = self._find(data)
            if p is None:
                return self._json({"status": UNKNOWN_TOKEN, "message": "unknown token"})
            self.psp.expire(p, time.time())
            if p["state"] == "reversed":
                return self._json({"status": OK, "message": "already reversed"})
            if p["state"] == "settled":
                return self._json({"status": ALREADY_SETTLED, "message": "settled: too late to reverse"})
            if p["state"] not in ("paid", "verified"):
                return self._json({"status": NOT_PAID_YET, "message": f"nothing to reverse: {p['state']}"})
            p["state"], p["reversed_at"], p["reversed_by"] = "reversed", time.time(), "merchant"
        return self._json({"status": OK})

    # --- the payer's pages ---------------------------------------------------------------------------
    def pay_page(self, token: str) -> None:
        p = self.psp.payments.get(token)
        if p is None or p["state"] != "new":
            return self._page("<!doctype html><title>PSP</title><p>Unknown or used payment.</p>", 404)
        amount = f"{p['amount']:,}"
        t = html.escape(token)
        self._page(
            f"""<!doctype html><html lang="fa" dir="rtl"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>درگاه پرداخت آزمایشی / Sandbox payment gateway</title>
<h1>درگاه پرداخت آزمایشی <small lang="en" dir="ltr">Sandbox payment gateway</small></h1>
<p>مبلغ / Amount: <bdi dir="ltr" id="amount">{amount}</bdi> ریال (IRR)</p>
<p>شماره سفارش / Order: <bdi dir="ltr">{p["order_id"]}</bdi></p>
<form method="post" action="/pay/{t}">
<button name="action" value="pay" id="pay">پرداخت / Pay</button>
<button name="action" value="cancel" id="cancel">انصراف / Cancel</button>
</form></html>"""
        )

    def pay(self, token: str) -> None:
        raw = self._body() or b""
        action = urllib.parse.parse_qs(raw.decode("ascii", "replace")).get("action", [""])[0]
        psp = self.psp
        with psp.lock:
            p = psp.payments.get(token)
            if p is None or p["state"] != "new":
                return self._page("<!doctype html><title>PSP</title><p>Unknown or used payment.</p>", 404)
            mode = p["behaviour"].get("mode", "approve")
            now = time.time()
            if action != "pay":
                p["state"] = "cancelled"
            elif mode == "decline":
                p["state"] = "declined"
            else:
                reference = self._new_reference()
                p.update(
                    reference=reference,
                    trace_no=f"{secrets.randbelow(10**6):06d}",
                    card=f"603799******{secrets.randbelow(10**4):04d}",
                )
                psp.by_reference[reference] = token
                # late: the payer's browser (or the network) held the callback past the window
                p["paid_at"] = now - psp.window_s - 1 if mode == "late" else now
                if mode != "reorder":
                    p["state"] = "paid"
            fields = self.callback_fields(p)
        if mode == "reorder" and action == "pay":
            # the PSP's own notice overtakes its record of the payment: our verify answers "not paid yet"
            self._post_callback(p["callback"], fields)
            with psp.lock:
                p["state"] = "paid"
        elif mode == "duplicate":
            for _ in range(int(p["behaviour"].get("copies") or 3)):
                threading.Thread(target=self._post_callback, args=(p["callback"], fields), daemon=True).start()
        self._page(self.callback_form(p["callback"], fields))

    def _new_reference(self) -> str:
        while True:
            reference = f"{secrets.randbelow(9 * 10**11) + 10**11}"
            if reference not in self.psp.by_reference:
                return reference

    def callback_fields(self, p: dict) -> dict:
        state = {"paid": "OK", "new": "OK", "declined": "DECLINED"}.get(p["state"], "CANCELED")
        fields = {
            "state": state,
            "token": p["token"],
            "order_id": str(p["order_id"]),
            "merchant_id": self.psp.merchant_id,
        }
        if state == "OK":
            fields |= {
                "reference": p["reference"],
                "trace_no": p["trace_no"],
                "card": p["card"],
                "amount": str(p["amount"]),
            }
        return fields

    @staticmethod
    def _post_callback(url: str, fields: dict) -> None:
        data = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - the merchant's own URL
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with _NO_REDIRECTS.open(req, timeout=30) as answer:
                answer.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError):
            pass  # the merchant answered 4xx or not at all: the payer's form still goes

    @staticmethod
    def callback_form(url: str, fields: dict) -> str:
        inputs = "\n".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items()
        )
        return f"""<!doctype html><html lang="fa" dir="rtl"><meta charset="utf-8">
<title>بازگشت به سایت پذیرنده / Back to the merchant</title>
<form method="post" action="{html.escape(url)}" id="back">
{inputs}
<p>در حال بازگشت به سایت پذیرنده… / Returning to the merchant…</p>
<button id="continue">ادامه / Continue</button>
</form>
<script>document.getElementById("back").submit();</script></html>"""

    # --- files and control ---------------------------------------------------------------------------
    def settlement(self, day: str) -> None:
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            return self._json({"status": BAD_REQUEST, "message": "date=YYYY-MM-DD expected"}, 400)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["date", "time", "merchant_id", "order_id", "reference", "trace_no", "card", "amount", "state"])
        with self.psp.lock:
            now = time.time()
            for p in self.psp.payments.values():
                self.psp.expire(p, now)
                if p["state"] not in ("verified", "settled"):
                    continue
                at = dt.datetime.fromtimestamp(p["verified_at"], dt.UTC)
                if at.date() != date:
                    continue
                writer.writerow(
                    [
                        at.date().isoformat(),
                        at.strftime("%H:%M:%S"),
                        self.psp.merchant_id,
                        p["order_id"],
                        p["reference"],
                        p["trace_no"],
                        p["card"],
                        p["amount"],
                        p["state"],
                    ]
                )
        self._send(200, out.getvalue().encode(), "text/csv; charset=utf-8")

    def payment_state(self, token: str) -> None:
        with self.psp.lock:
            p = self.psp.payments.get(token)
            if p is None:
                return self._json({"status": UNKNOWN_TOKEN}, 404)
            self.psp.expire(p, time.time())
            return self._json(
                {"status": OK, **{k: v for k, v in p.items() if k != "behaviour"}, "fields": self.callback_fields(p)}
            )

    def control(self) -> None:
        data = self._json_body()
        if data is None:
            return self._json({"status": BAD_REQUEST, "message": "a JSON object expected"}, 400)
        psp = self.psp
        mode = data.get("mode")
        with psp.lock:
            if mode == "reset":
                psp.reset()
            elif mode == "down":
                psp.down = True
            elif mode == "up":
                psp.down = False
            elif mode in MODES:
                behaviour = {k: data[k] for k in ("mode", "times", "copies", "hang_s") if k in data}
                if data.get("order_id") is not None:
                    psp.by_order[int(data["order_id"])] = behaviour
                else:
                    behaviour["count"] = int(data["count"]) if data.get("count") is not None else None
                    psp.next = [b for b in psp.next if b.get("count") is not None] + [behaviour]
            elif mode is not None:
                return self._json({"status": BAD_REQUEST, "message": f"unknown mode {mode!r}"}, 400)
            if data.get("window_s") is not None:
                psp.window_s = float(data["window_s"])
            if data.get("hang_s") is not None and mode is None:
                psp.hang_s = float(data["hang_s"])
        return self._json({"status": OK, "window_s": psp.window_s, "down": psp.down})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def serve(*, host: str, port: int, merchant_id: str, secret: str, window_s: float, hang_s: float) -> None:
    Handler.psp = Psp(merchant_id=merchant_id, secret=secret, window_s=window_s, hang_s=hang_s)
    server = Server((host, port), Handler)
    # the first line says where it listens (the tests start it on port 0 and read the port from it)
    print(f"psp sandbox listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox Shaparak-style payment gateway (PSP)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--merchant-id", default="sandbox-merchant")
    parser.add_argument("--secret", default="sandbox-secret")
    parser.add_argument("--verify-window-s", type=float, default=15 * 60, help="reverse unverified payments after")
    parser.add_argument("--hang-s", type=float, default=30, help="how long a hanging verify holds its answer")
    args = parser.parse_args(argv)
    serve(
        host=args.host,
        port=args.port,
        merchant_id=args.merchant_id,
        secret=args.secret,
        window_s=args.verify_window_s,
        hang_s=args.hang_s,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
