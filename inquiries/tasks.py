"""Jobs of inquiries: webhook deliveries (signed POSTs), retried by the task queue with back-off."""

from __future__ import annotations

import json
import time

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from inquiries.models import DeliveryStatus, WebhookDelivery
from inquiries.webhooks import signed_headers


class WebhookFailed(Exception):
    """The receiver did not answer 2xx this time; the job is retried."""


# the n-th retry waits WAIT + BACKOFF ** n seconds
RETRY = RetryStrategy(
    max_attempts=settings.INQUIRY_WEBHOOK_RETRY_ATTEMPTS,
    wait=settings.INQUIRY_WEBHOOK_RETRY_WAIT_S,
    exponential_wait=settings.INQUIRY_WEBHOOK_RETRY_BACKOFF_S,
    retry_exceptions=[WebhookFailed],
)


@app.task(name="inquiries.webhook_deliver", queue="inquiries", retry=RETRY, pass_context=True)
def webhook_deliver(context: JobContext, delivery_id: int) -> str:
    """POST one delivery, signed with the subscription's secret; record the attempt; raise to retry."""
    final = context.job.attempts >= RETRY.max_attempts
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.DELIVERED:
        return "gone"
    body = json.dumps({"delivery": str(delivery.pk), **delivery.payload}, ensure_ascii=False).encode()
    headers = signed_headers(
        secret=delivery.subscription.secret, timestamp=int(time.time()), delivery_id=str(delivery.pk), body=body
    )
    code, error = None, ""
    try:
        response = httpx.post(
            delivery.subscription.url,
            content=body,
            headers=headers,
            timeout=settings.INQUIRY_WEBHOOK_TIMEOUT_S,
            follow_redirects=False,
        )
        code = response.status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    ok = code is not None and 200 <= code < 300
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=delivery.attempts + 1,
            last_status_code=code,
            last_error=error or ("" if ok else f"HTTP {code}"),
            last_attempt_at=timezone.now(),
            delivered_at=timezone.now() if ok else None,
            status=DeliveryStatus.DELIVERED if ok else (DeliveryStatus.FAILED if final else DeliveryStatus.PENDING),
        )
    if not ok:
        if final:
            return "failed"
        raise WebhookFailed(error or f"HTTP {code}")
    return "delivered"
