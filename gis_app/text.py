"""Digits and text normalisation shared by forms, importers and templates."""

_PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(_PERSIAN + _ARABIC_INDIC, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", _PERSIAN)


def digits_to_ascii(value: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII, as every validator expects."""
    return value.translate(_TO_ASCII)


def digits_to_persian(value: str) -> str:
    """ASCII digits to Persian digits, for display."""
    return value.translate(_TO_PERSIAN)


_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": " "})


def search_text(value: str) -> str:
    """Typed Persian as names are stored: Persian yeh and kaf, Persian digits, single spaces (a
    zero-width non-joiner counts as a space)."""
    return " ".join(digits_to_persian(digits_to_ascii(value)).translate(_ARABIC_LETTERS).split())
