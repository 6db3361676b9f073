"""The signed QR payload: a URL with the serial, a key id and an Ed25519 signature over the document's
key fields in canonical JSON (sorted keys, no whitespace, UTF-8), and the municipality's signing keys.

Keys live in DOCUMENT_KEYS_DIR: `keys.json` lists every key with its public half and its signing period
(`valid_from`, `valid_until`; the current key has no end), and `<key id>.pem` holds a private key (mode
600; a retired key's may be deleted). A key verifies only documents issued within its period, so a
retired key that leaked cannot sign new ones. With DOCUMENT_KEYS_DEMO (development, tests) a demo key is
created on first use; a real deployment puts its own keys there (`manage.py document_key_rotate`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gis_app.errors import DomainError

KEYS_FILE = "keys.json"
_lock = threading.Lock()


class SigningKeyMissing(DomainError):
    """No key to sign with (the configured private key file is absent): nothing is issued."""


@dataclass(frozen=True)
class PublishedKey:
    """One signing key as published: its id, public half and signing period (dates, Asia/Tehran)."""

    key_id: str
    public_key: bytes
    valid_from: dt.date
    valid_until: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def as_json(self) -> dict:
        return {
            "kid": self.key_id,
            "alg": "Ed25519",
            "public_key": b64url(self.public_key),
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


@dataclass(frozen=True)
class QrPayload:
    """What a scanned QR code says: the serial, the key id and the signature bytes."""

    serial: str
    key_id: str
    signature: bytes
    copy: str = ""  # the language of a copy made on request ("" for the original)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Bytes of base64url text without padding; ValueError for anything else."""
    if not text or len(text) > 200 or any(c not in _B64URL for c in text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def canonical_json(fields: dict) -> bytes:
    """The bytes that are signed: sorted keys, no whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- the key store ------------------------------------------------------------------------------------------


def _dir() -> Path:
    return Path(settings.DOCUMENT_KEYS_DIR)


def _read_index() -> list[dict]:
    path = _dir() / KEYS_FILE
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["keys"]


def _write_index(keys: list[dict]) -> None:
    path = _dir() / KEYS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"keys": keys}, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _published(entry: dict) -> PublishedKey:
    return PublishedKey(
        key_id=entry["kid"],
        public_key=b64url_decode(entry["public_key"]),
        valid_from=dt.date.fromisoformat(entry["valid_from"]),
        valid_until=dt.date.fromisoformat(entry["valid_until"]) if entry.get("valid_until") else None,
    )


def _new_key(*, valid_from: dt.date) -> dict:
    """A new key pair: the private half written (mode 600) beside the index, the entry returned."""
    _dir().mkdir(parents=True, exist_ok=True)
    key_id = f"k{valid_from:%Y%m%d}-{secrets.token_hex(3)}"
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = _dir() / f"{key_id}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kid": key_id, "public_key": b64url(public), "valid_from": valid_from.isoformat(), "valid_until": None}


# The parsed index, kept per process while keys.json is the same file (its path, inode, size and
# modification time: a rotation writes a new file with os.replace, so every process sees it at once).
_index_cache: tuple[tuple, tuple[PublishedKey, ...]] | None = None


def _index_stamp() -> tuple | None:
    path = _dir() / KEYS_FILE
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


def published_keys() -> list[PublishedKey]:
    """Every key the municipality has signed with, the current one last (with DOCUMENT_KEYS_DEMO, a demo
    key is made on first use). Read from disk only when keys.json changed."""
    global _index_cache
    stamp = _index_stamp()
    cached = _index_cache
    if stamp is not None and cached is not None and cached[0] == stamp:
        return list(cached[1])
    keys = _read_index()
    if not keys and settings.DOCUMENT_KEYS_DEMO:
        with _lock:
            keys = _read_index()
            if not keys:
                keys = [_new_key(valid_from=dt.date(2020, 1, 1))]
                _write_index(keys)
            stamp = _index_stamp()
    published = tuple(_published(k) for k in keys)
    if stamp is not None:
        _index_cache = (stamp, published)
    return list(published)


def key_rotate(*, today: dt.date | None = None) -> PublishedKey:
    """End the current key's signing period yesterday and start a new key today; old documents stay
    verifiable by the retired key's public half."""
    today = today or timezone.localdate()
    with _lock:
        keys = _read_index()
        for entry in keys:
            if entry.get("valid_until") is None:
                entry["valid_until"] = (today - dt.timedelta(days=1)).isoformat()
        entry = _new_key(valid_from=today)
        keys.append(entry)
        _write_index(keys)
    return _published(entry)


def signing_key(*, day: dt.date) -> tuple[str, Ed25519PrivateKey]:
    """The key that signs documents issued on `day`, with its id; SigningKeyMissing when there is none."""
    current = [k for k in published_keys() if k.covers(day)]
    if not current:
        raise SigningKeyMissing(_("No document signing key is in force today; nothing was issued."))
    key = current[-1]
    path = _dir() / f"{key.key_id}.pem"
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise SigningKeyMissing(
            _("The document signing key is missing on the server; nothing was issued. Tell the administrator.")
        ) from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyMissing(_("The document signing key is not an Ed25519 key; nothing was issued."))
    return key.key_id, private


# --- signing and verifying -----------------------------------------------------------------------------------


def fields_verify(fields: dict, *, key_id: str, signature: bytes, day: dt.date, keys=None) -> bool:
    """Whether the signature over the fields is the named key's, and the key was in force on that day."""
    for key in keys if keys is not None else published_keys():
        if key.key_id == key_id:
            if not key.covers(day):
                return False
            return _signature_valid(key.public_key, signature, canonical_json(fields))
    return False


@functools.lru_cache(maxsize=4096)
def _signature_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """The Ed25519 check, remembered per (public key, signature, signed bytes): a pure function of its
    arguments, so a document scanned again is not checked again (and a forged variant is a new entry)."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verification_path(serial: str, *, lang: str | None = None) -> str:
    """The verification page of a serial: in Persian for the original; a copy's QR opens the same page
    in the copy's language."""
    from django.urls import reverse
    from django.utils.translation import override

    with override(lang or settings.LANGUAGE_CODE):
        return reverse("documents:verify", args=[serial])


def qr_url(*, serial: str, key_id: str, signature: str, copy: str = "") -> str:
    """The absolute URL the QR holds (DOCUMENTS_PUBLIC_BASE_URL + the verification page); a copy's adds
    its language (c=en), which its signature covers."""
    base = settings.DOCUMENTS_PUBLIC_BASE_URL.rstrip("/")
    query = {"k": key_id, "s": signature} | ({"c": copy} if copy else {})
    return f"{base}{quote(verification_path(serial, lang=copy or None))}?{urlencode(query)}"


def payload_parse(text: str) -> QrPayload | None:
    """The serial, key id and signature of a scanned URL (or its path and query); None when it is not one
    of ours in form (truncated, extra or missing parts, a signature of the wrong length)."""
    from documents.serials import serial_parse

    text = (text or "").strip()
    if len(text) > 600:
        return None
    parts = urlsplit(text)
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    query = parse_qs(parts.query, keep_blank_values=True)
    if set(query) not in ({"k", "s"}, {"k", "s", "c"}) or any(len(v) != 1 for v in query.values()):
        return None
    serial, key_id = segments[-1], query["k"][0]
    if serial_parse(serial) is None or not key_id or len(key_id) > 32:
        return None
    return signature_payload(serial=serial, key_id=key_id, signature=query["s"][0], copy=query.get("c", [""])[0])


COPY_LANGUAGES = frozenset({"en"})


def signature_payload(*, serial: str, key_id: str, signature: str, copy: str | None = "") -> QrPayload | None:
    """The payload's parts checked in form; None for a signature that is not one, or a copy marker that
    names no language a copy is made in."""
    copy = copy or ""
    if copy and copy not in COPY_LANGUAGES:
        return None
    try:
        raw = b64url_decode(signature)
    except ValueError:
        return None
    if len(raw) != 64:  # an Ed25519 signature is 64 bytes
        return None
    return QrPayload(serial=serial, key_id=key_id, signature=raw, copy=copy)


def published_from_json(document: dict) -> list[PublishedKey]:
    """The keys of a document-keys.json (as published at /.well-known/document-keys.json)."""
    return [_published(k) for k in document["keys"]]
