"""Jobs of the notifications app (Procrastinate, on the project's PostgreSQL)."""

from __future__ import annotations

from django.conf import settings
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from notifications.delivery import notification_deliver
from notifications.models import Delivery


class DeliveryFailed(Exception):
    """The gateway did not take the message this time; the job is retried."""


# Retries with exponential back-off: the n-th retry waits WAIT + BACKOFF ** n seconds.
RETRY = RetryStrategy(
    max_attempts=settings.NOTIFICATION_RETRY_ATTEMPTS,
    wait=settings.NOTIFICATION_RETRY_WAIT_S,
    exponential_wait=settings.NOTIFICATION_RETRY_BACKOFF_S,
    retry_exceptions=[DeliveryFailed],
)


@app.task(name="notifications.deliver", queue="notifications", retry=RETRY, pass_context=True)
def deliver(context: JobContext, notification_id: int) -> str:
    """Deliver one notification; a failure raises DeliveryFailed so the job is retried."""
    # job.attempts counts the runs before this one; the strategy stops after max_attempts retries
    final = context.job.attempts >= RETRY.max_attempts
    notification = notification_deliver(notification_id=notification_id, final=final)
    if notification is None:
        return "gone"
    if notification.delivery == Delivery.PENDING:
        raise DeliveryFailed(notification.detail)
    return notification.delivery
