"""Iranian identifiers: national ID (کد ملی), Sheba (IBAN) and postal code.

Pure functions plus Django validators that call them. Input may use Persian or Arabic-Indic digits;
it is normalised to ASCII first (DOMAIN.md, Identifiers).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gis_app.text import InputKind, normalise_input


def normalise_digits(value: str) -> str:
    """An identifier as a code (see normalise_input) without its spaces and dashes."""
    return normalise_input(value, InputKind.CODE).replace(" ", "").replace("-", "")


def national_id_check_digit(first_nine: str) -> int:
    """The check digit of a 10-digit Iranian national ID from its first nine digits."""
    s = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    r = s % 11
    return r if r < 2 else 11 - r


def is_valid_national_id(value: str) -> bool:
    """True for a 10-digit national ID whose check digit is right and whose digits are not all equal."""
    code = normalise_digits(value)
    if len(code) != 10 or not code.isdigit() or len(set(code)) == 1:
        return False
    return national_id_check_digit(code[:9]) == int(code[9])


def is_valid_sheba(value: str) -> bool:
    """True for an Iranian IBAN: IR, 2 check digits, 22 digits, ISO 13616 mod 97 == 1."""
    iban = normalise_digits(value).upper()
    if len(iban) != 26 or not iban.startswith("IR") or not iban[2:].isdigit():
        return False
    rearranged = iban[4:] + "1827" + iban[2:4]  # I=18, R=27
    return int(rearranged) % 97 == 1


def is_valid_postal_code(value: str) -> bool:
    """True for a 10-digit postal code with no 0 or 2 in its first five digits."""
    code = normalise_digits(value)
    return len(code) == 10 and code.isdigit() and not set(code[:5]) & {"0", "2"}


def validate_national_id(value: str) -> None:
    if not is_valid_national_id(value):
        raise ValidationError(
            _("Enter a valid 10-digit national ID (its check digit does not match)."), code="national_id"
        )


def validate_sheba(value: str) -> None:
    if not is_valid_sheba(value):
        raise ValidationError(_("Enter a valid Sheba number: IR followed by 24 digits."), code="sheba")


def validate_postal_code(value: str) -> None:
    if not is_valid_postal_code(value):
        raise ValidationError(_("Enter a valid 10-digit postal code."), code="postal_code")


def national_ids_valid(values: list[str | None]):
    """is_valid_national_id over a whole column at once (numpy), for importers of large files."""
    import numpy as np

    normalised = [normalise_digits(v) if isinstance(v, str) else "" for v in values]
    lengths = np.fromiter(map(len, normalised), dtype=np.int64, count=len(normalised))
    codes = np.array(normalised, dtype="U10")  # longer values are cut here but fail on length
    chars = codes.view(np.uint32).reshape(len(codes), 10).astype(np.int64) - ord("0")
    digits_ok = ((chars >= 0) & (chars <= 9)).all(axis=1) & (lengths == 10)
    chars = np.where(digits_ok[:, None], chars, 0)
    s = (chars[:, :9] * np.arange(10, 1, -1)).sum(axis=1)
    r = s % 11
    check = np.where(r < 2, r, 11 - r)
    not_all_equal = (chars != chars[:, :1]).any(axis=1)
    return digits_ok & not_all_equal & (check == chars[:, 9])
