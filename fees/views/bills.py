"""A bill (slip) page for the payer and the fee officers: the itemised lines, the amount in rials and
tomans, the bill ID and payment ID payable at any bank, and the online payment button."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from fees import selectors
from fees.models import BillStatus


@login_required
@require_GET
def bill_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The bill if this person may see it (the applicant side of its request, or a fee officer); 404
    otherwise: nobody learns that someone else's bill exists."""
    bill = get_object_or_404(
        selectors.bills_visible(user=request.user).select_related("file", "request", "assessment", "violation"),
        pk=pk,
    )
    lines = bill.assessment.record.lines if bill.assessment_id else ()
    context = {
        "bill": bill,
        "lines": lines,
        "payable": bill.status == BillStatus.UNPAID,
        "officer": selectors.is_fee_officer(user=request.user),
        "may_exempt": selectors.is_revenue_officer(user=request.user) and bill.status == BillStatus.UNPAID,
        "replaced_by": bill.replaced_by,
        "payments": bill.payments.order_by("-started_at", "-id")[:20],
    }
    response = render(request, "fees/bill.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
