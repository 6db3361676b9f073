"""Gateways a notification is delivered through (setting NOTIFICATION_BACKEND).

- DatabaseBackend (development, the default): records the message for the page; it never claims
  to have sent anything (delivery "recorded").
- HttpGatewayBackend: POSTs the message as JSON to NOTIFICATION_GATEWAY (the SMS/e-mail provider's
  endpoint, or our own sandbox in the tests); "sent" only on a 2xx answer. The notification's id
  goes with it as `reference`, so a provider can drop a message it has already taken.

A backend is called by the delivery job (notifications.delivery), never in a web request.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.models import Delivery, Notification

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a backend did with one message: the delivery state and a line for the record."""

    delivery: Delivery
    detail: str


class DatabaseBackend:
    name = "database"

    def deliver(self, notification: Notification) -> Outcome:
        return Outcome(Delivery.RECORDED, "development backend: recorded for the page, not sent")


class HttpGatewayBackend:
    name = "http-gateway"
    timeout_s = 5

    def deliver(self, notification: Notification) -> Outcome:
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
                return Outcome(Delivery.SENT, f"HTTP {answer.status}")
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
            # URLError covers refused connections and non-2xx answers (HTTPError); ValueError a
            # malformed or empty gateway setting.
            log.warning("notification %s not delivered: %s", notification.pk, exc)
            return Outcome(Delivery.FAILED, str(exc)[:255])


def configured_backend():
    """The backend named by the NOTIFICATION_BACKEND setting."""
    return import_string(settings.NOTIFICATION_BACKEND)()
