"""Forms of the fee pages: the list filters (query parameters), the officer's assess button and the
exemption with its reason and confirmation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fees.models import BillKind, BillStatus, PaymentStatus
from gis_app.forms import CodeField, CodeInput, Form

_ANY = [("", _("All"))]


def _choice(label, choices, what):
    return forms.ChoiceField(
        label=label,
        choices=_ANY + list(choices),
        required=False,
        error_messages={"invalid_choice": what},
    )


class BillFilterForm(Form):
    """The bills list's filters (GET): status and kind, each one of the listed values or all."""

    status = _choice(_("Status"), BillStatus.choices, _("Choose a bill status from the list."))
    kind = _choice(_("Bill for"), BillKind.choices, _("Choose a kind of bill from the list."))


class PaymentFilterForm(Form):
    status = _choice(_("Status"), PaymentStatus.choices, _("Choose a payment status from the list."))


class AssessForm(Form):
    """The officer's button: assess the file at its fee stage and issue the bill, on the version shown."""

    version = forms.IntegerField(
        min_value=1,
        max_value=2_000_000_000,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The page did not say which version of the file it showed; reload it."),
            "invalid": _("The page did not say which version of the file it showed; reload it."),
            "min_value": _("The page did not say which version of the file it showed; reload it."),
            "max_value": _("The page did not say which version of the file it showed; reload it."),
        },
    )


class ExemptForm(Form):
    """An exemption needs its reason; the first POST shows what will happen, the confirmed one does it."""

    reason = forms.CharField(
        label=_("Reason for the exemption"),
        help_text=_("E.g. the council's resolution or the law that exempts this payer."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        min_length=5,
        max_length=2000,
        error_messages={
            "required": _("Write the reason for the exemption (at least 5 characters)."),
            "min_length": _("Write the reason for the exemption (at least 5 characters)."),
            "max_length": _("The reason is too long (at most 2,000 characters)."),
        },
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class DuesCodeForm(Form):
    """The renovation code whose dues are shown and billed (typed as the site shows it: Persian digits,
    spaces around the dashes); checked as a renovation code by fees.dues."""

    code = CodeField(
        label=_("Renovation code"),
        max_length=60,
        error_messages={
            "required": _("Type the renovation code, e.g. 1-2-15-20-0-0-0."),
            "max_length": _("A renovation code is at most 40 characters."),
        },
        widget=CodeInput(attrs={"data-testid": "dues-code"}),
    )
