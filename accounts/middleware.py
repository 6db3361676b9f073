"""Sessions that must end or wait: a deactivated account is signed out on its next request, and a staff
session that has given its password but no second-factor code reaches only the 2FA pages and logout."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from accounts.models import User
from accounts.second_factor import second_factor_required, totp_device_of
from gis_app.audit import audit_record

# The only views a half-signed-in staff session may reach (URL names with namespace).
SECOND_FACTOR_OPEN_VIEWS = frozenset({"accounts:second_factor", "accounts:second_factor_enrol", "logout"})


def has_session_cookie(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


class ActiveAccountMiddleware:
    """After AuthenticationMiddleware: a session whose account was deactivated (or deleted) since it
    signed in is flushed at once, on whatever request comes next.

    ModelBackend.get_user already refuses an inactive user, which leaves the request anonymous but
    the session row alive; this ends the session itself, and also guards a backend that would let
    an inactive user through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Without a session cookie there is no session to end; not touching it keeps public
        # answers (tiles, OGC pages) free of "Vary: Cookie".
        user_id = request.session.get(SESSION_KEY) if has_session_cookie(request) else None
        if user_id is not None:
            user = request.user
            if not user.is_authenticated or not user.is_active:
                account = User.objects.filter(pk=user_id).only("pk", "is_active").first()
                logout(request)  # flushes the session: a new key, nothing of the old one kept
                if account is not None and not account.is_active:
                    audit_record(actor=None, action="login.session_ended_inactive", obj=account)
        return self.get_response(request)


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware: a staff session not yet verified by a code is sent to the
    2FA page (or to enrolment when the account has no authenticator yet) from every other URL,
    the admin site's included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_session_cookie(request):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not user.is_verified() and second_factor_required(user):
            try:
                match = resolve(request.path_info)
                view_name = match.view_name
            except Resolver404:
                view_name = None
            if view_name not in SECOND_FACTOR_OPEN_VIEWS:
                return self._to_second_factor(request, user)
        return self.get_response(request)

    @staticmethod
    def _to_second_factor(request: HttpRequest, user) -> HttpResponse:
        target = reverse("accounts:second_factor" if totp_device_of(user) else "accounts:second_factor_enrol")
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
