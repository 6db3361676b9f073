"""Jobs of fees (Procrastinate, on the project's PostgreSQL): asking the PSP again about a payment whose
verify went unanswered, and settling a paid payment the PSP did not hear the first time.

The verify job is deferred by fees.payments in the transaction that leaves the payment VERIFYING, with a
back-off that doubles (payments.retry_wait_s); each run either gets an answer, defers the next try, or,
when the PSP's verify window is about to close, reverses the payment and tells the payer. One job per
payment waits at a time (the queueing lock); running a job twice has one effect (the payment's row lock
and state).
"""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app


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
