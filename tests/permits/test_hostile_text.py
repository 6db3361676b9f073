"""Text that is no text (a NUL, other control characters, bytes that are not UTF-8) in a path, a query,
a form field, a JSON body or a cookie answers 400 with a translated message, never a 500 from the
database (psycopg refuses NUL in a text parameter with a DataError)."""

from __future__ import annotations

import json

import pytest

from accounts.roles import Role
from tests.permits.conftest import draft

pytestmark = [pytest.mark.django_db, pytest.mark.hostile("NUL and invalid text (item 2)")]

# Percent-encoded as an attacker sends them: NUL, ESC (a C0 control), a lone UTF-16 surrogate in
# UTF-8 (ED A0 80, not valid UTF-8), an over-long encoding of "/" (C0 AF, not valid UTF-8), BEL.
BAD_ENCODED = ["%00", "%1B", "%ED%A0%80", "%C0%AF", "%07"]
# The same as decoded text in a form field (where the browser encodes it) or a JSON string (where a
# lone surrogate is an escape, "\ud800").
BAD_TEXT = ["\x00", "\x1b", "\x07", "ab\x00cd", "\x0b"]
BAD_JSON = [*BAD_TEXT, "\ud800", "\udfff"]


def _paths(tracking: str) -> list[tuple[str, str]]:
    """(who, URL with {bad} where the bad character goes) for each kind of lookup."""
    return [
        ("anyone", "/en/files/track/?code=AB{bad}"),
        ("anyone", "/files/track/?code={bad}"),
        ("anyone", "/ogc/collections/parcels/items/1{bad}"),
        ("anyone", "/ogc/collections/parcels/items?limit=1{bad}"),
        ("anyone", "/api/parcels/lookup?q=1-2-15{bad}"),
        ("anyone", "/api/find?q=street{bad}"),
        ("anyone", "/api/buildable?file_code=40N{bad}"),
        ("anyone", "/en/accounts/login/?next=/en/{bad}"),
        ("citizen", "/en/files/{tracking}{bad}/"),
        ("citizen", "/en/files/{tracking}/documents/1{bad}/"),
        ("citizen", "/api/files/{tracking}{bad}"),
        ("citizen", "/en/files/new/?code=40N-{bad}"),
        ("clerk", "/en/files/inbox/?q=X{bad}"),
        ("clerk", "/en/accounts/pending/?q=04{bad}"),
        ("surveyor", "/en/surveys/new/?file_code=40N{bad}"),
    ]


@pytest.fixture
def people(plot, citizen, staff):
    return {"citizen": citizen, "clerk": staff[Role.CLERK], "surveyor": staff[Role.SURVEYOR]}


def test_bad_characters_in_paths_and_queries_answer_400(client, plot, citizen, people):
    req = draft(plot, citizen)
    for who, template in _paths(req.tracking_code):
        client.logout()
        if who != "anyone":
            client.force_login(people[who])
        for bad in BAD_ENCODED:
            url = template.format(tracking=req.tracking_code, bad=bad)
            response = client.get(url)
            assert response.status_code == 400, (url, response.status_code)
            body = response.content.decode()
            if response["Content-Type"] == "application/json":
                body = response.json()["errors"]["__all__"][0]["message"]
            assert "cannot be text" in body or "نمی‌تواند متن باشد" in body, url


def test_the_refusal_is_json_for_the_api_and_a_persian_page_by_default(client):
    api = client.get("/api/find?q=%00")
    assert api.status_code == 400 and api["Content-Type"] == "application/json"
    assert api.json()["errors"]["__all__"][0]["code"] == "invalid_text"
    page = client.get("/files/track/?code=%00")
    assert page.status_code == 400 and 'lang="fa"' in page.content.decode()
    assert "نمی‌تواند متن باشد" in page.content.decode()
    english = client.get("/en/files/track/?code=%00")
    assert 'lang="en"' in english.content.decode() and "cannot be text" in english.content.decode()


def test_bad_characters_in_form_fields_answer_400(client, plot, citizen, staff):
    req = draft(plot, citizen)
    for bad in BAD_TEXT:
        client.logout()
        login = client.post("/en/accounts/login/", {"username": f"t-{bad}", "password": "x"})
        assert login.status_code == 400, repr(bad)
        signup = client.post("/en/accounts/signup/", {"username": f"u{bad}", "national_id": "0013542419"})
        assert signup.status_code == 400, repr(bad)
        client.force_login(citizen)
        comment = client.post(f"/en/files/{req.tracking_code}/comments/", {"body": f"hello {bad}"})
        assert comment.status_code == 400, repr(bad)
        wizard = client.post("/en/files/new/", {"code": plot.file_code, "kind": f"building_new{bad}"})
        assert wizard.status_code == 400, repr(bad)
    # A raw body with invalid UTF-8 in a field, as no browser sends it.
    raw = client.post(
        "/en/accounts/login/", b"username=%ED%A0%80&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert raw.status_code == 400
    # A multipart field and a file name with a NUL.
    client.force_login(citizen)
    multipart = client.post(
        f"/en/files/{req.tracking_code}/documents/", {"kind": "deed\x00", "file": ("a.pdf", b"%PDF-1.4")}
    )
    assert multipart.status_code == 400
    # Tabs and new lines (a textarea sends CR LF) are text.
    fine = client.post(f"/en/files/{req.tracking_code}/comments/", {"body": "line one\r\n\tline two"})
    assert fine.status_code != 400


def test_bad_characters_in_a_json_body_or_a_cookie_answer_400(client, plot, citizen):
    for bad in BAD_JSON:
        response = client.post(
            "/en/accounts/login/", json.dumps({"username": f"a{bad}"}), content_type="application/json"
        )
        assert response.status_code == 400, repr(bad)
    invalid_utf8 = client.post("/en/accounts/login/", b'{"username": "\xed\xa0\x80"}', content_type="application/json")
    assert invalid_utf8.status_code == 400
    for bad in ("\x00", "\x1b", "\x7f"):
        client.cookies["sessionid"] = f"abcdefgh{bad}ijklmnop"
        assert client.get("/en/files/").status_code == 400, repr(bad)
