"""Content-Security-Policy violation reports from browsers: read, bounded, and logged.

Browsers send them unasked and anyone can send one, so nothing here trusts the body: it is at most
REQUEST_BODY_LIMITS["csp_report"] bytes (refused with 413 before it is read), at most
MAX_REPORTS_PER_BODY reports are taken from it, each field is cut to MAX_FIELD_CHARS and stripped of
control characters before it reaches the log, and nothing is stored in the database.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gis_app.errors import DomainError

logger = logging.getLogger("csp")

MAX_REPORTS_PER_BODY = 20
MAX_FIELD_CHARS = 200
# report-uri (CSP level 2) posts one {"csp-report": {...}}; the Reporting API posts a list of
# {"type": "csp-violation", "body": {...}} as application/reports+json.
CONTENT_TYPES = {"application/csp-report", "application/json", "application/reports+json"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")

# field in the report -> (name in report-uri's kebab-case, name in the Reporting API's camelCase)
_FIELDS = {
    "document": ("document-uri", "documentURL"),
    "directive": ("effective-directive", "effectiveDirective"),
    "violated": ("violated-directive", "violatedDirective"),
    "blocked": ("blocked-uri", "blockedURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "sample": ("script-sample", "sample"),
    "disposition": ("disposition", "disposition"),
}


class BadReport(DomainError):
    """The body is not a CSP violation report; `code` names why."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CspViolation:
    """One violation as a browser described it, every field bounded and free of control characters."""

    document: str
    directive: str
    blocked: str
    source: str
    line: str
    sample: str
    disposition: str


def _clean(value: object) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = _CONTROL.sub(" ", str(value))
    return text[:MAX_FIELD_CHARS] + ("…" if len(text) > MAX_FIELD_CHARS else "")


def _violation(body: dict) -> CspViolation:
    def field(name: str) -> str:
        kebab, camel = _FIELDS[name]
        return _clean(body.get(kebab, body.get(camel)))

    return CspViolation(
        document=field("document"),
        directive=field("directive") or field("violated"),
        blocked=field("blocked"),
        source=field("source"),
        line=field("line"),
        sample=field("sample"),
        disposition=field("disposition"),
    )


def csp_report_parse(*, content_type: str, read_body: Callable[[], bytes]) -> list[CspViolation]:
    """The violations in a browser's report body; BadReport (with a translated message) when it is none.
    The body is read only for a report's content type (a form's body may already have been parsed)."""
    if content_type not in CONTENT_TYPES:
        raise BadReport(
            _("A violation report is sent as application/csp-report or application/reports+json."),
            code="unsupported_type",
        )
    body = read_body()
    if not body.strip():
        raise BadReport(_("The violation report is empty."), code="empty")
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadReport(_("The violation report is not valid JSON."), code="not_json") from None
    if isinstance(document, dict) and isinstance(document.get("csp-report"), dict):
        bodies = [document["csp-report"]]
    elif isinstance(document, list):
        bodies = [
            item["body"]
            for item in document[:MAX_REPORTS_PER_BODY]
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    else:
        bodies = []
    if not bodies:
        raise BadReport(
            _('The body holds no Content-Security-Policy violation report (no "csp-report" object).'),
            code="not_a_report",
        )
    return [_violation(b) for b in bodies]


def csp_violations_log(*, violations: list[CspViolation], client: str) -> None:
    """Log each violation as one warning line on the "csp" logger."""
    for v in violations:
        logger.warning(
            "CSP violation: directive=%s blocked=%s document=%s source=%s:%s sample=%s disposition=%s client=%s",
            v.directive,
            v.blocked,
            v.document,
            v.source,
            v.line,
            v.sample,
            v.disposition,
            _clean(client),
        )
