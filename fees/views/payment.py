"""The payer's side of an online payment: start (to the PSP), the PSP's callback, and the result page.

- start: POST with CSRF by the bill's payer (the applicant or the agent who filed; staff never pay for
  citizens; anyone else 404); a page that sends the browser on to the PSP (a plain link and a refresh:
  our pages' form-action is 'self', which a redirect answering the form would break).
- callback: the PSP posts the payer's browser back from its own origin: CSRF-exempt, no session needed;
  every field checked by fees.payments; garbage is a 400 with a message, never a 500; the answer sends the
  browser to the result page in the payer's language.
- result: what happened, in the payer's language, for the payer only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from fees import payments
from fees.models import Bill, PaymentStatus


@login_required
@require_POST
@never_cache
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start paying a bill online: the page that takes the payer to the PSP."""
    bill = get_object_or_404(Bill.objects.select_related("request"), pk=pk)
    if not payments.bill_payable_by(bill=bill, user=request.user):
        raise Http404
    callback = request.build_absolute_uri(reverse("fees_gateway:callback"))
    try:
        url = payments.payment_start(
            bill=bill, actor=request.user, language=translation.get_language(), callback_url=callback
        )
    except payments.BillNotPayable as exc:
        return render(request, "fees/payment_error.html", {"message": exc.message, "bill": bill}, status=409)
    except payments.GatewayDown as exc:
        return render(request, "fees/payment_error.html", {"message": exc.message, "bill": bill}, status=503)
    return render(request, "fees/payment_redirect.html", {"url": url, "bill": bill})


@csrf_exempt
@require_POST
@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """The PSP's callback (the payer's browser, posted from the PSP's page)."""
    try:
        payment = payments.payment_callback(data=request.POST)
    except payments.CallbackInvalid as exc:
        return render(request, "fees/payment_invalid.html", {"message": exc.message}, status=400)
    with translation.override(payment.result.get("language") or None):
        url = reverse("fees:payment_result", kwargs={"order_id": payment.order_id})
    return HttpResponseRedirect(url, status=303)


RESULT_TEMPLATE = {
    PaymentStatus.PAID: "fees/payment_paid.html",
    PaymentStatus.STARTED: "fees/payment_pending.html",
    PaymentStatus.RETURNED: "fees/payment_pending.html",
    PaymentStatus.VERIFYING: "fees/payment_pending.html",
}


@login_required
@require_GET
@never_cache
def result(request: HttpRequest, order_id: int) -> HttpResponse:
    """The result of one payment attempt, for its payer."""
    payment = payments.payment_for_payer(order_id=order_id, user=request.user)
    if payment is None:
        raise Http404
    template = RESULT_TEMPLATE.get(payment.status, "fees/payment_failed.html")
    return render(
        request,
        template,
        {"payment": payment, "bill": payment.bill, "outcome": payment.result.get("outcome", "")},
    )
