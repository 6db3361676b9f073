"""The one display layer: numbers, areas, lengths, shares, money, durations, file sizes, counts, dates
and codes for Persian and English pages. Templates use the filters; Python code that writes text a
person reads (messages, explanations, labels) calls the same functions (the *_text ones return plain
text, the filters isolated HTML). tests/gis_app/test_display.py keeps templates from formatting by hand."""

import datetime as dt
import re

from django import template
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    """A number with thousands separators, in Persian digits (and the Persian separators) in Persian;
    a fraction as `number_text` writes it (480.0 → ۴۸۰, as every other filter shows the same figure)."""
    if value is None or value == "":
        return ""
    return number_text(value)


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
    text = pattern % {"n": number_text(value, places)}
    if float(value) < 0:  # the minus sign stays on the number's left in a right-to-left line
        return format_html('<bdi class="qty" dir="ltr">{}</bdi>', text)
    return format_html('<bdi class="qty">{}</bdi>', text)


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
    """Free text with numbers in it (a note, an explanation): decimals without trailing zeros, and
    Persian digits and decimal separator on a Persian page. Codes belong in `ltr_code`, not in such text."""
    if value is None:
        return ""
    text = _DECIMAL.sub(_tidy_decimal, str(value))
    if _persian_active():
        return digits_to_persian(_DECIMAL_POINT.sub("٫", text))
    return text


_DECIMAL = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?![\d.])")


def _tidy_decimal(match: re.Match) -> str:
    """230.750 → 230.75, 0.00 → 0: a figure in a sentence carries no trailing zeros."""
    whole, fraction = match.group(1), match.group(2).rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


# --- counts, money, durations, file sizes, dates in form fields -------------------------------------


def count_text(value) -> str:
    """A whole number for text: 1,234 / ۱٬۲۳۴."""
    return number_text(int(value), 0)


@register.filter
def fa_count(value):
    """A count (files, events, rows): `{{ n|fa_count }}`, never `{{ n }}`."""
    if value is None or value == "":
        return ""
    return count_text(value)


def money_text(value) -> str:
    """An amount in rials: ۱۲٬۵۰۰٬۰۰۰ ریال / 12,500,000 IRR."""
    return _("%(n)s IRR") % {"n": count_text(value)}


@register.filter
def fa_money(value):
    """An amount in rials with thousands separators and the currency, isolated."""
    if value is None or value == "":
        return ""
    if int(value) < 0:  # a discount: the minus sign stays on the number's left, as with every quantity
        return format_html('<bdi class="qty" dir="ltr">{}</bdi>', money_text(value))
    return format_html('<bdi class="qty">{}</bdi>', money_text(value))


def days_left_text(value) -> str:
    """Working days to a time limit: «۲ روز کاری مانده» / "2 working days left"; overdue when negative."""
    n = int(value)
    if n < 0:
        return ngettext("%(n)s working day overdue", "%(n)s working days overdue", -n) % {"n": count_text(-n)}
    return ngettext("%(n)s working day left", "%(n)s working days left", n) % {"n": count_text(n)}


@register.filter
def fa_days_left(value):
    """`{{ row.days_left|fa_days_left }}`: see days_left_text."""
    if value is None or value == "":
        return ""
    return days_left_text(value)


def filesize_text(value) -> str:
    """A file's size: ۳۴۰ کیلوبایت / 340 KB, ۱٫۲ مگابایت / 1.2 MB."""
    n = int(value)
    if n >= 2**20:
        return _("%(n)s MB") % {"n": number_text(n / 2**20, 1)}
    if n >= 1024:
        return _("%(n)s KB") % {"n": number_text(n / 1024, 0)}
    return ngettext("%(n)s byte", "%(n)s bytes", n) % {"n": count_text(n)}


@register.filter
def fa_filesize(value):
    """A file's size in bytes, with its unit in the page's language, isolated."""
    if value is None or value == "":
        return ""
    return format_html('<bdi class="qty">{}</bdi>', filesize_text(value))


def date_input_text(value: dt.date) -> str:
    """A date pre-filled in a form field as the person would type it: Jalali in Persian digits
    (۱۴۰۵/۰۹/۰۹) on a Persian page, 2026-11-30 on an English one; JalaliDateField reads both back."""
    return jalali.format_date(value)


def separator_text() -> str:
    """Between the items of a line: the Persian comma on a Persian page (a middle dot after a code reads
    as a Persian zero there), a middle dot on an English one."""
    return "، " if _persian_active() else " · "


@register.simple_tag
def sep():
    """`{% sep %}` between the items of a line, after a code or a number."""
    return separator_text()


@register.simple_tag
def arrow():
    """`{% arrow %}` from one step to the next: it points the way the line reads (← in Persian)."""
    return "←" if _persian_active() else "→"


# Codes a stored message may carry (a tracking code in a notification, a file code in a note).
_CODES_IN_TEXT = re.compile(
    r"BJ-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{2}"  # tracking code
    r"|\d{2}[NS]-\d{4}-\d{5}-\d{3}-[0-9X]"  # file code
    r"|(?<![\d-])\d{1,4}(?:-\d{1,5}){6}(?![\d-])"  # renovation code
    r"|\b[A-Z]{1,2}\d{2,4}\b"  # a zone's plan code (R121)
)


@register.filter
def fa_message(value):
    """Stored text a person reads (a notification, a reason): its codes isolated left to right as
    `ltr_code` shows them, its other numbers as `fa_text`."""
    if value is None:
        return ""
    text = str(value)
    parts, last = [], 0
    for match in _CODES_IN_TEXT.finditer(text):
        parts += [fa_text(text[last : match.start()]), ltr_code(match.group())]
        last = match.end()
    parts.append(fa_text(text[last:]))
    return format_html("{}" * len(parts), *parts)


# Latin runs in Persian text: names of formats, products and attributes a person types as written
# ("GeoJSON", "Google Authenticator", "point_id", "EPSG:4326"); an entity (&amp; &#x27;) is no run.
_LATIN_RUN = re.compile(r"(?<![&#\w])[A-Za-z][\w.:/+\-]*(?: [A-Za-z][\w.:/+\-]*)*")
_LATIN_DIGITS = re.compile(r"(?<![&#\w])\d+")
_SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
_TAG = re.compile(r"(<[^>]*>|&#?\w+;)")  # tags and entities, kept as they are


def _isolate_runs(text: str) -> str:
    out, last = [], 0
    for match in _LATIN_RUN.finditer(text):
        out.append(_LATIN_DIGITS.sub(lambda m: digits_to_persian(m.group()), text[last : match.start()]))
        out.append(f'<bdi dir="ltr" class="code">{match.group()}</bdi>')
        last = match.end()
    out.append(_LATIN_DIGITS.sub(lambda m: digits_to_persian(m.group()), text[last:]))
    return "".join(out)


@register.filter(is_safe=True)
def latin_isolated(value):
    """Persian text (a help text, a translated hint) whose Latin names are isolated left to right as
    codes and whose digits are Persian; unchanged on an English page. Use around translated text that
    names formats or products: `{% filter latin_isolated %}{% translate "…" %}{% endfilter %}`."""
    if value is None:
        return ""
    html = str(conditional_escape(value))
    if not _persian_active():  # only the names a person types as written (point_id) are marked
        parts = (p if _TAG.fullmatch(p) else _SNAKE.sub(r"<code>\g<0></code>", p) for p in _TAG.split(html))
        return mark_safe("".join(parts))  # noqa: S308 - escaped above; only code tags are added
    return mark_safe("".join(part if _TAG.fullmatch(part) else _isolate_runs(part) for part in _TAG.split(html)))  # noqa: S308 - escaped above; only bdi tags are added
