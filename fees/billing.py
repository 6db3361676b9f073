"""Bills: created with the banks' bill ID and payment ID, and settled exactly once.

`bill_create` is the one place a bill is made; `bill_settle` the one place a bill becomes paid (called by
the payment services when a gateway verified a payment, or when a bank payment is recorded), under the
bill's row lock, so two payments of one bill never both count.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from accounts.roles import Role
from fees import selectors
from fees.assessment import assessment_make
from fees.checkdigits import bill_id as make_bill_id
from fees.checkdigits import payment_id as make_payment_id
from fees.models import Assessment, Bill, BillKind, BillStatus, Payment, Refund
from gis_app.audit import audit_record, audit_record_change
from gis_app.errors import DomainError, NotAllowed
from gis_app.jalali import to_jalali
from parcels.models import PropertyFile
from permits.selectors import due_date
from permits.services import request_locked  # a stale version raises permits.errors.StaleForm
from violations.services import violation_close_fine_settled


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


_BILL_PAID_SQL = (
    "UPDATE fees_bill SET status = %(paid)s, paid_at = %(paid_at)s WHERE id = %(bill)s AND status = %(unpaid)s"
)


@transaction.atomic(savepoint=False)  # always inside the payment's transaction: no savepoint round trips
def bill_settle(*, bill_pk: int, payment: Payment, actor=None, locked: Bill | None = None) -> bool:
    """Mark the bill paid by this payment, exactly once. Returns False (and changes nothing) when the
    bill was already settled: the caller records the payment as one to refund. `locked`: the bill's row
    when the caller holds its lock already (read under it, in this transaction)."""
    bill = locked if locked is not None and locked.pk == bill_pk else Bill.objects.select_for_update().get(pk=bill_pk)
    if bill.status != BillStatus.UNPAID:
        return False
    bill.status = BillStatus.PAID
    bill.paid_at = timezone.now()
    # the bill's row and its audit event in one statement (the callback's hot path: one round trip)
    changed = audit_record_change(
        change_sql=_BILL_PAID_SQL,
        params={
            "bill": bill.pk,
            "paid_at": bill.paid_at,
            "paid": BillStatus.PAID.value,
            "unpaid": BillStatus.UNPAID.value,
        },
        actor=actor,
        action="bill.paid",
        obj=PropertyFile(pk=bill.file_id),  # the file's label and id only: no query for its row
        bill=bill.pk,
        payment=payment.pk,
        order_id=payment.order_id,
        channel=payment.channel,
        amount_irr=payment.amount_irr,
        reference=payment.reference or "",
    )
    if not changed:  # pragma: no cover - the row is locked and was unpaid
        raise RuntimeError(f"bill {bill.pk}: unpaid under its row lock but not updated")
    for hook in BILL_PAID_HOOKS:
        hook(bill)
    return True


# --- bills on the file: from assessments, Article 100 fines, exemptions ----------------------------------

BILL_DUE_WORKING_DAYS = 10  # a bill is payable within this many working days of its issue

# which bill an assessment of a stage makes
BILL_KIND_FOR_STAGE = {
    "renovation": BillKind.RENOVATION,
    "executive": BillKind.PAVING,
    "revenue": BillKind.PERMIT_FEES,
    "trade": BillKind.TRADE,
}
EXEMPT_REASON_MIN_CHARS = 5


class FeeError(DomainError):
    """A refused fee action (wrong state, missing reason); `message` says why to the person who tried."""


def bill_due_on(*, start: dt.date | None = None, working_days: int = BILL_DUE_WORKING_DAYS) -> dt.date:
    """The date a bill issued on `start` (today) is due: working days (Fridays and holidays off)."""

    return due_date(start=start or timezone.localdate(), working_days=working_days)


def _site_text(message: str) -> str:
    """A stored reason, in the site's language (Persian) whoever's page caused it."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message)


def _cancel(bill: Bill, *, actor, replaced_by: Bill | None, why: str) -> None:
    bill.status = BillStatus.CANCELLED
    bill.replaced_by = replaced_by
    bill.save(update_fields=["status", "replaced_by"])
    audit_record(
        actor=actor,
        action="bill.cancelled",
        obj=bill.file,
        bill=bill.pk,
        bill_id=bill.bill_id,
        amount_irr=bill.amount_irr,
        replaced_by=replaced_by.pk if replaced_by else None,
        why=why,
    )


@transaction.atomic
def bill_for_assessment(*, assessment: Assessment, actor) -> Bill | None:
    """The bill of an assessment (one per assessment, rounded down to whole thousands of rials). On a
    reassessment the old assessments' unpaid bills are cancelled and replaced; what was paid (or
    exempted) counts: more now is billed as a difference, less is recorded as a refund; nothing due, no
    bill. Calling it again returns the same bill."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",)).select_related("file", "request").get(pk=assessment.pk)
    )
    existing = assessment.bills.exclude(status=BillStatus.CANCELLED).order_by("id").first()
    if existing is not None or assessment.refunds.exists():
        return existing
    chain = selectors.assessment_chain(assessment=assessment)
    earlier = [a.pk for a in chain[1:]]
    stale_unpaid = list(
        Bill.objects.select_for_update().filter(assessment__in=earlier, status=BillStatus.UNPAID).order_by("id")
    )
    covered = selectors.assessment_covered(assessment=assessment)
    due = bill_amount(assessment.total_irr) - covered.total
    bill = None
    if due > 0 and bill_amount(due) > 0:
        bill = bill_create(
            file=assessment.file,
            kind=BillKind.DIFFERENCE if covered.total else BILL_KIND_FOR_STAGE[assessment.stage],
            amount_irr=bill_amount(due),
            actor=actor,
            request=assessment.request,
            assessment=assessment,
            dues_year=assessment.dues_year,
            due_on=bill_due_on(),
        )
    elif due < 0 and min(-due, covered.paid) > 0:
        last_paid = Bill.objects.filter(assessment__in=earlier, status=BillStatus.PAID).order_by("-paid_at").first()
        refund = Refund.objects.create(
            file=assessment.file,
            bill=last_paid,
            assessment=assessment,
            amount_irr=min(-due, covered.paid),
            reason=_site_text(gettext_noop("Reassessed lower than what was paid.")),
        )
        audit_record(
            actor=actor,
            action="refund.recorded",
            obj=assessment.file,
            refund=refund.pk,
            assessment=assessment.pk,
            amount_irr=refund.amount_irr,
            bill=last_paid.pk if last_paid else None,
        )
    for old in stale_unpaid:
        _cancel(old, actor=actor, replaced_by=bill, why="reassessed")
    return bill


@transaction.atomic
def stage_assess_and_bill(*, request_id: int, version: int, actor) -> tuple[Assessment, Bill | None]:
    """The officer's button: assess the file at its fee stage (fees.assessment) and issue its bill, on the
    version of the file the officer's page showed (a stale page is refused)."""

    req = request_locked(request_id, version=version)
    if req.status != "in_review" or req.stage not in BILL_KIND_FOR_STAGE:
        raise FeeError(gettext("This file is not waiting at a fee stage."))
    if req.stage not in selectors.fee_stages_for(user=actor):
        raise NotAllowed(gettext("Your role does not assess this stage's fees."))
    assessment = assessment_make(request=req, stage=req.stage, actor=actor)
    return assessment, bill_for_assessment(assessment=assessment, actor=actor)


def _fine_settled(bill: Bill, *, actor, how: str) -> None:

    if bill.kind == BillKind.FINE and bill.violation_id:
        violation_close_fine_settled(violation_id=bill.violation_id, actor=actor, how=how, bill_ref=bill.bill_id)


@on_bill_paid
def fine_paid(bill: Bill) -> None:
    """A paid Article 100 fine closes its case."""
    _fine_settled(bill, actor=None, how="paid")


@transaction.atomic
def bill_exempt(*, bill: Bill, actor, reason: str) -> Bill:
    """Exempt an unpaid bill: the revenue officer only, with the reason; audited. An exempted fine closes
    its case."""

    if actor is None or not actor.is_authenticated or Role.REVENUE_OFFICER not in actor.roles():
        raise NotAllowed(gettext("Only the revenue officer may exempt a bill."))
    reason = " ".join((reason or "").split())
    if len(reason) < EXEMPT_REASON_MIN_CHARS:
        raise FeeError(gettext("Write the reason for the exemption (at least 5 characters)."))
    if len(reason) > 2000:
        raise FeeError(gettext("The reason is too long (at most 2,000 characters)."))
    bill = Bill.objects.select_for_update().select_related("file").get(pk=bill.pk)
    if bill.status != BillStatus.UNPAID:
        raise FeeError(gettext("Only an unpaid bill can be exempted."))
    bill.status = BillStatus.EXEMPTED
    bill.exempted_by = actor
    bill.exemption_reason = reason
    bill.save(update_fields=["status", "exempted_by", "exemption_reason"])
    audit_record(
        actor=actor,
        action="bill.exempted",
        obj=bill.file,
        bill=bill.pk,
        bill_id=bill.bill_id,
        amount_irr=bill.amount_irr,
        reason=reason,
    )
    _fine_settled(bill, actor=actor, how="exempted")
    return bill


@transaction.atomic
def fine_bill_issue(*, violation, actor) -> Bill | None:
    """The bill of an Article 100 fine decided by the commission, on the violation's file (once). A fine
    under a thousand rials is forgone (bills are whole thousands) and the case closed."""

    existing = Bill.objects.filter(violation=violation, kind=BillKind.FINE).exclude(status=BillStatus.CANCELLED)
    if existing.exists():
        return existing.first()
    amount = bill_amount(violation.verdict_fine_irr or 0)
    if amount <= 0:
        violation_close_fine_settled(violation_id=violation.pk, actor=actor, how="forgone")
        return None
    return bill_create(
        file=violation.file,
        kind=BillKind.FINE,
        amount_irr=amount,
        actor=actor,
        violation=violation,
        due_on=bill_due_on(),
    )
