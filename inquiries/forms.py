"""Forms of the agency's and the answering units' pages (input through the project's normaliser)."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from inquiries.models import InquiryKind


class InquiryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Inquiry"), choices=())
    property = forms.CharField(
        label=_("Property code"),
        max_length=60,
        help_text=_("File code, postal code, renovation code or registry plate."),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=500)
    reference = forms.CharField(label=_("Your reference"), max_length=64, required=False)
    unit = forms.CharField(label=_("Unit (renovation code)"), max_length=40, required=False)
    geometry = forms.CharField(
        label=_("Excavation (GeoJSON LineString or Polygon)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    crs = forms.TypedChoiceField(
        label=_("Coordinate system"),
        coerce=int,
        choices=[(c, f"EPSG:{c}") for c in settings.INQUIRY_API_SRIDS],
        required=False,
    )

    def __init__(self, *args, scopes=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in InquiryKind.choices if k in scopes]

    def clean_geometry(self):
        text = self.cleaned_data.get("geometry", "").strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("This is not GeoJSON.")) from None

    def clean(self):
        data = super().clean()
        if data.get("kind") == InquiryKind.EXCAVATION and not data.get("geometry"):
            self.add_error("geometry", _("An excavation needs its line or polygon."))
        return data


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve the proposed answer")), ("refuse", _("Refuse"))]
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name of the system using it"), max_length=100, required=False)


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("Callback URL"), max_length=500, assume_scheme="https")
    property = forms.CharField(label=_("Property code"), max_length=60)
