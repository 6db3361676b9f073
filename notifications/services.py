"""Notifications by e-mail and SMS, delivered by jobs.

notify() writes the messages (delivery "pending") and defers one delivery job per message in the
caller's transaction: a change that rolls back leaves neither message nor job, so nothing is sent
for it. The job (notifications.tasks.deliver) delivers through the configured backend
(notifications.backends), retrying with exponential back-off; the rows say how it went.
"""

from __future__ import annotations

from django.db import models, transaction

from gis_app.audit import audit_record
from notifications import tasks
from notifications.backends import DatabaseBackend, HttpGatewayBackend, configured_backend
from notifications.models import Delivery, Notification, NotificationChannel

# Deployments configured before the backends had their own module name them here.
__all__ = ["DatabaseBackend", "HttpGatewayBackend", "NotRetryable", "notification_retry", "notify"]


class NotRetryable(Exception):
    """Only a message that is waiting or was not delivered can be tried again."""


def notify(*, recipient, subject: str, body: str, about: models.Model | None = None) -> list[Notification]:
    """Write subject/body to a person by SMS (mobile) and e-mail (address), whichever they have, and
    defer their delivery in the current transaction; `about` is the object the message concerns
    (shown beside it, e.g. on the file page)."""
    backend_name = configured_backend().name
    written = []
    with transaction.atomic():
        for channel, address in (
            (NotificationChannel.SMS, recipient.mobile),
            (NotificationChannel.EMAIL, recipient.email),
        ):
            if not address:
                continue
            notification = Notification.objects.create(
                recipient=recipient,
                about=about,
                channel=channel,
                address=address,
                subject=subject[:200],
                body=body,
                backend=backend_name,
                delivery=Delivery.PENDING,
            )
            tasks.deliver.defer(notification_id=notification.pk)
            written.append(notification)
    return written


@transaction.atomic
def notification_retry(*, notification: Notification, actor) -> Notification:
    """A manager's "retry now": a failed or stuck message waits again and a new delivery job is
    deferred (the message is still sent once: the job skips a message already sent)."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    if locked.delivery not in (Delivery.PENDING, Delivery.FAILED):
        raise NotRetryable(locked.get_delivery_display())
    before = locked.delivery
    locked.delivery = Delivery.PENDING
    locked.save(update_fields=["delivery"])
    job_id = tasks.deliver.defer(notification_id=locked.pk)
    audit_record(
        actor=actor, action="notification.retried", obj=locked, before=before, attempts=locked.attempts, job=job_id
    )
    return locked
