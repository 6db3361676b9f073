"""Payments of bills: online through the PSP (start → the payer pays at the PSP → callback → verify →
settle), and at a bank (bill ID and payment ID). DOMAIN.md "Payments": a bill is paid exactly once.

- Every attempt has its own order id, taken from the payments' identity sequence (never reused, safe
  under concurrency).
- The callback is trusted for nothing: its fields are checked against the attempt (order id, token,
  amount, a reference no other payment used), then the PSP is asked (verify); only the PSP's answer
  changes anything. Everything happens under the payment's row lock; a repeated callback gets the stored
  result, never an error (unlike Mellat's 43).
- A verified payment settles the bill through fees.billing.bill_settle, in the same transaction; if the
  bill was settled meanwhile (at a bank, by another attempt) the payment is reversed at the PSP, or, when
  the PSP no longer can, becomes REFUND_DUE with a Refund row.
- No answer from the PSP (a time-out, the PSP down) leaves the payment VERIFYING and a job
  (fees.tasks.payment_verify) asks again with back-off inside PSP_VERIFY_WINDOW_S; when the window is
  about to close unconfirmed, the payment is reversed and the payer told. A negative answer is never
  retried.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from procrastinate.exceptions import AlreadyEnqueued
from psycopg import Cursor
from psycopg.types.json import Jsonb

from accounts.roles import STAFF_ROLES
from fees import gateway
from fees.billing import bill_settle
from fees.checkdigits import BillIdError, bill_ids_parse
from fees.models import Bill, BillStatus, Payment, PaymentChannel, PaymentStatus, Refund
from gis_app.audit import audit_record, audit_record_change
from gis_app.errors import DomainError
from gis_app.templatetags.persian import fa_digits, money_text
from notifications.services import notify
from permits.selectors import is_applicant_side

log = logging.getLogger(__name__)

# order ids sent to the PSP: the payment's id above this base (bank payments take one too)
ORDER_ID_BASE = 10**10
FINAL = (PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.REVERSED, PaymentStatus.REFUND_DUE)
IN_PROGRESS = (PaymentStatus.RETURNED, PaymentStatus.VERIFYING)


class PaymentError(DomainError):
    """A payment that cannot go on; the message says why, in the reader's language."""


class BillNotPayable(PaymentError):
    """The bill is not waiting for payment (paid, exempted, cancelled, or a payment is being confirmed)."""


class GatewayDown(PaymentError):
    """The PSP did not start the payment (no answer, or it refused)."""


class CallbackInvalid(PaymentError):
    """A callback that is malformed, forged or altered: refused with nothing changed."""


class BankPaymentInvalid(PaymentError):
    """A bank payment whose IDs, amount or reference do not check."""


# --- who may pay ------------------------------------------------------------------------------------


def bill_payable_by(*, bill: Bill, user) -> bool:
    """The applicant of the bill's request or the agent who filed it; a bill without a request (dues paid
    by code) anyone signed in who is not the municipality's staff. Staff never pay for citizens."""
    if not user.is_authenticated or not user.is_active:
        return False
    if bill.request_id is not None:
        return is_applicant_side(user=user, request=bill.request)
    return not (user.roles() & STAFF_ROLES)


def payment_for_payer(*, order_id: int, user) -> Payment | None:
    """An online payment the user may see (as its bill's payer), or None."""
    payment = Payment.objects.select_related("bill", "bill__request").filter(order_id=order_id).first()
    if payment is None or not bill_payable_by(bill=payment.bill, user=user):
        return None
    return payment


# --- starting a payment -----------------------------------------------------------------------------


def _payment_pk_next() -> int:
    # One sequence for ids and order ids: never handed out twice, whatever runs at the same time.
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('fees_payment', 'id'))")
        return int(cur.fetchone()[0])


def _language(code: str) -> str:
    codes = [c for c, _name in settings.LANGUAGES]
    return code if code in codes else settings.LANGUAGE_CODE


def _callback_url() -> str:
    base = getattr(settings, "PSP_CALLBACK_BASE_URL", "http://127.0.0.1:8000")
    return base.rstrip("/") + reverse("fees_gateway:callback")


def payment_start(*, bill: Bill, actor, language: str, callback_url: str | None = None) -> str:
    """Start an online payment of an unpaid bill; the URL of the PSP's page the payer goes to."""
    language = _language(language)
    with transaction.atomic():
        locked = Bill.objects.select_for_update().get(pk=bill.pk)
        if locked.status != BillStatus.UNPAID:
            raise BillNotPayable(
                {
                    BillStatus.PAID: _("This bill is already paid."),
                    BillStatus.EXEMPTED: _("This bill was exempted: there is nothing to pay."),
                }.get(locked.status, _("This bill was replaced by another one; pay that one instead."))
            )
        if locked.payments.filter(status__in=IN_PROGRESS).exists():
            raise BillNotPayable(
                _("A payment of this bill is being confirmed with the bank. Wait for its result before paying again.")
            )
        pk = _payment_pk_next()
        payment = Payment.objects.create(
            id=pk,
            bill=locked,
            channel=PaymentChannel.ONLINE,
            order_id=ORDER_ID_BASE + pk,
            amount_irr=locked.amount_irr,
            psp=gateway.PSP_NAME,
            started_by=actor if actor is not None and actor.is_authenticated else None,
            result={"language": language},
        )
        audit_record(
            actor=actor,
            action="payment.started",
            obj=payment,
            bill=locked.pk,
            order_id=payment.order_id,
            amount_irr=payment.amount_irr,
        )
    try:
        answer = gateway.token_request(
            order_id=payment.order_id, amount_irr=payment.amount_irr, callback_url=callback_url or _callback_url()
        )
    except gateway.GatewayUnavailable as exc:
        _start_failed(payment, actor=actor, outcome="gateway_unavailable", detail=str(exc))
        raise GatewayDown(
            _(
                "The payment gateway is not answering. Nothing was paid; try again in a few minutes, or pay at "
                "any bank with the bill ID and payment ID."
            )
        ) from exc
    if not answer.ok:
        _start_failed(payment, actor=actor, outcome="token_refused", detail=f"{answer.code} {answer.message}")
        raise GatewayDown(
            _("The payment gateway refused to start this payment. Nothing was paid; try again, or pay at any bank.")
        )
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(token=answer.token)
        audit_record(actor=actor, action="payment.sent_to_gateway", obj=payment, order_id=payment.order_id)
    return gateway.pay_url(answer.token)


def _start_failed(payment: Payment, *, actor, outcome: str, detail: str) -> None:
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(
            status=PaymentStatus.FAILED, result={**payment.result, "outcome": outcome}
        )
        audit_record(actor=actor, action="payment.failed", obj=payment, outcome=outcome, detail=detail[:300])


# --- the callback -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackData:
    """The PSP's callback, parsed and checked for form (not yet for truth: the verify decides)."""

    state: str  # OK, CANCELED, DECLINED, FAILED
    token: str
    order_id: int
    reference: str
    trace_no: str
    card_mask: str
    amount_irr: int | None


STATES = {"OK": "OK", "CANCELED": "CANCELED", "CANCELLED": "CANCELED", "DECLINED": "DECLINED", "FAILED": "FAILED"}
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,100}")
_DIGITS = re.compile(r"[0-9]{1,18}")
_REFERENCE = re.compile(r"[A-Za-z0-9]{6,64}")
_TRACE = re.compile(r"[A-Za-z0-9]{1,32}")
_CARD = re.compile(r"[0-9]{4,6}[0-9*]{2,9}[0-9]{4}")


def _field(data: Mapping, name: str) -> str:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
        if len(values) > 1:
            raise CallbackInvalid(_("The gateway's answer has the field “%(field)s” twice.") % {"field": name})
        value = values[0] if values else ""
    else:
        value = data.get(name, "")
    if not isinstance(value, str):
        raise CallbackInvalid(_("The gateway's answer has a malformed field “%(field)s”.") % {"field": name})
    return value.strip()


def callback_parse(data: Mapping) -> CallbackData:
    """Check the callback's fields for form; CallbackInvalid says what is wrong."""
    bad = _("The gateway's answer has a malformed field “%(field)s”.")
    state = STATES.get(_field(data, "state").upper())
    if state is None:
        raise CallbackInvalid(_("The gateway's answer does not say whether the payment succeeded."))
    token = _field(data, "token")
    if not _TOKEN.fullmatch(token):
        raise CallbackInvalid(bad % {"field": "token"})
    order = _field(data, "order_id")
    if not _DIGITS.fullmatch(order) or int(order) <= 0:
        raise CallbackInvalid(bad % {"field": "order_id"})
    merchant = _field(data, "merchant_id")
    if merchant and merchant != settings.PSP_MERCHANT_ID:
        raise CallbackInvalid(_("The gateway's answer is for another merchant."))
    reference, trace, card, amount_text = (_field(data, f) for f in ("reference", "trace_no", "card", "amount"))
    if state == "OK" and not (reference and amount_text):
        raise CallbackInvalid(_("The gateway's answer says paid but has no reference number or amount."))
    if reference and not _REFERENCE.fullmatch(reference):
        raise CallbackInvalid(bad % {"field": "reference"})
    if trace and not _TRACE.fullmatch(trace):
        raise CallbackInvalid(bad % {"field": "trace_no"})
    if card and not _CARD.fullmatch(card):
        raise CallbackInvalid(bad % {"field": "card"})
    amount = None
    if amount_text:
        if not _DIGITS.fullmatch(amount_text) or int(amount_text) <= 0:
            raise CallbackInvalid(bad % {"field": "amount"})
        amount = int(amount_text)
    if card and "*" not in card:  # never keep a whole card number
        card = card[:6] + "*" * (len(card) - 10) + card[-4:]
    return CallbackData(
        state=state,
        token=token,
        order_id=int(order),
        reference=reference,
        trace_no=trace,
        card_mask=card,
        amount_irr=amount,
    )


# Raw SQL, prepared once per connection: the callback path runs these for every payment and every
# repeated callback (bench/fees_payments.py; Django compiles its queries again on every call). They are
# the ORM's statements written out: the same rows, locks and constraints.
_PAYMENT_FIELDS = [f for f in Payment._meta.concrete_fields]
_LOCK_SQL = (
    f"SELECT {', '.join(f.column for f in _PAYMENT_FIELDS)} FROM fees_payment "  # noqa: S608 - the model's columns
    "WHERE order_id = %(order)s AND channel = 'online' FOR UPDATE"
)
_CALLBACK_SEEN_SQL = "UPDATE fees_payment SET callback_count = %(n)s, callback_at = %(at)s WHERE id = %(id)s"
_REFERENCE_TAKEN_SQL = "SELECT 1 FROM fees_payment WHERE reference = %(reference)s AND id <> %(id)s"


def _prepared(sql: str, params: dict) -> tuple | None:
    """Run one prepared statement on Django's connection (its errors wrapped as Django's); its first row."""
    connection.ensure_connection()
    with connection.wrap_database_errors, Cursor(connection.connection) as cur:
        cur.execute(sql, params, prepare=True)
        return cur.fetchone() if cur.description else None


def _online_payment_locked(*, order_id: int) -> Payment | None:
    """The online payment of this order id under its row lock, or None."""
    row = _prepared(_LOCK_SQL, {"order": order_id})
    if row is None:
        return None
    values = [
        json.loads(value) if field.name == "result" and isinstance(value, str) else value
        for field, value in zip(_PAYMENT_FIELDS, row, strict=True)
    ]
    return Payment.from_db(connection.alias, [f.attname for f in _PAYMENT_FIELDS], values)


_BILL_FIELDS = [f for f in Bill._meta.concrete_fields]
_BILL_LOCK_SQL = (
    f"SELECT {', '.join(f.column for f in _BILL_FIELDS)} FROM fees_bill "  # noqa: S608 - the model's columns
    "WHERE id = %(id)s FOR UPDATE"
)


def _bill_locked(*, bill_pk: int) -> Bill:
    """A payment's bill under its row lock (it exists: the payment's foreign key protects it)."""
    row = _prepared(_BILL_LOCK_SQL, {"id": bill_pk})
    if row is None:  # pragma: no cover - a payment's bill cannot be deleted (PROTECT)
        raise Bill.DoesNotExist(bill_pk)
    return Bill.from_db(connection.alias, [f.attname for f in _BILL_FIELDS], list(row))


def payment_callback(*, data: Mapping) -> Payment:
    """Handle the PSP's callback, idempotently: the payment with its result (stored, when repeated)."""
    cb = callback_parse(data)
    with transaction.atomic():
        payment = _online_payment_locked(order_id=cb.order_id)
        if payment is None:
            raise CallbackInvalid(_("No payment with this order number was started here."))
        if not payment.token or not hmac.compare_digest(payment.token, cb.token):
            raise CallbackInvalid(_("The gateway's token does not belong to this order."))
        if cb.amount_irr is not None and cb.amount_irr != payment.amount_irr:
            raise CallbackInvalid(_("The amount in the gateway's answer is not the amount of this bill."))
        now = timezone.now()
        payment.callback_count += 1
        payment.callback_at = payment.callback_at or now
        if payment.status in FINAL:
            # a repeated callback: the stored result, nothing else
            _prepared(_CALLBACK_SEEN_SQL, {"id": payment.pk, "n": payment.callback_count, "at": payment.callback_at})
            return payment
        if cb.reference and _prepared(_REFERENCE_TAKEN_SQL, {"reference": cb.reference, "id": payment.pk}):
            raise CallbackInvalid(_("This reference number was already used for another payment."))
        if payment.status == PaymentStatus.STARTED:
            payment.status = PaymentStatus.RETURNED
        # what the callback said goes into the audit event of the outcome, written once the PSP answered
        payment.held_audit = {"callback_state": cb.state, "callback_reference": cb.reference}
        payment.result = {**payment.result, "callback_state": cb.state, "reference_claimed": cb.reference}
        payment.trace_no = cb.trace_no or payment.trace_no
        payment.card_mask = cb.card_mask or payment.card_mask
        return _verify_and_apply(payment, reference=cb.reference, from_callback=True, claimed=cb.state)


# --- verification, shared by the callback and the retry job -------------------------------------------


def _deadline(payment: Payment) -> dt.datetime:
    """When we stop asking: before the PSP's window closes (it reverses by itself then), with a margin."""
    window = dt.timedelta(seconds=settings.PSP_VERIFY_WINDOW_S)
    margin = min(dt.timedelta(seconds=60), window / 10)
    return (payment.callback_at or payment.started_at) + window - margin


def retry_wait_s(*, attempt: int) -> float:
    """Back-off before the n-th retry (1, 2, …): doubling from a 60th of the window, at least 0.5 s."""
    base = max(0.5, settings.PSP_VERIFY_WINDOW_S / 60)
    return base * 2 ** (attempt - 1)


# what the payment services change on a payment: saved together, one UPDATE per outcome
MUTABLE = (
    "status",
    "result",
    "reference",
    "trace_no",
    "card_mask",
    "callback_at",
    "callback_count",
    "verified_at",
    "reversed_at",
    "verify_attempts",
)


_SAVE_SQL = f"UPDATE fees_payment SET {', '.join(f'{name} = %({name})s' for name in MUTABLE)} WHERE id = %(id)s"  # noqa: S608


def _save(payment: Payment, *, audit: str | None = None, **data) -> None:
    """Write the payment's changing fields; with `audit`, its audit event (with what the callback said,
    held by payment_callback) in the same statement. Written after any call to the PSP: an audit row
    takes the chain's lock until commit (gis_app.audit), which must not be held across a call."""
    values = {name: getattr(payment, name) for name in MUTABLE} | {"id": payment.pk, "result": Jsonb(payment.result)}
    if audit is None:
        _prepared(_SAVE_SQL, values)
        return
    held = getattr(payment, "held_audit", None) or {}
    payment.held_audit = {}
    audit_record_change(change_sql=_SAVE_SQL, params=values, actor=None, action=audit, obj=payment, **held, **data)


def _verify_and_apply(payment: Payment, *, reference: str, from_callback: bool, claimed: str = "OK") -> Payment:
    """Ask the PSP about a returned payment (its row locked by the caller) and apply the answer."""
    payment.verify_attempts += 1  # time-outs count: they spend the window
    try:
        answer = gateway.verify(token=payment.token, reference=reference)
    except gateway.GatewayUnavailable as exc:
        return _unconfirmed(payment, detail=str(exc))
    if answer.code == gateway.REFERENCE_MISMATCH:
        if from_callback:
            raise CallbackInvalid(_("The reference number in the gateway's answer is not this payment's."))
        return _unconfirmed(payment, detail="reference mismatch")
    if answer.code == gateway.NOT_PAID_YET:
        if from_callback and claimed != "OK":
            # a "not paid" callback for a payment the PSP still holds open: stale or forged; the payer may
            # still pay, so nothing changes
            raise CallbackInvalid(_("The payment gateway has no result for this payment yet."))
        # the PSP's notice overtook its own record of the payment: ask again shortly
        return _unconfirmed(payment, detail="the PSP has not recorded the payment yet")
    if answer.ok:
        return _verified(payment, answer)
    return _negative(payment, answer)


def _negative(payment: Payment, answer: gateway.VerifyAnswer) -> Payment:
    """A negative answer to a verify: the payment ends (never retried)."""
    outcome = {
        gateway.CANCELLED: "cancelled",
        gateway.DECLINED: "declined",
        gateway.VERIFY_FAILED: "verify_failed",
        gateway.REVERSED_LATE: "late",
        gateway.REVERSED: "reversed",
    }.get(answer.code, "refused")
    if outcome == "verify_failed":
        # the money may have left the card: give it back now rather than at the window's end
        _reverse_quietly(payment)
    status = PaymentStatus.REVERSED if outcome in ("late", "reversed") else PaymentStatus.FAILED
    return _finish(payment, status=status, outcome=outcome, code=answer.code, tell=outcome in ("late", "verify_failed"))


def _reverse_quietly(payment: Payment) -> bool:
    try:
        return gateway.reverse(token=payment.token).ok
    except gateway.GatewayUnavailable:
        return False


def _audit(payment: Payment, action: str, **data) -> None:
    """One audit event per outcome, with what the callback said (held by payment_callback) in it. Written
    after any call to the PSP: an audit row takes the chain's lock until commit (gis_app.audit)."""
    held = getattr(payment, "held_audit", None) or {}
    payment.held_audit = {}
    audit_record(actor=None, action=action, obj=payment, **held, **data)


def _finish(
    payment: Payment, *, status: str, outcome: str, code: int | None = None, tell: bool = False, **extra
) -> Payment:
    payment.status = status
    payment.result = {**payment.result, "outcome": outcome, **({"code": code} if code is not None else {})}
    if status == PaymentStatus.REVERSED:
        payment.reversed_at = timezone.now()
    _save(payment, audit=f"payment.{status}", outcome=outcome, code=code, **extra)
    if tell:
        _tell_payer(payment, outcome)
    return payment


def _unconfirmed(payment: Payment, *, detail: str) -> Payment:
    """No answer: VERIFYING and a retry job, or, when the window is closing, reverse and tell the payer."""
    from fees import tasks

    attempt = payment.verify_attempts
    wait = retry_wait_s(attempt=attempt)
    now = timezone.now()
    if now + dt.timedelta(seconds=wait + settings.PSP_TIMEOUT_S) > _deadline(payment):
        _reverse_quietly(payment)  # if the PSP cannot hear it, it reverses by itself when its window ends
        return _finish(payment, status=PaymentStatus.REVERSED, outcome="unconfirmed", tell=True)
    first = payment.status != PaymentStatus.VERIFYING
    payment.status = PaymentStatus.VERIFYING
    payment.result = {**payment.result, "outcome": "verifying"}
    _save(payment, audit="payment.verifying", attempt=attempt, detail=detail[:300])
    try:
        with transaction.atomic():  # a savepoint: a refused defer must not spoil the transaction
            tasks.payment_verify.configure(
                schedule_in={"seconds": wait}, queueing_lock=f"fees.payment_verify:{payment.pk}"
            ).defer(payment_id=payment.pk)
    except AlreadyEnqueued:
        pass  # a retry of this payment is already waiting
    if first:
        log.info("payment %s: verify unanswered (%s); retrying in %.1f s", payment.order_id, detail, wait)
    return payment


def _verified(payment: Payment, answer: gateway.VerifyAnswer) -> Payment:
    # The PSP is asked (settle or reverse) before anything is audited here: an audit row takes the chain's
    # lock until commit (gis_app.audit), which must not be held across a call to the PSP; and the bill is
    # settled (its audit row the first) before the payment's row is written, to keep that span short.
    bill = _bill_locked(bill_pk=payment.bill_id)
    payment.verified_at = payment.verified_at or timezone.now()
    payment.trace_no = answer.trace_no or payment.trace_no
    payment.card_mask = answer.card_mask or payment.card_mask
    verified = {"reference": answer.reference, "verified_irr": answer.amount_irr, "already": answer.already_verified}
    if answer.amount_irr != payment.amount_irr or bill.amount_irr != payment.amount_irr:
        reversed_ = _reverse_quietly(payment)
        return _finish(
            payment,
            status=PaymentStatus.REVERSED if reversed_ else PaymentStatus.FAILED,
            outcome="amount_mismatch",
            tell=True,
            **verified,
        )
    claimed = payment.result.get("reference_claimed")
    if answer.reference != claimed and _prepared(
        _REFERENCE_TAKEN_SQL, {"reference": answer.reference, "id": payment.pk}
    ):
        raise CallbackInvalid(_("This reference number was already used for another payment."))
    payment.reference = answer.reference
    if bill.status == BillStatus.UNPAID:
        try:
            settled = gateway.settle(token=payment.token)
        except gateway.GatewayUnavailable:
            settled = None
        if not bill_settle(bill_pk=bill.pk, payment=payment, locked=bill):  # pragma: no cover - the row is locked
            raise RuntimeError("an unpaid bill under its row lock could not be settled")
        payment = _finish(payment, status=PaymentStatus.PAID, outcome="paid", **verified)
        if settled is None:  # the PSP did not hear the settle: a job asks again
            from fees import tasks

            tasks.payment_settle.configure(schedule_in={"seconds": retry_wait_s(attempt=1)}).defer(
                payment_id=payment.pk
            )
        elif not settled.ok:
            # verified money the PSP will not settle: the reconciliation reports it; the bill stays paid
            _audit(payment, "payment.settle_refused", code=settled.code)
        return payment
    # settled meanwhile (at a bank, by another attempt): give this money back
    if _reverse_quietly(payment):
        return _finish(payment, status=PaymentStatus.REVERSED, outcome="already_paid", tell=True, **verified)
    return _refund_due(
        payment, reason=N_("The bill was already paid when this online payment was verified."), **verified
    )


def _refund_due(payment: Payment, *, reason: str, **extra) -> Payment:
    with translation.override(settings.LANGUAGE_CODE):  # the revenue office reads it in the site's language
        reason = _(reason)
    Refund.objects.create(
        file_id=payment.bill.file_id,
        bill=payment.bill,
        payment=payment,
        amount_irr=payment.amount_irr,
        reason=reason,
    )
    return _finish(payment, status=PaymentStatus.REFUND_DUE, outcome="already_paid", tell=True, **extra)


def payment_verify_retry(*, payment_id: int) -> Payment | None:
    """The retry job's step: ask the PSP again about a payment left VERIFYING (None when it is gone)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id).order_by().first()
        if payment is None or payment.status not in IN_PROGRESS:
            return payment
        # by token only: a reference the callback claimed is not trusted here
        return _verify_and_apply(payment, reference="", from_callback=False)


def payments_abandoned(*, older_than_s: int) -> list[int]:
    """Online payments sent to the PSP that never came back (no callback) for older_than_s seconds."""
    since = timezone.now() - dt.timedelta(seconds=older_than_s)
    return list(
        Payment.objects.filter(
            channel=PaymentChannel.ONLINE, status=PaymentStatus.STARTED, token__isnull=False, started_at__lt=since
        )
        .order_by("started_at")
        .values_list("pk", flat=True)[:500]
    )


def payment_sweep(*, payment_id: int) -> Payment | None:
    """Ask the PSP about a payment whose callback never came (the payer closed the browser after paying, or
    the callback was lost): paid, it settles the bill like a callback would; ended at the PSP, it ends here;
    still open at the PSP, it waits, until the PSP's window has passed (then it is abandoned)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update(skip_locked=True).filter(pk=payment_id).order_by().first()
        if payment is None or payment.status != PaymentStatus.STARTED or not payment.token:
            return payment
        try:
            answer = gateway.verify(token=payment.token)
        except gateway.GatewayUnavailable:
            return payment  # the next sweep asks again
        payment.verify_attempts += 1
        if answer.code == gateway.NOT_PAID_YET:
            if timezone.now() - payment.started_at > dt.timedelta(seconds=settings.PSP_VERIFY_WINDOW_S):
                return _finish(payment, status=PaymentStatus.FAILED, outcome="abandoned")
            return payment
        payment.status = PaymentStatus.RETURNED
        payment.callback_at = timezone.now()
        payment.held_audit = {"callback_state": "none (asked by the sweep)"}
        if answer.ok:
            return _verified(payment, answer)
        return _negative(payment, answer)


def payment_settle_retry(*, payment_id: int) -> bool:
    """The settle job's step: settle a paid payment at the PSP; False to be retried."""
    payment = Payment.objects.filter(pk=payment_id, status=PaymentStatus.PAID).first()
    if payment is None or not payment.token:
        return True
    try:
        answer = gateway.settle(token=payment.token)
    except gateway.GatewayUnavailable:
        return False
    if not answer.ok:
        with transaction.atomic():
            audit_record(actor=None, action="payment.settle_refused", obj=payment, code=answer.code)
    return True


# --- telling the payer ------------------------------------------------------------------------------

_TOLD = {
    "late": (
        N_("Your payment was returned"),
        N_(
            "The bank could not confirm your payment of %(amount)s for bill %(bill)s in time and returned the "
            "money to your card. The bill is still unpaid."
        ),
    ),
    "unconfirmed": (
        N_("Your payment was returned"),
        N_(
            "The bank did not confirm your payment of %(amount)s for bill %(bill)s in time; it was reversed and "
            "the money returns to your card within 72 hours. The bill is still unpaid."
        ),
    ),
    "verify_failed": (
        N_("Your payment was not completed"),
        N_(
            "The bank could not verify your payment of %(amount)s for bill %(bill)s; any money taken returns to "
            "your card within 72 hours. The bill is still unpaid."
        ),
    ),
    "amount_mismatch": (
        N_("Your payment was returned"),
        N_(
            "The bank confirmed an amount different from bill %(bill)s (%(amount)s); the payment was returned. "
            "Pay the bill again."
        ),
    ),
    "already_paid": (
        N_("The bill was already paid"),
        N_(
            "Bill %(bill)s had already been paid when your online payment of %(amount)s was confirmed. The money "
            "is being returned to you."
        ),
    ),
}


def _tell_payer(payment: Payment, outcome: str) -> None:
    payer = payment.started_by
    if payer is None or outcome not in _TOLD:
        return
    subject, body = _TOLD[outcome]
    with translation.override(payment.result.get("language") or settings.LANGUAGE_CODE):
        values = {"amount": money_text(payment.amount_irr), "bill": fa_digits(payment.bill.bill_id)}
        notify(recipient=payer, subject=_(subject), body=_(body) % values, about=payment.bill)


# --- at a bank --------------------------------------------------------------------------------------


def payment_record_bank(
    *, bill_id: str, payment_id: str, amount_irr: int, reference: str, paid_at: dt.datetime, actor=None
) -> Payment:
    """Record a payment made at a bank with the bill ID and payment ID; settles the bill exactly once
    (a second payment of a settled bill is recorded as one to refund). Importing it again changes nothing."""
    try:
        ids = bill_ids_parse(str(bill_id).strip(), str(payment_id).strip())
    except BillIdError as exc:
        raise BankPaymentInvalid(
            _("The bill ID or the payment ID is mistyped: their check digits do not match.")
        ) from exc
    if int(amount_irr) != ids.amount_irr:
        raise BankPaymentInvalid(_("The amount paid is not the amount the payment ID carries."))
    reference = str(reference).strip()
    if not _REFERENCE.fullmatch(reference):
        raise BankPaymentInvalid(_("The bank's reference number is missing or malformed."))
    with transaction.atomic():
        # the bill's row first, the audit chain's lock after (as the online path does): no deadlock
        bill = Bill.objects.select_for_update().filter(bill_id=ids.bill_id, payment_id=ids.payment_id).first()
        if bill is None:
            raise BankPaymentInvalid(_("No bill has this bill ID and payment ID."))
        existing = Payment.objects.filter(reference=reference).first()
        if existing is not None:
            if existing.bill_id == bill.pk and existing.channel == PaymentChannel.BANK:
                return existing  # the same bank record again
            raise BankPaymentInvalid(_("This reference number was already used for another payment."))
        pk = _payment_pk_next()
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    id=pk,
                    bill=bill,
                    channel=PaymentChannel.BANK,
                    order_id=ORDER_ID_BASE + pk,
                    amount_irr=ids.amount_irr,
                    psp="bank",
                    reference=reference,
                    status=PaymentStatus.RETURNED,
                    callback_at=paid_at,
                    verified_at=paid_at,
                    callback_count=1,
                )
        except IntegrityError as exc:  # the same reference recorded at the same moment
            raise BankPaymentInvalid(_("This reference number was already used for another payment.")) from exc
        audit_record(
            actor=actor,
            action="payment.bank_recorded",
            obj=payment,
            bill=bill.pk,
            reference=reference,
            amount_irr=payment.amount_irr,
            paid_at=paid_at.isoformat(),
        )
        if bill_settle(bill_pk=bill.pk, payment=payment, actor=actor):
            return _finish(payment, status=PaymentStatus.PAID, outcome="paid")
        return _refund_due(payment, reason=N_("The bill was already settled when this bank payment was recorded."))
