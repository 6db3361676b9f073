"""Fault drill: the disk fills during an upload (issue 17, item 13c).

MEDIA_ROOT is a 1 MB tmpfs mounted for the test (as root), filled so that nothing or only part of
the upload fits; without root the storage's writes fail with ENOSPC after the same number of bytes
(the tmpfs variants are then skipped, with the reason). A survey file and a PDF scan, through their
forms, answer with a translated message, and leave neither a row nor a partial file.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import subprocess
import tempfile
from pathlib import Path

import pikepdf
import pytest
import shapely
from django.core.files.storage import filesystem
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from permits.models import RequestDocument
from surveys.models import SurveyUpload
from tests.permits.conftest import citizen, draft, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import E0, N0, feature, geojson, good_features
from tests.surveys.test_pages import login, post_survey

pytestmark = pytest.mark.fault

FILLER = ".filler"


def _fill(root: Path, leave: int) -> None:
    """Fill the file system under root until `leave` bytes (rounded to pages) are free."""
    with (root / FILLER).open("wb") as out:
        try:
            while True:
                free = os.statvfs(root).f_bavail * os.statvfs(root).f_frsize
                if free <= leave:
                    break
                out.write(b"\0" * min(65536, max(4096, free - leave)))
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@contextlib.contextmanager
def _tmpfs(leave: int):
    mountpoint = Path(tempfile.mkdtemp(prefix="bojnord-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mountpoint)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        mountpoint.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        _fill(mountpoint, leave)
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=False)  # noqa: S607
        mountpoint.rmdir()


class _FillingFile:
    """A file that takes `room` bytes, writes them, then fails with ENOSPC like a full disk."""

    def __init__(self, real, room: int):
        self.real, self.room = real, room

    def write(self, data):
        if len(data) > self.room:
            self.real.write(data[: self.room])
            self.real.flush()
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self.real.write(data)

    def close(self):
        self.real.close()


@contextlib.contextmanager
def _enospc_after(monkeypatch, tmp_path, leave: int):
    """Without root: the storage's writes fail with ENOSPC once `leave` bytes are written."""
    real_fdopen = filesystem.os.fdopen
    monkeypatch.setattr(filesystem.os, "fdopen", lambda fd, mode: _FillingFile(real_fdopen(fd, mode), leave))
    yield tmp_path / "media"


SPACE = {"nothing-free": 0, "part-free": 64 * 1024}
WHERE = ["tmpfs", "enospc-storage"]


@pytest.fixture(params=[(w, s) for w in WHERE for s in SPACE], ids=lambda p: f"{p[0]}-{p[1]}")
def full_media(request, settings, monkeypatch, tmp_path):
    where, space = request.param
    maker = _tmpfs(SPACE[space]) if where == "tmpfs" else _enospc_after(monkeypatch, tmp_path, SPACE[space])
    with maker as root:
        settings.MEDIA_ROOT = root
        yield root


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != FILLER)


def _big_survey() -> bytes:
    """A valid survey file of ~300 KB (a long note on a surveyed point): more than the room left."""
    return geojson([*good_features(), feature("point", shapely.Point(E0 + 6, N0 + 20), note="x" * 300_000)])


def _big_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].contents_add(pdf.make_stream(b"% " + os.urandom(150_000).hex().encode() + b"\n"))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("language", "expected"), [("fa", "جایی برای نگه‌داشتن"), ("en", "no room to store")])
def test_a_survey_upload_on_a_full_disk_answers_with_a_message_and_leaves_nothing(
    client, plot, full_media, language, expected
):
    login(client, "surveyor")
    with translation.override(language):  # the form's URL in that language
        response = post_survey(client, plot, data=_big_survey())
    page = response.content.decode()
    assert response.status_code in {200, 400}, page[:500]
    assert expected in page
    assert not SurveyUpload.objects.exists()
    assert _files(full_media) == []


@pytest.mark.parametrize(("prefix", "expected"), [("/en", "no room to store"), ("", "جایی برای نگه‌داشتن")])
def test_a_scan_on_a_full_disk_answers_with_a_message_and_leaves_nothing(
    client, plot, citizen, full_media, prefix, expected
):
    req = draft(plot, citizen)
    client.force_login(citizen)
    response = client.post(
        f"{prefix}/files/{req.tracking_code}/documents/",
        {"kind": "deed", "file": SimpleUploadedFile("deed.pdf", _big_pdf())},
    )
    page = response.content.decode()
    assert response.status_code in {200, 400}, page[:500]
    assert expected in page
    assert not RequestDocument.objects.exists()
    assert _files(full_media) == []
