"""Forms of the workflow pages: the request wizard, documents, actions, checks, violations."""

from __future__ import annotations

import json

from django import forms
from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import clients_of
from gis_app.forms import CodeField, Form
from gis_app.geometry import WGS84, max_vertices, storage_srid
from gis_app.identifiers import normalise_digits, validate_national_id
from gis_app.templatetags.persian import fa_digits
from gis_app.text import InputKind
from permits.workflow import Action, DocumentKind, RequestKind
from violations.models import ViolationKind
from zoning.compliance.limits import FLOORS_MAX, HEIGHT_MAX_M
from zoning.models import LandUse


def _vertex_count(coordinates) -> int:
    """Vertices of a GeoJSON Polygon's rings, counted before GEOS parses anything (0 when the
    structure is not a list of rings: GEOS then refuses it with its own reason)."""
    if not isinstance(coordinates, list):
        return 0
    return sum(len(ring) for ring in coordinates if isinstance(ring, list))


class GeoJSONPolygonField(forms.CharField):
    """A polygon drawn on the map (GeoJSON geometry in lon/lat); cleans to a storage-CRS Polygon.

    A polygon with more than GIS_MAX_VERTICES vertices is refused before it is parsed."""

    widget = forms.HiddenInput

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            doc = json.loads(text)
            if isinstance(doc, dict) and doc.get("type") == "Feature":
                doc = doc.get("geometry")
            if not isinstance(doc, dict) or doc.get("type") != "Polygon":
                raise ValueError
            count = _vertex_count(doc.get("coordinates"))
            if count > max_vertices():
                raise forms.ValidationError(
                    _("The drawn shape has %(count)s vertices; at most %(limit)s are accepted. Draw it more simply.")
                    % {"count": fa_digits(count), "limit": fa_digits(max_vertices())},
                    code="too_many_vertices",
                )
            geom = GEOSGeometry(json.dumps(doc), srid=WGS84)
        except (ValueError, TypeError, GEOSException, GDALException):
            raise forms.ValidationError(_("The drawn footprint is not a polygon."), code="invalid") from None
        if not isinstance(geom, Polygon):
            raise forms.ValidationError(_("The drawn footprint is not a polygon."), code="invalid")
        if not all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in geom.exterior_ring.coords):
            raise forms.ValidationError(_("The footprint's coordinates are not longitude and latitude."))
        if not geom.valid:
            raise forms.ValidationError(_("The footprint crosses itself; draw it again."), code="invalid")
        geom.transform(storage_srid())
        if geom.area < 4:
            raise forms.ValidationError(_("The footprint is smaller than 4 m²."), code="small")
        return geom


class RequestForm(Form):
    """The wizard's proposal: request type and what is to be built (building requests)."""

    kind = forms.ChoiceField(label=_("Request type"), choices=RequestKind.choices)
    use = forms.ChoiceField(label=_("Requested use"), choices=[("", "—"), *LandUse.choices], required=False)
    floors = forms.IntegerField(label=_("Floors above ground"), min_value=1, max_value=FLOORS_MAX, required=False)
    floor_area_m2 = forms.FloatField(label=_("Total floor area (m²)"), min_value=1, max_value=1e6, required=False)
    footprint_m2 = forms.FloatField(
        label=_("Footprint (m²)"),
        min_value=1,
        max_value=1e6,
        required=False,
        help_text=_("Drawn on the map, or typed here when not drawn."),
    )
    height_m = forms.FloatField(label=_("Height (m)"), min_value=1, max_value=HEIGHT_MAX_M, required=False)
    footprint = GeoJSONPolygonField(required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )

    def __init__(self, *args, parcel=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parcel = parcel
        # text boxes, not type=number: a Persian keyboard types ۳, which a number box refuses
        for name in ("floors", "floor_area_m2", "footprint_m2", "height_m"):
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"})

    def clean(self):
        data = super().clean()
        from permits.workflow import request_type

        if data.get("kind") and request_type(data["kind"]).needs_proposal:
            for name in ("use", "floors", "floor_area_m2"):
                if not data.get(name):
                    self.add_error(name, _("Needed for a building permit."))
            area, foot = data.get("floor_area_m2"), data.get("footprint_m2")
            if area and foot and area < foot:
                self.add_error("floor_area_m2", _("The total floor area cannot be less than the footprint."))
        footprint = data.get("footprint")
        if footprint is not None and self.parcel is not None and not self.parcel.geom.buffer(1).contains(footprint):
            self.add_error(None, _("The drawn footprint lies outside the parcel."))
        return data

    def proposal(self) -> dict:
        d = self.cleaned_data
        return {
            name: d.get(name)
            for name in ("use", "floors", "floor_area_m2", "footprint_m2", "height_m", "footprint", "description")
        }


class ClientForm(Form):
    """For an e-services office or engineer: whose request this is."""

    client_national_id = CodeField(label=_("Client's national ID"), max_length=20)

    def __init__(self, *args, agent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent = agent

    def clean_client_national_id(self):
        code = normalise_digits(self.cleaned_data["client_national_id"])
        validate_national_id(code)
        client = User.objects.filter(national_id=code, is_active=True).first()
        if client is None or not clients_of(agent=self.agent).filter(client=client).exists():
            raise forms.ValidationError(_("This person has not authorised you to act for them."))
        return client


class DocumentForm(Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("Scan (PDF, JPEG or PNG, at most 10 MB)"))


class ActionForm(Form):
    """One workflow action; `version` is the file's version the page was drawn from."""

    action = forms.ChoiceField(choices=Action.choices)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)
    to_stage = forms.CharField(required=False, max_length=24)
    # Staff notes are internal (for the next officer) unless ticked; a return's note is the applicant's
    # by nature, and the applicant's own notes are theirs.
    note_to_applicant = forms.BooleanField(label=_("Show this note to the applicant"), required=False)
    # a rejection is final: the first POST shows what will happen, the second (confirmed) does it
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    documents = forms.MultipleChoiceField(
        label=_("Documents asked for"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class TaskForm(Form):
    task = forms.CharField(max_length=40)
    done = forms.BooleanField(required=False)


class OverrideForm(Form):
    rule_code = forms.CharField(max_length=40)
    reason = forms.CharField(
        label=_("Reason for the override"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class OwnershipOverrideForm(Form):
    reason = forms.CharField(
        label=_("Why may this applicant open the file?"),
        help_text=_("E.g. the notarised power of attorney's number and date, or a deed newer than the cadastre."),
        widget=forms.Textarea(attrs={"rows": 2}),
        min_length=10,
        max_length=2000,
    )


class CommentForm(Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    to_applicant = forms.BooleanField(label=_("Visible to the applicant"), required=False)


class ViolationForm(Form):
    kind = forms.ChoiceField(label=_("Violation type"), choices=ViolationKind.choices)
    geom = GeoJSONPolygonField(required=False)
    from_survey = forms.BooleanField(
        label=_("Take the area from the accepted survey's buildings on street land"), required=False
    )
    parking_spaces = forms.IntegerField(label=_("Missing parking spaces"), min_value=0, max_value=500, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def clean(self):
        data = super().clean()
        if not data.get("geom") and not data.get("from_survey"):
            raise forms.ValidationError(_("Draw the violation on the map or take it from the survey."))
        if data.get("kind") == "missing_parking" and not data.get("parking_spaces"):
            self.add_error("parking_spaces", _("How many parking spaces are missing?"))
        return data


class VerdictForm(Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            ("fine", _("Fine")),
            ("demolition", _("Demolition")),
            ("appeal", _("Appealed")),
            ("closed", _("Close the case")),
        ],
    )
    fine_irr = forms.CharField(label=_("Fine (IRR)"), required=False, max_length=20)
    fine_irr.input_kind = InputKind.NUMBER
    text = forms.CharField(
        label=_("Verdict as written"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False
    )

    def clean_fine_irr(self):
        text = self.cleaned_data["fine_irr"]
        if not text:
            return None
        if not text.isdigit():
            raise forms.ValidationError(_("Enter the fine in rials, digits only."))
        return int(text)


class AuthorisationForm(Form):
    agent_username = CodeField(label=_("Username of the e-services office or engineer"), max_length=150)
    valid_until = CodeField(label=_("Valid until"), max_length=20)

    def clean_agent_username(self):
        from accounts.roles import Role

        user = User.objects.filter(username=self.cleaned_data["agent_username"], is_active=True).first()
        if user is None or not user.has_role(Role.ESERVICES_OFFICE):
            raise forms.ValidationError(_("No e-services office or engineer has this username."))
        return user

    def clean_valid_until(self):
        import datetime as dt

        from django.utils import timezone

        from gis_app.forms import parse_jalali_or_iso

        try:
            day = parse_jalali_or_iso(self.cleaned_data["valid_until"])
        except ValueError:
            raise forms.ValidationError(_("Enter a date such as 1405/12/29.")) from None
        today = timezone.localdate()
        if not today <= day <= today + dt.timedelta(days=3 * 366):
            raise forms.ValidationError(_("Choose a date from today up to three years ahead."))
        return day
