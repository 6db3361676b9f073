from django import forms
from django.utils.translation import gettext_lazy as _


class BBoxForm(forms.Form):
    """A lon/lat box "minlon,minlat,maxlon,maxlat", at most ~3 km across."""

    MAX_SPAN_DEG = 0.03

    bbox = forms.CharField(max_length=200)

    def clean_bbox(self) -> tuple[float, float, float, float]:
        raw = self.cleaned_data["bbox"]
        try:
            values = tuple(float(v) for v in raw.split(","))
        except ValueError:
            raise forms.ValidationError(_("bbox must be four numbers: minlon,minlat,maxlon,maxlat.")) from None
        if len(values) != 4 or any(v != v for v in values):
            raise forms.ValidationError(_("bbox must be four numbers: minlon,minlat,maxlon,maxlat."))
        minx, miny, maxx, maxy = values
        if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
            raise forms.ValidationError(_("bbox corners are out of range or in the wrong order."))
        if maxx - minx > self.MAX_SPAN_DEG or maxy - miny > self.MAX_SPAN_DEG:
            raise forms.ValidationError(_("Zoom in to see parcels: the box is too large."))
        return values
