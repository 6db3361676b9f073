"""Template filters for Persian display: digits, Jalali dates, left-to-right codes."""

import datetime as dt
import re

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from gis_app import jalali
from gis_app.text import digits_to_persian

register = template.Library()


def _persian_active() -> bool:
    return (translation.get_language() or "fa").startswith("fa")


@register.filter
def fa_digits(value):
    """Persian digits when the page is in Persian; unchanged otherwise."""
    if value is None:
        return ""
    return digits_to_persian(str(value)) if _persian_active() else str(value)


@register.filter
def fa_number(value):
    """A number with thousands separators, in Persian digits (and the Persian separator) in Persian."""
    if value is None or value == "":
        return ""
    text = intcomma(value, use_l10n=False)
    if _persian_active():
        return digits_to_persian(text).replace(",", "٬").replace(".", "٫")
    return text


@register.filter
def jdate(value, arg: str = ""):
    """A date as Jalali in Persian (1405/09/03), Gregorian in English; `jdate:"time"` adds the time."""
    if not isinstance(value, dt.date):
        return ""
    return jalali.format_date(value, with_time=arg == "time")


@register.filter
def ltr_code(value):
    """Wrap a code (renovation code, plate, file code) so RTL text does not reverse it."""
    if value is None:
        return ""
    return format_html('<bdi dir="ltr" class="code">{}</bdi>', fa_digits(value))


# --- quantities: one place formats numbers with their units for both languages --------------------


def number_text(value, places: int = 2) -> str:
    """A number rounded to `places` decimals (trailing zeros dropped) and grouped by thousands: Persian
    digits with the Persian separators (٬ ٫) on a Persian page, 1,234.5 on an English one."""
    number = round(float(value), places)
    text = f"{number:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    if _persian_active():
        return digits_to_persian(text).replace(",", "٬").replace(".", "٫")
    return text


def _quantity(value, places: int, pattern: str):
    if value is None or value == "":
        return ""
    return format_html('<bdi class="qty">{}</bdi>', pattern % {"n": number_text(value, places)})


@register.filter
def fa_decimal(value, places=2):
    """A plain number for display: `{{ x|fa_decimal }}` (2 decimals at most), `{{ x|fa_decimal:0 }}`."""
    if value is None or value == "":
        return ""
    return number_text(value, int(places))


@register.filter
def fa_area(value, places=2):
    """An area in square metres with its unit, isolated: ۴۸۰ مترمربع / 480 m²."""
    return _quantity(value, int(places), _("%(n)s m²"))


@register.filter
def fa_length(value, places=2):
    """A length in metres with its unit, isolated: ۱۲٫۵ متر / 12.5 m."""
    return _quantity(value, int(places), _("%(n)s m"))


@register.filter
def fa_percent(value, places=0):
    """A percentage, isolated: ۵۱٪ / 51% (`share` values from 0 to 1 go through `fa_share`)."""
    return _quantity(value, int(places), _("%(n)s%%"))


@register.filter
def fa_share(value, places=0):
    """A share from 0 to 1 as a percentage: 0.512 → ۵۱٪ / 51%."""
    if value is None or value == "":
        return ""
    return fa_percent(float(value) * 100, places)


_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


@register.filter
def fa_text(value):
    """Free text with numbers in it (a note, an explanation): Persian digits and decimal separator on
    a Persian page; unchanged otherwise. Codes belong in `ltr_code`, not in such text."""
    if value is None:
        return ""
    text = str(value)
    if _persian_active():
        return digits_to_persian(_DECIMAL_POINT.sub("٫", text))
    return text
