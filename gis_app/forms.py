"""The project's form base, the query-parameter reader and the form fields shared by the JSON APIs
and the pages.

Every input channel normalises what a person typed (gis_app.text.normalise_input) in one place:
forms by deriving from Form (or NormalisedFormMixin), query parameters read outside a form by
query_value. tests/gis_app/test_normalise.py fails when a form of the project derives from
Django's Form directly.
"""

from __future__ import annotations

import datetime as dt

import jdatetime
from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gis_app.text import InputKind, digits_to_persian, normalise_input

# Fields whose values are not typed text, or must reach the code exactly as sent.
_UNTOUCHED = (forms.FileField, forms.BooleanField, forms.NullBooleanField)
_NUMBERS = (forms.IntegerField, forms.FloatField, forms.DecimalField)


def field_input_kind(field: forms.Field) -> InputKind | None:
    """How a field's value is normalised: the field's own input_kind when it says, else by its type;
    None for files, tick boxes and text kept exactly as typed (strip=False: passwords)."""
    kind = getattr(field, "input_kind", None)
    if kind is not None:
        return InputKind(kind)
    if isinstance(field, _UNTOUCHED):
        return None
    if isinstance(field, _NUMBERS):
        return InputKind.NUMBER
    if isinstance(field, forms.CharField):
        return InputKind.TEXT if field.strip else None
    return InputKind.CODE  # choices, dates, times: values the code compares with its own


def _normalised(value, kind: InputKind):
    return normalise_input(value, kind) if isinstance(value, str) else value


class NormalisedFormMixin:
    """Before a form is cleaned, each field's submitted value is normalised by its kind (Persian and
    Arabic digits, ٫ and ٬, Arabic letters, bidi marks, dashes; see normalise_input)."""

    def full_clean(self) -> None:
        if self.is_bound:
            self.data = self._normalised_data()
        super().full_clean()

    def _normalised_data(self):
        data = self.data.copy()  # a QueryDict's copy is mutable
        for name, field in self.fields.items():
            kind = field_input_kind(field)
            if kind is None:
                continue
            key = self.add_prefix(name)
            keys = [key, *(f"{key}_{i}" for i in range(len(getattr(field.widget, "widgets", ()))))]
            for k in keys:
                if k not in data:
                    continue
                if hasattr(data, "setlist"):
                    data.setlist(k, [_normalised(v, kind) for v in data.getlist(k)])
                elif isinstance(data[k], list | tuple):
                    data[k] = [_normalised(v, kind) for v in data[k]]
                else:
                    data[k] = _normalised(data[k], kind)
        return data


class Form(NormalisedFormMixin, forms.Form):
    """The base of every form of the project: typed values normalised before they are cleaned."""


class CodeField(forms.CharField):
    """A code, an identifier or a username, typed as the site shows it (Persian digits, bidi marks)."""

    input_kind = InputKind.CODE


class CodeInput(forms.TextInput):
    """A code's text box, left to right, showing a typed-back value as the page shows codes (Persian
    digits on a Persian page); the normaliser reads either back."""

    def __init__(self, attrs=None):
        super().__init__({"dir": "ltr", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        value = super().format_value(value)
        if value and (translation.get_language() or "").startswith("fa"):
            return digits_to_persian(value)
        return value


class NameField(forms.CharField):
    """A name or a search by name."""

    input_kind = InputKind.NAME


def query_value(params, name: str, *, kind: InputKind, max_chars: int) -> str:
    """A query parameter read outside a form (request.GET), normalised by kind and cut to max_chars."""
    return normalise_input(params.get(name, ""), kind)[:max_chars]


class BBoxField(forms.CharField):
    """A lon/lat box "minlon,minlat,maxlon,maxlat" (WGS 84), optionally no wider than max_span_deg.

    With antimeridian=True a box crossing the antimeridian is written minlon > maxlon (OGC API
    Features); otherwise the corners must be in order. A box with no width or height is refused."""

    input_kind = InputKind.CODE

    def __init__(self, *, max_span_deg: float | None = None, antimeridian: bool = False, **kwargs) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.max_span_deg = max_span_deg
        self.antimeridian = antimeridian

    def clean(self, value):
        raw = super().clean(value)
        if not raw:
            return None
        message = _("bbox must be four numbers: minlon,minlat,maxlon,maxlat.")
        try:
            values = tuple(float(v) for v in raw.split(","))
        except ValueError:
            raise forms.ValidationError(message, code="invalid") from None
        if len(values) != 4 or any(v != v or v in (float("inf"), float("-inf")) for v in values):
            raise forms.ValidationError(message, code="invalid")
        minx, miny, maxx, maxy = values
        if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
            raise forms.ValidationError(_("bbox corners are out of range or in the wrong order."), code="invalid")
        if minx == maxx or miny == maxy:
            raise forms.ValidationError(_("bbox has no width or no height."), code="degenerate")
        if miny > maxy or (minx > maxx and not self.antimeridian):
            raise forms.ValidationError(_("bbox corners are out of range or in the wrong order."), code="invalid")
        span_x = maxx - minx if minx < maxx else 360 - (minx - maxx)
        if self.max_span_deg and (span_x > self.max_span_deg or maxy - miny > self.max_span_deg):
            raise forms.ValidationError(_("Zoom in to see parcels: the box is too large."), code="too_large")
        return values


def parse_jalali_or_iso(text: str) -> dt.date:
    """1405/09/03 (Jalali) or 2026-11-24 (Gregorian), Persian digits accepted."""
    text = normalise_input(text, InputKind.CODE).replace("-", "/")
    parts = text.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    year, month, day = (int(p) for p in parts)
    if year < 1700:
        return jdatetime.date(year, month, day).togregorian()
    return dt.date(year, month, day)


class JalaliDateField(forms.CharField):
    """A date typed as Jalali (1405/09/03) or Gregorian (2026-11-24); never in the future."""

    input_kind = InputKind.CODE

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            date = parse_jalali_or_iso(text)
        except ValueError:
            raise forms.ValidationError(_("Write the date as 1405/09/03 (or 2026-11-24)."), code="invalid") from None
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."), code="future")
        if date < timezone.localdate() - dt.timedelta(days=3 * 365):
            raise forms.ValidationError(_("The date is more than three years ago."), code="too_old")
        return date
