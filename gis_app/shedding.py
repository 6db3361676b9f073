"""Load shedding in front of Django: a web process answers 503 at once rather than queue more work
than it can do.

Each gunicorn worker runs its requests on threads (gthread, config/gunicorn.py). `LoadShed` wraps the
WSGI application (config/wsgi.py), so it decides before any of Django runs for the request (no
middleware, no session, no database): at most LOAD_SHED_MAX_IN_FLIGHT requests of the process do
Django work at a time and at most LOAD_SHED_MAX_WAITING more wait for a slot (a burst of normal
traffic passes, at the cost of a short wait). A request that finds the slots and the waiting room full
is answered at once with a static 503 and Retry-After, in the page's language (Persian unless the path
is /en/...; JSON for the API, OGC and tile routes, as the other refusals at the edge): its bodies are
rendered once when the process starts, so a refusal costs a lookup and a write, not a page. A waiter
gets the first slot that frees, or the same refusal after LOAD_SHED_WAIT_MS. The health check is never
counted nor shed.

Why not a middleware: a middleware runs after gunicorn handed the request to a thread and Django built
the request; under a spike the refusals then competed with the working threads for the interpreter
and waited their turn (a refusal's p50 was ~0.5 s in the 5x spike). Here a refusal is a few
microseconds of Python after the request line is parsed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

NEVER_SHED = frozenset({"/healthz"})
RETRY_AFTER_S = 2
JSON_ROUTES = ("/api/", "/ogc/", "/tiles/")
# The refusal page has no script and no inline style: nothing to allow but our stylesheets.
REFUSAL_CSP = "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'; base-uri 'none'"

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


@dataclass(frozen=True)
class Refusal:
    """One pre-rendered 503: its headers and body."""

    headers: list[tuple[str, str]]
    body: bytes


def _refusal_bodies() -> dict[tuple[str, bool], Refusal]:
    """The 503 in every language of the site, as a page and as JSON (rendered once per process)."""
    made = {}
    for lang, _name in settings.LANGUAGES:
        with translation.override(lang):
            message = _("The service is busy right now. Please try again in a few seconds.")
            page = render_to_string("busy.html", {"message": message, "lang": lang}).encode()
            data = orjson.dumps({"errors": {"__all__": [{"message": message, "code": "ServiceUnavailable"}]}})
        common = [("Retry-After", str(RETRY_AFTER_S)), ("Cache-Control", "no-store"), ("Content-Language", lang)]
        made[(lang, False)] = Refusal(
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(page))),
                ("Content-Security-Policy", REFUSAL_CSP),
                ("X-Content-Type-Options", "nosniff"),
                *common,
            ],
            page,
        )
        made[(lang, True)] = Refusal(
            [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *common], data
        )
    return made


class LoadShed:
    """WSGI wrapper: 503 + Retry-After past LOAD_SHED_MAX_IN_FLIGHT requests at work and
    LOAD_SHED_MAX_WAITING waiting in this process (LOAD_SHED_MAX_IN_FLIGHT = 0: off)."""

    def __init__(self, app: WSGIApp, *, limit: int, max_waiting: int, wait_ms: int):
        self.app = app
        self.limit = limit
        self.max_waiting = max_waiting
        self.wait_s = wait_ms / 1000
        self.slots = threading.BoundedSemaphore(limit) if limit > 0 else None
        self.lock = threading.Lock()
        self.waiting = 0
        self.refusals = _refusal_bodies() if limit > 0 else {}
        self.languages = tuple(code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)

    @classmethod
    def from_settings(cls, app: WSGIApp) -> LoadShed:
        return cls(
            app,
            limit=settings.LOAD_SHED_MAX_IN_FLIGHT,
            max_waiting=settings.LOAD_SHED_MAX_WAITING,
            wait_ms=settings.LOAD_SHED_WAIT_MS,
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.slots is None or environ.get("PATH_INFO", "") in NEVER_SHED:
            return self.app(environ, start_response)
        if not self.slots.acquire(blocking=False):
            with self.lock:
                if self.waiting >= self.max_waiting:
                    return self.refuse(environ, start_response)
                self.waiting += 1
            try:
                got = self.slots.acquire(timeout=self.wait_s)
            finally:
                with self.lock:
                    self.waiting -= 1
            if not got:
                return self.refuse(environ, start_response)
        # The slot is the Django work: it is freed when the response is made (a streamed file is then
        # sent by gunicorn without holding it).
        try:
            return self.app(environ, start_response)
        finally:
            self.slots.release()

    def refuse(self, environ: dict, start_response: Callable) -> list[bytes]:
        """The pre-rendered 503 for the path's language and kind."""
        path = environ.get("PATH_INFO", "")
        lang = next((code for code in self.languages if path.startswith(f"/{code}/")), settings.LANGUAGE_CODE)
        wants_json = path.startswith(JSON_ROUTES) or "application/json" in environ.get("HTTP_ACCEPT", "")
        refusal = self.refusals[(lang, wants_json)]
        start_response("503 Service Unavailable", list(refusal.headers))
        return [refusal.body]
