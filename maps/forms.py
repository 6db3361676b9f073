from django import forms
from django.utils.translation import gettext_lazy as _

from gis_app.forms import BBoxField, Form
from maps.ogc import CRS84, DEFAULT_LIMIT, MAX_LIMIT


class ItemsForm(Form):
    """Query parameters of an OGC API items request (limit/offset paging, a CRS84 bbox)."""

    KNOWN = {"limit", "offset", "bbox", "bbox-crs", "f", "lang"}

    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)
    offset = forms.IntegerField(required=False, min_value=0, max_value=10**9)
    bbox = BBoxField(required=False, antimeridian=True)
    f = forms.ChoiceField(required=False, choices=[("json", "json"), ("geojson", "geojson")])

    def clean(self):
        data = super().clean()
        unknown = sorted(set(self.data) - self.KNOWN)
        if unknown:
            raise forms.ValidationError(
                _("Unknown parameter %(names)s; this service knows: %(known)s.")
                % {"names": ", ".join(n[:40] for n in unknown[:5]), "known": ", ".join(sorted(self.KNOWN))},
                code="unknown_parameter",
            )
        crs = self.data.get("bbox-crs")
        if crs and crs != CRS84:
            raise forms.ValidationError(_("Only bbox-crs %(crs)s is supported.") % {"crs": CRS84}, code="invalid")
        data["limit"] = data.get("limit") or DEFAULT_LIMIT
        data["offset"] = data.get("offset") or 0
        return data


class FindForm(Form):
    q = forms.CharField(
        label=_("File code, renovation code, registry plate, postal code or street"),
        max_length=100,
        strip=True,
        error_messages={"required": _("Enter a code or a street name to look up.")},
    )


class PrintForm(Form):
    bbox = BBoxField(max_span_deg=0.2)
