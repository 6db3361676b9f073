"""Request bodies are bounded by their route before they are read: 413 from the Content-Length alone
(uploads at their documented limits plus room for the form, everything else 1 MB), 411 for a chunked
body; an upload just under its limit reaches the form."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler

from accounts.roles import Role
from tests.permits.conftest import draft, pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.hostile("oversized bodies (item 7)")]
MB = 2**20


class CountingBody(io.RawIOBase):
    """A body of `size` bytes made on demand; counts what the server reads of it."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def _wsgi(path: str, *, size: int, content_type: str, extra: dict | None = None) -> tuple[str, CountingBody]:
    body = CountingBody(size)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(size),
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    } | (extra or {})
    statuses = []
    b"".join(WSGIHandler()(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], body


def test_a_100_mb_anonymous_body_to_the_login_page_is_refused_unread():
    boundary = "multipart/form-data; boundary=----x"
    _wsgi("/en/accounts/login/", size=2 * MB, content_type=boundary)  # URLs and templates loaded once
    tracemalloc.start()
    started = time.perf_counter()
    status, body = _wsgi("/en/accounts/login/", size=100 * MB, content_type=boundary)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert status.startswith("413")
    assert body.read_bytes == 0
    assert elapsed < 1.0 and peak < 5 * MB, (elapsed, peak)
    print(f"100 MB body refused in {elapsed * 1000:.1f} ms, peak Python memory {peak / 1024:.0f} KB, 0 bytes read")


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("/en/accounts/login/", 2 * MB),  # a plain form
        ("/accounts/signup/", 1 * MB + 1),  # just over the default, the Persian page
        ("/api/files/", 5 * MB),  # an API route
        ("/en/files/ABCDEF/comments/", 3 * MB),  # a signed-in form, refused before the session is read
        ("/en/nowhere/", 2 * MB),  # no route at all
    ],
)
def test_form_posts_over_one_megabyte_are_refused_unread(path, size):
    status, body = _wsgi(path, size=size, content_type="application/x-www-form-urlencoded")
    assert status.startswith("413") and body.read_bytes == 0, path


def test_the_refusal_says_the_limit_in_the_page_language(client):
    page = client.post("/en/accounts/login/", {"username": "a" * (2 * MB)})
    assert page.status_code == 413 and "at most 1 MB" in page.content.decode()  # the display layer: no ".0"
    persian = client.post("/accounts/login/", {"username": "a" * (2 * MB)})
    assert persian.status_code == 413 and "مگابایت" in persian.content.decode()
    api = client.post("/api/files/", {"x": "a" * (2 * MB)})
    assert api.status_code == 413 and api.json()["errors"]["__all__"][0]["code"] == "too_large"


def test_a_chunked_body_is_refused_unread():
    for path in ("/en/accounts/login/", "/api/files/", "/en/surveys/new/"):
        status, body = _wsgi(
            path,
            size=50 * MB,
            content_type="multipart/form-data; boundary=----x",
            extra={"CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"},
        )
        assert status.startswith("411") and body.read_bytes == 0, path


def _padded_pdf(size: int) -> bytes:
    data = pdf_bytes()
    return data + b"\n%" + b"0" * (size - len(data) - 2)


def test_a_scan_just_under_its_limit_reaches_the_form_and_just_over_is_refused(client, plot, citizen):
    req = draft(plot, citizen)
    client.force_login(citizen)
    url = f"/en/files/{req.tracking_code}/documents/"
    under = client.post(url, {"kind": "deed", "file": SimpleUploadedFile("deed.pdf", _padded_pdf(10 * MB))})
    assert under.status_code in (302, 400) and "larger than" not in under.content.decode()
    limit = client.post(url, {"kind": "deed", "file": SimpleUploadedFile("deed.pdf", _padded_pdf(10 * MB + 1))})
    assert limit.status_code == 400 and "larger than 10 MB" in limit.content.decode()
    over = client.post(url, {"kind": "deed", "file": SimpleUploadedFile("deed.pdf", _padded_pdf(10 * MB + 300_000))})
    assert over.status_code == 413 and "at most 10.2 MB" in over.content.decode()


def test_a_survey_file_just_under_its_limit_reaches_the_form_and_just_over_is_refused(client, plot, staff):
    client.force_login(staff[Role.SURVEYOR])
    data = {"file_code": plot.file_code, "measured_on": "1403/01/15"}
    under = client.post("/en/surveys/new/", data | {"file": SimpleUploadedFile("s.geojson", b" " * (20 * MB - 1))})
    assert under.status_code != 413
    over = client.post("/en/surveys/new/", data | {"file": SimpleUploadedFile("s.geojson", b" " * (20 * MB + 300_000))})
    assert over.status_code == 413 and "at most 20.2 MB" in over.content.decode()
