"""Bills: created with the banks' bill ID and payment ID, and settled exactly once.

`bill_create` is the one place a bill is made; `bill_settle` the one place a bill becomes paid (called by
the payment services when a gateway verified a payment, or when a bank payment is recorded), under the
bill's row lock, so two payments of one bill never both count.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fees.checkdigits import bill_id as make_bill_id
from fees.checkdigits import payment_id as make_payment_id
from fees.models import Bill, BillStatus, Payment
from gis_app.audit import audit_record
from gis_app.jalali import to_jalali


def bill_amount(amount_irr: int) -> int:
    """A bill's amount: the banks' payment ID carries thousands of rials, so an amount is rounded down to
    a whole thousand (the municipality forgoes the rest, never the payer)."""
    return (int(amount_irr) // 1000) * 1000


def bill_ids_for(bill: Bill) -> tuple[str, str]:
    """The bill ID (from the row's id) and payment ID (amount, year digit, period) of a saved bill."""
    issued = to_jalali(bill.issued_at or timezone.now())
    period = bill.dues_year % 100 if bill.dues_year else issued.month
    bid = make_bill_id(file_id=bill.pk, company_code=settings.BILL_COMPANY_CODE)
    pid = make_payment_id(bill=bid, amount_irr=bill.amount_irr, year_digit=issued.year % 10, period=period)
    return bid, pid


@transaction.atomic
def bill_create(
    *,
    file,
    kind: str,
    amount_irr: int,
    actor=None,
    request=None,
    assessment=None,
    violation=None,
    dues_year: int | None = None,
    due_on: dt.date | None = None,
) -> Bill:
    """Issue a bill (amount in rials, a positive whole number of thousands) with its IDs; audited."""
    bill = Bill.objects.create(
        file=file,
        request=request,
        assessment=assessment,
        violation=violation,
        kind=kind,
        dues_year=dues_year,
        amount_irr=amount_irr,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        due_on=due_on,
    )
    bill.bill_id, bill.payment_id = bill_ids_for(bill)
    bill.save(update_fields=["bill_id", "payment_id"])
    audit_record(
        actor=actor,
        action="bill.issued",
        obj=file,
        bill=bill.pk,
        kind=kind,
        amount_irr=amount_irr,
        bill_id=bill.bill_id,
        payment_id=bill.payment_id,
    )
    return bill


# Called with the payment's own row already locked by the caller; hooks run inside the same
# transaction (a paid fine closes its violation, a paid stage bill lets the stage's guard pass).
BILL_PAID_HOOKS: list = []


def on_bill_paid(hook):
    if hook not in BILL_PAID_HOOKS:
        BILL_PAID_HOOKS.append(hook)
    return hook


@transaction.atomic
def bill_settle(*, bill_pk: int, payment: Payment, actor=None) -> bool:
    """Mark the bill paid by this payment, exactly once. Returns False (and changes nothing) when the
    bill was already settled: the caller records the payment as one to refund."""
    bill = Bill.objects.select_for_update().get(pk=bill_pk)
    if bill.status != BillStatus.UNPAID:
        return False
    bill.status = BillStatus.PAID
    bill.paid_at = timezone.now()
    bill.save(update_fields=["status", "paid_at"])
    audit_record(
        actor=actor,
        action="bill.paid",
        obj=bill.file,
        bill=bill.pk,
        payment=payment.pk,
        order_id=payment.order_id,
        channel=payment.channel,
        amount_irr=payment.amount_irr,
        reference=payment.reference or "",
    )
    for hook in BILL_PAID_HOOKS:
        hook(bill)
    return True
