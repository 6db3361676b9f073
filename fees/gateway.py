"""The payment gateway client (a Shaparak-style PSP: fees/psp_sandbox.py documents the protocol).

Every call is a signed JSON POST with a time-out (settings PSP_URL, PSP_MERCHANT_ID, PSP_SECRET,
PSP_TIMEOUT_S) and answers a typed record. No answer (a time-out, a refused connection, a 5xx, garbage)
raises GatewayUnavailable: only then may the caller retry. A negative answer is an answer (`ok` False with
the PSP's code), never retried (DOMAIN.md "Payments": Saman's rule).

Connections are kept alive per thread (the callback of a busy hour verifies and settles hundreds of
payments a second); a kept connection the PSP closed meanwhile is opened again once, before anything was
sent on it.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

# The PSP's answers that mean something to us (the sandbox's codes; a real PSP's adapter maps to them).
OK = 0
ALREADY_VERIFIED = 2
UNKNOWN_TOKEN = -1
NOT_PAID_YET = -2
CANCELLED = -3
DECLINED = -4
VERIFY_FAILED = -5
REVERSED_LATE = -6
REFERENCE_MISMATCH = -7
ALREADY_SETTLED = -8
DUPLICATE_ORDER = -12
REVERSED = -13

PSP_NAME = "shaparak-sandbox"


class GatewayUnavailable(Exception):
    """The PSP gave no answer in time (or none that could be read): the outcome is unknown."""


@dataclass(frozen=True)
class TokenAnswer:
    ok: bool
    code: int
    token: str = ""
    message: str = ""


@dataclass(frozen=True)
class VerifyAnswer:
    ok: bool  # verified now or before (already_verified)
    code: int
    amount_irr: int | None = None
    reference: str = ""
    trace_no: str = ""
    card_mask: str = ""
    already_verified: bool = False
    message: str = ""


@dataclass(frozen=True)
class Answer:
    ok: bool
    code: int
    message: str = ""


def sign(secret: str, fields: dict) -> str:
    """HMAC-SHA256 of the fields (not `signature`) sorted by name, as `name=value` lines."""
    text = "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "signature")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


_local = threading.local()


def _connection(url: urllib.parse.SplitResult, timeout: float) -> http.client.HTTPConnection:
    key = (url.scheme, url.netloc)
    conn = getattr(_local, "conn", None)
    if conn is None or getattr(_local, "key", None) != key:
        if conn is not None:
            conn.close()
        cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = cls(url.netloc, timeout=timeout)
        _local.conn, _local.key = conn, key
    conn.timeout = timeout
    if conn.sock is not None:
        conn.sock.settimeout(timeout)
    return conn


def _drop_connection() -> None:
    conn = getattr(_local, "conn", None)
    if conn is not None:
        conn.close()
    _local.conn = None


def _post(path: str, fields: dict) -> dict:
    """A signed POST; the PSP's JSON answer, or GatewayUnavailable."""
    fields = {**fields, "merchant_id": settings.PSP_MERCHANT_ID}
    fields["signature"] = sign(settings.PSP_SECRET, fields)
    body = json.dumps(fields).encode()
    base = urllib.parse.urlsplit(settings.PSP_URL)
    target = base.path.rstrip("/") + path
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    for attempt in (1, 2):
        conn = _connection(base, settings.PSP_TIMEOUT_S)
        reused = conn.sock is not None
        try:
            conn.request("POST", target, body=body, headers=headers)
            answer = conn.getresponse()
            raw = answer.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            _drop_connection()
            # a kept connection the PSP had closed: nothing reached it, so once more on a new one
            if reused and attempt == 1:
                continue
            raise GatewayUnavailable(f"{path}: {exc.__class__.__name__}") from exc
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            _drop_connection()
            raise GatewayUnavailable(f"{path}: {exc.__class__.__name__}: {exc}") from exc
        if answer.will_close:
            _drop_connection()
        if answer.status >= 500:
            raise GatewayUnavailable(f"{path}: HTTP {answer.status}")
        try:
            data = json.loads(raw)
            int(data["status"])
        except (ValueError, KeyError, TypeError) as exc:
            raise GatewayUnavailable(f"{path}: an answer that is not the PSP's (HTTP {answer.status})") from exc
        return data
    raise GatewayUnavailable(path)  # pragma: no cover - the loop returns or raises


def pay_url(token: str) -> str:
    """Where the payer's browser goes to pay."""
    return f"{settings.PSP_URL.rstrip('/')}/pay/{urllib.parse.quote(token, safe='')}"


def token_request(*, order_id: int, amount_irr: int, callback_url: str) -> TokenAnswer:
    """Ask the PSP for a payment token for this order."""
    data = _post("/token", {"order_id": order_id, "amount": amount_irr, "callback_url": callback_url})
    code = int(data["status"])
    token = str(data.get("token") or "")
    return TokenAnswer(ok=code == OK and bool(token), code=code, token=token, message=str(data.get("message", "")))


def verify(*, token: str, reference: str = "") -> VerifyAnswer:
    """Ask the PSP to verify a payment (by its token; the reference, when known, must be the token's)."""
    data = _post("/verify", {"token": token, "reference": reference})
    code = int(data["status"])
    ok = code in (OK, ALREADY_VERIFIED)
    try:
        amount = int(data["amount"]) if ok else None
    except (KeyError, TypeError, ValueError) as exc:
        raise GatewayUnavailable("/verify: a verified answer without an amount") from exc
    return VerifyAnswer(
        ok=ok,
        code=code,
        amount_irr=amount,
        reference=str(data.get("reference") or ""),
        trace_no=str(data.get("trace_no") or ""),
        card_mask=str(data.get("card") or ""),
        already_verified=code == ALREADY_VERIFIED,
        message=str(data.get("message", "")),
    )


def settle(*, token: str) -> Answer:
    """Ask the PSP to settle (transfer to the merchant) a verified payment."""
    data = _post("/settle", {"token": token})
    return Answer(ok=int(data["status"]) == OK, code=int(data["status"]), message=str(data.get("message", "")))


def reverse(*, token: str) -> Answer:
    """Ask the PSP to give a payment back to the payer."""
    data = _post("/reverse", {"token": token})
    return Answer(ok=int(data["status"]) == OK, code=int(data["status"]), message=str(data.get("message", "")))


def settlement_file(*, date) -> bytes:
    """The PSP's settlement file (CSV) for a day."""
    base = urllib.parse.urlsplit(settings.PSP_URL)
    conn = (http.client.HTTPSConnection if base.scheme == "https" else http.client.HTTPConnection)(
        base.netloc, timeout=max(settings.PSP_TIMEOUT_S, 30)
    )
    try:
        conn.request("GET", f"{base.path.rstrip('/')}/settlement?date={date.isoformat()}")
        answer = conn.getresponse()
        raw = answer.read()
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        raise GatewayUnavailable(f"/settlement: {exc}") from exc
    finally:
        conn.close()
    if answer.status != 200:
        raise GatewayUnavailable(f"/settlement: HTTP {answer.status}")
    return raw
