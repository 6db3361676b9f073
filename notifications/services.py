"""Notifications by e-mail and SMS through a pluggable backend (setting NOTIFICATION_BACKEND).

- DatabaseBackend (development, the default): records the message and shows it in the applicant's
  page; it never claims to have sent anything (delivery "recorded").
- HttpGatewayBackend: POSTs the message as JSON to NOTIFICATION_GATEWAY (the SMS/e-mail
  provider's endpoint, or our own sandbox in the tests); delivery "sent" only on a 2xx answer.
Notifications are sent after the transaction that caused them commits (transaction.on_commit).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string

from notifications.models import Notification, NotificationChannel

log = logging.getLogger(__name__)


class DatabaseBackend:
    name = "database"

    def deliver(self, notification: Notification) -> tuple[str, str]:
        return "recorded", "development backend: recorded for the page, not sent"


class HttpGatewayBackend:
    name = "http-gateway"
    timeout_s = 5

    def deliver(self, notification: Notification) -> tuple[str, str]:
        url = settings.NOTIFICATION_GATEWAY
        payload = json.dumps(
            {
                "channel": notification.channel,
                "to": notification.address,
                "subject": notification.subject,
                "body": notification.body,
                "reference": str(notification.pk),
            }
        ).encode()
        # the URL is a deployment setting, never user input
        req = urllib.request.Request(url, data=payload, headers={"Content-Type": "application/json"}, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as answer:  # noqa: S310 - URL is a setting
                return "sent", f"HTTP {answer.status}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            log.warning("notification %s not delivered: %s", notification.pk, exc)
            return "failed", str(exc)[:255]


def backend():
    return import_string(settings.NOTIFICATION_BACKEND)()


def notify(*, recipient, subject: str, body: str, about: models.Model | None = None) -> list[Notification]:
    """Send subject/body to a person by SMS (mobile) and e-mail (address), whichever they have;
    `about` is the object the message concerns (shown beside it, e.g. on the file page)."""
    chosen = backend()
    sent = []
    for channel, address in ((NotificationChannel.SMS, recipient.mobile), (NotificationChannel.EMAIL, recipient.email)):
        if not address:
            continue
        n = Notification.objects.create(
            recipient=recipient,
            about=about,
            channel=channel,
            address=address,
            subject=subject[:200],
            body=body,
            backend=chosen.name,
            delivery="pending",
        )
        n.delivery, n.detail = chosen.deliver(n)
        n.save(update_fields=["delivery", "detail"])
        sent.append(n)
    return sent
