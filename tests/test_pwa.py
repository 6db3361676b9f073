"""The installable app (issue 16 item 5): the web app manifest in both languages, its icons, the
service worker's script and headers, the offline page, the policy that lets them load, logout's
Clear-Site-Data; the report form's version that a late draft meets."""

import json
import re
from io import BytesIO

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from config import pwa
from tests.test_csp import policy

pytestmark = pytest.mark.django_db


def manifest_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


@pytest.mark.parametrize(
    ("url", "lang", "direction", "start", "name", "short_name"),
    [
        ("/manifest.webmanifest", "fa", "rtl", "/", "شهرسازی الکترونیک بجنورد", "شهرسازی"),
        ("/en/manifest.webmanifest", "en", "ltr", "/en/", "Bojnord e-urban planning", "Urban planning"),
    ],
)
def test_the_manifest_speaks_the_page_language(client, url, lang, direction, start, name, short_name):
    body = manifest_of(client, url)
    assert body["lang"] == lang and body["dir"] == direction
    assert body["name"] == name and body["short_name"] == short_name
    assert body["start_url"] == body["scope"] == body["id"] == start
    assert body["display"] == "standalone"
    assert body["theme_color"] == "#0b6e4f" and body["background_color"]
    assert body["description"]
    if lang == "fa":
        assert not re.search(r"[A-Za-z]", body["name"] + body["short_name"] + body["description"])


def test_the_manifest_icons_exist_with_their_stated_sizes(client):
    icons = manifest_of(client, "/manifest.webmanifest")["icons"]
    assert {(i["sizes"], i["purpose"]) for i in icons} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    for icon in icons:
        assert icon["type"] == "image/png"
        served = client.get(icon["src"])  # the hashed name, served by WhiteNoise
        assert served.status_code == 200
        with Image.open(BytesIO(b"".join(served.streaming_content))) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
            if icon["purpose"] == "maskable":  # fills the square: no transparent corner for a mask to show
                assert image.convert("RGBA").getpixel((0, 0))[3] == 255
    for path, _size, _purpose in pwa.ICONS:
        assert finders.find(path)
    assert finders.find("img/icons/icon.svg") and finders.find("img/icons/icon-maskable.svg")  # their drawings


def test_every_page_links_the_manifest_and_registers_the_worker(client):
    for url, manifest in (("/", "/manifest.webmanifest"), ("/en/map/", "/en/manifest.webmanifest")):
        html = client.get(url).content.decode()
        assert f'<link rel="manifest" href="{manifest}">' in html
        assert '<meta name="theme-color" content="#0b6e4f">' in html
        assert re.search(r'<script src="/static/js/pwa\.[0-9a-f]+\.js" data-service-worker="/sw.js" defer>', html)


def test_the_service_worker_script_and_its_headers(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"  # always revalidated: a deployment reaches every browser
    body = response.content.decode()
    config = json.loads(re.search(r"^const CONFIG = (.*);$", body, re.M).group(1))
    assert config["version"] == pwa.cache_version() and len(config["version"]) == 16
    # the shell: hashed names from the static manifest, each one served
    assert any(re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url) for url in config["shell"])
    assert any("Vazirmatn" in url and url.endswith(".woff2") for url in config["shell"])
    for url in config["shell"]:
        assert client.get(url).status_code == 200, url
    assert config["offline"] == {"fa": "/offline/", "en": "/en/offline/"}
    assert config["prefixes"] == {"fa": "", "en": "/en"}
    kept = [re.compile(source) for source in config["kept"]]
    for path in ("/files/K7X2-9QPL/", "/surveys/inspections/new/", "/surveys/inspections/12/", "/surveys/3/"):
        assert any(p.search(path) for p in kept), path
    for path in ("/files/inbox/", "/files/track/", "/files/new/", "/files/K7X2-9QPL/documents/4/", "/map/"):
        assert not any(p.search(path) for p in kept), path
    assert {"/api/", "/media/", "/tiles/", "/ogc/"} <= set(config["passThrough"])
    assert "caches.delete(PAGES_CACHE)" in body and 'includes("no-store")' in body


def test_the_cache_version_follows_the_static_manifest(monkeypatch):
    from django.contrib.staticfiles.storage import staticfiles_storage

    before = pwa.cache_version()
    pwa.cache_version.cache_clear()
    monkeypatch.setattr(staticfiles_storage._wrapped, "manifest_hash", "another-deployment")
    try:
        assert pwa.cache_version() != before
    finally:
        pwa.cache_version.cache_clear()


def test_the_policy_allows_the_worker_and_the_manifest_from_this_site_only(client):
    for url in ("/", "/sw.js", "/manifest.webmanifest", "/offline/"):
        response = client.get(url)
        directives = policy(response)
        assert directives["worker-src"] == ["'self'"]
        assert directives["manifest-src"] == ["'self'"]
        assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(("url", "text"), [("/offline/", "اتصال برقرار نیست"), ("/en/offline/", "No connection")])
def test_the_offline_page_is_translated_and_names_no_one(client, django_user_model, url, text):
    user = django_user_model.objects.create_user(username="offline-reader", password="x", first_name="Zahra")
    client.force_login(user)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and text in html
    assert "Zahra" not in html and "offline-reader" not in html and "csrfmiddlewaretoken" not in html


def test_logout_tells_the_browser_to_drop_its_cache(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="leaving", password="x"))
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
