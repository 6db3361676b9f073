"""Notifications delivered by a real job worker (a `manage.py procrastinate worker` process on the
test database) through the HTTP sandbox gateway: nothing for a rolled-back change, retries with
back-off while the gateway is down and exactly one message once it is back, failures that end
"not delivered" on the managers' page, and "retry now"."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.roles import Role
from gis_app.audit import audit_trail
from notifications.models import Notification
from notifications.services import notify
from permits.models import PermitRequest
from tests.conftest import wait_for
from tests.notifications.conftest import FAILING_NUMBER, Sandbox
from tests.permits.conftest import submitted
from tests.surveys.conftest import user_with


def fresh(n: Notification) -> Notification:
    return Notification.objects.get(pk=n.pk)


def test_a_rolled_back_change_defers_no_job_and_sends_nothing(gateway, citizen, job_worker):
    class Undone(Exception):
        pass

    with pytest.raises(Undone), transaction.atomic():
        assert len(notify(recipient=citizen, subject="s", body="b")) == 2
        raise Undone
    # (the worker's own periodic maintenance job may be there; no job of the notifications queue is)
    assert not Notification.objects.exists()
    assert not ProcrastinateJob.objects.filter(queue_name="notifications").exists()
    # a committed one is delivered by the same worker: it was there to see the other
    citizen.email = ""
    citizen.save()
    (kept,) = notify(recipient=citizen, subject="s", body="b")
    wait_for(lambda: fresh(kept).delivery == "sent", what="the committed message to be sent")
    assert [m["reference"] for m in gateway.received] == [str(kept.pk)]


def test_retried_while_the_gateway_is_down_then_delivered_exactly_once(
    gateway, plot, staff, client, settings, start_worker
):
    citizen = staff[Role.CITIZEN]
    citizen.mobile, citizen.email = "09151234567", ""
    citizen.save()
    settings.NOTIFICATION_RETRY_ATTEMPTS = 8  # 1.2, 1.4, 1.7, 2.1, 2.5, 3.0, 3.6, 4.3 s: time to restart
    gateway.stop()
    start_worker()
    req = submitted(plot, citizen)  # the submit transition writes the message and defers its job
    (sms,) = Notification.objects.filter(about_id=req.pk)
    wait_for(lambda: fresh(sms).attempts >= 2, timeout=20, what="two failed attempts")
    waiting = fresh(sms)
    assert waiting.delivery == "pending" and waiting.delivered_at is None
    assert "refused" in waiting.detail.lower() or "errno" in waiting.detail.lower(), waiting.detail
    # the applicant's file page says it is being retried, with the attempts so far
    client.force_login(citizen)
    page = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    assert "تلاش دوباره" in page and 'data-delivery="pending"' in page

    gateway.start()  # the same port again
    wait_for(lambda: fresh(sms).delivery == "sent", timeout=30, what="the message to be sent")
    time.sleep(1.5)  # a stray second delivery would show up here
    sent = fresh(sms)
    assert gateway.references(sent) == 1  # exactly once
    assert sent.attempts >= 3 and sent.delivered_at is not None and sent.detail == "HTTP 202"
    page = client.get(reverse("permits:file", args=[PermitRequest.objects.get().tracking_code])).content.decode()
    assert 'data-delivery="sent"' in page and "ارسال شد" in page


def test_a_message_failing_every_attempt_ends_on_the_managers_page_and_is_retried_now(
    gateway, citizen, client, job_worker
):
    citizen.mobile, citizen.email = FAILING_NUMBER, ""
    citizen.save()
    (sms,) = notify(recipient=citizen, subject="Your request BJ-TEST", body="b")
    # 3 retries after the first attempt, then "not delivered"
    wait_for(lambda: fresh(sms).delivery == "failed", timeout=30, what="the message to fail for good")
    failed = fresh(sms)
    assert failed.attempts == 4 and "500" in failed.detail
    assert gateway.references(failed) == 4

    for role in (Role.CITIZEN, Role.CLERK):
        client.force_login(user_with(role.value, f"t-other-{role.value}"))
        assert client.get(reverse("deliveries")).status_code == 403
        assert client.post(reverse("delivery_retry", args=[failed.pk])).status_code == 403
    manager = user_with(Role.MANAGER.value, "t-manager")
    client.force_login(manager)
    page = client.get(reverse("deliveries")).content.decode()
    assert 'data-testid="nav-deliveries"' in page
    assert f'data-notification="{failed.pk}"' in page and "Your request BJ-TEST" in page
    assert "500" in page and "تحویل نشد" in page
    assert client.get(reverse("delivery_retry", args=[failed.pk])).status_code == 405  # POST only

    Sandbox.fail_all = False
    citizen.mobile = "09151234567"  # the address was fixed meanwhile; the row keeps the old one
    citizen.save()
    Notification.objects.filter(pk=failed.pk).update(address="09151234567")
    response = client.post(reverse("delivery_retry", args=[failed.pk]), follow=True)
    assert response.status_code == 200
    assert [e.action for e in audit_trail(failed)] == ["notification.retried"]
    assert audit_trail(failed).get().actor == manager
    wait_for(lambda: fresh(sms).delivery == "sent", timeout=30, what="the retried message to be sent")
    assert fresh(sms).attempts == 5
    assert f'data-notification="{failed.pk}"' not in client.get(reverse("deliveries")).content.decode()
    # a message that is neither waiting nor failed is not retried
    assert client.post(reverse("delivery_retry", args=[failed.pk])).status_code == 404


@pytest.mark.django_db
def test_a_message_waiting_far_too_long_is_shown_as_stuck(citizen, client, settings):
    (stuck, fresh_one) = notify(recipient=citizen, subject="stuck", body="b")
    Notification.objects.filter(pk=stuck.pk).update(created_at=stuck.created_at - dt.timedelta(minutes=45))
    client.force_login(user_with(Role.MANAGER.value, "t-manager"))
    page = client.get(reverse("deliveries")).content.decode()
    assert f'data-notification="{stuck.pk}"' in page and f'data-notification="{fresh_one.pk}"' not in page
    client.post(reverse("delivery_retry", args=[stuck.pk]))
    assert ProcrastinateJob.objects.filter(args={"notification_id": stuck.pk}).count() == 2
