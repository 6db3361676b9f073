"""One delivery attempt of one notification: the write the delivery job (notifications.tasks) makes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from notifications.backends import configured_backend
from notifications.models import Delivery, Notification


def notification_deliver(*, notification_id: int, final: bool) -> Notification | None:
    """Deliver a waiting notification once through the configured backend, under its row lock.

    A message already sent or recorded (or no longer there) is left alone, so a job run twice sends
    it once. The attempt is counted and its outcome written to `detail`; a failure leaves the row
    waiting for the next attempt, or "failed" when this was the last one (`final`).
    """
    backend = configured_backend()
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.delivery != Delivery.PENDING:
            return notification
        outcome = backend.deliver(notification)
        notification.attempts += 1
        notification.last_attempt_at = timezone.now()
        notification.backend = backend.name
        notification.detail = outcome.detail[:255]
        if outcome.delivery == Delivery.FAILED and not final:
            notification.delivery = Delivery.PENDING
        else:
            notification.delivery = outcome.delivery
        if notification.delivery == Delivery.SENT:
            notification.delivered_at = notification.last_attempt_at
        notification.save(
            update_fields=["attempts", "last_attempt_at", "backend", "detail", "delivery", "delivered_at"]
        )
    return notification
