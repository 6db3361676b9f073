"""Reads of documents: what a person may see or download, the verification of a scanned payload, and
the published keys."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from accounts.roles import STAFF_ROLES
from documents import qrsign
from documents.models import DocumentCopy, DocumentStatus, IssuedDocument, RenderState, ScanOutcome
from documents.serials import serial_parse
from permits.models import PermitRequest
from permits.selectors import requests_visible

_LIGHT = ("pdf",)  # the bytes are read only for a download
# what a scan reads of a document: the signed fields, the key and signature, the status and its reason
_VERIFIED = (
    "id",
    "kind",
    "serial",
    "issued_on",
    "key_fields",
    "key_id",
    "signature",
    "status",
    "revoked_at",
    "revoked_reason",
)


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.roles() & STAFF_ROLES)


def documents_of_request(*, request: PermitRequest, user) -> QuerySet[IssuedDocument]:
    """The documents shown on a request's file page: staff see every version (revoked, superseded,
    being prepared); the applicant's side sees the valid ones. Nobody else sees any."""
    if not requests_visible(user=user).filter(pk=request.pk).exists():
        return IssuedDocument.objects.none()
    documents = IssuedDocument.objects.filter(
        Q(request=request) | Q(bill__request=request) | Q(violation__file_id=request.file_id)
    ).defer(*_LIGHT)
    if not _is_staff(user):
        documents = documents.filter(status=DocumentStatus.VALID)
    return (
        documents.select_related("supersedes", "revoked_by")
        .prefetch_related(Prefetch("copies", queryset=DocumentCopy.objects.defer(*_LIGHT)))
        .order_by("kind", "-issued_at", "-pk")
    )


def document_visible(*, serial: str, user) -> IssuedDocument | None:
    """The document if this person may open it: staff any; the applicant's side (the applicant, or the
    agent who filed while authorised) only a valid one of a request they may open. None otherwise."""
    if serial_parse(serial) is None or not user.is_authenticated:
        return None
    document = IssuedDocument.objects.select_related("request", "bill", "violation").filter(serial=serial).first()
    if document is None:
        return None
    if document.subject_ref:
        from documents.content import subject_visible

        visible = subject_visible(document.kind)
        if visible is not None:
            # an upper app's subject with its own readers (a monthly summary: the dashboard's scope)
            return document if visible(user, document.subject_ref) else None
    if _is_staff(user):
        return document
    if document.status != DocumentStatus.VALID or document.subject_ref:
        # a document of an upper app's subject (an agency's inquiry answer) is served by that app only
        return None
    request_id = document.request_id or (document.bill.request_id if document.bill_id else None)
    visible = requests_visible(user=user)
    if request_id is not None:
        return document if visible.filter(pk=request_id).exists() else None
    # a notice of a violation: the applicant side of a request on the same file
    return document if visible.filter(file_id=document.file_id).exists() else None


def document_pdf(*, document: IssuedDocument) -> bytes | None:
    """The signed PDF's bytes, when the job has made them."""
    if document.render_state != RenderState.READY:
        return None
    return bytes(IssuedDocument.objects.values_list("pdf", flat=True).get(pk=document.pk))


def copy_of(*, document: IssuedDocument, lang: str) -> DocumentCopy | None:
    """The copy of a document in a language, if one was requested (without its bytes)."""
    return DocumentCopy.objects.defer(*_LIGHT).filter(document=document, lang=lang).first()


def copy_pdf(*, copy: DocumentCopy) -> bytes | None:
    """A copy's signed PDF, when its job has made it."""
    if copy.render_state != RenderState.READY:
        return None
    return bytes(DocumentCopy.objects.values_list("pdf", flat=True).get(pk=copy.pk))


@dataclass(frozen=True)
class Verification:
    """What the municipality's records say about a scanned payload."""

    outcome: str  # ScanOutcome: valid, revoked, superseded or not_issued
    document: IssuedDocument | None = None
    superseded_by: str | None = None  # the serial of the document that replaced it
    incomplete: bool = False  # the link had no signature (a typed or cut address)
    copy: DocumentCopy | None = None  # the copy whose QR was scanned (None: the original)


NOT_ISSUED = Verification(ScanOutcome.NOT_ISSUED)


def payload_verify(
    *, serial: str, key_id: str | None, signature: str | None, copy: str | None = "", keys=None
) -> Verification:
    """Verify a scanned payload against our own record: the serial must be ours, the signature the named
    key's over the record's signed fields (a copy's: over them and its language), the key in force on the
    day it signed. Anything else (forged, truncated, re-signed, a serial of another kind or year, a
    retired key used after its end, an original's signature sent as a copy's) is "not issued by this
    municipality"."""
    if serial_parse(serial) is None:
        return NOT_ISSUED
    if not key_id or not signature:
        return Verification(ScanOutcome.NOT_ISSUED, incomplete=True)
    payload = qrsign.signature_payload(serial=serial, key_id=key_id, signature=signature, copy=copy)
    if payload is None:
        return NOT_ISSUED
    # one indexed read of what the check and the page's record need (the footprint and the PDF stay
    # deferred: the page reads the footprint only when it draws the record afresh)
    document = IssuedDocument.objects.only(*_VERIFIED).filter(serial=serial).order_by().first()
    if document is None:
        return NOT_ISSUED
    signer, fields, day, the_copy = document, document.key_fields, document.issued_on, None
    if payload.copy:
        the_copy = DocumentCopy.objects.defer(*_LIGHT).filter(document=document, lang=payload.copy).first()
        if the_copy is None:
            return NOT_ISSUED
        signer, fields, day = the_copy, the_copy.key_fields, the_copy.signed_on
    if signer.key_id != payload.key_id:
        return NOT_ISSUED
    if not qrsign.fields_verify(fields, key_id=payload.key_id, signature=payload.signature, day=day, keys=keys):
        return NOT_ISSUED
    if document.status == DocumentStatus.SUPERSEDED:
        newer = IssuedDocument.objects.filter(supersedes_id=document.pk).values_list("serial", flat=True).first()
        return Verification(ScanOutcome.SUPERSEDED, document, newer, copy=the_copy)
    return Verification(ScanOutcome(document.status), document, copy=the_copy)


def keys_published() -> list[dict]:
    """The municipality's signing keys as published at /.well-known/document-keys.json."""
    return [k.as_json() for k in qrsign.published_keys()]


def holder_masked(name: str) -> str:
    """A holder's name as the public page shows it: each word's first letter, the rest hidden."""
    words = [w for w in (name or "").replace("\u200c", " ").split() if w]
    return " ".join(w[0] + "•" * min(4, max(2, len(w) - 1)) for w in words)
