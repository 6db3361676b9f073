"""Gap-free serials per document kind and Jalali year (Asia/Tehran).

The counter row is incremented with one `INSERT … ON CONFLICT DO UPDATE … RETURNING` inside the caller's
transaction (the one that records the issuance): the row stays locked until that transaction ends, so
two issuances of a kind in a year take consecutive numbers one after the other, and a rollback returns
its number with it. Never a database sequence (its numbers are lost on rollback) nor max+1 (two
transactions read the same max).
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection, transaction
from django.utils import timezone

from documents.models import SERIAL_PREFIX, DocumentKind
from gis_app.jalali import to_jalali

SEQUENCE_DIGITS = 6
SERIAL_RE = re.compile(r"(?P<prefix>[A-Z]{2})-(?P<year>1[34][0-9]{2})-(?P<sequence>[0-9]{6,9})")
KIND_OF_PREFIX = {prefix: kind for kind, prefix in SERIAL_PREFIX.items()}


def jalali_year(at: dt.datetime | None = None) -> int:
    """The Jalali year of an instant in the site's time zone (Asia/Tehran)."""
    return to_jalali(timezone.localtime(at or timezone.now())).year


def serial_text(*, kind: str, year: int, sequence: int) -> str:
    """BP-1405-000017: the kind's prefix, the Jalali year and the sequence (ASCII, read left to right)."""
    return f"{SERIAL_PREFIX[DocumentKind(kind)]}-{year}-{sequence:0{SEQUENCE_DIGITS}d}"


def serial_parse(text: str) -> tuple[str, int, int] | None:
    """(kind, year, sequence) of a well-formed serial; None for anything else."""
    match = SERIAL_RE.fullmatch(text or "")
    if match is None or match["prefix"] not in KIND_OF_PREFIX:
        return None
    return KIND_OF_PREFIX[match["prefix"]].value, int(match["year"]), int(match["sequence"])


def serial_next(*, kind: str, year: int) -> int:
    """The next number of a kind in a year, taken in the caller's transaction (which must be open)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serial_next must run inside the transaction that records the issuance")
    DocumentKind(kind)  # an unknown kind raises before anything is written
    with connection.cursor() as cur:
        # one statement: creates the year's row on its first issuance, otherwise increments under the row lock
        cur.execute(
            "INSERT INTO documents_serialcounter (kind, jalali_year, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (kind, jalali_year) DO UPDATE SET last = documents_serialcounter.last + 1 "
            "RETURNING last",
            [kind, year],
        )
        return cur.fetchone()[0]
