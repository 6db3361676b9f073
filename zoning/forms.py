from django import forms
from django.utils.translation import gettext_lazy as _

from gis_app.forms import CodeField, Form
from parcels.filecodes import InvalidFileCode, file_code_parse
from parcels.selectors import point_in_municipality
from zoning.compliance.limits import FLOORS_MAX, HEIGHT_MAX_M
from zoning.models import LandUse


class ParcelQueryForm(Form):
    """ "What may I build here?": a parcel by file code or by a lon/lat point."""

    file_code = CodeField(label=_("File code"), max_length=40, required=False, strip=True)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)

    def clean_file_code(self) -> str:
        text = self.cleaned_data["file_code"]
        if not text:
            return ""
        try:
            return str(file_code_parse(text))
        except InvalidFileCode as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        # What was sent, valid or not: the shape of the question is checked before its values.
        sent = {name for name in ("file_code", "lon", "lat") if str(self.data.get(name, "")).strip()}
        if "file_code" in sent and sent & {"lon", "lat"}:
            raise forms.ValidationError(_("Give either a file code or a point, not both."))
        if len(sent & {"lon", "lat"}) == 1:
            raise forms.ValidationError(_("A point needs both lon and lat."))
        if not sent:
            raise forms.ValidationError(_("Give a file code or a point (lon and lat)."))
        return data

    def parcel_where(self) -> dict:
        """Keywords for zoning.selectors.parcel_facts."""
        if self.cleaned_data["file_code"]:
            return {"file_code": self.cleaned_data["file_code"]}
        return {"point": (self.cleaned_data["lon"], self.cleaned_data["lat"])}

    def not_found_message(self) -> str:
        """Why no parcel answers this question (after parcel_where found none)."""
        if self.cleaned_data["file_code"]:
            return str(_("No parcel with this file code in the live data."))
        if point_in_municipality(lon=self.cleaned_data["lon"], lat=self.cleaned_data["lat"]) is False:
            return str(_("This point is outside the municipality."))
        return str(_("No parcel at this point (a street or unregistered land)."))


class ProposalForm(Form):
    """A proposal to check instead of the most the plan allows; every field optional. Only made
    when the query names one of its fields (a form deep-copies its fields: a click without a
    proposal should not pay for five)."""

    # A CharField checked against the land uses: a ChoiceField deep-copies its 21 translated choices
    # on every request, which was a tenth of this endpoint's time.
    use = forms.CharField(label=_("Requested use"), max_length=32, required=False)
    floors = forms.IntegerField(label=_("Floors"), required=False, min_value=1, max_value=FLOORS_MAX)
    floor_area_m2 = forms.FloatField(label=_("Total floor area (m²)"), required=False, min_value=1, max_value=1e6)
    footprint_m2 = forms.FloatField(label=_("Footprint (m²)"), required=False, min_value=1, max_value=1e6)
    height_m = forms.FloatField(label=_("Height (m)"), required=False, min_value=1, max_value=HEIGHT_MAX_M)

    @classmethod
    def asked(cls, data) -> bool:
        """Whether the query names any field of a proposal."""
        return any(name in data for name in cls.base_fields)

    def clean_use(self) -> str:
        use = self.cleaned_data["use"]
        if use and use not in LandUse.values:
            raise forms.ValidationError(
                _("Unknown use %(use)s; one of: %(uses)s.") % {"use": use[:32], "uses": ", ".join(LandUse.values)}
            )
        return use

    def changes(self) -> dict:
        """The parts of the proposal the caller gave (the rest is the most the plan allows)."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
