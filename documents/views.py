"""Pages of documents: the public verification page, the published keys, the download of a signed PDF,
the permit officer's revocation, reissue and retry, and the payment slip on demand."""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from documents import selectors, services
from documents.content import DocumentNotReady
from documents.forms import RevokeForm
from documents.models import CopyLanguage, ScanOutcome
from documents.qrsign import SigningKeyMissing
from fees.selectors import bills_visible
from gis_app.errors import DomainError
from gis_app.public import public_db_work

# The verification page's record (the verdict, the facts, the footprint map's data and its scripts), as
# rendered, per document, signature, outcome and language: a document scanned again is not drawn again.
# The outcome and the revocation's time are read from the document's row at every scan (one indexed
# read), so a revocation or a supersession is a new key and shows at the next scan; no entry is ever
# served for another state. Per process, bounded (least recently used first out).
_RECORD_CACHE_SIZE = 2048
_records: OrderedDict[tuple, dict[str, SafeString]] = OrderedDict()
_records_lock = threading.Lock()
_RECORD_PARTS = ("head", "content", "scripts")


def _record_parts(result: selectors.Verification, serial: str) -> dict[str, SafeString]:
    """The page's head, content and scripts for this verification (cached when it found a document)."""
    document = result.document
    context = {"result": result, "document": document, "serial": serial}
    if document is None:  # not ours: nothing of ours to remember; the code read is shown back as typed
        return {part: render_to_string(f"documents/verify_{part}.html", context) for part in _RECORD_PARTS}
    key = (
        document.pk,
        document.signature,
        result.copy.pk if result.copy is not None else None,
        result.outcome,
        result.superseded_by,
        document.revoked_at,
        translation.get_language(),
    )
    with _records_lock:
        parts = _records.get(key)
        if parts is not None:
            _records.move_to_end(key)
            return parts
    parts = {part: render_to_string(f"documents/verify_{part}.html", context) for part in _RECORD_PARTS}
    with _records_lock:
        _records[key] = parts
        while len(_records) > _RECORD_CACHE_SIZE:
            _records.popitem(last=False)
    return parts


@require_GET
@public_db_work(json=False)
def verify(request: HttpRequest, serial: str) -> HttpResponse:
    """The municipality's own record of a scanned document (no login; rate-limited per coarse origin;
    every scan logged with its time and the origin's /24). Per scan: one indexed read of the document
    (its signature checked once per process), one statement that counts and logs the scan, and the
    record's part of the page as rendered for the first scan of the document in its state."""
    origin = services.coarse_origin(request.META.get("REMOTE_ADDR", ""))
    result = selectors.payload_verify(
        serial=serial, key_id=request.GET.get("k"), signature=request.GET.get("s"), copy=request.GET.get("c")
    )
    # the scan logged and counted in one statement; past the origin's limit it is logged as refused
    if services.scan_record(origin=origin, outcome=result.outcome, document=result.document) == ScanOutcome.REFUSED:
        response = render(
            request,
            "refused.html",
            {"message": _("Too many checks from your network in a minute. Please try again in a minute.")},
            status=429,
        )
        response["Retry-After"] = "60"
        return response
    page = _record_parts(result, serial if len(serial) <= 40 else serial[:40])
    response = render(request, "documents/verify.html", {"page": page}, status=404 if result.document is None else 200)
    response["Cache-Control"] = "no-store"  # a revocation shows at the next scan
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def keys(request: HttpRequest) -> JsonResponse:
    """/.well-known/document-keys.json: the public keys that sign the QR codes, with their periods."""
    response = JsonResponse({"issuer": "Bojnord municipality", "keys": selectors.keys_published()})
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _visible(request: HttpRequest, serial: str):
    document = selectors.document_visible(serial=serial, user=request.user)
    if document is None:
        raise Http404
    return document


@login_required
@require_GET
def download(request: HttpRequest, serial: str) -> HttpResponse:
    """The signed PDF (the applicant's side: the valid one of their file; staff: every version); while the
    job is making it, a page that says so."""
    document = _visible(request, serial)
    return _pdf_or_preparing(
        request, selectors.document_pdf(document=document), document.serial, {"document": document}
    )


def _pdf_or_preparing(request: HttpRequest, pdf: bytes | None, serial: str, context: dict) -> HttpResponse:
    """The signed PDF as a private download, or, while its job is making it, the page that says so (409)."""
    if pdf is None:
        response = render(request, "documents/preparing.html", context, status=409)
    else:
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{serial}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _copy_lang(lang: str) -> str:
    if lang not in CopyLanguage.values:
        raise Http404
    return lang


@login_required
@require_POST
def copy_request(request: HttpRequest, serial: str, lang: str) -> HttpResponse:
    """Ask for a copy of a document in another language: whoever may download the original (a job makes
    it; the download says so meanwhile)."""
    lang = _copy_lang(lang)
    document = _visible(request, serial)
    try:
        services.document_copy_request(document_id=document.pk, lang=lang, actor=request.user)
    except DomainError as exc:
        return render(request, "refused.html", {"message": str(exc)}, status=409)
    return redirect("documents:copy_download", serial=document.serial, lang=lang)


@login_required
@require_GET
def copy_download(request: HttpRequest, serial: str, lang: str) -> HttpResponse:
    """A copy's signed PDF, for exactly who may download the original; while its job makes it, a page
    that says so."""
    lang = _copy_lang(lang)
    document = _visible(request, serial)
    copy = selectors.copy_of(document=document, lang=lang)
    if copy is None:
        raise Http404
    return _pdf_or_preparing(request, selectors.copy_pdf(copy=copy), copy.serial, {"document": document, "copy": copy})


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, serial: str) -> HttpResponse:
    """The permit officer revokes a document with a reason, after a confirmation (POST)."""
    document = _visible(request, serial)
    if not request.user.roles() & services.REVOKE_ROLES:
        raise Http404
    form = RevokeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reason = form.cleaned_data["reason"]
                services.document_revoke(document_id=document.pk, actor=request.user, reason=reason)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Document %(serial)s is revoked.") % {"serial": document.serial})
                return redirect("documents:revoke", serial=document.serial)
        status = 400
    return render(request, "documents/revoke.html", {"document": document, "form": form}, status=status)


@login_required
@require_POST
def reissue(request: HttpRequest, serial: str) -> HttpResponse:
    document = _visible(request, serial)
    if not request.user.roles() & services.REVOKE_ROLES:
        raise Http404
    try:
        new = services.document_reissue(document_id=document.pk, actor=request.user)
    except (DomainError, DocumentNotReady) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
        return redirect("documents:revoke", serial=document.serial)
    messages.success(request, _("Reissued as %(serial)s.") % {"serial": new.serial})
    return redirect("documents:revoke", serial=new.serial)


@login_required
@require_POST
def retry(request: HttpRequest, serial: str) -> HttpResponse:
    document = _visible(request, serial)
    if not request.user.roles() & services.REVOKE_ROLES:
        raise Http404
    try:
        services.document_render_retry(document_id=document.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("documents:revoke", serial=document.serial)


@login_required
@require_POST
def slip(request: HttpRequest, bill_pk: int) -> HttpResponse:
    """A payment slip of a bill this person may see, issued on demand (the valid one if its bill is
    unchanged since)."""
    bill = get_object_or_404(bills_visible(user=request.user), pk=bill_pk)
    try:
        slip_document = services.payment_slip_issue(bill=bill, actor=request.user)
    except (DocumentNotReady, SigningKeyMissing) as exc:
        messages.error(request, str(exc.message))
        return redirect("fees:bill", bill.pk)
    return redirect("documents:download", serial=slip_document.serial)
