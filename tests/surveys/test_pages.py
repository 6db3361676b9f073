"""Who may upload, see, accept and return surveys and write inspections; the forms' bad inputs.

An upload answers with its progress page; the reading job runs here in the test's own transaction
(run_jobs_here); tests/surveys/test_upload_jobs.py runs it through a real worker."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gis_app.audit import audit_trail
from surveys.models import Inspection, Survey, SurveyStatus, SurveyUpload
from surveys.selectors import measured_parcel
from tests.conftest import run_jobs_here
from tests.surveys.conftest import csv_points, geojson, good_features, user_with


def login(client, role, username=None):
    user = user_with(role, username)
    client.force_login(user)
    return user


def post_survey(client, plot, data=None, name="s.geojson", **extra):
    return client.post(
        reverse("surveys:new"),
        {
            "file_code": plot.file_code,
            "measured_on": "1405/09/01",
            "file": SimpleUploadedFile(name, data if data is not None else geojson(good_features())),
            **extra,
        },
    )


def upload_and_read(client, plot, data=None, name="s.geojson", **extra) -> Survey:
    """Upload through the form and run the reading job: the survey made."""
    response = post_survey(client, plot, data, name, **extra)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert run_jobs_here() == ["surveys.read_upload"]
    return SurveyUpload.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1]).survey


def test_a_surveyor_uploads_sees_the_progress_then_the_reconciliation(client, plot):
    login(client, "surveyor")
    response = post_survey(client, plot)
    received = SurveyUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("surveys:upload", args=[received.pk])
    assert Survey.objects.count() == 0  # not read yet: the job does that
    waiting = client.get(response["Location"])
    assert waiting.status_code == 200
    assert 'data-testid="upload-progress"' in waiting.content.decode() and "در صف خواندن" in waiting.content.decode()
    assert client.get(reverse("surveys:upload_status", args=[received.pk])).json()["status"] == "queued"
    assert received.stored_file and received.stored_file.storage.exists(received.stored_file.name)

    assert run_jobs_here() == ["surveys.read_upload"]
    received.refresh_from_db()
    survey = Survey.objects.get()
    assert (received.status, received.survey) == ("done", survey) and received.finished_at >= received.started_at
    assert not received.stored_file  # the survey keeps the file; the upload's copy is gone
    state = client.get(reverse("surveys:upload_status", args=[received.pk])).json()
    survey_url = reverse("surveys:detail", args=[survey.pk])
    assert state == {"status": "done", "label": "تطبیق داده شد", "survey_url": survey_url}
    response = client.get(reverse("surveys:upload", args=[received.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("surveys:detail", args=[survey.pk])
    page = client.get(response["Location"]).content.decode()
    assert "۲۶۰ مترمربع" in page and "۸ مترمربع" in page  # measured area, building on street land (Persian digits)
    assert 'id="survey-map-config"' in page and "ماده ۱۰۰" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"file_code": "40N-0000-00000-001-X"}, "file_code", None),
        ({"measured_on": "1405/13/40"}, "measured_on", "۱۴۰۵/۰۹/۰۳"),
        ({"measured_on": "1499/01/01"}, "measured_on", "آینده"),
        ({"crs": "3857"}, "crs", None),
        ({"encoding": "latin-1"}, "encoding", None),
        ({"dxf_boundary_layer": "../../etc"}, "dxf_boundary_layer", None),
    ],
)
def test_bad_form_fields_are_named_and_nothing_is_stored(client, plot, fields, field, message):
    login(client, "surveyor")
    response = post_survey(client, plot, **fields)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    if message:
        assert message in " ".join(errors[field])
    assert Survey.objects.count() == 0 and SurveyUpload.objects.count() == 0


def test_a_file_refused_by_the_reader_is_shown_on_its_page_in_persian(client, plot, settings):
    login(client, "surveyor")
    response = post_survey(client, plot, csv_points(swap=True), name="p.csv", crs="32640")
    assert response.status_code == 302
    run_jobs_here()
    received = SurveyUpload.objects.get()
    assert (received.status, received.refusal_code) == ("refused", "outside_city_swapped")
    page = client.get(response["Location"]).content.decode()
    assert "جای شمالی و شرقی عوض شده" in page and 'data-testid="upload-refused"' in page
    assert 'data-testid="upload-progress"' not in page
    assert Survey.objects.count() == 0
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))  # the file is not kept


def test_a_file_that_is_not_what_its_name_says_is_refused_on_the_form(client, plot):
    login(client, "surveyor")
    response = post_survey(client, plot, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="survey.geojson")
    assert response.status_code == 400
    assert "محتوای فایل" in " ".join(response.context["form"].errors["file"])
    assert SurveyUpload.objects.count() == 0 and Survey.objects.count() == 0


@pytest.mark.parametrize("role", ["citizen", "agency", "revenue_officer"])
def test_others_may_not_upload_or_see_surveys(client, plot, role):
    login(client, "surveyor")
    survey = upload_and_read(client, plot)
    client.force_login(user_with(role))
    assert client.get(reverse("surveys:new")).status_code == 403
    assert post_survey(client, plot).status_code == 403
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code in (403, 404)
    assert client.get(reverse("surveys:source", args=[survey.pk])).status_code in (403, 404)
    assert client.get(reverse("surveys:upload", args=[survey.upload.pk])).status_code in (403, 404)
    assert client.get(reverse("surveys:upload_status", args=[survey.upload.pk])).status_code in (403, 404)
    assert Survey.objects.count() == 1 and SurveyUpload.objects.count() == 1


def test_anonymous_users_are_sent_to_log_in(client, plot):
    response = client.get(reverse("surveys:new"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_surveyor_sees_only_their_own_surveys(client, plot):
    login(client, "surveyor", "first")
    response = post_survey(client, plot)
    login(client, "surveyor", "second")
    assert client.get(response["Location"]).status_code == 404  # the upload's page, while it waits
    run_jobs_here()
    survey = Survey.objects.get()
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 404
    assert survey.file_code not in client.get(reverse("surveys:list")).content.decode()


def test_a_planner_accepts_and_a_later_acceptance_supersedes(client, plot):
    login(client, "surveyor")
    first, second = upload_and_read(client, plot), upload_and_read(client, plot)
    planner = login(client, "planner")
    assert client.get(reverse("surveys:accept", args=[first.pk])).status_code == 405  # POST only
    client.post(reverse("surveys:accept", args=[first.pk]))
    client.post(reverse("surveys:accept", args=[second.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (SurveyStatus.SUPERSEDED, SurveyStatus.ACCEPTED)
    assert (
        measured_parcel(file=second.file) == second and second.file.code == plot.file_code
    )  # the file's measured geometry
    plot.refresh_from_db()
    assert plot.geom.area == pytest.approx(250)  # the cadastral geometry is kept
    assert second.reviewed_by == planner
    assert [e.action for e in audit_trail(first)] == ["survey.uploaded", "survey.accepted", "survey.superseded"]
    assert [e.action for e in audit_trail(first.upload)] == ["survey_upload.queued", "survey_upload.done"]
    # accepting again is refused with a message, nothing changes
    response = client.post(reverse("surveys:accept", args=[second.pk]), follow=True)
    assert "دیگر در انتظار بررسی نیست" in response.content.decode()


def test_a_planner_returns_with_a_reason_only(client, plot):
    login(client, "surveyor")
    survey = upload_and_read(client, plot)
    login(client, "planner")
    response = client.post(reverse("surveys:return", args=[survey.pk]), {"reason": "   "}, follow=True)
    assert "دلیل برگشت" in response.content.decode()
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.SUBMITTED
    client.post(reverse("surveys:return", args=[survey.pk]), {"reason": "گوشهٔ شمال‌شرقی دوباره برداشت شود"})
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.RETURNED and "شمال‌شرقی" in survey.review_reason
    assert audit_trail(survey).last().data["reason"].startswith("گوشه")


def test_a_surveyor_may_not_accept(client, plot):
    login(client, "surveyor")
    survey = upload_and_read(client, plot)
    assert client.post(reverse("surveys:accept", args=[survey.pk])).status_code == 403


# --- inspections ----------------------------------------------------------------------------------
def jpeg_with_gps(lat=(37, 28, 30.0), lon=(57, 19, 45.0), when="2026:11:20 10:15:00") -> bytes:
    image = Image.new("RGB", (64, 48), (120, 160, 90))
    exif = Image.Exif()
    exif[0x0132] = when  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", lat, "E", lon
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def post_inspection(client, plot, photos, **extra):
    return client.post(
        reverse("surveys:inspection_new"),
        {
            "file_code": plot.file_code,
            "visited_on": "1405/09/01",
            "visited_time": "10:30",
            "check_site_matches_map": "on",
            "check_over_street_line": "on",
            "notes": "دیوار جلوی ملک یک متر جلوتر از بر است.",
            "photos": photos,
            **extra,
        },
    )


def test_an_inspector_reports_with_a_geotagged_photo(client, plot):
    login(client, "inspector")
    response = post_inspection(client, plot, [SimpleUploadedFile("site.jpg", jpeg_with_gps(), "image/jpeg")])
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert inspection.checklist["site_matches_map"] and inspection.checklist["over_street_line"]
    assert not inspection.checklist["trees_on_site"]
    (photo,) = inspection.photos.all()
    lon, lat = photo.location.transform(4326, clone=True).coords
    assert lat == pytest.approx(37 + 28 / 60 + 30 / 3600) and lon == pytest.approx(57 + 19 / 60 + 45 / 3600)
    assert photo.taken_at.day == 20
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="photo-location"' in page
    assert client.get(reverse("surveys:inspection_photo", args=[inspection.pk, photo.pk])).status_code == 200
    client.force_login(user_with("citizen"))
    assert client.get(reverse("surveys:inspection_photo", args=[inspection.pk, photo.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("script.jpg", b"<script>alert(1)</script>"),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("drawing.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_stored(client, plot, settings, name, data):
    login(client, "inspector")
    response = post_inspection(client, plot, [SimpleUploadedFile(name, data)])
    assert response.status_code == 400 and "photos" in response.context["form"].errors
    assert Inspection.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_visit_in_the_future_is_refused(client, plot):
    login(client, "inspector")
    response = post_inspection(client, plot, [], visited_on="1499/01/01")
    assert response.status_code == 400 and Inspection.objects.count() == 0


def test_the_visit_time_is_prefilled_in_the_digits_a_time_field_takes(client, plot):
    """An <input type="time"> refuses Persian digits (the browser then shows it empty and the inspector
    must type the time); the browser itself shows the value in the page's digits."""
    login(client, "inspector")
    page = client.get(reverse("surveys:inspection_new")).content.decode()
    value = re.search(r'name="visited_time"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="visited_time"', page)
    assert value is not None
    assert re.fullmatch(r"[0-2][0-9]:[0-5][0-9]", value.group(1) or value.group(2))


def test_only_inspectors_write_inspections(client, plot):
    login(client, "surveyor")
    assert post_inspection(client, plot, []).status_code == 403


def test_work_for_a_request_needs_a_valid_reference_for_the_same_parcel(client, plot, settings):
    """The survey pages record work as a request's own only through a signed reference from its file."""
    from django.contrib.contenttypes.models import ContentType

    from gis_app.references import reference_sign

    login(client, "inspector")
    other_type = ContentType.objects.get_for_model(Inspection)
    forged = reference_sign(obj=other_type, origin="request", file_code=plot.file_code)[:-3] + "abc"
    elsewhere = reference_sign(obj=other_type, origin="request", file_code="40N-0000-00000-001-0")
    base = {"file_code": plot.file_code, "visited_on": "1405/09/01", "visited_time": "10:00"}
    for token, field, text in (
        (forged, "made_for", "معتبر نیست"),
        ("not-a-token", "made_for", "معتبر نیست"),
        ("x" * 700, "made_for", ""),
        (elsewhere, "file_code", "این ملک، ملکِ درخواستی"),
    ):
        answer = client.post(reverse("surveys:inspection_new"), {**base, "made_for": token})
        assert answer.status_code == 400, token
        assert text in answer.context["form"].errors[field][0]
    assert not Inspection.objects.exists()
