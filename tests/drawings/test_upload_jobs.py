"""Drawings checked by a real job worker (a `manage.py procrastinate worker` process on the test
database): the upload answers at once with the check page showing the drawing being checked, the
result appears when the job ends; a bad drawing ends refused with its named reason and leaves only its
refusal record; others may not follow it; a job run twice has one effect."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from drawings import intake
from drawings.messages import refusal_message
from drawings.models import DrawingCheck, DrawingShape, DrawingUpload
from gis_app.audit import audit_trail
from gis_app.templatetags.persian import fa_message
from tests.conftest import wait_for
from tests.drawings.conftest import Spec, drawing, drawing_doc, dxf_bytes
from tests.surveys.conftest import user_with


def status_of(received: DrawingUpload) -> str:
    return DrawingUpload.objects.get(pk=received.pk).status


def post_drawing(client, req, data: bytes, name: str = "d.dxf"):
    return client.post(
        reverse("drawings:upload", args=[req.tracking_code]), {"drawing": SimpleUploadedFile(name, data)}
    )


def test_the_upload_answers_at_once_and_the_worker_checks(client, issuance, settings, start_worker, capsys):
    client.force_login(issuance.applicant)
    page_url = reverse("drawings:check", args=[issuance.tracking_code])
    data = drawing()
    started = time.perf_counter()
    response = post_drawing(client, issuance, data)
    answered_s = time.perf_counter() - started
    assert response.status_code == 302 and response["Location"] == page_url
    received = DrawingUpload.objects.get()
    assert received.status == "queued" and received.stored_file and received.size_bytes == len(data)
    assert len(received.sha256) == 64 and received.original_name == "d.dxf"

    # no worker yet: the page shows the drawing being checked, and asks again by itself
    page = client.get(page_url).content.decode()
    assert 'data-testid="upload-progress"' in page and "در صف بررسی" in page
    assert "js/upload_progress" in page and 'http-equiv="refresh"' in page  # the script, or a refresh without it
    status_url = reverse("drawings:upload_status", args=[issuance.tracking_code, received.pk])
    assert f'data-status-url="{status_url}"' in page
    state = client.get(status_url)
    assert state["Cache-Control"] == "no-store" and state.json()["status"] == "queued"
    assert state.json()["next_url"] == "" and state.json()["label"] == "در صف بررسی"
    assert DrawingCheck.objects.count() == 0

    start_worker()
    wait_for(lambda: status_of(received) == "done", timeout=90, what="the checking job")
    received.refresh_from_db()
    checking_s = (received.finished_at - received.started_at).total_seconds()
    with capsys.disabled():
        print(f"\ndrawing upload answered in {answered_s:.3f} s; the checking job took {checking_s:.3f} s")
    assert answered_s < 5.0  # the request no longer holds the reader (it answers before any reading)
    assert client.get(status_url).json() == {"status": "done", "label": "بررسی شد", "next_url": page_url}
    check = DrawingCheck.objects.get()
    assert received.drawing_check == check and check.passed and check.sha256 == received.sha256
    assert check.file.name.endswith(".dxf") and not received.stored_file  # the check keeps its own copy
    assert (settings.MEDIA_ROOT / check.file.name).is_file()
    assert not any(p.is_file() for p in (settings.MEDIA_ROOT / "drawing-uploads").rglob("*"))
    page = client.get(page_url).content.decode()
    assert 'data-testid="drawing-map"' in page and 'data-testid="upload-progress"' not in page
    actions = [e.action for e in audit_trail(issuance)]
    assert "drawing_upload.queued" in actions and "drawing.checked" in actions


@pytest.mark.hostile("drawing upload job")
def test_bad_drawings_end_refused_with_their_reason_and_leave_nothing(client, issuance, settings, job_worker):
    client.force_login(issuance.applicant)
    open_polyline = drawing_doc()
    open_polyline.modelspace().add_lwpolyline([(1, 13), (5, 13), (5, 16)], dxfattribs={"layer": "FLR_1_FOOTPRINT"})
    xref = drawing_doc()
    xref.add_xref_def("C:/other/site.dxf", "SITE")
    xref.modelspace().add_blockref("SITE", (0, 0))
    bad = [
        (dxf_bytes(open_polyline), "open_polyline", "FLR_1_FOOTPRINT"),
        (drawing(Spec(plot=((0, 0), (15, 0), (15, 20), (0, 20)))), "wrong_parcel", "another parcel"),
        (drawing(Spec(scale=1000.0)), "millimetres", "millimetres"),
        (dxf_bytes(xref), "references_other_file", "external reference"),
    ]
    for data, code, english in bad:
        response = post_drawing(client, issuance, data)
        assert response.status_code == 302
        received = DrawingUpload.objects.first()
        wait_for(lambda r=received: status_of(r) == "refused", timeout=90, what=f"the refusal ({code})")
        received.refresh_from_db()
        assert received.refusal_code == code and not received.stored_file and received.drawing_check is None
        with translation.override("en"):
            assert english in refusal_message(received.refusal_code, received.refusal_params)
        page = client.get(response["Location"]).content.decode()
        assert 'data-testid="upload-refused"' in page and 'data-testid="upload-progress"' not in page
        with translation.override("fa"):
            assert str(fa_message(refusal_message(received.refusal_code, received.refusal_params))) in page
        with translation.override("fa"):  # the English page activates English; the tests after it expect none
            en = client.get("/en" + response["Location"]).content.decode()
        assert english in en and "refused" in en
    assert DrawingCheck.objects.count() == 0 and DrawingShape.objects.count() == 0
    assert DrawingUpload.objects.filter(status="refused").count() == len(bad)
    for folder in ("drawing-uploads", "drawings"):  # nothing stored: no file left
        assert not any(p.is_file() for p in (settings.MEDIA_ROOT / folder).rglob("*"))
    assert [e.action for e in audit_trail(issuance)].count("drawing_upload.refused") == len(bad)


@pytest.mark.django_db
@pytest.mark.access_matrix
def test_only_those_who_see_the_request_follow_its_upload(client, issuance, staff):
    received = intake.drawing_upload_queue(
        request_id=issuance.pk, actor=issuance.applicant, data=drawing(), name="d.dxf"
    )
    status_url = reverse("drawings:upload_status", args=[issuance.tracking_code, received.pk])
    assert client.get(status_url).status_code == 302  # signed out: to the login
    client.force_login(user_with("citizen", "someone-else"))
    assert client.get(status_url).status_code == 404
    client.force_login(issuance.applicant)
    assert client.get(status_url).status_code == 200
    for bad in (received.pk + 1000, 0):
        assert client.get(reverse("drawings:upload_status", args=[issuance.tracking_code, bad])).status_code == 404
    assert client.get(f"/drawings/{issuance.tracking_code}/uploads/1%00/status").status_code in (400, 404)
    client.force_login(next(iter(staff.values())))
    assert client.get(status_url).status_code == 200
    received.stored_file.delete(save=False)


@pytest.mark.django_db
def test_a_job_run_twice_stores_one_check(issuance):
    received = intake.drawing_upload_queue(
        request_id=issuance.pk, actor=issuance.applicant, data=drawing(), name="d.dxf"
    )
    assert intake.drawing_upload_check(upload_id=received.pk).status == "done"
    assert intake.drawing_upload_check(upload_id=received.pk).status == "done"  # e.g. retried after a kill
    assert DrawingCheck.objects.count() == 1
    received.refresh_from_db()
    assert not received.stored_file and received.drawing_check is not None
