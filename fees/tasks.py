"""Jobs of fees (Procrastinate, on the project's PostgreSQL): asking the PSP again about a payment whose
verify went unanswered, settling a paid payment the PSP did not hear the first time, and (periodically)
asking about payments whose callback never came.

The verify job is deferred by fees.payments in the transaction that leaves the payment VERIFYING, with a
back-off that doubles (payments.retry_wait_s); each run either gets an answer, defers the next try, or,
when the PSP's verify window is about to close, reverses the payment and tells the payer. One job per
payment waits at a time (the queueing lock); running a job twice has one effect (the payment's row lock
and state).
"""

from __future__ import annotations

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

# a payment sent to the PSP with no callback after this long is asked about (the payer's page at the PSP
# takes a few minutes at most; the PSP's own window is PSP_VERIFY_WINDOW_S)
ABANDONED_AFTER_S = 5 * 60


class SettlePending(Exception):
    """The PSP did not answer the settle this time; the job is retried."""


@app.task(name="fees.payment_verify", queue="payments")
def payment_verify(payment_id: int) -> str:
    """Ask the PSP again about one payment left VERIFYING; its status afterwards."""
    from fees.payments import payment_verify_retry

    payment = payment_verify_retry(payment_id=payment_id)
    return "gone" if payment is None else payment.status


@app.task(
    name="fees.payment_settle",
    queue="payments",
    retry=RetryStrategy(max_attempts=8, wait=5, exponential_wait=2, retry_exceptions=[SettlePending]),
)
def payment_settle(payment_id: int) -> str:
    """Settle a paid payment at the PSP (retried while the PSP does not answer)."""
    from fees.payments import payment_settle_retry

    if not payment_settle_retry(payment_id=payment_id):
        raise SettlePending(payment_id)
    return "settled"


@app.periodic(cron="*/2 * * * *")
@app.task(name="fees.payment_sweep", queue="payments", queueing_lock="fees.payment_sweep")
def payment_sweep(timestamp: int) -> int:
    """Every two minutes: ask the PSP about payments whose callback never came; how many were asked."""
    from fees.payments import payment_sweep as sweep_one
    from fees.payments import payments_abandoned

    found = payments_abandoned(older_than_s=min(ABANDONED_AFTER_S, settings.PSP_VERIFY_WINDOW_S // 3))
    for payment_id in found:
        sweep_one(payment_id=payment_id)
    return len(found)
