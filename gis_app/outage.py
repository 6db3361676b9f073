"""The database is gone: a translated 503 instead of a 500, logged, and nothing else touched.

When PostgreSQL stops (a restart, a failover, a full disk on its side) every query raises
django.db.OperationalError or InterfaceError. DatabaseUnavailableMiddleware turns one raised by a
view into a 503 page (JSON under /api/, /ogc/, /tiles/) with Retry-After; `server_error`, the
project's handler500, does the same for one raised by a middleware (the session, the signed-in
user), which Django answers before any middleware's process_exception sees it. The page is made
without the request's context: the base template's context processors would ask the database for
the signed-in user. A transaction open when the connection broke was never committed, so nothing is
half-written; Django drops the broken connection at the end of the request and the next request
opens a new one (CONN_HEALTH_CHECKS), so the service recovers by itself when the database is back.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults

log = logging.getLogger(__name__)

RETRY_AFTER_S = 10
_JSON_ROUTES = ("/api/", "/ogc/", "/tiles/")


def database_down(exc: BaseException | None) -> bool:
    """Whether an error is the database being unreachable or its connection broken."""
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_message() -> str:
    return _(
        "The service cannot reach its database at the moment. Nothing you sent was saved; please try again in a minute."
    )


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 answer for a database outage, in the request's language, logged with its cause."""
    log.error("database unavailable: %s %s: %s", request.method, request.path, exc)
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        message = unavailable_message()
        if request.path_info.startswith(_JSON_ROUTES) or "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"code": "ServiceUnavailable", "description": message}, status=503)
        else:
            html = loader.render_to_string("unavailable.html", {"message": message, "language": language})
            response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """503 (not 500) for a view that met a database outage."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_down(exception):
            return unavailable_response(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage met before the view (session, user) answers 503, anything else 500."""
    exc = sys.exc_info()[1]
    if database_down(exc):
        return unavailable_response(request, exc)
    return defaults.server_error(request)
