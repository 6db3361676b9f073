"""File codes (کد پرونده) derived from the parcel's UTM position (DESIGN.md §5).

    40N-5291-41476-007-3
    |   |    |     |   +-- check character, ISO 7064 MOD 11-2 over the 15 digits (0-9 or X)
    |   |    |     +------ sequence within the cell (001-999), never reused
    |   |    +------------ northing of the 100 m grid cell (metres / 100)
    |   +----------------- easting of the 100 m grid cell (metres / 100)
    +--------------------- UTM zone and hemisphere of the storage CRS

The point is a point on the parcel's surface (ST_PointOnSurface), so the code reads back to the
100 m cell that holds the parcel. MOD 11-2 catches every single wrong digit and every swap of two
neighbouring characters (dashes aside), the check character included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gis_app.text import InputKind, normalise_input

CELL_M = 100
SEQ_MAX = 999
_CODE_RE = re.compile(r"^(\d{2})([NS])-(\d{4})-(\d{5})-(\d{3})-([0-9X])$")


class InvalidFileCode(ValueError):
    """The text is not a file code, or its check character does not match."""


@dataclass(frozen=True)
class FileCode:
    zone: int
    hemisphere: str
    cell_e: int
    cell_n: int
    seq: int

    @property
    def srid(self) -> int:
        return (32600 if self.hemisphere == "N" else 32700) + self.zone

    def digits(self) -> str:
        hemi = "1" if self.hemisphere == "N" else "0"
        return f"{self.zone:02d}{hemi}{self.cell_e:04d}{self.cell_n:05d}{self.seq:03d}"

    def cell_bounds(self) -> tuple[float, float, float, float]:
        """The 100 m cell (min E, min N, max E, max N) in this code's UTM zone."""
        e, n = self.cell_e * CELL_M, self.cell_n * CELL_M
        return (e, n, e + CELL_M, n + CELL_M)

    def __str__(self) -> str:
        body = f"{self.zone:02d}{self.hemisphere}-{self.cell_e:04d}-{self.cell_n:05d}-{self.seq:03d}"
        return f"{body}-{check_character(self.digits())}"


def check_character(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character over a string of digits."""
    p = 0
    for d in digits:
        p = ((p + int(d)) * 2) % 11
    c = (12 - p) % 11
    return "X" if c == 10 else str(c)


def zone_of_srid(srid: int) -> tuple[int, str]:
    """(zone, hemisphere) of a WGS 84 / UTM SRID; other CRSs cannot carry file codes."""
    if 32601 <= srid <= 32660:
        return srid - 32600, "N"
    if 32701 <= srid <= 32760:
        return srid - 32700, "S"
    raise ValueError(f"EPSG:{srid} is not a WGS 84 / UTM zone; file codes need one")


def file_code_for(*, srid: int, easting: float, northing: float, seq: int) -> FileCode:
    """The file code of the seq-th parcel whose point on surface is at (easting, northing)."""
    if not 1 <= seq <= SEQ_MAX:
        raise ValueError(f"sequence {seq} outside 1..{SEQ_MAX}")
    zone, hemi = zone_of_srid(srid)
    return FileCode(zone, hemi, int(easting // CELL_M), int(northing // CELL_M), seq)


def file_code_normalise(text: str) -> str:
    """Normalised as a code (Persian digits, bidi marks, dashes), upper case, spaces and slashes to '-'."""
    text = normalise_input(text, InputKind.CODE).upper()
    text = re.sub(r"[\s_\u2010-\u2015\u2212/]+", "-", text)
    return text


def file_code_parse(text: str) -> FileCode:
    """A file code from what a person typed, or InvalidFileCode saying what is wrong."""
    code = file_code_normalise(text)
    match = _CODE_RE.match(code)
    if not match:
        raise InvalidFileCode(_("A file code looks like 40N-5291-41476-007-3."))
    zone, hemi, ce, cn, seq, check = match.groups()
    parsed = FileCode(int(zone), hemi, int(ce), int(cn), int(seq))
    if not 1 <= parsed.zone <= 60 or parsed.seq == 0:
        raise InvalidFileCode(_("A file code looks like 40N-5291-41476-007-3."))
    if check_character(parsed.digits()) != check:
        raise InvalidFileCode(_("The check character does not match: a character was probably mistyped."))
    return parsed


def cell_sql(metres: str) -> str:
    """A SQL expression for the 100 m cell number of a coordinate given as a SQL expression."""
    return f"floor(({metres}) / {CELL_M})::int"


def file_code_sql(*, srid: int, cell_e: str, cell_n: str, seq: str) -> str:
    """A SQL expression composing the file code from SQL integer expressions for the cell (see
    cell_sql; columns are cheapest, each is read many times) and the sequence.

    The same MOD 11-2 computation as check_character, unrolled into arithmetic on the digits so
    PostgreSQL computes a million codes in one pass. tests/parcels/test_filecodes.py pins the two
    against each other.
    """
    zone, hemi = zone_of_srid(srid)
    # Digits of the 15-digit string as SQL expressions, most significant first.
    digit_sql = [str(zone // 10), str(zone % 10), "1" if hemi == "N" else "0"]
    # mod() rather than %, so the expression can sit in a query with parameters.
    digit_sql += [f"mod(({cell_e}) / {10**k}, 10)" for k in (3, 2, 1, 0)]
    digit_sql += [f"mod(({cell_n}) / {10**k}, 10)" for k in (4, 3, 2, 1, 0)]
    digit_sql += [f"mod(({seq})::int / {10**k}, 10)" for k in (2, 1, 0)]
    n = len(digit_sql)
    # p = sum(d_k * 2^(n-k+1)) mod 11 for k = 1..n, then check = (12 - p) mod 11, 10 written X.
    terms = " + ".join(f"{d} * {pow(2, n - k + 1, 11)}" for k, d in enumerate(digit_sql, start=1))
    check = f"substr('0123456789X', mod(12 - mod({terms}, 11), 11) + 1, 1)"
    return (
        f"('{zone:02d}{hemi}-' || lpad(({cell_e})::text, 4, '0') || '-' || lpad(({cell_n})::text, 5, '0') || '-' "
        f"|| lpad(({seq})::text, 3, '0') || '-' || {check})"
    )
