from django.utils.translation import gettext_lazy as _

from gis_app.forms import CodeField, Form


class ParcelLookupForm(Form):
    q = CodeField(
        label=_("File code, renovation code or registry plate"),
        max_length=64,
        strip=True,
        error_messages={"required": _("Enter a code to look up.")},
    )
