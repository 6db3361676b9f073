"""Content-Security-Policy (issue 17, item 6): the header on every kind of response, a fresh nonce per
request that the page's inline scripts carry, no inline script, style or event handler without it in
any template or built by our scripts, and the report endpoint that logs what browsers refuse."""

import json
import logging
import re
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from parcels.models import Parcel

pytestmark = pytest.mark.hostile("inline code and a missing policy (item 6)")

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "report-uri": ["/csp-report"],
}


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {response.get('Content-Type')}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def header_nonce(response) -> str | None:
    nonces = {re.fullmatch(r"'nonce-(.+)'", v).group(1) for v in policy(response)["script-src"] if "nonce-" in v}
    assert len(nonces) <= 1
    return nonces.pop() if nonces else None


def assert_strict(response) -> None:
    directives = policy(response)
    for name, values in EXPECTED.items():
        assert directives.get(name) == values, name
    for name in ("script-src", "style-src"):
        values = directives[name]
        assert values[0] == "'self'" and all(v.startswith("'nonce-") for v in values[1:]), (name, values)
    assert "unsafe" not in response["Content-Security-Policy"]


# --- what a template or a page may not hold ---------------------------------------------------------
_TAG = re.compile(r"<(script|style)\b([^>]*)>", re.I)
_HANDLER = re.compile(r"<[a-z][^>]*?\s(on[a-z]+)\s*=", re.I | re.S)
_STYLE_ATTR = re.compile(r"<[a-z][^>]*?\s(style)\s*=", re.I | re.S)
_DATA_TYPES = re.compile(r"""\btype\s*=\s*["']?application/(ld\+)?json""", re.I)


def inline_problems(html: str, *, nonce: str | None = None) -> list[str]:
    """What the policy would refuse: an inline <script> or <style> without the nonce (any nonce in a
    template; `nonce` itself in a rendered page), an on...= event handler, a style="" attribute."""
    problems = []
    for tag, attrs in _TAG.findall(html):
        if tag.lower() == "script" and (re.search(r"\bsrc\s*=", attrs, re.I) or _DATA_TYPES.search(attrs)):
            continue
        found = re.search(r"""\bnonce\s*=\s*["']([^"']+)["']""", attrs, re.I)
        if not found or (nonce is not None and found.group(1) != nonce):
            problems.append(f"<{tag}{attrs}> without the nonce")
    problems += [f"event handler {m}=" for m in _HANDLER.findall(html)]
    problems += [f"{m}= attribute" for m in _STYLE_ATTR.findall(html)]
    return problems


REFUSED = [
    "<script>alert(1)</script>",
    "<SCRIPT type='text/javascript'>alert(1)</SCRIPT>",
    "<script nonce=''>x()</script>",
    '<button type="button" onclick="window.print()">Print</button>',
    "<body onload='start()'>",
    '<img src="x.png" alt=""\n     onerror=alert(1)>',
    '<div style="color: red">',
    "<p class='x' STYLE='display:none'>",
    "<style>body { color: red }</style>",
]
ALLOWED = [
    "<script src=\"{% static 'js/city_map.js' %}\"></script>",
    '<script nonce="{{ CSP_NONCE }}">start()</script>',
    '<script id="map-config" type="application/json">{"a": 1}</script>',
    "{{ map_config|json_script:'map-config' }}",
    '<div data-style="x" data-onclick="y" class="style">on=</div>',
    '<link rel="stylesheet" href="site.css">',
]


@pytest.mark.parametrize("snippet", REFUSED)
def test_the_scan_finds_each_kind_of_inline_code(snippet):
    assert inline_problems(snippet)


@pytest.mark.parametrize("snippet", ALLOWED)
def test_the_scan_lets_external_code_data_and_nonced_code_pass(snippet):
    assert inline_problems(snippet) == []


def template_files() -> list[Path]:
    import leaflet

    folders = [ROOT / "templates", *ROOT.glob("*/templates"), Path(leaflet.__file__).parent / "templates"]
    return sorted(p for folder in folders for p in folder.rglob("*.html") if ".venv" not in p.parts[len(ROOT.parts) :])


def test_no_template_has_inline_code_without_the_nonce():
    files = template_files()
    assert len(files) > 20
    problems = {str(p.relative_to(p.parents[2])): inline_problems(p.read_text()) for p in files}
    assert {name: found for name, found in problems.items() if found} == {}


def test_our_scripts_build_no_html_with_inline_handlers_or_styles():
    # innerHTML = `<span style="...">` is refused like the same attribute in a template; colours are
    # set through element.style instead.
    built = re.compile(r"<[a-z][^<>`'\"]*\s(style|on[a-z]+)\s*=", re.I)
    scripts = sorted((ROOT / "static" / "js").glob("*.js"))
    assert scripts
    assert {p.name: built.findall(p.read_text()) for p in scripts if built.search(p.read_text())} == {}


# --- the header on every kind of response ------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/en/",
        "/map/",
        "/map/print/?bbox=57.32,37.47,57.33,37.475",
        "/accounts/login/",
        "/files/track/",
        "/admin/login/",
        "/api/find?q=40N-5291-41475-012-9",
        "/api/buildable?file_code=40N-5291-41475-012-9",
        "/healthz",
        "/ogc/collections",
        "/ogc/collections/parcels/items?limit=2",
        "/tiles/15/21603/12603.mvt",
        "/tiles/hillshade.png",
    ],
)
def test_every_kind_of_response_carries_the_strict_policy(client, city, url):
    r = client.get(url)
    assert r.status_code in (200, 302), (url, r.status_code)
    assert_strict(r)


def test_static_files_carry_the_policy_too(client):
    # WhiteNoise answers them below the policy's middleware: an SVG opened on its own runs no script
    from django.templatetags.static import static

    for name in ("img/emblem.svg", "css/site.css", "js/city_map.js"):
        r = client.get(static(name))
        assert r.status_code == 200, name
        assert_strict(r)


def test_the_admin_with_its_map_widget_carries_the_policy_and_nonced_scripts(client, city):
    admin = get_user_model().objects.create_superuser("root", password="correct horse battery")
    client.force_login(admin)
    parcel = Parcel.objects.order_by("id").first()
    for url in ("/admin/", f"/admin/parcels/parcel/{parcel.pk}/change/", "/en/admin/zoning/planzone/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert_strict(r)
        html = r.content.decode()
        assert inline_problems(html, nonce=header_nonce(r)) == [], url
    change = client.get(f"/admin/parcels/parcel/{parcel.pk}/change/")
    nonce = header_nonce(change)
    assert len(re.findall(rf'<script nonce="{re.escape(nonce)}">', change.content.decode())) >= 2  # widget + map


def _refused_text(execute, sql, params, many, context):
    raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")


@pytest.mark.parametrize("kind", ["400 path", "400 query", "400 form", "403", "404", "405", "411", "413", "503"])
def test_error_responses_carry_the_policy(client, db, kind):
    if kind == "400 path":
        r = client.get("/files/track/%00")
    elif kind == "400 query":
        r = client.get("/map/", {"q": "a\x00b"})
    elif kind == "400 form":
        r = client.post("/accounts/login/", {"username": "a\x01", "password": "x"})
    elif kind == "403":
        r = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a", "password": "b"})
    elif kind == "404":
        r = client.get("/no-such-page/")
    elif kind == "405":
        r = client.get(reverse("csp_report"))
    elif kind == "411":
        r = client.post("/accounts/login/", b"x", content_type="text/plain", HTTP_TRANSFER_ENCODING="chunked")
    elif kind == "413":
        r = client.post("/accounts/login/", b"", content_type="text/plain", CONTENT_LENGTH=str(100 * 2**20))
    else:
        with connection.execute_wrapper(_refused_text):
            r = client.get("/map/print/", {"bbox": "57.32,37.47,57.33,37.475"})
    expected = {"400": 400, "403": 403, "404": 404, "405": 405, "411": 411, "413": 413, "503": 503}[kind[:3]]
    assert r.status_code == expected, r.content[:200]
    assert_strict(r)
    if kind == "403":  # our translated page, not Django's (which has an inline style)
        assert "از سایتی دیگر فرستاده شده است" in r.content.decode()
    if r["Content-Type"].startswith("text/html"):
        assert inline_problems(r.content.decode(), nonce=header_nonce(r)) == []


# --- the nonce ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/map/", "/en/map/print/"])
def test_the_nonce_is_new_on_each_request_and_is_the_one_the_inline_scripts_carry(client, city, url):
    first, second = client.get(url), client.get(url)
    nonces = [header_nonce(first), header_nonce(second)]
    assert all(nonces) and nonces[0] != nonces[1]
    assert len(nonces[0]) >= 22  # 16 random bytes, base64
    for r, nonce in zip((first, second), nonces, strict=True):
        assert f"'nonce-{nonce}'" in policy(r)["style-src"]
        html = r.content.decode()
        in_page = re.findall(r'<script nonce="([^"]*)"', html)
        assert in_page and set(in_page) == {nonce}
        assert inline_problems(html, nonce=nonce) == []


def test_a_page_with_no_inline_script_has_no_nonce_in_its_policy(client, db):
    r = client.get("/accounts/login/")
    assert header_nonce(r) is None and "nonce" not in r.content.decode()


# --- the report endpoint -----------------------------------------------------------------------------
REPORT = {
    "csp-report": {
        "document-uri": "https://gis.example.org/map/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "source-file": "https://gis.example.org/map/",
        "line-number": 12,
        "script-sample": "alert(1)",
        "disposition": "enforce",
    }
}


def post_report(client, body, content_type="application/csp-report", **extra):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(reverse("csp_report"), data, content_type=content_type, **extra)


def test_a_report_is_logged_on_one_line_and_answered_204(client, caplog):
    with caplog.at_level(logging.WARNING, logger="csp"):
        r = post_report(client, REPORT)
    assert r.status_code == 204
    assert_strict(r)
    (record,) = [rec for rec in caplog.records if rec.name == "csp"]
    line = record.getMessage()
    assert "directive=script-src-elem" in line and "blocked=inline" in line and "sample=alert(1)" in line


def test_reports_from_the_reporting_api_are_logged_each(client, caplog):
    one = {"type": "csp-violation", "body": {"effectiveDirective": "style-src-attr", "blockedURL": "inline"}}
    other = {"type": "deprecation", "body": {"message": "x"}}
    with caplog.at_level(logging.WARNING, logger="csp"):
        r = post_report(client, [one, other, one], content_type="application/reports+json")
    assert r.status_code == 204
    assert len([rec for rec in caplog.records if rec.name == "csp"]) == 2


@pytest.mark.parametrize(
    "field",
    [
        "inline\nCSP violation: directive=forged",
        "inline\r\nforged",
        "inline\u2028forged",
        "x" * 5000,
    ],
)
def test_a_reported_field_reaches_the_log_on_one_line_and_bounded(client, caplog, field):
    body = {"csp-report": {**REPORT["csp-report"], "blocked-uri": field, "script-sample": field}}
    with caplog.at_level(logging.WARNING, logger="csp"):
        assert post_report(client, body).status_code == 204
    (record,) = [rec for rec in caplog.records if rec.name == "csp"]
    line = record.getMessage()
    assert "\n" not in line and "\r" not in line and "\u2028" not in line
    assert len(line) < 1600


@pytest.mark.parametrize("body", [b"  \n", b"not json", b"{unterminated", b"\xff\xfe\x00{", b"[1, 2"])
def test_a_body_that_is_not_json_answers_400_with_a_message(client, body):
    r = post_report(client, body)
    assert r.status_code == 400
    assert r.json()["errors"]["__all__"][0]["code"] in ("not_json", "empty")


@pytest.mark.parametrize(
    "body",
    [{}, [], {"csp-report": "inline"}, {"report": {}}, [{"type": "deprecation", "body": {}}], "a string", 42],
)
def test_json_that_is_no_report_answers_400_with_a_message(client, body):
    r = post_report(client, body)
    assert r.status_code == 400
    error = r.json()["errors"]["__all__"][0]
    # the site's language (the endpoint has no /en/ form): Persian
    assert error["code"] == "not_a_report" and "هیچ گزارش نقض سیاست امنیت محتوا" in error["message"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/html"]
)
def test_a_report_of_another_type_answers_400_with_a_message(client, content_type):
    r = post_report(client, json.dumps(REPORT).encode(), content_type=content_type)
    assert r.status_code == 400
    assert r.json()["errors"]["__all__"][0]["code"] == "unsupported_type"


@pytest.mark.parametrize("length", [16 * 1024 + 1, 2**20, 100 * 2**20])
def test_a_large_report_is_refused_before_it_is_read(client, length):
    r = post_report(client, b"", CONTENT_LENGTH=str(length))
    assert r.status_code == 413
    assert r.json()["errors"]["__all__"][0]["code"] == "too_large"


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_answer_405_with_a_message(client, method):
    r = getattr(client, method)(reverse("csp_report"))
    assert r.status_code == 405 and r["Allow"] == "POST"
    assert r.json()["errors"]["__all__"][0]["message"] == "گزارش‌های نقض با POST فرستاده می‌شوند."


def test_reports_need_no_csrf_token_and_the_policy_points_at_the_endpoint(db):
    r = post_report(Client(enforce_csrf_checks=True), REPORT)
    assert r.status_code == 204
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] == [reverse("csp_report")]
