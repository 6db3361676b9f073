"""Webhook signatures (pure): what we sign and how a receiver checks it.

Each delivery is POSTed with the headers
    X-Bojnord-Delivery: <delivery id>
    X-Bojnord-Timestamp: <unix seconds>
    X-Bojnord-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<delivery id>.<body>" under the secret>
A receiver recomputes the HMAC, refuses a timestamp older than its tolerance, and remembers the
delivery ids it has accepted within that tolerance: a replayed request (same id) is refused, and a
request whose id or timestamp was changed no longer matches its signature. A retry of the same
delivery carries the same id and a new timestamp and signature (a receiver answers it as accepted
once more, see `signature_check`'s `seen`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

HEADER_ID = "X-Bojnord-Delivery"
HEADER_TS = "X-Bojnord-Timestamp"
HEADER_SIG = "X-Bojnord-Signature"


def signature(*, secret: str, timestamp: int, delivery_id: str, body: bytes) -> str:
    """The signature header's value for one request."""
    signed = f"{timestamp}.{delivery_id}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(*, secret: str, timestamp: int, delivery_id: str, body: bytes) -> dict[str, str]:
    return {
        HEADER_ID: delivery_id,
        HEADER_TS: str(timestamp),
        HEADER_SIG: signature(secret=secret, timestamp=timestamp, delivery_id=delivery_id, body=body),
        "Content-Type": "application/json",
    }


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str  # "ok", "bad_signature", "stale", "replayed", "missing"


def signature_check(
    *, secret: str, headers, body: bytes, now: float, seen: set[tuple[str, str]], tolerance_s: int = 300
) -> Check:
    """A receiver's check of one request: signature, freshness, and not seen before. `seen` holds the
    (delivery id, timestamp) pairs accepted so far (kept for the tolerance window) and is updated."""
    delivery_id, ts, sig = headers.get(HEADER_ID), headers.get(HEADER_TS), headers.get(HEADER_SIG)
    if not delivery_id or not ts or not sig or not ts.isdigit():
        return Check(False, "missing")
    expected = signature(secret=secret, timestamp=int(ts), delivery_id=delivery_id, body=body)
    if not hmac.compare_digest(expected, sig):
        return Check(False, "bad_signature")
    if abs(now - int(ts)) > tolerance_s:
        return Check(False, "stale")
    if (delivery_id, ts) in seen:
        return Check(False, "replayed")
    seen.add((delivery_id, ts))
    return Check(True, "ok")
