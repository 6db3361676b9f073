"""Scanned documents: PDF, JPEG or PNG, recognised by their content (never by name), size-limited.

A PDF must open with pikepdf (qpdf), have pages and not be encrypted. What is stored is never the
uploaded bytes but an inert copy rewritten by pikepdf: every action other than a plain internal GoTo
or an http(s) link is dropped wherever it sits (catalogue, pages, annotations, form fields and
widgets, outline items), and so are document JavaScript, attachments, file-attachment and
multimedia annotations and XFA forms. qpdf writes only the objects still reachable from the
trailer, so what is cut off is gone from the file, not merely unlinked. The SHA-256 and size kept
are the original's (what the person uploaded, compared when a returned file is resubmitted).
An image must be a real JPEG/PNG (Pillow, as for site photos) and is stored as uploaded.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from urllib.parse import urlsplit

import pikepdf
from django import forms
from django.utils.translation import gettext as _

from gis_app.templatetags.persian import fa_digits
from surveys.forms import photo_facts

DOCUMENT_BYTES = 10 * 2**20
PDF_MAX_PAGES = 100
# How deep direct (inline) dictionaries and arrays may nest inside one object; scans nest a few levels.
PDF_MAX_NESTING = 32
# Keys that make a dictionary run something or carry a file, wherever they appear.
# (/EF: a file specification's embedded files; /AF: PDF 2.0 associated files.)
ACTIVE_KEYS = ("/OpenAction", "/AA", "/JS", "/AF", "/EF", "/XFA", "/EmbeddedFiles", "/RichMediaContent")
CATALOGUE_KEYS = ("/Collection", "/NeedsRendering")
NAME_TREES = ("/JavaScript", "/EmbeddedFiles", "/AlternatePresentations")
# Annotations that are an attachment, a player or a 3D scene: removed with their appearance.
ACTIVE_ANNOTATIONS = ("/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D")
SAFE_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class CheckedDocument:
    content_type: str
    size_bytes: int
    sha256: str
    suffix: str
    # the bytes to store: the inert copy of a PDF, an image as uploaded
    stored: bytes
    # what was taken out of a PDF (PDF names such as "/Launch", sorted), for the audit trail
    removed: tuple[str, ...] = ()


class _TooDeep(Exception):
    pass


def _safe_action(action) -> pikepdf.Dictionary | None:
    """A fresh copy of a plain internal GoTo or http(s) link action; None for anything else."""
    if not isinstance(action, pikepdf.Dictionary):
        return None
    kind = action.get("/S")
    if kind == pikepdf.Name.GoTo:
        dest = action.get("/D")
        if isinstance(dest, (pikepdf.Array, pikepdf.String, pikepdf.Name)):
            return pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=dest)
        return None
    if kind == pikepdf.Name.URI:
        uri = action.get("/URI")
        if not isinstance(uri, pikepdf.String):
            return None
        text = bytes(uri).decode("latin-1")
        # control characters and blanks are how "java\tscript:" hides; a link has none
        if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in text):
            return None
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc:
            return pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(text))
    return None


def _action_name(action) -> str:
    kind = action.get("/S") if isinstance(action, pikepdf.Dictionary) else None
    return str(kind) if isinstance(kind, pikepdf.Name) else "/A"


def _neutralise(obj, removed: set[str], depth: int = 0) -> None:
    """Strip active keys from one dictionary and the direct objects nested in it (indirect ones are
    visited on their own by the caller's walk over every object of the file)."""
    if depth > PDF_MAX_NESTING:
        raise _TooDeep
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, (pikepdf.Dictionary, pikepdf.Array)) and not item.is_indirect:
                _neutralise(item, removed, depth + 1)
        return
    if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        return
    if isinstance(obj, pikepdf.Stream) and obj.get("/Type") == pikepdf.Name.EmbeddedFile:
        obj.write(b"")  # an attachment still referenced from somewhere unusual: emptied
        removed.add("/EmbeddedFile")
    for key in ACTIVE_KEYS:
        if key in obj:
            del obj[key]
            removed.add(key)
    if "/A" in obj:
        action = obj["/A"]
        safe = _safe_action(action)
        if safe is None:
            removed.add(_action_name(action))
            del obj["/A"]
        else:
            if "/Next" in action:
                removed.add("/Next")
            obj["/A"] = safe
    # an action's /Next chain (outline items have no /S; their /Next is the following item)
    if "/S" in obj and "/Next" in obj:
        del obj["/Next"]
        removed.add("/Next")
    for key in list(obj.keys()):
        value = obj.get(key)
        if isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and not value.is_indirect:
            _neutralise(value, removed, depth + 1)


def _pdf_inert_copy(data: bytes, name: str) -> tuple[bytes, tuple[str, ...]]:
    """Open with qpdf, refuse what cannot be opened or is encrypted, and write an inert copy."""
    bad = _("%(name)s is not a readable PDF.") % {"name": name}
    removed: set[str] = set()
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise forms.ValidationError(
                    _("%(name)s is password-protected; upload it without a password.") % {"name": name}
                )
            pages = len(pdf.pages)
            if pages == 0:
                raise forms.ValidationError(bad)
            if pages > PDF_MAX_PAGES:
                raise forms.ValidationError(
                    _("%(name)s has more than %(n)s pages.") % {"name": name, "n": fa_digits(PDF_MAX_PAGES)}
                )
            root = pdf.Root
            for key in CATALOGUE_KEYS:
                if key in root:
                    del root[key]
                    removed.add(key)
            names = root.get("/Names")
            if isinstance(names, pikepdf.Dictionary):
                for key in NAME_TREES:
                    if key in names:
                        del names[key]
                        removed.add(key)
            for page in pdf.pages:
                annots = page.obj.get("/Annots")
                if isinstance(annots, pikepdf.Array):
                    kept = [a for a in annots if not _is_active_annotation(a)]
                    if len(kept) != len(annots):
                        removed.add("/Annots")
                        page.obj["/Annots"] = pikepdf.Array(kept)
            # every object of the file, reachable or not: the walk is as long as the file
            for obj in pdf.objects:
                _neutralise(obj, removed)
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    except forms.ValidationError:
        raise
    except pikepdf.PasswordError:
        raise forms.ValidationError(
            _("%(name)s is password-protected; upload it without a password.") % {"name": name}
        ) from None
    except (pikepdf.PdfError, _TooDeep, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        raise forms.ValidationError(bad) from None
    return out.getvalue(), tuple(sorted(removed))


def _is_active_annotation(annot) -> bool:
    return isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") in [
        pikepdf.Name(n) for n in ACTIVE_ANNOTATIONS
    ]


def document_check(upload) -> CheckedDocument:
    """Check an uploaded scan, say what it is and give the bytes to store (an inert copy of a PDF);
    raises ValidationError with a message for the form."""
    name = (upload.name or "")[:60]
    if upload.size == 0:
        raise forms.ValidationError(_("%(name)s is empty.") % {"name": name})
    if upload.size > DOCUMENT_BYTES:
        raise forms.ValidationError(
            _("%(name)s is larger than %(limit)s MB.") % {"name": name, "limit": fa_digits(DOCUMENT_BYTES // 2**20)}
        )
    upload.seek(0)
    data = upload.read(DOCUMENT_BYTES + 1)
    upload.seek(0)
    removed: tuple[str, ...] = ()
    if data.startswith(b"%PDF-"):
        stored, removed = _pdf_inert_copy(data, name)
        content_type, suffix = "application/pdf", "pdf"
    elif data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        photo_facts(upload)
        stored = data
        content_type, suffix = ("image/jpeg", "jpg") if data[:1] == b"\xff" else ("image/png", "png")
    else:
        raise forms.ValidationError(_("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name})
    return CheckedDocument(content_type, len(data), hashlib.sha256(data).hexdigest(), suffix, stored, removed)
