"""Load shedding: a web process answers 503 at once rather than queue more work than it can do.

Each gunicorn worker runs its requests on threads (gthread, config/gunicorn.py). LoadShedMiddleware
lets at most LOAD_SHED_MAX_IN_FLIGHT of them do their work at a time, and at most
LOAD_SHED_MAX_WAITING more wait for a slot (a burst of normal traffic passes, at the cost of a short
wait). A request that finds the slots and the queue full answers 503 with Retry-After and a
translated message at once, before the session, the user or the database are touched; one that
waited LOAD_SHED_WAIT_MS without a slot answers the same. Under a spike the excess is refused in
milliseconds instead of waiting for a worker timeout, and the requests that got a slot keep their
normal latency. The health check is never counted nor shed: it answers beside the heavy requests,
on a thread of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from gis_app.middleware import _language, _refusal

NEVER_SHED = frozenset({"/healthz"})
RETRY_AFTER_S = 2


class LoadShedMiddleware:
    """503 + Retry-After past LOAD_SHED_MAX_IN_FLIGHT requests at work and LOAD_SHED_MAX_WAITING
    waiting in this process (LOAD_SHED_MAX_IN_FLIGHT = 0: off)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.limit: int = settings.LOAD_SHED_MAX_IN_FLIGHT
        self.max_waiting: int = settings.LOAD_SHED_MAX_WAITING
        self.wait_s: float = settings.LOAD_SHED_WAIT_MS / 1000
        self.slots = threading.BoundedSemaphore(self.limit) if self.limit > 0 else None
        self.lock = threading.Lock()
        self.waiting = 0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.slots is None or request.path_info in NEVER_SHED:
            return self.get_response(request)
        if not self.slots.acquire(blocking=False):
            with self.lock:
                if self.waiting >= self.max_waiting:
                    return self.refusal(request)
                self.waiting += 1
            try:
                got = self.slots.acquire(timeout=self.wait_s)
            finally:
                with self.lock:
                    self.waiting -= 1
            if not got:
                return self.refusal(request)
        try:
            return self.get_response(request)
        finally:
            self.slots.release()

    @staticmethod
    def refusal(request: HttpRequest) -> HttpResponse:
        """The translated 503 (JSON for the API, OGC and tile routes) with Retry-After."""
        with translation.override(_language(request)):
            response = _refusal(
                request,
                status=503,
                code="ServiceUnavailable",
                message=_("The service is busy right now. Please try again in a few seconds."),
            )
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
