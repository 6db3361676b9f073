"""Scanned documents: PDF, JPEG or PNG, recognised by their content (never by name), size-limited.

A PDF must open, have pages, not be encrypted and carry no active content (JavaScript, launch or
open actions); an image must be a real JPEG/PNG (Pillow, as for site photos).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from surveys.forms import photo_facts

DOCUMENT_BYTES = 10 * 2**20
PDF_MAX_PAGES = 100
ACTIVE_KEYS = ("/OpenAction", "/AA", "/JavaScript", "/Launch")


@dataclass(frozen=True)
class CheckedDocument:
    content_type: str
    size_bytes: int
    sha256: str
    suffix: str


def _pdf_check(data: bytes, name: str) -> None:
    bad = _("%(name)s is not a readable PDF.") % {"name": name}
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise forms.ValidationError(
                _("%(name)s is password-protected; upload it without a password.") % {"name": name}
            )
        pages = len(reader.pages)
        root = reader.trailer["/Root"]
        names = root.get("/Names") or {}
        active = [k for k in ACTIVE_KEYS if k in root] + (["/JavaScript"] if "/JavaScript" in names else [])
        for page in reader.pages[:PDF_MAX_PAGES]:
            if "/AA" in page:
                active.append("/AA")
    except forms.ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        raise forms.ValidationError(bad) from None
    if pages == 0:
        raise forms.ValidationError(bad)
    if pages > PDF_MAX_PAGES:
        raise forms.ValidationError(_("%(name)s has more than %(n)s pages.") % {"name": name, "n": PDF_MAX_PAGES})
    if active:
        raise forms.ValidationError(
            _("%(name)s contains scripts or automatic actions; print it to a plain PDF and upload that.")
            % {"name": name}
        )


def document_check(upload) -> CheckedDocument:
    """Check an uploaded scan and say what it is; raises ValidationError with a message for the form."""
    name = (upload.name or "")[:60]
    if upload.size == 0:
        raise forms.ValidationError(_("%(name)s is empty.") % {"name": name})
    if upload.size > DOCUMENT_BYTES:
        raise forms.ValidationError(
            _("%(name)s is larger than %(limit)s MB.") % {"name": name, "limit": DOCUMENT_BYTES // 2**20}
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if data.startswith(b"%PDF-"):
        _pdf_check(data, name)
        content_type, suffix = "application/pdf", "pdf"
    elif data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        photo_facts(upload)
        content_type, suffix = ("image/jpeg", "jpg") if data[:1] == b"\xff" else ("image/png", "png")
    else:
        raise forms.ValidationError(_("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name})
    return CheckedDocument(content_type, len(data), hashlib.sha256(data).hexdigest(), suffix)
