"""Login throttling with django-axes: the username as the login form reads it, the lock-out answered by
the login page with a translated message, every failure and lock-out written to the audit trail.

The settings (limit, cool-off, which address counts) are in config/settings/base.py.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import User
from gis_app.audit import audit_record
from gis_app.text import InputKind, normalise_input


def username_normalise(value: object) -> str:
    """What a person typed as their username, as the login form reads it (normalised as a code:
    Persian/Arabic digits made ASCII, bidi marks and blanks around it dropped, dashes kept)."""
    return normalise_input(value, InputKind.CODE)[:150]


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: one counter per account, however its digits were typed."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return username_normalise(raw)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed sign-in attempts for this account or from this address. Try again in "
        "%(minutes)s minutes, or ask a manager of the municipality to unlock the account."
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, with the message, as 429 Too Many Requests."""
    from accounts.forms import LoginForm

    form = LoginForm(request, initial={"username": login_username(request, credentials)})
    return render(request, "registration/login.html", {"form": form, "lockout": lockout_message()}, status=429)


class AuditedAxesHandler(AxesDatabaseHandler):
    """The database handler of django-axes, with each failed sign-in and lock-out audited."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None:
            return
        username = get_client_username(request, credentials) or ""
        user = User.objects.filter(username=username).first()
        locked = bool(getattr(request, "axes_locked_out", False))
        if user is None:
            # an unknown username: recorded against the attempt row, which keeps the name and address
            from axes.models import AccessAttempt

            obj = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).first()
        else:
            obj = user
        if obj is not None:
            audit_record(
                actor=None,
                action="login.locked_out" if locked else "login.failed",
                obj=obj,
                username=username,
                ip_address=request.axes_ip_address,
            )
