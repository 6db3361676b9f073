"""Fault drill: a job worker killed with SIGKILL in the middle of a job (issue 17, item 13b).

A real worker takes a notification's delivery job and posts to a sandbox gateway that holds the
request (the job is inside its effect); the worker is killed, its job stays 'doing'. A new worker
(heartbeats every 0.5 s, a worker silent for 3 s is dead, checked every second) puts the job back
and delivers it: the message is recorded sent once, and the gateway — which, like a provider, takes
the message's id as `reference` and drops a repeat — delivers it to the person once. A survey upload
whose reading was cut the same way is read again and stores one survey.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob

from notifications.models import Notification
from notifications.services import notify
from surveys.intake import survey_upload_queue
from surveys.models import Survey, SurveyUpload
from tests.conftest import wait_for
from tests.surveys.conftest import geojson, good_features, user_with

pytestmark = pytest.mark.fault


class HoldingGateway(BaseHTTPRequestHandler):
    """An SMS provider that holds the first message (never answers it) and takes each reference once."""

    posts: list[str] = []
    delivered: list[str] = []
    holding = threading.Event()  # set while the first request is held
    release = threading.Event()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        HoldingGateway.posts.append(body["reference"])
        if len(HoldingGateway.posts) == 1:
            HoldingGateway.holding.set()
            HoldingGateway.release.wait(60)
            return  # the worker that sent it is dead: no answer
        if body["reference"] not in HoldingGateway.delivered:  # a repeat of a reference is dropped
            HoldingGateway.delivered.append(body["reference"])
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def holding_gateway(settings):
    HoldingGateway.posts, HoldingGateway.delivered = [], []
    HoldingGateway.holding.clear()
    HoldingGateway.release.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), HoldingGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.NOTIFICATION_BACKEND = "notifications.backends.HttpGatewayBackend"
    settings.NOTIFICATION_GATEWAY = f"http://127.0.0.1:{server.server_port}/send"
    yield HoldingGateway
    HoldingGateway.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def fast_stall_detection(monkeypatch):
    """The workers' heartbeat and the stalled-job check in seconds, not minutes."""
    monkeypatch.setenv("JOB_HEARTBEAT_S", "0.5")
    monkeypatch.setenv("JOB_STALLED_AFTER_S", "3")
    monkeypatch.setenv("JOB_STALLED_CHECK_S", "1")


def _job_status(task_name: str) -> list[str]:
    return list(ProcrastinateJob.objects.filter(task_name=task_name).values_list("status", flat=True))


def test_a_worker_killed_inside_a_delivery_is_replaced_and_the_message_goes_out_once(
    holding_gateway,
    citizen,
    start_worker,
    fast_stall_detection,
):
    citizen.email = ""
    citizen.save()
    first = start_worker()
    (sms,) = notify(recipient=citizen, subject="s", body="پروانهٔ شما صادر شد")
    assert holding_gateway.holding.wait(30), "the job never reached the gateway"
    first.process.kill()  # SIGKILL: no clean-up, no 'failed', no retry scheduled
    first.process.wait()
    assert _job_status("notifications.deliver") == ["doing"]
    assert Notification.objects.get(pk=sms.pk).delivery == "pending"  # the cut attempt was never committed
    holding_gateway.release.set()

    start_worker()
    wait_for(lambda: Notification.objects.get(pk=sms.pk).delivery == "sent", timeout=40, what="the retried delivery")
    time.sleep(2)  # a third post would show here
    sent = Notification.objects.get(pk=sms.pk)
    assert holding_gateway.posts == [str(sms.pk), str(sms.pk)]  # the cut attempt and its retry, same reference
    assert holding_gateway.delivered == [str(sms.pk)]  # one message reached the person
    assert sent.attempts == 1 and sent.detail == "HTTP 202"  # one delivery recorded
    assert _job_status("notifications.deliver") == ["succeeded"]


def test_a_reading_cut_by_a_killed_worker_is_read_again_into_one_survey(
    plot,
    start_worker,
    fast_stall_detection,
):
    """The upload says 'reading' and its job 'doing' on a worker that no longer exists (as a SIGKILL
    leaves them); the stalled-job check puts the job back and one survey comes out of it."""
    surveyor = user_with("surveyor", "t-killed")
    upload = survey_upload_queue(
        parcel=plot,
        surveyor=surveyor,
        upload=SimpleUploadedFile("survey.geojson", geojson(good_features())),
        measured_on=dt.date(2026, 11, 1),
    )
    # as a worker killed mid-read leaves them: the upload 'reading', its job 'doing' on a dead worker
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 hour') RETURNING id"
        )
        (dead,) = cur.fetchone()
        cur.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s", [dead])
    SurveyUpload.objects.filter(pk=upload.pk).update(status="reading")
    start_worker()
    wait_for(lambda: SurveyUpload.objects.get(pk=upload.pk).status == "done", timeout=60, what="the survey read again")
    assert Survey.objects.count() == 1
    done = SurveyUpload.objects.get(pk=upload.pk)
    assert done.survey_id == Survey.objects.get().pk and not done.stored_file
