"""Sign-up (public), the secretariat's activation after the identity check (clerks), and two-step sign-in for staff."""

from __future__ import annotations

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import second_factor as sf
from accounts.forms import SecondFactorForm, SignUpForm
from accounts.models import User
from accounts.roles import STAFF_ROLES, Role, require_role
from accounts.selectors import logins_locked
from accounts.services import account_activate, account_signup, login_unlock
from gis_app.errors import DomainError
from gis_app.forms import query_value
from gis_app.identifiers import normalise_digits
from gis_app.templatetags.persian import fa_digits
from gis_app.text import InputKind


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Public: a citizen signs up; the account works after one identity check at the secretariat."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        account_signup(
            national_id=d["national_id"],
            mobile=d["mobile"],
            email=d["email"],
            first_name=d["first_name"],
            last_name=d["last_name"],
            password=d["password1"],
        )
        return render(request, "registration/signup_done.html", {"national_id": d["national_id"]})
    return render(request, "registration/signup.html", {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET"])
def pending(request: HttpRequest) -> HttpResponse:
    """Clerks: sign-ups waiting for the identity check, found by national ID."""
    require_role(request.user, Role.CLERK)
    query = normalise_digits(query_value(request.GET, "q", kind=InputKind.CODE, max_chars=40))[:10]
    waiting = User.objects.filter(is_active=False, groups__name=Role.CITIZEN.value).order_by("date_joined")
    if query:
        waiting = waiting.filter(national_id__startswith=query)
    return render(request, "registration/pending.html", {"waiting": waiting[:100], "q": query})


@login_required
@require_POST
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    """Clerks: activate an account after seeing the person and their national card."""
    require_role(request.user, Role.CLERK)
    if request.POST.get("identity_seen") != "on":
        messages.error(request, _("Confirm that you have seen the person and their national card."))
        return redirect("accounts:pending")
    try:
        user = account_activate(clerk=request.user, user_id=pk)
    except User.DoesNotExist:
        messages.error(request, _("No such sign-up."))
        return redirect("accounts:pending")
    messages.success(request, _("The account of %(name)s is active.") % {"name": user.get_full_name()})
    return redirect("accounts:pending")


@login_required
@require_http_methods(["GET"])
def locked(request: HttpRequest) -> HttpResponse:
    """Managers: accounts and addresses locked out of sign-in, each with an unlock button."""
    require_role(request.user, Role.MANAGER)
    return render(request, "registration/locked.html", {"locked": logins_locked()})


@login_required
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    """Managers: lift a lock-out before its cool-off ends (audited)."""
    require_role(request.user, Role.MANAGER)
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "")[:255]
    if kind not in ("username", "ip_address") or not value or "\x00" in value:
        messages.error(request, _("Say which account or address to unlock."))
        return redirect("accounts:locked")
    try:
        if kind == "username":
            login_unlock(manager=request.user, username=value)
        else:
            login_unlock(manager=request.user, ip_address=value)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:locked")
    messages.success(request, _("%(value)s may sign in again.") % {"value": value})
    return redirect("accounts:locked")


@login_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """Where signing in leads (LOGIN_REDIRECT_URL): staff to their inbox (after the second factor, which
    the middleware asks for first), citizens and offices to their files, anyone else to the home page."""
    roles = request.user.roles()
    if roles & STAFF_ROLES:
        return redirect("permits:inbox")
    if roles & {Role.CITIZEN, Role.ESERVICES_OFFICE}:
        return redirect("permits:mine")
    return redirect("home")


# --- two-factor sign-in ---------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("accounts:landing")


def _signed_in_with(request: HttpRequest, device) -> None:
    """The second step done: a new session key (as login() gives one after the password), the device kept in it."""
    request.session.cycle_key()
    django_otp.login(request, device)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Staff, after the password: the authenticator's code or a backup code (wrong codes throttled and audited)."""
    user = request.user
    if not sf.second_factor_required(user) or user.is_verified():
        return redirect(_next_url(request))
    if sf.totp_device_of(user) is None:
        return redirect("accounts:second_factor_enrol")
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = sf.second_factor_verify(user=user, raw_code=form.cleaned_data["code"])
        except sf.SecondFactorError as exc:
            form.add_error("code", exc.message)
            status = 429 if exc.throttled else 400
        else:
            _signed_in_with(request, device)
            if device.persistent_id.startswith("otp_static."):
                left = sf.backup_codes_left(user)
                messages.warning(
                    request,
                    _(
                        "You signed in with a backup code; %(left)s are left. When few remain, ask a manager "
                        "to reset your two-step sign-in and set it up again for new ones."
                    )
                    % {"left": fa_digits(left)},
                )
            return redirect(_next_url(request))
    return render(request, "registration/second_factor.html", {"form": form, "next": _next_url(request)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Staff without an authenticator: scan the QR code (or type the secret), confirm with a code, get
    the backup codes once."""
    user = request.user
    if not sf.second_factor_required(user) or sf.totp_device_of(user) is not None:
        return redirect("accounts:second_factor")
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = sf.second_factor_enrol_confirm(user=user, raw_code=form.cleaned_data["code"])
        except sf.SecondFactorError as exc:
            form.add_error("code", exc.message)
            status = 429 if exc.throttled else 400
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:second_factor_enrol")
        else:
            _signed_in_with(request, device)
            # Shown in this answer only: they are stored hashed and cannot be shown again.
            response = render(
                request, "registration/second_factor_codes.html", {"codes": codes, "next": _next_url(request)}
            )
            response["Cache-Control"] = "no-store"
            return response
    enrolment = sf.second_factor_enrol_start(user=user)
    response = render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "secret_groups": [enrolment.secret_b32[i : i + 4] for i in range(0, len(enrolment.secret_b32), 4)],
            "qr_svg": qr_svg(enrolment.config_url),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def second_factor_staff(request: HttpRequest) -> HttpResponse:
    """Managers: who has set up two-step sign-in, with a reset for a lost phone."""
    require_role(request.user, Role.MANAGER)
    return render(request, "registration/second_factor_staff.html", {"rows": sf.second_factor_overview()})


@login_required
@require_POST
def second_factor_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Managers: remove a staff member's authenticator and backup codes (audited); they enrol again."""
    require_role(request.user, Role.MANAGER)
    try:
        user = sf.second_factor_reset(manager=request.user, user_id=pk)
    except User.DoesNotExist:
        messages.error(request, _("No such account."))
        return redirect("accounts:second_factor_staff")
    messages.success(
        request,
        _("The two-step sign-in of %(name)s is reset: they set up their app again at their next sign-in.")
        % {"name": user.get_full_name() or user.username},
    )
    return redirect("accounts:second_factor_staff")


def qr_svg(data: str) -> str:
    """The QR code of data as an inline SVG element (no image request, no external service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")
