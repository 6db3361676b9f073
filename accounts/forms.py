"""Sign-up of citizens (active only after the identity check) and the login form that says so."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from gis_app.forms import CodeField, Form, NameField, NormalisedFormMixin
from gis_app.identifiers import normalise_digits, validate_national_id
from gis_app.text import InputKind

MOBILE = re.compile(r"09\d{9}")


class SignUpForm(Form):
    first_name = NameField(label=_("First name"), max_length=150)
    last_name = NameField(label=_("Last name"), max_length=150)
    national_id = CodeField(label=_("National ID"), max_length=20, help_text=_("Ten digits; it is your username."))
    mobile = CodeField(label=_("Mobile number"), max_length=20, help_text=_("11 digits, starting 09."))
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_national_id(self) -> str:
        code = normalise_digits(self.cleaned_data["national_id"])
        validate_national_id(code)
        if User.objects.filter(national_id=code).exists() or User.objects.filter(username=code).exists():
            raise forms.ValidationError(_("An account with this national ID exists already."))
        return code

    def clean_mobile(self) -> str:
        mobile = normalise_digits(self.cleaned_data["mobile"])
        if mobile.startswith("+98"):
            mobile = "0" + mobile[3:]
        if not MOBILE.fullmatch(mobile):
            raise forms.ValidationError(_("Enter a mobile number of 11 digits starting with 09."))
        return mobile

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1 and data.get("national_id"):
            probe = User(
                username=data["national_id"], first_name=data.get("first_name", ""), last_name=data.get("last_name", "")
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class LoginForm(NormalisedFormMixin, AuthenticationForm):
    """Tells a person whose sign-up waits for the identity check so, instead of "wrong password"; a
    username typed with Persian digits is the same account (and the same throttling counter)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].input_kind = InputKind.CODE

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            user = User.objects.filter(username=username, is_active=False).first() if username else None
            if user is not None and password and user.check_password(password):
                raise forms.ValidationError(
                    _(
                        "Your account is waiting for the one identity check: bring your national card to the "
                        "e-services secretariat once, and it will be activated."
                    ),
                    code="inactive",
                ) from None
            raise


class SecondFactorForm(Form):
    """One field for the authenticator's 6-digit code or a backup code; the shape is checked by the
    service (accounts.second_factor.code_normalise), which says what is wrong with it."""

    code = CodeField(
        label=_("Code"),
        required=False,
        strip=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr", "autofocus": True}
        ),
    )
