"""Survey files read by a real job worker (a `manage.py procrastinate worker` process on the test
database): the upload answers at once, its page shows the progress, the reconciliation appears when
the job ends; a bad file ends refused with its message and leaves nothing; others may not look."""

from __future__ import annotations

import time

from django.urls import reverse
from django.utils import translation

from surveys.models import Survey, SurveyUpload
from tests.conftest import wait_for
from tests.surveys.conftest import csv_points
from tests.surveys.test_pages import login, post_survey


def status_of(received: SurveyUpload) -> str:
    return SurveyUpload.objects.get(pk=received.pk).status


def test_the_upload_answers_at_once_and_the_worker_reconciles(client, plot, start_worker, capsys):
    login(client, "surveyor")
    started = time.perf_counter()
    response = post_survey(client, plot)
    answered_s = time.perf_counter() - started
    received = SurveyUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("surveys:upload", args=[received.pk])

    # no worker yet: the page shows the file waiting in the queue, and asks again by itself
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="upload-progress"' in page and "در صف خواندن" in page
    assert "js/upload_progress" in page and 'http-equiv="refresh"' in page  # script, or a refresh without it
    assert Survey.objects.count() == 0

    start_worker()
    wait_for(lambda: status_of(received) == "done", timeout=60, what="the reading job")
    received.refresh_from_db()
    reading_s = (received.finished_at - received.started_at).total_seconds()
    with capsys.disabled():
        print(f"\nupload answered in {answered_s:.3f} s; the reader job took {reading_s:.3f} s")
    # the request no longer holds the reader: it answers in well under a second (it used to take as
    # long as reading, reconciling and storing)
    assert answered_s < 1.0
    response = client.get(reverse("surveys:upload", args=[received.pk]))
    assert response["Location"] == reverse("surveys:detail", args=[received.survey_id])
    detail = client.get(response["Location"]).content.decode()
    assert "۲۶۰ مترمربع" in detail and 'id="survey-map-config"' in detail  # the measured area, the map
    assert not received.stored_file


def test_a_bad_file_ends_refused_with_its_message_and_leaves_nothing(client, plot, settings, job_worker):
    login(client, "surveyor")
    response = post_survey(client, plot, csv_points(swap=True), name="p.csv", crs="32640")
    received = SurveyUpload.objects.get()
    wait_for(lambda: status_of(received) == "refused", timeout=60, what="the refusal")
    page = client.get(response["Location"]).content.decode()
    assert "جای شمالی و شرقی عوض شده" in page  # the message the form used to show
    with translation.override("fa"):  # the English page activates English; the tests after it expect none
        english = client.get("/en" + response["Location"]).content.decode()
    assert "north" in english.lower() and "refused" in english.lower()
    assert Survey.objects.count() == 0
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_another_surveyor_may_not_follow_the_upload(client, plot, job_worker):
    login(client, "surveyor", "first")
    response = post_survey(client, plot)
    received = SurveyUpload.objects.get()
    login(client, "surveyor", "second")
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("surveys:upload_status", args=[received.pk])).status_code == 404
    wait_for(lambda: status_of(received) == "done", timeout=60, what="the reading job")
    assert client.get(response["Location"]).status_code == 404
    login(client, "planner")  # reviewers may
    assert client.get(response["Location"]).status_code == 302
