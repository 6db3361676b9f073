"""Every dashboard table as CSV or XLSX (openpyxl), with spreadsheet formula injection escaped."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

# A cell a spreadsheet would read as a formula (or as a command, for tab and CR) starts with one of these
# (OWASP "CSV injection"); such a text cell is written with a leading apostrophe, so it stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    name: str  # the file name's stem
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple, ...]


def cell_safe(value):
    """A value for a cell: numbers stay numbers, text that starts like a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark (spreadsheets then read Persian correctly)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell_safe(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([cell_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(table: Table, *, rtl: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.name[:31]
    sheet.sheet_view.rightToLeft = rtl
    sheet.append([cell_safe(h) for h in table.headers])
    for row in table.rows:
        sheet.append([cell_safe(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows_of(records: Sequence, fields: Sequence[str]) -> tuple[tuple, ...]:
    return tuple(tuple(getattr(r, f) for f in fields) for r in records)
