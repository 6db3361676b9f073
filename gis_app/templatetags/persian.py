"""Template filters for Persian display: digits, Jalali dates, left-to-right codes."""

import datetime as dt

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation
from django.utils.html import format_html

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
