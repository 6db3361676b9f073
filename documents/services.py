"""Writes of documents: issuing (serial, signed QR, job), reissuing, revoking, rendering (the job's body)
and logging a scan of the verification page."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from documents import qrsign
from documents.models import (
    CopyLanguage,
    DocumentCopy,
    DocumentKind,
    DocumentStatus,
    IssuedDocument,
    RenderState,
    ScanOutcome,
    ScanWindow,
)
from documents.serials import jalali_year, serial_next, serial_text
from fees.models import Bill
from gis_app.audit import audit_record
from gis_app.errors import DomainError, NotAllowed
from permits.models import PermitRequest
from violations.models import Violation

# who revokes or reissues a document (the permit officer; the manager stands in)
REVOKE_ROLES = frozenset({Role.PERMIT_OFFICER, Role.MANAGER})
REVOKE_REASON_MIN_CHARS = 10

# render_error codes and what people read (the job stores the code, the page translates it)
RENDER_ERROR_NOT_READY = "not_ready"
RENDER_ERROR_SIGNING = "signing_unavailable"
RENDER_ERROR_CHANGED = "changed"
RENDER_ERROR_INTERNAL = "internal"


def _subject(obj) -> dict:
    """The document's foreign keys for what it is of (a request, a bill or a violation)."""
    if isinstance(obj, PermitRequest):
        return {"file_id": obj.file_id, "request": obj}
    if isinstance(obj, Bill):
        return {"file_id": obj.file_id, "bill": obj, "request_id": obj.request_id}
    if isinstance(obj, Violation):
        return {"file_id": obj.file_id, "violation": obj}
    raise TypeError(f"no document is issued for a {type(obj).__name__}")


def signed_fields(content, *, serial: str, issued_on) -> dict:
    """The fields the QR signs: the content's key fields with the serial and the date of issue."""
    return {**content.key_fields(), "serial": serial, "issued_on": issued_on.isoformat()}


def document_record(*, kind: str, content, subject: dict, actor, supersedes: IssuedDocument | None = None):
    """Record an issuance inside the caller's transaction: the signing key first (a missing key raises
    before a number is taken), then the next serial of the kind and Jalali year, the signature, the row,
    the audit event, and the rendering job (deferred: it runs after commit, never under the counter's lock)."""
    from documents.tasks import document_render_job

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document_record must run inside the transaction that causes the issuance")
    kind = DocumentKind(kind).value
    now = timezone.now()
    day = timezone.localdate(now)
    key_id, private = qrsign.signing_key(day=day)
    year = jalali_year(now)
    sequence = serial_next(kind=kind, year=year)
    serial = serial_text(kind=kind, year=year, sequence=sequence)
    fields = signed_fields(content, serial=serial, issued_on=day)
    signature = qrsign.b64url(private.sign(qrsign.canonical_json(fields)))
    document = IssuedDocument.objects.create(
        kind=kind,
        serial=serial,
        jalali_year=year,
        sequence=sequence,
        issued_at=now,
        issued_on=day,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        key_fields=fields,
        footprint_geojson=content.footprint_geojson,
        key_id=key_id,
        signature=signature,
        qr_payload=qrsign.qr_url(serial=serial, key_id=key_id, signature=signature),
        supersedes=supersedes,
        **subject,
    )
    if supersedes is not None:
        supersedes.status = DocumentStatus.SUPERSEDED
        supersedes.save(update_fields=["status"])
        audit_record(actor=actor, action="document.superseded", obj=supersedes, by=serial)
    audit_record(actor=actor, action="document.issued", obj=document, serial=serial, kind=kind)
    document_render_job.defer(document_id=document.pk)
    return document


def _current_of(kind: str, subject: dict) -> IssuedDocument | None:
    """The valid document of this kind for the same request, bill or violation (locked), if any."""
    key = {k: v for k, v in subject.items() if k in ("request", "bill", "violation")}
    if "bill" in key or "violation" in key:
        key.pop("request", None)
    return IssuedDocument.objects.select_for_update().filter(kind=kind, status=DocumentStatus.VALID, **key).first()


def document_issue(*, kind: str, obj, actor) -> IssuedDocument:
    """Issue a document of a request, bill or violation from its typed data (documents.content); a valid
    one of the same kind for the same object is superseded by it. Runs in the caller's transaction (a
    transition hook's) or its own."""
    from documents.content import content_for

    with transaction.atomic():
        content = content_for(kind, obj)  # DocumentNotReady: nothing written
        subject = _subject(obj)
        return document_record(
            kind=kind, content=content, subject=subject, actor=actor, supersedes=_current_of(kind, subject)
        )


def document_of_subject_issue(*, kind: str, subject_ref: str, file_id: int | None, actor) -> IssuedDocument:
    """Issue a document of a kind an upper app registered a builder for (documents.content
    .content_builder_register), of its subject `subject_ref` (e.g. an inquiry's public id), in the caller's
    transaction: serial, signed QR and the rendering job, like every kind. A valid one of the same kind and
    subject is superseded. DocumentNotReady (nothing written) when the subject lacks what it needs."""
    from documents.content import content_for, subject_kinds

    if kind not in subject_kinds():
        raise TypeError(f"no builder is registered for documents of kind {kind!r}")
    with transaction.atomic():
        content = content_for(kind, subject_ref)
        current = (
            IssuedDocument.objects.select_for_update()
            .filter(kind=kind, subject_ref=subject_ref, status=DocumentStatus.VALID)
            .first()
        )
        return document_record(
            kind=kind,
            content=content,
            subject={"file_id": file_id, "subject_ref": subject_ref},
            actor=actor,
            supersedes=current,
        )


def payment_slip_issue(*, bill: Bill, actor) -> IssuedDocument:
    """The payment slip of a bill on demand: the valid one while the bill still says what it signed,
    else a new one that supersedes it (e.g. once the bill is paid)."""
    from documents.content import content_for

    with transaction.atomic():
        bill = Bill.objects.select_for_update().get(pk=bill.pk)
        content = content_for(DocumentKind.PAYMENT_SLIP, bill)
        current = _current_of(DocumentKind.PAYMENT_SLIP, {"bill": bill})
        if (
            current is not None
            and signed_fields(content, serial=current.serial, issued_on=current.issued_on) == current.key_fields
        ):
            return current
        return document_record(
            kind=DocumentKind.PAYMENT_SLIP,
            content=content,
            subject=_subject(bill),
            actor=actor,
            supersedes=current,
        )


def _officer(actor) -> None:
    if not (actor.roles() & REVOKE_ROLES):
        raise NotAllowed(_("Only a permit officer revokes or reissues an issued document."))


def document_revoke(*, document_id: int, actor, reason: str) -> IssuedDocument:
    """Revoke a valid document with the officer's reason (audited); the verification page says so at once."""
    _officer(actor)
    reason = (reason or "").strip()
    if len(reason) < REVOKE_REASON_MIN_CHARS:
        raise DomainError(_("Write why the document is revoked (at least 10 characters)."))
    with transaction.atomic():
        document = IssuedDocument.objects.select_for_update().get(pk=document_id)
        if document.status != DocumentStatus.VALID:
            raise DomainError(_("Only a valid document can be revoked; this one is already revoked or superseded."))
        document.status = DocumentStatus.REVOKED
        document.revoked_reason, document.revoked_by, document.revoked_at = reason, actor, timezone.now()
        document.save(update_fields=["status", "revoked_reason", "revoked_by", "revoked_at"])
        audit_record(actor=actor, action="document.revoked", obj=document, serial=document.serial, reason=reason)
    return document


def document_reissue(*, document_id: int, actor) -> IssuedDocument:
    """A new document, with a new serial, from the object's current data; the old one is superseded and
    points to it. Only a valid document is reissued."""
    _officer(actor)
    with transaction.atomic():
        old = IssuedDocument.objects.select_for_update().get(pk=document_id)
        if old.status != DocumentStatus.VALID:
            raise DomainError(_("Only a valid document can be reissued."))
        if old.subject_ref:
            return document_of_subject_issue(
                kind=old.kind, subject_ref=old.subject_ref, file_id=old.file_id, actor=actor
            )
        obj = old.bill or old.violation or old.request
        return document_issue(kind=old.kind, obj=obj, actor=actor)


def document_render_retry(*, document_id: int, actor) -> IssuedDocument:
    """Prepare a document's PDF again after a failure (e.g. the signing certificate was missing)."""
    from documents.tasks import document_render_job

    _officer(actor)
    with transaction.atomic():
        document = IssuedDocument.objects.select_for_update().get(pk=document_id)
        if document.render_state != RenderState.FAILED:
            raise DomainError(_("This document is not waiting to be prepared again."))
        document.render_state, document.render_error = RenderState.PENDING, ""
        document.save(update_fields=["render_state", "render_error"])
        audit_record(actor=actor, action="document.render_retried", obj=document)
        document_render_job.defer(document_id=document.pk)
    return document


def _render_failed(model, pk: int, code: str, detail: str) -> None:
    model.objects.filter(pk=pk, render_state=RenderState.PENDING).update(
        render_state=RenderState.FAILED, render_error=f"{code}: {detail}"[:2000]
    )


def _render_signed_and_store(model, pk: int, document: IssuedDocument, *, qr_url: str, lang: str, copy: bool) -> str:
    """For a document or one of its copies (`model`, row `pk`, still PENDING): build the document's
    content again, check it still says what was signed, render it in `lang`, sign it (PAdES) and store
    it on the row. A failure leaves the row "could not be prepared" with the reason; no half-made PDF is
    ever served."""
    from documents.content import DocumentNotReady, content_for
    from documents.pades import SigningUnavailable, sign_pdf
    from documents.render import render_document

    obj = document.subject_ref or document.bill or document.violation or document.request
    try:
        content = content_for(document.kind, obj)
    except DocumentNotReady as exc:
        _render_failed(model, pk, RENDER_ERROR_NOT_READY, str(exc.message))
        return RENDER_ERROR_NOT_READY
    if signed_fields(content, serial=document.serial, issued_on=document.issued_on) != document.key_fields:
        _render_failed(model, pk, RENDER_ERROR_CHANGED, "the key fields differ from the signed ones")
        return RENDER_ERROR_CHANGED
    try:
        pdf = render_document(
            content, serial=document.serial, issued_on=document.issued_on, qr_url=qr_url, lang=lang, copy=copy
        )
        signed = sign_pdf(pdf)
    except SigningUnavailable as exc:
        _render_failed(model, pk, RENDER_ERROR_SIGNING, str(exc))
        return RENDER_ERROR_SIGNING
    except Exception as exc:
        # an engine fault must not leave the row "being prepared" forever; the job still fails
        _render_failed(model, pk, RENDER_ERROR_INTERNAL, type(exc).__name__)
        raise
    model.objects.filter(pk=pk, render_state=RenderState.PENDING).update(
        render_state=RenderState.READY,
        pdf=signed,
        pdf_sha256=hashlib.sha256(signed).hexdigest(),
        rendered_at=timezone.now(),
        render_error="",
    )
    return "ready"


def document_render(*, document_id: int) -> str:
    """The job's body: the document rendered in Persian, signed and stored (_render_signed_and_store)."""
    document = IssuedDocument.objects.select_related("request", "bill", "violation").filter(pk=document_id).first()
    if document is None or document.render_state != RenderState.PENDING:
        return "nothing to do"
    return _render_signed_and_store(
        IssuedDocument, document_id, document, qr_url=document.qr_payload, lang="fa", copy=False
    )


def copy_fields(document: IssuedDocument, lang: str) -> dict:
    """What a copy's QR signs: the document's signed fields with the copy's language."""
    return {**document.key_fields, "copy": lang}


def document_copy_request(*, document_id: int, lang: str, actor) -> DocumentCopy:
    """A copy of a valid document in another language, on request of someone who may download the
    original (the caller checks that): signed now with the key in force today (over the document's signed
    fields and the language), its QR to the same verification page, and rendered by a job after commit.
    Asking again returns the copy already made (or, after a failure, prepares it again)."""
    from documents.tasks import document_copy_render_job

    lang = CopyLanguage(lang).value
    with transaction.atomic():
        document = IssuedDocument.objects.select_for_update().get(pk=document_id)
        existing = DocumentCopy.objects.defer("pdf").filter(document=document, lang=lang).first()
        if existing is not None:
            if existing.render_state == RenderState.FAILED:
                existing.render_state, existing.render_error = RenderState.PENDING, ""
                existing.save(update_fields=["render_state", "render_error"])
                audit_record(actor=actor, action="document.copy_retried", obj=existing, lang=lang)
                document_copy_render_job.defer(copy_id=existing.pk)
            return existing
        if document.status != DocumentStatus.VALID:
            raise DomainError(_("A copy is made of a valid document only; this one is revoked or superseded."))
        now = timezone.now()
        day = timezone.localdate(now)
        key_id, private = qrsign.signing_key(day=day)
        fields = copy_fields(document, lang)
        signature = qrsign.b64url(private.sign(qrsign.canonical_json(fields)))
        copy = DocumentCopy.objects.create(
            document=document,
            lang=lang,
            requested_at=now,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            signed_on=day,
            key_fields=fields,
            key_id=key_id,
            signature=signature,
            qr_payload=qrsign.qr_url(serial=document.serial, key_id=key_id, signature=signature, copy=lang),
        )
        audit_record(actor=actor, action="document.copy_requested", obj=document, serial=document.serial, lang=lang)
        document_copy_render_job.defer(copy_id=copy.pk)
    return copy


def document_copy_render(*, copy_id: int) -> str:
    """The copy job's body: the document's content record again (it must still say what the original
    signed), rendered in the copy's language with the serial's marker, signed (PAdES) and stored."""
    copy = (
        DocumentCopy.objects.defer("pdf")
        .select_related("document", "document__request", "document__bill", "document__violation")
        .filter(pk=copy_id)
        .first()
    )
    if copy is None or copy.render_state != RenderState.PENDING:
        return "nothing to do"
    return _render_signed_and_store(
        DocumentCopy, copy_id, copy.document, qr_url=copy.qr_payload, lang=copy.lang, copy=True
    )


def coarse_origin(address: str) -> str:
    """The /24 of an IPv4 address, the /48 of an IPv6 one ("unknown" for anything else): what the scan
    log keeps instead of the address."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


# One statement per scan, whatever the rate: this origin's count in the current minute is incremented
# (its row created on the minute's first scan) and read with the previous minute's, and the scan row is
# written with what the check found, or "refused" past the limit. The window slides: the previous
# minute counts for the part of it still within the last 60 seconds, so a burst across a minute's
# boundary is refused as the old count of the last 60 s was. Every attempt counts, refused ones too.
# The transaction also stops waiting for its commit to reach the disk (synchronous_commit off, for this
# transaction only, as fees/assessment.py does): a crash of the database may lose the last fraction of
# a second of scan rows and counts, never make them inconsistent.
_SCAN_RECORD = """
WITH tick AS (
    INSERT INTO documents_scanwindow (origin, minute, scans)
    SELECT %(origin)s, date_trunc('minute', now()), 1
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
    ON CONFLICT (origin, minute) DO UPDATE SET scans = documents_scanwindow.scans + 1
    RETURNING minute, scans
), verdict AS (
    SELECT tick.scans,
           tick.scans + COALESCE(prev.scans, 0) * GREATEST(0, 1 - EXTRACT(EPOCH FROM now() - tick.minute) / 60)
               <= %(limit)s AS admitted
    FROM tick
    LEFT JOIN documents_scanwindow AS prev
           ON prev.origin = %(origin)s AND prev.minute = tick.minute - interval '1 minute'
)
INSERT INTO documents_verificationscan (at, origin, document_id, outcome)
SELECT now(), %(origin)s,
       CASE WHEN verdict.admitted THEN %(document)s::bigint END,
       CASE WHEN verdict.admitted THEN %(outcome)s ELSE %(refused)s END
FROM verdict
RETURNING outcome, (SELECT scans FROM verdict)
"""


def scan_record(*, origin: str, outcome: str, document: IssuedDocument | None) -> str:
    """Log one scan of the verification page (when, the coarse origin, what it found) and apply the rate
    limit: past DOCUMENT_VERIFY_SCANS_PER_MINUTE scans from the origin in the last 60 s the scan is
    logged as refused, without its document. Returns the outcome logged. One indexed statement (the
    origin's counter row of the minute); the first scan of an origin's minute also deletes the
    counters no check reads any more."""
    params = {
        "origin": origin,
        "limit": settings.DOCUMENT_VERIFY_SCANS_PER_MINUTE,
        "document": document.pk if document is not None else None,
        "outcome": ScanOutcome(outcome).value,
        "refused": ScanOutcome.REFUSED.value,
    }
    with connection.cursor() as cur:
        cur.execute(_SCAN_RECORD, params)
        logged, scans = cur.fetchone()
    if scans == 1:
        ScanWindow.objects.filter(minute__lt=timezone.now() - dt.timedelta(minutes=2)).delete()
    return logged
