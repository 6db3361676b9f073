from django import forms
from django.utils.translation import gettext_lazy as _


class ParcelLookupForm(forms.Form):
    q = forms.CharField(
        label=_("File code, renovation code or registry plate"),
        max_length=64,
        strip=True,
        error_messages={"required": _("Enter a code to look up.")},
    )
