"""Form fields shared by the JSON APIs and the pages."""

import datetime as dt

import jdatetime
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gis_app.text import digits_to_ascii


class BBoxField(forms.CharField):
    """A lon/lat box "minlon,minlat,maxlon,maxlat" (WGS 84), optionally no wider than max_span_deg.

    With antimeridian=True a box crossing the antimeridian is written minlon > maxlon (OGC API
    Features); otherwise the corners must be in order. A box with no width or height is refused."""

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
    text = digits_to_ascii(text.strip()).replace("-", "/")
    parts = text.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    year, month, day = (int(p) for p in parts)
    if year < 1700:
        return jdatetime.date(year, month, day).togregorian()
    return dt.date(year, month, day)


class JalaliDateField(forms.CharField):
    """A date typed as Jalali (1405/09/03) or Gregorian (2026-11-24); never in the future."""

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
