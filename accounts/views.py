"""Sign-up (public) and the secretariat's activation after the identity check (clerks)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import SignUpForm
from accounts.models import User
from accounts.roles import Role, require_role
from accounts.selectors import logins_locked
from accounts.services import account_activate, account_signup, login_unlock
from gis_app.errors import DomainError
from gis_app.forms import query_value
from gis_app.identifiers import normalise_digits
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
