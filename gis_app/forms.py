"""Form fields shared by the JSON APIs."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BBoxField(forms.CharField):
    """A lon/lat box "minlon,minlat,maxlon,maxlat" (WGS 84), optionally no wider than max_span_deg."""

    def __init__(self, *, max_span_deg: float | None = None, **kwargs) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.max_span_deg = max_span_deg

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
        if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
            raise forms.ValidationError(_("bbox corners are out of range or in the wrong order."), code="invalid")
        if self.max_span_deg and (maxx - minx > self.max_span_deg or maxy - miny > self.max_span_deg):
            raise forms.ValidationError(_("Zoom in to see parcels: the box is too large."), code="too_large")
        return values
