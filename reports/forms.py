"""Forms of citizen reports: the report at a point, the mobile number and its code, following by tracking
code, reopening, and the unit's closing and violation forms."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from gis_app.forms import CodeField, Form
from gis_app.identifiers import normalise_digits
from reports.models import Outcome
from reports.routing import Category
from surveys.forms import PHOTO_LIMIT, MultipleFileField, MultiplePhotoInput, photo_facts
from violations.models import ViolationKind

MOBILE = re.compile(r"09\d{9}")


def _photos(uploads) -> list:
    """The same check as an inspector's site photos (JPEG or PNG, sane size, no decompression bombs)."""
    uploads = uploads or []
    if len(uploads) > PHOTO_LIMIT:
        raise forms.ValidationError(_("At most %(n)s photos.") % {"n": PHOTO_LIMIT})
    return [(upload, photo_facts(upload)) for upload in uploads]


def mobile_clean(value: str) -> str:
    """A mobile number as stored: 11 digits starting 09 (+98 and Persian digits accepted)."""
    mobile = normalise_digits(value or "").replace(" ", "").replace("-", "")
    if mobile.startswith("+98"):
        mobile = "0" + mobile[3:]
    elif mobile.startswith("0098"):
        mobile = "0" + mobile[4:]
    if not MOBILE.fullmatch(mobile):
        raise forms.ValidationError(_("Enter a mobile number of 11 digits starting with 09."))
    return mobile


class ReportForm(Form):
    category = forms.ChoiceField(label=_("What is the problem?"), choices=[("", "—"), *Category.choices])
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("JPEG or PNG, up to 10 photos."),
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )

    def clean_photos(self):
        return _photos(self.cleaned_data.get("photos"))

    def clean(self):
        data = super().clean()
        missing = data.get("lon") is None or data.get("lat") is None
        if missing and not self.has_error("lon") and not self.has_error("lat"):
            self.add_error(None, _("Put the marker on the map where the problem is."))
        return data


class PhoneForm(Form):
    mobile = CodeField(label=_("Mobile number"), max_length=20, help_text=_("11 digits, starting 09."))

    def clean_mobile(self) -> str:
        return mobile_clean(self.cleaned_data["mobile"])


class PhoneCodeForm(Form):
    code = CodeField(label=_("Code sent by SMS"), max_length=12)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("The code has six digits."))
        return code


class TrackForm(Form):
    code = CodeField(label=_("Tracking code"), max_length=30)


class ReopenForm(Form):
    reason = forms.CharField(
        label=_("Why is the problem not solved?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class CloseForm(Form):
    # "violation recorded" is not chosen: it closes the report when the violation is recorded
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("", "—"),
            *((value, label) for value, label in Outcome.choices if value != Outcome.VIOLATION_RECORDED),
        ],
    )
    note = forms.CharField(label=_("Closing note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    photos = MultipleFileField(
        label=_("Evidence photos"),
        required=False,
        help_text=_("A photo of the result; not needed when an inspection or violation is linked to the report."),
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )

    def clean_photos(self):
        return _photos(self.cleaned_data.get("photos"))


class ViolationForm(Form):
    kind = forms.ChoiceField(label=_("Type of violation"), choices=[("", "—"), *ViolationKind.choices])
    description = forms.CharField(
        label=_("What the inspection found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
