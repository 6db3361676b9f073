"""Public (anonymous) database work, bounded: a statement timeout per request and a clear 503 past it.

Every public endpoint (OGC API, tiles, find, buildable, parcel lookup, the print page) runs its
database work inside one transaction with `SET LOCAL statement_timeout`, so a request that would
keep a worker busy is cancelled by PostgreSQL after PUBLIC_STATEMENT_TIMEOUT_MS and answered with
a translated 503 (JSON for the APIs, a page for the pages) that asks the caller to try again.
SET LOCAL ends with the transaction: the connection, reused by the next (maybe staff) request,
keeps the server's own timeout.
"""

from __future__ import annotations

import functools

import psycopg
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

RETRY_AFTER_S = 5


def _cancelled(exc: BaseException) -> bool:
    """Whether an error is PostgreSQL cancelling a statement (statement_timeout or a cancel)."""
    return isinstance(exc, psycopg.errors.QueryCanceled) or isinstance(
        getattr(exc, "__cause__", None), psycopg.errors.QueryCanceled
    )


def statement_timeout_ms() -> int:
    """The public statement timeout in milliseconds (PUBLIC_STATEMENT_TIMEOUT_MS)."""
    return max(1, int(settings.PUBLIC_STATEMENT_TIMEOUT_MS))


def busy_message() -> str:
    return _("The service is busy and could not answer in time. Please try again in a few seconds.")


def public_db_work(*, json: bool = True):
    """Decorate a public view: its database work runs under the public statement timeout, and a
    cancelled statement answers 503 (JSON {"code": "ServiceUnavailable", ...} or a short page)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                with transaction.atomic():
                    with connection.cursor() as cur:
                        # no parameters: SET takes no placeholders; the value is an int we made
                        cur.execute(f"SET LOCAL statement_timeout = {statement_timeout_ms()}")
                    return view(request, *args, **kwargs)
            except (OperationalError, psycopg.errors.QueryCanceled) as exc:
                if not _cancelled(exc):
                    raise
            message = busy_message()
            if json:
                response = JsonResponse({"code": "ServiceUnavailable", "description": message}, status=503)
            else:
                response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=503)
            response["Retry-After"] = str(RETRY_AFTER_S)
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorate
