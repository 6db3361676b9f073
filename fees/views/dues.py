"""Dues paid without a permit file: a signed-in person finds a property (or a business) by its renovation
code, sees every year owed and paid, has the owed years billed, and pays each bill online or at a bank."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import STAFF_ROLES, Role, require_role
from fees.dues import DuesError, dues_bills_issue, dues_statement
from fees.forms import DuesCodeForm

# citizens and e-services offices pay; staff look up a property's dues for a caller (agencies do neither)
PAYERS = (Role.CITIZEN, Role.ESERVICES_OFFICE, *STAFF_ROLES)


@login_required
@require_http_methods(["GET", "HEAD"])
def dues(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *PAYERS)
    form = DuesCodeForm(request.GET or None)
    statement, error, status = None, "", 200
    if form.is_bound and form.is_valid():
        try:
            statement = dues_statement(code=form.cleaned_data["code"])
        except DuesError as exc:
            error, status = str(exc), 404
    elif form.is_bound:
        status = 400
    return render(request, "fees/dues.html", {"form": form, "statement": statement, "error": error}, status=status)


@login_required
@require_POST
def dues_bill(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *PAYERS)
    form = DuesCodeForm(request.POST)
    if not form.is_valid():
        return render(request, "fees/dues.html", {"form": form, "statement": None, "error": ""}, status=400)
    code = form.cleaned_data["code"]
    try:
        dues_bills_issue(code=code, actor=request.user)
    except DuesError as exc:
        return render(request, "fees/dues.html", {"form": form, "statement": None, "error": str(exc)}, status=404)
    return redirect(f"{reverse('fees:dues')}?{urlencode({'code': code})}#bills")
