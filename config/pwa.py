"""The installable app: the web app manifest (per language), the service worker and its offline page.

The service worker is served from the site's root (/sw.js) so that its scope covers every page, Persian
and English. Its caches are named after the static files' manifest (ManifestStaticFilesStorage's hash
of staticfiles.json) and its own source, so a deployment that changes any of them replaces the caches.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

THEME_COLOUR = "#0b6e4f"  # the emblem's green (static/img/emblem.svg)
BACKGROUND_COLOUR = "#ffffff"
ICONS = [  # drawn in static/img/icons/*.svg, rasterised by scripts/make_icons.py
    ("img/icons/icon-192.png", 192, "any"),
    ("img/icons/icon-512.png", 512, "any"),
    ("img/icons/icon-maskable-512.png", 512, "maskable"),
]
# What the service worker stores when it installs: the pages' styles, fonts and scripts.
SHELL_STATIC = [
    "css/fonts.css",
    "css/site.css",
    "vendor/vazirmatn/Vazirmatn[wght].woff2",
    "img/emblem.svg",
    "js/pwa.js",
    "js/inspection_draft.js",
    *(path for path, _size, _purpose in ICONS),
]
# The last opened pages of files kept for reading offline (network first, the copy when offline):
# a request's file page, an inspection report and the inspector's report form, a survey. Paths
# without the language prefix; at most PAGES_KEPT of them, the oldest dropped first.
KEPT_PAGES = [
    r"^/files/(?!new/|inbox/|track/|authorise/)[^/]+/$",
    r"^/surveys/inspections/new/$",
    r"^/surveys/inspections/\d+/$",
    r"^/surveys/\d+/$",
]
PAGES_KEPT = 12
SW_TEMPLATE = "pwa/sw.js"
OFFLINE_TEMPLATE = "pwa/offline.html"


def _language_prefixes() -> dict[str, str]:
    """Each language's URL prefix ("" for the default language's pages, "/en" for English)."""
    prefixes = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes[code] = reverse("home").rstrip("/")
    return prefixes


def _offline_urls() -> dict[str, str]:
    urls = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            urls[code] = reverse("offline")
    return urls


def _sources_digest() -> bytes:
    """The worker's and offline page's templates and the compiled catalogues (the offline page's words)."""
    digest = hashlib.sha256()
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    for path in [folder / name for folder in folders for name in (SW_TEMPLATE, OFFLINE_TEMPLATE)]:
        if path.exists():
            digest.update(path.read_bytes())
    for folder in settings.LOCALE_PATHS:
        for path in sorted(Path(folder).glob("*/LC_MESSAGES/django.mo")):
            digest.update(path.read_bytes())
    return digest.digest()


@functools.cache  # per process: a deployment starts new processes
def cache_version() -> str:
    """The caches' version: the static files' manifest hash (every hashed name) and the sources above."""
    manifest_hash = getattr(staticfiles_storage, "manifest_hash", "") or ""
    return hashlib.sha256(manifest_hash.encode() + _sources_digest()).hexdigest()[:16]


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """Public: the web app manifest in the page's language (its name, direction, start and scope)."""
    start = reverse("home")
    language = translation.get_language() or settings.LANGUAGE_CODE
    body = {
        "id": start,
        "name": _("Bojnord e-urban planning"),
        "short_name": _("Urban planning"),
        "description": _("Building permits of the municipality of Bojnord: files, maps and inspections."),
        "lang": language,
        "dir": "rtl" if translation.get_language_bidi() else "ltr",
        "start_url": start,
        "scope": start,
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(path), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
            for path, size, purpose in ICONS
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Public: the service worker script, with the shell's hashed static URLs and the caches' version.
    Always revalidated (no-cache), so a deployment reaches the browsers at their next visit."""
    config = {
        "version": cache_version(),
        "shell": [static(path) for path in SHELL_STATIC],
        "offline": _offline_urls(),
        "prefixes": _language_prefixes(),
        "kept": KEPT_PAGES,
        "pagesKept": PAGES_KEPT,
        "static": settings.STATIC_URL,
        "passThrough": ["/api/", "/tiles/", "/ogc/", "/media/", "/csp-report", "/healthz", "/admin/"],
        "sessionChanges": [r"^/accounts/logout/$", r"^/accounts/login/$"],
    }
    body = render_to_string(SW_TEMPLATE, {"config": json.dumps(config, ensure_ascii=False)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Public: what a page opened without a network shows when no copy of it is kept. It names no
    one: the worker stores it for every user of the device."""
    return render(request, OFFLINE_TEMPLATE)
