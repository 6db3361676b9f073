"""The fee officers' pages: assessments to review (and the button that assesses and bills), bills,
payments and reversals, refunds due, reconciliation results, and a bill's exemption. Thin: forms,
then fees.selectors or fees.billing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role, require_role
from fees import billing, selectors
from fees.forms import AssessForm, BillFilterForm, ExemptForm, PaymentFilterForm
from fees.models import PaymentStatus
from gis_app.errors import DomainError, NotAllowed
from permits.errors import StaleForm
from permits.models import PermitRequest
from permits.selectors import tracking_code_typed

PAGE_ROWS = 200


def _fee_officer(request: HttpRequest) -> None:
    """Revenue officer (every fee stage), renovation officer and executive unit (their own stage)."""
    if not selectors.is_fee_officer(user=request.user):
        raise PermissionDenied(_("Your role may not do this."))


def _form_errors(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _assessments_page(request: HttpRequest, *, status: int = 200, error: str = "") -> HttpResponse:
    rows = selectors.assessments_to_review(user=request.user)
    return render(
        request,
        "fees/revenue_assessments.html",
        {"rows": rows, "error": error, "stages": selectors.fee_stages_for(user=request.user)},
        status=status,
    )


@login_required
@require_GET
def assessments(request: HttpRequest) -> HttpResponse:
    """Files at the fee stages of my roles with their stage's current assessment, line by line."""
    _fee_officer(request)
    return _assessments_page(request)


@login_required
@require_POST
def assess(request: HttpRequest, tracking: str) -> HttpResponse:
    """Assess the file at its fee stage and issue the bill (on the version the page showed)."""
    _fee_officer(request)
    req = get_object_or_404(PermitRequest, tracking_code=tracking_code_typed(tracking))
    form = AssessForm(request.POST)
    if not form.is_valid():
        return _assessments_page(request, status=400, error=_form_errors(form))
    try:
        _assessment, bill = billing.stage_assess_and_bill(
            request_id=req.pk, version=form.cleaned_data["version"], actor=request.user
        )
    except DomainError as exc:
        code = 409 if isinstance(exc, StaleForm) else 403 if isinstance(exc, NotAllowed) else 400
        return _assessments_page(request, status=code, error=exc.message)
    if bill is None:
        messages.success(request, _("Assessed: nothing to bill."))
    else:
        messages.success(request, _("Assessed and billed."))
    return redirect("fees:assessments")


def _list_page(request, template: str, context: dict, form) -> HttpResponse:
    status = 200 if form.is_valid() else 400
    context = {**context, "form": form, "error": "" if status == 200 else _form_errors(form)}
    return render(request, template, context, status=status)


@login_required
@require_GET
def bills(request: HttpRequest) -> HttpResponse:
    """Bills of my stages, filtered by status and kind."""
    _fee_officer(request)
    form = BillFilterForm(request.GET)
    rows = []
    if form.is_valid():
        rows = selectors.bills_list(user=request.user, **form.cleaned_data)[:PAGE_ROWS]
    return _list_page(request, "fees/revenue_bills.html", {"bills": rows}, form)


REVERSED = (PaymentStatus.REVERSED, PaymentStatus.REFUND_DUE, PaymentStatus.FAILED)


@login_required
@require_GET
def payments(request: HttpRequest) -> HttpResponse:
    """Payments and reversals (the revenue officer)."""
    require_role(request.user, Role.REVENUE_OFFICER)
    form = PaymentFilterForm(request.GET)
    rows = selectors.payments_list(**form.cleaned_data)[:PAGE_ROWS] if form.is_valid() else []
    return _list_page(request, "fees/revenue_payments.html", {"payments": rows, "reversed": REVERSED}, form)


@login_required
@require_GET
def refunds(request: HttpRequest) -> HttpResponse:
    """Money owed back to payers (the revenue officer)."""
    require_role(request.user, Role.REVENUE_OFFICER)
    return render(request, "fees/revenue_refunds.html", {"refunds": selectors.refunds_due()[:PAGE_ROWS]})


FINDING_LABELS = {
    "orphan": gettext_lazy("In the settlement file but not ours"),
    "double": gettext_lazy("Settled twice"),
    "amount_mismatch": gettext_lazy("Amount differs from the bill"),
    "missing": gettext_lazy("Paid with us but not in the settlement file"),
    "bad_row": gettext_lazy("Unreadable row"),
}


@login_required
@require_GET
def reconciliations(request: HttpRequest) -> HttpResponse:
    """Reconciliation results: each settlement file and what it found (the revenue officer)."""
    require_role(request.user, Role.REVENUE_OFFICER)
    runs = []
    for run in selectors.reconciliations()[:50]:
        findings = [
            {
                "label": FINDING_LABELS.get(str(f.get("kind")), _("Other finding")),
                "row": f.get("row"),
                "order_id": f.get("order_id"),
                "amount_irr": f.get("amount_irr"),
            }
            for f in (run.findings if isinstance(run.findings, list) else [])
            if isinstance(f, dict)
        ]
        runs.append({"run": run, "findings": findings})
    return render(request, "fees/revenue_reconciliations.html", {"runs": runs})


@login_required
@require_http_methods(["GET", "POST"])
def bill_exempt(request: HttpRequest, pk: int) -> HttpResponse:
    """Exempt a bill with a reason (the revenue officer): a form, a confirmation, then the service."""
    bill = get_object_or_404(selectors.bills_visible(user=request.user).select_related("file", "request"), pk=pk)
    require_role(request.user, Role.REVENUE_OFFICER)
    context = {"bill": bill, "confirm": False, "error": ""}
    if request.method == "GET":
        return render(request, "fees/bill_exempt.html", {**context, "form": ExemptForm()})
    form = ExemptForm(request.POST)
    if not form.is_valid():
        return render(request, "fees/bill_exempt.html", {**context, "form": form}, status=400)
    if not form.cleaned_data["confirmed"]:
        form = ExemptForm(initial={"reason": form.cleaned_data["reason"], "confirmed": True})
        return render(request, "fees/bill_exempt.html", {**context, "form": form, "confirm": True})
    try:
        billing.bill_exempt(bill=bill, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        code = 403 if isinstance(exc, NotAllowed) else 400
        return render(request, "fees/bill_exempt.html", {**context, "form": form, "error": exc.message}, status=code)
    messages.success(request, _("The bill is exempted."))
    return redirect("fees:bill", pk=bill.pk)
