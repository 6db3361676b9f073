from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gis_app.text import normalise_input


class DrawingUploadForm(forms.Form):
    drawing = forms.FileField(label=_("Drawing (DXF, in metres, by the layer convention)"))


class DrawingOverrideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for issuing without a passing drawing check"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def clean_reason(self) -> str:
        return normalise_input(self.cleaned_data["reason"])
