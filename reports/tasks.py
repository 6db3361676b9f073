"""Jobs of the reports app (Procrastinate, on the project's PostgreSQL)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from notifications.backends import configured_backend
from notifications.models import Delivery, Notification, NotificationChannel


class SmsNotSent(Exception):
    """The gateway did not take the message; the job is retried."""


@app.task(name="reports.sms_send", queue="notifications", retry=3)
def sms_send(phone: str, body: str, reference: str) -> str:
    """An SMS to a mobile number with no account behind it (an anonymous reporter), through the
    configured notification gateway; the message is not kept as a Notification (that needs a person)."""
    message = Notification(channel=NotificationChannel.SMS, address=phone, subject=reference, body=body)
    outcome = configured_backend().deliver(message)
    if outcome.delivery == Delivery.FAILED:
        raise SmsNotSent(outcome.detail)
    return outcome.delivery
