"""Who may upload, see, accept and return surveys and write inspections; the forms' bad inputs."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gis_app.audit import audit_trail
from surveys.models import Inspection, Survey, SurveyStatus
from surveys.selectors import measured_parcel
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


def test_a_surveyor_uploads_and_sees_the_reconciliation(client, plot):
    login(client, "surveyor")
    response = post_survey(client, plot)
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("surveys:detail", args=[survey.pk])
    page = client.get(response["Location"]).content.decode()
    assert "۲۶۰٫۰۰" in page and "۸٫۰۰" in page  # measured area, building on street land (Persian digits)
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
    assert Survey.objects.count() == 0


def test_a_refused_file_is_shown_on_the_form_in_persian(client, plot):
    login(client, "surveyor")
    response = post_survey(client, plot, csv_points(swap=True), name="p.csv", crs="32640")
    assert response.status_code == 400
    assert "جای شمالی و شرقی عوض شده" in response.content.decode()
    assert Survey.objects.count() == 0


@pytest.mark.parametrize("role", ["citizen", "agency", "revenue_officer"])
def test_others_may_not_upload_or_see_surveys(client, plot, role):
    surveyor = login(client, "surveyor")
    post_survey(client, plot)
    survey = Survey.objects.get(surveyor=surveyor)
    client.force_login(user_with(role))
    assert client.get(reverse("surveys:new")).status_code == 403
    assert post_survey(client, plot).status_code == 403
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code in (403, 404)
    assert client.get(reverse("surveys:source", args=[survey.pk])).status_code in (403, 404)
    assert Survey.objects.count() == 1


def test_anonymous_users_are_sent_to_log_in(client, plot):
    response = client.get(reverse("surveys:new"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_surveyor_sees_only_their_own_surveys(client, plot):
    login(client, "surveyor", "first")
    post_survey(client, plot)
    survey = Survey.objects.get()
    login(client, "surveyor", "second")
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 404
    assert survey.file_code not in client.get(reverse("surveys:list")).content.decode()


def test_a_planner_accepts_and_a_later_acceptance_supersedes(client, plot):
    login(client, "surveyor")
    post_survey(client, plot)
    post_survey(client, plot)
    first, second = Survey.objects.order_by("pk")
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
    # accepting again is refused with a message, nothing changes
    response = client.post(reverse("surveys:accept", args=[second.pk]), follow=True)
    assert "دیگر در انتظار بررسی نیست" in response.content.decode()


def test_a_planner_returns_with_a_reason_only(client, plot):
    login(client, "surveyor")
    post_survey(client, plot)
    survey = Survey.objects.get()
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
    post_survey(client, plot)
    survey = Survey.objects.get()
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
