"""Notifications: written with their delivery job in the caller's transaction; one delivery attempt
through the configured backend (the development one records and never claims to send; the HTTP
gateway one talks to a real HTTP server, our sandbox of an SMS/e-mail provider, started here)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from procrastinate.contrib.django.models import ProcrastinateJob

from notifications.delivery import notification_deliver
from notifications.models import Notification
from notifications.services import notify
from tests.conftest import run_jobs_here
from tests.notifications.conftest import FAILING_NUMBER


@pytest.mark.django_db
def test_notify_writes_waiting_messages_and_defers_one_job_each(citizen):
    written = notify(recipient=citizen, subject="s", body="b")
    assert [(n.channel, n.delivery, n.attempts) for n in written] == [("sms", "pending", 0), ("email", "pending", 0)]
    jobs = ProcrastinateJob.objects.filter(task_name="notifications.deliver", status="todo").order_by("id")
    assert [j.args for j in jobs] == [{"notification_id": n.pk} for n in written]
    assert {j.queue_name for j in jobs} == {"notifications"}


@pytest.mark.django_db
def test_development_backend_records_without_sending(citizen):
    notify(recipient=citizen, subject="s", body="b")
    assert run_jobs_here() == ["notifications.deliver"] * 2
    rows = Notification.objects.order_by("id")
    assert [(n.delivery, n.attempts, n.backend) for n in rows] == [("recorded", 1, "database")] * 2
    assert "not sent" in rows[0].detail and rows[0].delivered_at is None


@pytest.mark.django_db
def test_http_gateway_delivers_once_and_counts_failed_attempts(gateway, citizen, settings):
    sms, email = notify(recipient=citizen, subject="subject", body="body text")
    sent = notification_deliver(notification_id=sms.pk, final=False)
    assert (sent.delivery, sent.attempts, sent.detail) == ("sent", 1, "HTTP 202") and sent.delivered_at
    again = notification_deliver(notification_id=sms.pk, final=False)  # a job run twice: not sent again
    assert (again.delivery, again.attempts) == ("sent", 1) and gateway.references(sms) == 1
    assert [(m["channel"], m["to"]) for m in gateway.received] == [("sms", "09151234567")]

    citizen.mobile, citizen.email = FAILING_NUMBER, ""
    (failing,) = notify(recipient=citizen, subject="s", body="b")
    tried = notification_deliver(notification_id=failing.pk, final=False)
    assert (tried.delivery, tried.attempts) == ("pending", 1) and "500" in tried.detail and not tried.delivered_at
    last = notification_deliver(notification_id=failing.pk, final=True)
    assert (last.delivery, last.attempts) == ("failed", 2)

    settings.NOTIFICATION_GATEWAY = "http://127.0.0.1:9/closed"
    down = notification_deliver(notification_id=email.pk, final=True)
    assert down.delivery == "failed" and down.detail


@pytest.mark.parametrize(
    ("delivery", "attempts", "fa", "en"),
    [
        ("pending", 0, "در انتظار ارسال", "waiting to be sent"),
        ("pending", 1, "تلاش دوباره (۱ بار تلاش شده)", "retrying (1 attempt)"),
        ("pending", 3, "تلاش دوباره (۳ بار تلاش شده)", "retrying (3 attempts)"),
        ("failed", 7, "تحویل نشد", "not delivered"),
        ("sent", 1, "ارسال شد", "sent"),
        ("recorded", 1, "ثبت شد، ارسال نشد", "recorded, not sent"),
    ],
)
def test_delivery_states_read_plainly_in_both_languages(delivery, attempts, fa, en):
    n = Notification(delivery=delivery, attempts=attempts)
    for lang, text in (("fa", fa), ("en", en)):
        with translation.override(lang):
            assert text in render_to_string("notifications/_delivery.html", {"n": n})
