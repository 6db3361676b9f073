"""Online payments through the sandbox PSP process, and bank payments: a bill is paid exactly once.

The failure cases of issue 18: a forged or altered amount or reference, a replayed callback, 50
concurrent duplicate callbacks, callbacks in the wrong order, a verify answer that never comes (the job
retries, then reverses and tells the payer), the PSP down, a bill paid at a bank and online at once, a
declined payment, a late verify."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from fees import payments
from fees.checkdigits import bill_ids_parse
from fees.models import Bill, BillStatus, Payment, PaymentStatus, Refund
from gis_app.models import AuditEvent
from notifications.models import Notification
from tests.conftest import run_jobs_here, wait_for
from tests.fees.conftest import AMOUNT, bill_for, psp_window

pytestmark = pytest.mark.django_db


def start(bill, language="fa", callback_url=None) -> str:
    return payments.payment_start(bill=bill, actor=bill.request.applicant, language=language, callback_url=callback_url)


def paid_callback(psp, bill, **kw) -> dict[str, str]:
    """Start, pay at the PSP; the fields the payer's browser brings back."""
    _action, fields = psp.pay(start(bill, **kw))
    return fields


def told(user, bill):
    """The messages written to the user about the bill."""
    from django.contrib.contenttypes.models import ContentType

    return Notification.objects.filter(
        recipient=user, about_type=ContentType.objects.get_for_model(Bill), about_id=bill.pk
    )


def bill_paid_events(bill) -> int:
    return AuditEvent.objects.filter(action="bill.paid", data__bill=bill.pk).count()


def test_pay_verify_settle(psp, bill):
    fields = paid_callback(psp, bill)
    payment = payments.payment_callback(data=fields)
    assert payment.status == PaymentStatus.PAID and payment.result["outcome"] == "paid"
    assert payment.reference == fields["reference"] and payment.card_mask == fields["card"]
    assert payment.amount_irr == AMOUNT and payment.verified_at is not None
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID and bill.paid_at is not None
    assert psp.state(payment.token)["state"] == "settled"
    assert bill_paid_events(bill) == 1
    actions = list(
        AuditEvent.objects.filter(object_type="fees.payment", object_id=str(payment.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["payment.started", "payment.sent_to_gateway", "payment.paid"]  # one per change
    paid = AuditEvent.objects.get(action="payment.paid", object_id=str(payment.pk)).data
    assert paid["reference"] == paid["callback_reference"] == fields["reference"]
    assert paid["verified_irr"] == AMOUNT and paid["callback_state"] == "OK"


def test_every_attempt_has_its_own_order_id(psp, bill):
    for _ in range(3):
        start(bill)
    orders = list(Payment.objects.filter(bill=bill).values_list("order_id", flat=True))
    assert len(set(orders)) == 3 and all(o > payments.ORDER_ID_BASE for o in orders)


@pytest.mark.hostile("replay")
@pytest.mark.parametrize("variant", ["same", "same_thrice", "stale_cancel", "without_reference"])
def test_a_replayed_callback_gets_the_stored_result(psp, bill, variant):
    fields = paid_callback(psp, bill)
    first = payments.payment_callback(data=fields)
    again = dict(fields)
    if variant == "stale_cancel":  # an older "cancelled" answer arriving after the paid one
        again = {k: fields[k] for k in ("token", "order_id", "merchant_id")} | {"state": "CANCELED"}
    if variant == "without_reference":
        again = {k: v for k, v in fields.items() if k not in ("reference", "trace_no", "card", "amount")} | {
            "state": "FAILED"
        }
    for _ in range(3 if variant == "same_thrice" else 1):
        replayed = payments.payment_callback(data=again)
        assert replayed.pk == first.pk and replayed.status == PaymentStatus.PAID and replayed.result == first.result
    assert bill_paid_events(bill) == 1
    assert Payment.objects.get(pk=first.pk).callback_count == (4 if variant == "same_thrice" else 2)


FORGERIES = {
    "amount_up": lambda f, other: f | {"amount": str(int(f["amount"]) + 1000)},
    "amount_down": lambda f, other: f | {"amount": "1000"},
    "amount_zero": lambda f, other: f | {"amount": "0"},
    "amount_persian_digits": lambda f, other: f | {"amount": "۱۷۰۰۰۰۰۰"},
    "reference_altered": lambda f, other: f | {"reference": "123456789012"},
    "reference_of_another_payment": lambda f, other: f | {"reference": other["reference"]},
    "token_of_another_order": lambda f, other: f | {"token": other["token"]},
    "order_of_another_payment": lambda f, other: f | {"order_id": other["order_id"]},
    "unknown_order": lambda f, other: f | {"order_id": "99999999999999"},
    "other_merchant": lambda f, other: f | {"merchant_id": "someone-else"},
    "state_missing": lambda f, other: {k: v for k, v in f.items() if k != "state"},
    "state_odd": lambda f, other: f | {"state": "PAID!!"},
    "paid_without_reference": lambda f, other: {k: v for k, v in f.items() if k != "reference"},
    "card_unmasked_garbage": lambda f, other: f | {"card": "<script>"},
    "order_id_negative": lambda f, other: f | {"order_id": "-5"},
    "token_short": lambda f, other: f | {"token": "abc"},
}


@pytest.mark.hostile("forged_callback")
@pytest.mark.parametrize("variant", sorted(FORGERIES))
def test_a_forged_or_altered_callback_changes_nothing(psp, bill, permit_request, variant):
    other_bill = bill_for(permit_request, 5_000_000)
    other = paid_callback(psp, other_bill)
    payments.payment_callback(data=other)  # paid: its reference is used
    fields = paid_callback(psp, bill)
    with pytest.raises(payments.CallbackInvalid) as refused:
        payments.payment_callback(data=FORGERIES[variant](dict(fields), other))
    assert refused.value.message
    payment = Payment.objects.get(bill=bill)
    assert payment.status == PaymentStatus.STARTED and payment.reference is None
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID
    # nothing was verified at the PSP: the genuine callback still pays
    assert payments.payment_callback(data=fields).status == PaymentStatus.PAID
    assert bill_paid_events(bill) == 1


@pytest.mark.parametrize(("action", "mode", "outcome"), [("cancel", None, "cancelled"), ("pay", "decline", "declined")])
def test_cancelled_or_declined(psp, bill, action, mode, outcome):
    if mode:
        psp.control(mode=mode, count=1)
    _a, fields = psp.pay(start(bill), action=action)
    assert fields["state"] != "OK"
    payment = payments.payment_callback(data=fields)
    assert payment.status == PaymentStatus.FAILED and payment.result["outcome"] == outcome
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID
    # the bill can be paid again
    assert payments.payment_callback(data=paid_callback(psp, bill)).status == PaymentStatus.PAID


def test_a_late_verify_is_reversed_and_the_payer_told(psp, bill, citizen):
    psp.control(mode="late", count=1)
    payment = payments.payment_callback(data=paid_callback(psp, bill))
    assert payment.status == PaymentStatus.REVERSED and payment.result["outcome"] == "late"
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID
    assert told(citizen, bill).exists()


def test_a_failed_verify_is_not_retried_and_the_money_given_back(psp, bill):
    psp.control(mode="fail_verify", count=1)
    payment = payments.payment_callback(data=paid_callback(psp, bill))
    assert payment.status == PaymentStatus.FAILED and payment.result["outcome"] == "verify_failed"
    assert psp.state(payment.token)["state"] == "reversed"
    assert "fees.payment_verify" not in run_jobs_here()  # a negative answer: no retry job


@pytest.mark.fault
def test_psp_down_at_start(psp, bill):
    psp.control(mode="down")
    with pytest.raises(payments.GatewayDown):
        start(bill)
    psp.control(mode="up")
    psp.stop()
    with pytest.raises(payments.GatewayDown):
        start(bill)
    psp.start()
    assert list(Payment.objects.filter(bill=bill).values_list("status", flat=True)) == ["failed", "failed"]
    start(bill)  # back up: a new attempt with a new order id


@pytest.mark.fault
@pytest.mark.parametrize("how", ["down", "stopped"])
def test_no_answer_to_the_verify_leaves_it_verifying_and_a_job_confirms(psp, bill, how):
    fields = paid_callback(psp, bill)
    if how == "down":
        psp.control(mode="down")
    else:
        psp.stop()
    payment = payments.payment_callback(data=fields)
    assert payment.status == PaymentStatus.VERIFYING and payment.result["outcome"] == "verifying"
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID
    # the payer cannot start another attempt meanwhile
    with pytest.raises(payments.BillNotPayable):
        start(bill)
    # a repeated callback while the PSP is still silent: still verifying, no second job
    assert payments.payment_callback(data=fields).status == PaymentStatus.VERIFYING
    if how == "down":
        psp.control(mode="up")
    else:
        psp.start()
    assert run_jobs_here().count("fees.payment_verify") == 1  # one retry waited, not two
    payment.refresh_from_db()
    if how == "stopped":
        # the sandbox keeps its payments in memory: restarted, it no longer knows the token, a negative
        # answer, so the payment fails without another try (a real PSP remembers; "down" shows that case)
        assert payment.status == PaymentStatus.FAILED and payment.result["code"] == -1
        assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID
        return
    assert payment.status == PaymentStatus.PAID
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.PAID


def test_wrong_order_two_attempts(psp, bill):
    """Attempt 2 pays and its callback arrives first; attempt 1's cancel comes after: paid once."""
    first_url = start(bill)
    second = paid_callback(psp, bill)
    assert payments.payment_callback(data=second).status == PaymentStatus.PAID
    _a, first = psp.pay(first_url, action="cancel")
    assert payments.payment_callback(data=first).status == PaymentStatus.FAILED
    assert bill_paid_events(bill) == 1


def test_wrong_order_callback_before_the_psp_recorded_it(psp, bill):
    """The callback overtakes the PSP's own record (verify answers "not paid yet"): verifying; the next
    callback (or the job) confirms."""
    url = start(bill)
    payment = Payment.objects.get(bill=bill)
    token = url.rsplit("/", 1)[1]
    early = {"state": "CANCELED", "token": token, "order_id": str(payment.order_id), "merchant_id": "sandbox-merchant"}
    with pytest.raises(payments.CallbackInvalid):
        payments.payment_callback(data=early)  # "cancelled" while the PSP holds it open: stale, nothing changes
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.STARTED
    early |= {"state": "OK", "reference": "123456123456", "amount": str(AMOUNT)}
    assert payments.payment_callback(data=early).status == PaymentStatus.VERIFYING  # not recorded yet: ask again
    _a, fields = psp.pay(url)
    assert payments.payment_callback(data=fields).status == PaymentStatus.PAID


@pytest.mark.parametrize("order", ["bank_first", "online_first"])
def test_paid_at_a_bank_and_online(psp, bill, citizen, order):
    ids = bill_ids_parse(bill.bill_id, bill.payment_id)
    fields = paid_callback(psp, bill)

    def bank():
        return payments.payment_record_bank(
            bill_id=bill.bill_id,
            payment_id=bill.payment_id,
            amount_irr=ids.amount_irr,
            reference="BANK778899",
            paid_at=timezone.now(),
        )

    if order == "bank_first":
        assert bank().status == PaymentStatus.PAID
        online = payments.payment_callback(data=fields)
        assert online.status == PaymentStatus.REVERSED and online.result["outcome"] == "already_paid"
        assert psp.state(online.token)["state"] == "reversed"
        assert told(citizen, bill).exists()
    else:
        assert payments.payment_callback(data=fields).status == PaymentStatus.PAID
        at_bank = bank()
        assert at_bank.status == PaymentStatus.REFUND_DUE
        refund = Refund.objects.get(payment=at_bank)
        assert refund.amount_irr == AMOUNT and refund.bill_id == bill.pk
    assert bill_paid_events(bill) == 1
    assert Payment.objects.filter(bill=bill, status=PaymentStatus.PAID).count() == 1
    assert bank().pk == Payment.objects.get(reference="BANK778899").pk  # importing it again: the same


@pytest.mark.hostile("bank_payment")
@pytest.mark.parametrize(
    "change",
    [
        {"bill_id": "7748317800143"},  # check digit wrong
        {"payment_id": "1770161"},
        {"bill_id": "abc"},
        {"bill_id": ""},
        {"amount_irr": 1000},
        {"reference": ""},
        {"reference": "ref with spaces"},
        {"reference": "x" * 80},
        {"bill_id": "7748317800142", "payment_id": "1770160", "amount_irr": 17_000},  # valid IDs, no such bill
    ],
)
def test_bad_bank_payments_are_refused(bill, change):
    ids = bill_ids_parse(bill.bill_id, bill.payment_id)
    values = {
        "bill_id": bill.bill_id,
        "payment_id": bill.payment_id,
        "amount_irr": ids.amount_irr,
        "reference": "BANK000111",
        "paid_at": timezone.now(),
    } | change
    with pytest.raises(payments.BankPaymentInvalid) as refused:
        payments.payment_record_bank(**values)
    assert refused.value.message
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID


def test_a_reference_is_used_once_across_bank_payments(bill, permit_request):
    other = bill_for(permit_request, 2_000_000)
    ids = bill_ids_parse(bill.bill_id, bill.payment_id)
    payments.payment_record_bank(
        bill_id=bill.bill_id,
        payment_id=bill.payment_id,
        amount_irr=ids.amount_irr,
        reference="SAMEREF1",
        paid_at=timezone.now(),
    )
    o = bill_ids_parse(other.bill_id, other.payment_id)
    with pytest.raises(payments.BankPaymentInvalid):
        payments.payment_record_bank(
            bill_id=other.bill_id,
            payment_id=other.payment_id,
            amount_irr=o.amount_irr,
            reference="SAMEREF1",
            paid_at=timezone.now(),
        )


@pytest.mark.parametrize("status", [BillStatus.PAID, BillStatus.EXEMPTED, BillStatus.CANCELLED])
def test_only_an_unpaid_bill_starts_a_payment(psp, bill, status):
    Bill.objects.filter(pk=bill.pk).update(status=status, paid_at=timezone.now(), exemption_reason="council decision")
    with pytest.raises(payments.BillNotPayable):
        start(Bill.objects.get(pk=bill.pk))
    assert not Payment.objects.filter(bill=bill).exists()


# --- with real threads and a real job worker --------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_duplicate_callbacks_have_one_effect(psp, bill, record_property):
    fields = paid_callback(psp, bill)
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def callback():
        try:
            barrier.wait()
            try:
                result = payments.payment_callback(data=fields).status
            except payments.PaymentError as exc:
                result = f"refused: {exc.message}"
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=callback) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    record_property("callbacks", len(outcomes))
    record_property("double_effects", bill_paid_events(bill) - 1)
    assert Counter(outcomes) == {"paid": 50}
    assert bill_paid_events(bill) == 1
    payment = Payment.objects.get(bill=bill)
    assert payment.callback_count == 50
    assert AuditEvent.objects.filter(action="payment.paid", object_id=str(payment.pk)).count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_paid_at_a_bank_and_online_at_once(psp, permit_request, record_property):
    bills = [bill_for(permit_request, 1_000_000 * (n + 1)) for n in range(10)]
    callbacks = [paid_callback(psp, b) for b in bills]
    barrier = threading.Barrier(20)

    def online(fields):
        try:
            barrier.wait()
            payments.payment_callback(data=fields)
        finally:
            connection.close()

    def bank(b, n):
        try:
            ids = bill_ids_parse(b.bill_id, b.payment_id)
            barrier.wait()
            payments.payment_record_bank(
                bill_id=b.bill_id,
                payment_id=b.payment_id,
                amount_irr=ids.amount_irr,
                reference=f"BANKREF{n:04d}",
                paid_at=timezone.now(),
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=online, args=(f,)) for f in callbacks]
    threads += [threading.Thread(target=bank, args=(b, n)) for n, b in enumerate(bills)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for b in bills:
        assert Bill.objects.get(pk=b.pk).status == BillStatus.PAID
        assert bill_paid_events(b) == 1
        statuses = Counter(Payment.objects.filter(bill=b).values_list("status", flat=True))
        # one payment counts; the other was reversed at the PSP (online) or is to be refunded (bank)
        assert statuses["paid"] == 1 and statuses["reversed"] + statuses["refund_due"] == 1, statuses
    record_property("double_effects", sum(bill_paid_events(b) - 1 for b in bills))


@pytest.mark.fault
@pytest.mark.django_db(transaction=True)
def test_verify_never_answered_is_retried_then_reversed_and_the_payer_told(
    psp, bill, citizen, settings, monkeypatch, start_worker
):
    psp_window(psp, settings, monkeypatch, 8)
    psp.control(mode="hang", count=1)
    fields = paid_callback(psp, bill)
    worker = start_worker()
    payment = payments.payment_callback(data=fields)
    assert payment.status == PaymentStatus.VERIFYING
    wait_for(
        lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.REVERSED,
        timeout=30,
        what=f"the reversal\n{worker.output()[-2000:]}",
    )
    payment.refresh_from_db()
    assert payment.result["outcome"] == "unconfirmed" and payment.verify_attempts >= 3
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID
    assert psp.state(payment.token)["state"] == "reversed"
    assert told(citizen, bill).count() == 2  # SMS and e-mail
    # retried inside the window: the last try before it closed
    assert payment.reversed_at <= payment.callback_at + dt.timedelta(seconds=8)


@pytest.mark.fault
@pytest.mark.django_db(transaction=True)
def test_verify_answered_on_a_retry_pays(psp, bill, settings, monkeypatch, start_worker):
    psp_window(psp, settings, monkeypatch, 20)
    psp.control(mode="hang", count=1, times=2)  # the first two verifies hang
    fields = paid_callback(psp, bill)
    start_worker()
    payment = payments.payment_callback(data=fields)
    assert payment.status == PaymentStatus.VERIFYING
    wait_for(lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID, timeout=30, what="the payment")
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.PAID
    assert bill_paid_events(bill) == 1


# --- the pages: start, callback, result --------------------------------------------------------------


def start_url(bill, language="fa") -> str:
    return f"{'/en' if language == 'en' else ''}/fees/bills/{bill.pk}/pay/"


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_payers_journey_through_the_pages(psp, bill, citizen, client, language):
    client.force_login(citizen)
    page = client.post(start_url(bill, language))
    assert page.status_code == 200
    url = page.context["url"]
    assert url.startswith(psp.url + "/pay/") and url in page.content.decode()
    action, fields = psp.pay(url)
    assert action == "http://testserver/fees/gateway/callback/"
    back = client.post("/fees/gateway/callback/", fields)
    order = fields["order_id"]
    assert back.status_code == 303
    assert back["Location"] == f"{'/en' if language == 'en' else ''}/fees/payments/{order}/"
    receipt = client.get(back["Location"])
    assert receipt.status_code == 200
    text = receipt.content.decode()
    assert 'data-testid="payment-paid"' in text
    if language == "fa":
        assert "۱۷٬۰۰۰٬۰۰۰" in text and fields["reference"] not in text  # Persian digits only
        assert "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in fields["reference"]) in text
    else:
        assert "17,000,000" in text and fields["reference"] in text


@pytest.mark.parametrize("language", ["fa", "en"])
@pytest.mark.parametrize(
    ("case", "marker"),
    [
        ("cancel", "payment-failed"),
        ("decline", "payment-failed"),
        ("late", "payment-failed"),
        ("down", "payment-pending"),
    ],
)
def test_result_pages_say_what_happened(psp, bill, citizen, client, case, marker, language):
    if case in ("decline", "late"):
        psp.control(mode=case, count=1)
    client.force_login(citizen)
    url = client.post(start_url(bill, language)).context["url"]
    _a, fields = psp.pay(url, action="cancel" if case == "cancel" else "pay")
    if case == "down":
        psp.control(mode="down")
    back = client.post("/fees/gateway/callback/", fields)
    page = client.get(back["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and f'data-testid="{marker}"' in text
    if language == "fa":  # people never see internal codes or enum values
        main = re.sub(r"<[^>]+>", " ", text.split("<main", 1)[1].split("</main>", 1)[0])
        assert not re.search(
            r"\b(started|returned|verifying|paid|failed|reversed|refund_due|cancelled|declined|late)\b", main
        )


def test_a_second_attempt_paid_after_the_first_is_reversed(psp, bill, citizen):
    first_url, second_url = start(bill), start(bill)
    _a, second = psp.pay(second_url)
    _a, first = psp.pay(first_url)
    assert payments.payment_callback(data=second).status == PaymentStatus.PAID
    late = payments.payment_callback(data=first)
    assert late.status == PaymentStatus.REVERSED and late.result["outcome"] == "already_paid"
    assert psp.state(late.token)["state"] == "reversed"
    assert told(citizen, bill).exists()
    assert bill_paid_events(bill) == 1


@pytest.mark.access_matrix
def test_who_may_start_and_see_a_payment(psp, bill, citizen, staff, client):
    from accounts.roles import STAFF_ROLES, Role
    from tests.permits.conftest import staff_member
    from tests.surveys.conftest import user_with

    assert client.post(start_url(bill)).status_code == 302  # to the login page
    for role in (Role.REVENUE_OFFICER, Role.CLERK, Role.MANAGER, Role.CITIZEN, Role.AGENCY):
        user = user_with(role.value, f"t-other-{role.value}") if role == Role.CITIZEN else staff[role]
        if role in STAFF_ROLES:
            staff_member(user)
        client.force_login(user)
        assert client.post(start_url(bill)).status_code == 404, role
    assert not Payment.objects.filter(bill=bill).exists()
    client.force_login(citizen)
    assert client.get(start_url(bill)).status_code == 405  # state changes only by POST
    assert client.post("/fees/bills/999999/pay/").status_code == 404
    url = client.post(start_url(bill)).context["url"]
    _a, fields = psp.pay(url)
    location = client.post("/fees/gateway/callback/", fields)["Location"]
    assert client.get(location).status_code == 200
    client.force_login(staff[Role.CLERK])
    assert client.get(location).status_code == 404
    client.logout()
    assert client.get(location).status_code == 302


def test_start_of_a_paid_bill_and_with_the_psp_down(psp, bill, citizen, client):
    client.force_login(citizen)
    psp.control(mode="down")
    page = client.post(start_url(bill))
    assert page.status_code == 503 and 'data-testid="payment-error"' in page.content.decode()
    psp.control(mode="up")
    Bill.objects.filter(pk=bill.pk).update(status=BillStatus.PAID, paid_at=timezone.now())
    page = client.post(start_url(bill))
    assert page.status_code == 409 and 'data-testid="payment-error"' in page.content.decode()


@pytest.mark.hostile("callback_garbage")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"state": "OK"},
        {"state": "OK", "token": "x" * 5000, "order_id": "1"},
        {"state": "OK", "token": "abcdefghij", "order_id": "1" * 40, "reference": "1", "amount": "1"},
        {"state": "OK", "token": "abcdefghij", "order_id": "12.5", "reference": "123456", "amount": "1"},
        {"state": "OK", "token": "abcdefghij", "order_id": "١٢٣", "reference": "123456", "amount": "1"},
        {"state": "OK", "token": "abcdefghij", "order_id": "5", "reference": "123456", "amount": "1e9"},
        {"state": "OK", "token": "abcdefghij", "order_id": "5", "reference": "123456", "amount": "-17000000"},
        {"state": ["OK", "CANCELED"], "token": "abcdefghij", "order_id": "5"},
        {"state": "CANCELED", "token": "abcdefghij", "order_id": "5"},  # well formed, unknown order
    ],
)
def test_garbage_callbacks_are_400_with_a_message(client, body):
    answer = client.post("/fees/gateway/callback/", body)
    assert answer.status_code == 400
    assert 'data-testid="callback-refused"' in answer.content.decode()


@pytest.mark.hostile("callback_garbage")
def test_callback_other_shapes(client):
    assert client.get("/fees/gateway/callback/").status_code == 405
    assert (
        client.post("/fees/gateway/callback/", data=b'{"state": "OK"}', content_type="application/json").status_code
        == 400
    )
    assert (
        client.post(
            "/fees/gateway/callback/", data=b"\xff\xfe=1", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 400
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["duplicate", "reorder"])
def test_the_psp_itself_sends_duplicate_or_early_callbacks(psp, bill, live_url, mode):
    psp.control(mode=mode, count=1, copies=5)
    url = start(bill, callback_url=f"{live_url}/fees/gateway/callback/")
    action, fields = psp.pay(url)  # the PSP's own callbacks go to the live server
    assert action == f"{live_url}/fees/gateway/callback/"
    payment = payments.payment_callback(data=fields)  # then the payer's browser
    wait_for(
        lambda: Payment.objects.get(pk=payment.pk).callback_count == (6 if mode == "duplicate" else 2),
        what="the callbacks",
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert bill_paid_events(bill) == 1


@pytest.mark.access_matrix
def test_the_agent_who_filed_may_pay_while_authorised(psp, plot, citizen, staff, client):
    from accounts.roles import Role
    from accounts.services import authorisation_grant, authorisation_revoke
    from permits import services
    from tests.permits.conftest import with_documents

    agent = staff[Role.ESERVICES_OFFICE]
    grant = authorisation_grant(client=citizen, agent=agent, valid_until=timezone.localdate() + dt.timedelta(days=30))
    req = services.request_create(
        applicant=citizen,
        filed_by=agent,
        parcel=plot,
        kind="building_new",
        use="residential",
        floors=2,
        floor_area_m2=200.0,
        footprint_m2=100.0,
    )
    req = with_documents(req, agent)
    bill = bill_for(req)
    client.force_login(agent)
    assert client.post(start_url(bill)).status_code == 200
    authorisation_revoke(client=citizen, grant_id=grant.pk)
    assert client.post(start_url(bill)).status_code == 404


@pytest.mark.access_matrix
def test_dues_without_a_request_are_paid_by_any_citizen_but_no_staff(psp, permit_request, citizen, staff, client):
    from accounts.roles import Role
    from fees.billing import bill_create
    from tests.permits.conftest import staff_member

    dues = bill_create(file=permit_request.file, kind="renovation", amount_irr=28_000_000, dues_year=1405)
    client.force_login(staff[Role.AGENCY])  # anyone signed in who is not the municipality's staff
    assert client.post(start_url(dues)).status_code == 200
    client.force_login(staff_member(staff[Role.REVENUE_OFFICER]))
    assert client.post(start_url(dues)).status_code == 404


@pytest.mark.fault
def test_a_settle_the_psp_does_not_answer_is_retried_by_a_job(psp, bill, settings):
    settings.PSP_TIMEOUT_S = 0.5
    psp.control(mode="hang_settle", count=1, times=1)
    payment = payments.payment_callback(data=paid_callback(psp, bill))
    assert payment.status == PaymentStatus.PAID  # verified money: the bill is paid whatever the settle
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.PAID
    assert psp.state(payment.token)["state"] == "verified"
    assert "fees.payment_settle" in run_jobs_here()
    assert psp.state(payment.token)["state"] == "settled"


@pytest.mark.fault
@pytest.mark.parametrize(
    ("case", "age_min", "status", "outcome"),
    [
        ("paid", 6, PaymentStatus.PAID, "paid"),  # the payer closed the browser after paying
        ("cancel", 6, PaymentStatus.FAILED, "cancelled"),
        ("open", 6, PaymentStatus.STARTED, None),  # still at the PSP's page, within its window
        ("open", 20, PaymentStatus.FAILED, "abandoned"),  # past the PSP's window
    ],
)
def test_the_sweep_finds_payments_whose_callback_never_came(psp, bill, case, age_min, status, outcome):
    from fees import tasks

    url = start(bill)
    if case != "open":
        psp.pay(url, action="pay" if case == "paid" else "cancel")  # and the callback is lost
    Payment.objects.filter(bill=bill).update(started_at=timezone.now() - dt.timedelta(minutes=age_min))
    assert tasks.payment_sweep(timestamp=0) == 1
    payment = Payment.objects.get(bill=bill)
    assert payment.status == status and payment.result.get("outcome") == outcome
    assert Bill.objects.get(pk=bill.pk).status == (BillStatus.PAID if case == "paid" else BillStatus.UNPAID)
    # a callback arriving after all gets the stored result
    if case == "paid":
        fields = psp.state(payment.token)["fields"]
        assert payments.payment_callback(data=fields).status == PaymentStatus.PAID
        assert bill_paid_events(bill) == 1


def test_the_sweep_leaves_recent_and_finished_payments(psp, bill):
    from fees import tasks

    start(bill)
    assert tasks.payment_sweep(timestamp=0) == 0  # too recent
    Payment.objects.filter(bill=bill).update(
        started_at=timezone.now() - dt.timedelta(minutes=30), status=PaymentStatus.FAILED
    )
    assert tasks.payment_sweep(timestamp=0) == 0
