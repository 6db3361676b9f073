"""Forms of documents: the permit officer's revocation (reason and confirmation)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.services import REVOKE_REASON_MIN_CHARS
from gis_app.forms import Form


class RevokeForm(Form):
    reason = forms.CharField(
        label=_("Reason for the revocation"),
        min_length=REVOKE_REASON_MIN_CHARS,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write why the document is revoked (at least 10 characters)."),
            "min_length": _("Write why the document is revoked (at least 10 characters)."),
        },
    )
    confirm = forms.BooleanField(
        label=_("I confirm: the document stops being valid now, for everyone who checks it."),
        error_messages={"required": _("Tick the confirmation to revoke the document.")},
    )
