"""Digits and text normalisation shared by forms, importers and templates.

normalise_input is the one normaliser of what a person types: every form (gis_app.forms.Form), every
query parameter (gis_app.forms.query_value) and the login form call it, so a field cannot forget it.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

_PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(_PERSIAN + _ARABIC_INDIC, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", _PERSIAN)

ZWNJ = "\u200c"
TATWEEL = "\u0640"
# Invisible marks a copy out of a page brings along: LRM, RLM, ALM, the embeddings and overrides
# (LRE RLE PDF LRO RLO), the isolates (LRI RLI FSI PDI), zero-width space and joiner, word joiner,
# and a byte-order mark. None of them is ever part of a code, a number or a name.
BIDI_MARKS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200d\u2060\ufeff"
_DROP_MARKS = str.maketrans("", "", BIDI_MARKS)
# Arabic letters a Persian keyboard's neighbours type, as Persian stores them; in names (not in free
# text) ة is also the ه names are stored with.
_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_NAME_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه"})
# Dashes and minus signs that look like "-": hyphen, non-breaking hyphen, figure/en/em dashes,
# horizontal bar, minus sign, small and full-width hyphen-minus.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"))
# Thousands separators: comma, Persian/Arabic thousands separator (٬), Arabic comma (،), and the
# spaces some keyboards group digits with (no-break, thin, narrow no-break).
_GROUP = ",٬، \u00a0\u2009\u202f'"
_GROUPED = re.compile(rf"^([-+]?)(\d{{1,3}})((?:[{_GROUP}]\d{{3}})+)(\.\d*)?$")
_SPACES = re.compile(r"\s+")


class InputKind(StrEnum):
    """What a typed value is, which says how it is normalised (see normalise_input)."""

    CODE = "code"  # file, tracking, postal, renovation codes, plates, usernames, national IDs
    NUMBER = "number"  # an integer or a decimal number
    NAME = "name"  # a street, a person's name, a search
    TEXT = "text"  # free text: notes, descriptions, reasons


def digits_to_ascii(value: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII, as every validator expects."""
    return value.translate(_TO_ASCII)


def digits_to_persian(value: str) -> str:
    """ASCII digits to Persian digits, for display."""
    return value.translate(_TO_PERSIAN)


def _code(text: str) -> str:
    # NFKC turns full-width letters, digits and punctuation (ＢＪ－７) into ASCII.
    text = unicodedata.normalize("NFKC", digits_to_ascii(text)).translate(_DASHES)
    return _SPACES.sub(" ", text).strip()


def _number(text: str) -> str:
    text = _code(text).replace("٫", ".")
    if text[:1] in "-+" or text[:1].isdigit():
        grouped = _GROUPED.match(text)
        if grouped:  # only well-formed groups of three: "1,5" stays as typed and is refused
            sign, head, groups, tail = grouped.groups()
            text = sign + head + re.sub(rf"[{_GROUP}]", "", groups) + (tail or "")
    return text


def _name(text: str) -> str:
    text = digits_to_persian(digits_to_ascii(text)).translate(_NAME_LETTERS).replace(TATWEEL, "")
    # a zero-width non-joiner next to a space, or doubled, is a stray; inside a word it is spelling
    text = re.sub(rf"\s*{ZWNJ}[\s{ZWNJ}]*", lambda m: " " if m.group().strip(ZWNJ) else ZWNJ, text)
    return _SPACES.sub(" ", text).strip().strip(ZWNJ)


def normalise_input(value: object, kind: InputKind | str = InputKind.TEXT) -> str:
    """What a person typed, as the code expects it; every kind drops invisible bidi marks.

    CODE: ASCII digits, ASCII letters for full-width ones, every dash "-", single inner spaces, no
    blanks around. NUMBER: as CODE, ٫ is the decimal point, well-formed thousands separators (, ٬ ،
    or a space between groups of three) dropped. NAME: Persian digits (names are stored so),
    Persian yeh and kaf, no tatweel, single spaces, a zero-width non-joiner kept only inside a
    word. TEXT: Persian yeh and kaf, blanks around dropped; digits and line breaks as typed.
    """
    if value is None:
        return ""
    text = str(value).translate(_DROP_MARKS)
    match InputKind(kind):
        case InputKind.CODE:
            return _code(text)
        case InputKind.NUMBER:
            return _number(text)
        case InputKind.NAME:
            return _name(text)
        case InputKind.TEXT:
            return text.translate(_ARABIC_LETTERS).strip()


def search_text(value: str) -> str:
    """Typed Persian as names are stored: Persian yeh and kaf, Persian digits, single spaces."""
    return normalise_input(value, InputKind.NAME)


# name_key in SQL (zoning.models.Street.name_key): translate() maps the first characters to the
# Persian ones at the same place and deletes the rest (spaces, ZWNJ, tatweel). Pinned to name_key
# by tests/gis_app/test_normalise.py.
NAME_KEY_FROM = "يىكة0123456789٠١٢٣٤٥٦٧٨٩" + " " + ZWNJ + TATWEEL + BIDI_MARKS
NAME_KEY_TO = "ییکه" + _PERSIAN * 2


def name_key(value: str) -> str:
    """A name as it is compared: normalised, lower case, without spaces and zero-width non-joiners, so
    «ولی عصر», «ولی‌عصر» and «ولیعصر» are one street."""
    return normalise_input(value, InputKind.NAME).replace(" ", "").replace(ZWNJ, "").lower()
