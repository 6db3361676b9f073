"""PAdES signatures on issued documents (pyHanko, ECDSA P-256), so PDF readers show them signed and
unchanged since.

The signing key and certificate come from settings DOCUMENTS_SIGNING_KEY / DOCUMENTS_SIGNING_CERT (PEM
files; DOCUMENTS_SIGNING_CHAIN: the issuing CA certificates, DOCUMENTS_SIGNING_KEY_PASSPHRASE when the key
is encrypted). Without them a demo CA and a signing certificate are created on first use under
DOCUMENTS_PKI_DIR (default BASE_DIR/.local/pki) and reused. The signer is loaded once per process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import functools
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyhanko.sign.attributes
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

DEMO_CA = ("demo-ca.pem", "demo-ca.key")
DEMO_SIGNER = ("demo-signer.pem", "demo-signer.key")
SIGNATURE_FIELD = "MunicipalitySignature"
# room for the CMS signature (an ECDSA signature and the certificate chain take ~2 kB): fixed, so pyHanko
# does not sign a dummy first to measure it
SIGNATURE_BYTES = 8192


class SigningUnavailable(Exception):
    """The signing key or certificate cannot be used; nothing was signed."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class PadesValidation:
    intact: bool  # the signed bytes are unchanged and the signature matches them
    trusted: bool  # the signer's certificate chains to a trust root (the demo CA by default)
    signer: str  # the signer certificate's subject, as people read it
    signed_at: dt.datetime | None  # the time the signer claims


_as_signing_certificate_v2 = pyhanko.sign.attributes.as_signing_certificate_v2
_signing_certificate_values: dict[tuple[bytes, str], tsp.SigningCertificateV2] = {}


def _signing_certificate_v2(cert: asn1_x509.Certificate, hash_algo: str = "sha256") -> tsp.SigningCertificateV2:
    """pyHanko's signing-certificate-v2 value (RFC 5035), kept per certificate as parsed DER. It is a pure
    function of the certificate, but pyHanko builds it afresh for every signature as a new asn1crypto
    structure that re-serialises its whole tree each time it is dumped (some 40 times a signature): that
    took two thirds of a signature's time (bench/documents.py). The bytes are the same; the tests
    validate every signature with pyHanko, which checks this attribute against the certificate."""
    key = (cert.dump(), hash_algo)
    value = _signing_certificate_values.get(key)
    if value is None:
        value = tsp.SigningCertificateV2.load(_as_signing_certificate_v2(cert, hash_algo).dump())
        _signing_certificate_values[key] = value
    return value


pyhanko.sign.attributes.as_signing_certificate_v2 = _signing_certificate_v2


def pki_dir() -> Path:
    return Path(getattr(settings, "DOCUMENTS_PKI_DIR", None) or Path(settings.BASE_DIR) / ".local" / "pki")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bojnord Municipality (demo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def demo_pki_ensure(directory: Path | None = None) -> Path:
    """The demo CA and signing certificate under `directory` (created once, under a file lock, so
    processes starting together make one pair)."""
    directory = directory or pki_dir()
    if all((directory / name).exists() for name in (*DEMO_CA, *DEMO_SIGNER)):
        return directory  # made before: no lock to take (this runs before every signature)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if all((directory / name).exists() for name in (*DEMO_CA, *DEMO_SIGNER)):
                return directory
            now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
            ca_key = ec.generate_private_key(ec.SECP256R1())
            ca_name = _name("Bojnord Municipality demo document CA")
            ca_cert = (
                x509.CertificateBuilder()
                .subject_name(ca_name)
                .issuer_name(ca_name)
                .public_key(ca_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now)
                .not_valid_after(now + dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=False,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        key_cert_sign=True,
                        crl_sign=True,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256())
            )
            key = ec.generate_private_key(ec.SECP256R1())
            cert = (
                x509.CertificateBuilder()
                .subject_name(_name("Bojnord Municipality document signing (demo)"))
                .issuer_name(ca_name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now)
                .not_valid_after(now + dt.timedelta(days=1825))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True,
                        content_commitment=True,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        key_cert_sign=False,
                        crl_sign=False,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256())
            )
            _write(directory / DEMO_CA[1], _key_pem(ca_key), secret=True)
            _write(directory / DEMO_CA[0], ca_cert.public_bytes(serialization.Encoding.PEM), secret=False)
            _write(directory / DEMO_SIGNER[1], _key_pem(key), secret=True)
            _write(directory / DEMO_SIGNER[0], cert.public_bytes(serialization.Encoding.PEM), secret=False)
    except OSError as exc:
        raise SigningUnavailable(_("The demo signing certificate cannot be created: %(e)s") % {"e": exc}) from exc
    return directory


def signing_settings() -> tuple[str | None, str | None, tuple[str, ...], str | None]:
    """(key file, certificate file, chain files, passphrase) as configured; the first two None: the demo PKI."""
    chain = getattr(settings, "DOCUMENTS_SIGNING_CHAIN", None) or ()
    return (
        getattr(settings, "DOCUMENTS_SIGNING_KEY", None),
        getattr(settings, "DOCUMENTS_SIGNING_CERT", None),
        tuple(str(p) for p in ([chain] if isinstance(chain, str | Path) else chain)),
        getattr(settings, "DOCUMENTS_SIGNING_KEY_PASSPHRASE", None),
    )


def _paths() -> tuple[str, str, tuple[str, ...], str | None]:
    key, cert, chain, passphrase = signing_settings()
    if key or cert:
        if not key or not cert:
            raise SigningUnavailable(_("Set both DOCUMENTS_SIGNING_KEY and DOCUMENTS_SIGNING_CERT, or neither."))
        return str(key), str(cert), chain, passphrase
    directory = demo_pki_ensure()
    return str(directory / DEMO_SIGNER[1]), str(directory / DEMO_SIGNER[0]), (str(directory / DEMO_CA[0]),), None


@functools.cache
def _signer_for(key: str, cert: str, chain: tuple[str, ...], passphrase: str | None) -> signers.SimpleSigner:
    for path in (key, cert, *chain):
        if not os.access(path, os.R_OK):
            raise SigningUnavailable(
                _("The signing key or certificate %(path)s is missing or unreadable.") % {"path": path}
            )
    try:
        signer = signers.SimpleSigner.load(
            key, cert, ca_chain_files=chain or None, key_passphrase=passphrase.encode() if passphrase else None
        )
    except (OSError, ValueError, TypeError) as exc:
        raise SigningUnavailable(_("The signing key or certificate cannot be read: %(e)s") % {"e": exc}) from exc
    if signer is None:  # pyHanko logs the reason and returns None on an unreadable file
        raise SigningUnavailable(_("The signing key or certificate cannot be read (wrong format or passphrase)."))
    return signer


def signer() -> signers.SimpleSigner:
    """The process's signer (loaded once for the configured files)."""
    return _signer_for(*_paths())


def _outside_event_loop(call, *args, **kwargs):
    """pyHanko's synchronous signing and validation run its coroutines with asyncio.run(), which refuses
    to start inside a thread whose event loop is running (an async job runner, Playwright's sync API in
    the same thread): there, the call runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args, **kwargs).result()


class _SigningWriter(IncrementalPdfFileWriter):
    """The incremental update that carries the signature, leaving the document's metadata as the engine
    wrote it. pyHanko's writer otherwise rewrites the document information and the XMP packet (a
    modification date, its own name as producer) on every signature: parsing and re-serialising the
    XMP was a fifth of a signature's time. Both stay as rendered and so agree with each other, as
    PDF/A-2b asks (the signature carries its own signing time)."""

    def _update_meta(self) -> None:
        return None


def sign_pdf(pdf: bytes) -> bytes:
    """The PDF with a PAdES baseline signature appended (an incremental update: the signed bytes are
    the document as rendered). SigningUnavailable when the key cannot be used; nothing half-signed."""
    active = signer()
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Issued by Bojnord Municipality",
        location="Bojnord",
    )
    try:
        writer = _SigningWriter(io.BytesIO(pdf), strict=False)
        out = _outside_event_loop(signers.sign_pdf, writer, meta, signer=active, bytes_reserved=SIGNATURE_BYTES)
    except PdfError as exc:
        raise SigningUnavailable(_("The PDF could not be signed: %(e)s") % {"e": exc}) from exc
    return out.getvalue()


def _trust_roots(extra: tuple[str, ...] | None) -> list:
    key, _cert, chain, _pass = signing_settings()
    paths = extra if extra is not None else (chain if key else (str(demo_pki_ensure() / DEMO_CA[0]),))
    roots = []
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        roots.append(
            asn1_x509.Certificate.load(x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER))
        )
    return roots


def validate_pdf(pdf: bytes, *, trust_roots: tuple[str, ...] | None = None) -> PadesValidation:
    """The PDF's last signature checked against the trust roots (the demo CA, or the configured chain):
    intact only when the signature covers the whole file as it is and the digest matches."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            return PadesValidation(intact=False, trusted=False, signer="", signed_at=None)
        embedded = signatures[-1]
        context = ValidationContext(trust_roots=_trust_roots(trust_roots), allow_fetching=False)
        status = _outside_event_loop(validate_pdf_signature, embedded, context)
    except (PdfError, ValueError, KeyError, TypeError, IndexError):
        # a damaged file (one changed byte can break its structure) is not an intact signed document
        return PadesValidation(intact=False, trusted=False, signer="", signed_at=None)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return PadesValidation(
        intact=bool(status.intact and status.valid and whole),
        trusted=bool(status.trusted),
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
    )
