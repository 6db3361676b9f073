"""Edge guards that run before any view, session or form sees the request.

RequestBodyLimitMiddleware refuses a body larger than its route allows (413) from the Content-Length
header alone, before a byte of it is read; InvalidTextMiddleware refuses text no person types and
PostgreSQL cannot store (400): a NUL or another control character, or bytes that are not UTF-8 (a
lone surrogate), in the path, the query string, the cookies or a form or JSON field. Both answer a
translated page, or JSON for the API, OGC and tile routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

# C0 controls but tab, line feed and carriage return (a textarea sends CR LF), DEL, and the UTF-16
# surrogates (only reachable through a JSON "\ud800" escape: UTF-8 bytes for them are refused on decoding).
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_JSON_ROUTES = ("/api/", "/ogc/", "/tiles/", "/csp-report")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class InvalidText(ValueError):
    """Text that is not valid UTF-8 or holds a character no form or code may contain."""


def text_check(raw: bytes | str) -> str:
    """The text of raw (UTF-8 when bytes), or InvalidText for invalid bytes or a forbidden character."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidText("not UTF-8") from None
    if _BAD_CHARS.search(raw):
        raise InvalidText("control character")
    return raw


def _query_check(encoded: bytes | str) -> None:
    """Each name and value of an application/x-www-form-urlencoded string, decoded strictly."""
    if isinstance(encoded, str):
        encoded = encoded.encode("latin-1", errors="replace")
    for pair in encoded.split(b"&"):
        for part in pair.split(b"=", 1):
            text_check(unquote_to_bytes(part.replace(b"+", b" ")))


def _json_strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _language(request: HttpRequest) -> str:
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def _wants_json(request: HttpRequest) -> bool:
    return request.path_info.startswith(_JSON_ROUTES) or "application/json" in request.headers.get("Accept", "")


# An API above gis_app whose clients expect their own error format (Open311's list of {code, description})
# registers how a refusal at the edge is written for its paths; gis_app knows no app.
RefusalRenderer = Callable[[HttpRequest, int, str], HttpResponse]
_REFUSAL_RENDERERS: list[tuple[str, RefusalRenderer]] = []


def refusal_renderer_register(prefix: str, renderer: RefusalRenderer) -> None:
    """`renderer(request, status, message)` answers the edge's refusals (400, 411, 413) under `prefix`."""
    if all(p != prefix for p, _r in _REFUSAL_RENDERERS):
        _REFUSAL_RENDERERS.append((prefix, renderer))


def _refusal(request: HttpRequest, *, status: int, code: str, message: str) -> HttpResponse:
    renderer = next((r for p, r in _REFUSAL_RENDERERS if request.path_info.startswith(p)), None)
    if renderer is not None:
        response = renderer(request, status, str(message))
    elif _wants_json(request):
        response = JsonResponse({"errors": {"__all__": [{"message": message, "code": code}]}}, status=status)
    else:
        response = render(request, "refused.html", {"message": message, "status": status}, status=status)
    response["Cache-Control"] = "no-store"
    if status == 413:
        response["Connection"] = "close"  # the unread body is not worth keeping the connection for
    return response


class InvalidTextMiddleware:
    """400 for a NUL, a control character or invalid UTF-8 anywhere a person's text arrives."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with translation.override(_language(request)):
            try:
                self._check(request)
            except InvalidText:
                return _refusal(
                    request,
                    status=400,
                    code="invalid_text",
                    message=_(
                        "The address or the form holds a character that cannot be text (a NUL, a control "
                        "character or invalid UTF-8). Remove it and try again."
                    ),
                )
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        # Django has already decoded the path, percent-encoding again the bytes that are not UTF-8
        # (its META["PATH_INFO"] is that text): undoing it finds them. A literal "%ED%A0%80" sent as
        # "%25ED%25A0%2580" is refused with them, which costs no one anything.
        text_check(unquote_to_bytes(request.path_info))
        _query_check(get_bytes_from_wsgi(request.META, "QUERY_STRING", ""))
        text_check(get_bytes_from_wsgi(request.META, "HTTP_COOKIE", ""))
        for name, value in request.COOKIES.items():  # a quoted value may spell a NUL as \000
            text_check(name)
            text_check(value)
        if request.method not in _BODY_METHODS:
            return
        content_type = request.content_type or ""
        if content_type == "application/x-www-form-urlencoded":
            _query_check(request.body)  # bounded by RequestBodyLimitMiddleware before this
        elif content_type == "multipart/form-data":
            for name, values in request.POST.lists():
                text_check(name)
                for value in values:
                    text_check(value)
            for name, uploads in request.FILES.lists():
                text_check(name)
                for upload in uploads:
                    text_check(upload.name or "")
        elif content_type == "application/json" or content_type.endswith("+json"):
            text = text_check(request.body)
            try:
                document = json.loads(text)
            except ValueError:
                return  # not JSON: the view says so
            for value in _json_strings(document):
                text_check(value)


def body_limit_for(request: HttpRequest) -> int:
    """The largest body (bytes) the request's route accepts: REQUEST_BODY_LIMITS by URL name, else
    REQUEST_BODY_DEFAULT_LIMIT."""
    limits: dict[str, int] = settings.REQUEST_BODY_LIMITS
    try:
        with translation.override(_language(request)):
            match = resolve(request.path_info)
    except Resolver404:
        return settings.REQUEST_BODY_DEFAULT_LIMIT
    return limits.get(match.view_name, settings.REQUEST_BODY_DEFAULT_LIMIT)


class RequestBodyLimitMiddleware:
    """413 for a body over its route's limit, from the Content-Length header alone: nothing of the
    body is read. A chunked body (no length) is refused with 411: Django would not read it anyway."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            with translation.override(_language(request)):
                return _refusal(
                    request,
                    status=411,
                    code="length_required",
                    message=_("Send the request with its length (Content-Length); chunked bodies are not accepted."),
                )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # as Django: a body of no stated length is not read
        if length > body_limit_for(request):
            with translation.override(_language(request)):
                limit = body_limit_for(request)
                return _refusal(
                    request,
                    status=413,
                    code="too_large",
                    message=_("The request is larger than this page accepts (at most %(limit)s).")
                    % {"limit": _size(limit)},
                )
        return self.get_response(request)


def _size(n: int) -> str:
    from gis_app.templatetags.persian import filesize_text

    return filesize_text(max(n, 1024))
