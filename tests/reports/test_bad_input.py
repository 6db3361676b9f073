"""Reports' bad input: points outside the city or no point at all, photos that are not images or are
decompression bombs, a category that does not exist, and 20 reports a minute from one number."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports import services
from reports.models import Report, ReportPhoto
from tests.reports.conftest import ON_PARCEL, OUTSIDE, jpeg, lon_lat, photo, png_bomb
from tests.reports.test_reports import post_report


def _nothing_stored(settings) -> None:
    assert not Report.objects.exists() and not ReportPhoto.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.hostile("points outside the city (reports)")
@pytest.mark.parametrize(
    ("lon", "lat", "where"),
    [
        (*lon_lat(*OUTSIDE), "form"),  # 500 m past the city's edge
        (51.389, 35.689, "form"),  # Tehran
        (37.4745, 57.3295, "form"),  # Bojnord with latitude and longitude swapped
        (0, 0, "form"),  # null island
        (200, 95, "lon"),  # not on the earth
        ("nan", "nan", "lon"),
        ("inf", "-inf", "lon"),
        ("57.33;DROP TABLE", "37.47", "lon"),
        ("", "", "form"),  # the marker was never put
    ],
)
def test_a_point_outside_the_city_is_refused_with_a_message(client, plot, reporter, settings, lon, lat, where):
    client.force_login(reporter)
    answer = client.post(reverse("reports:new"), {"category": "debris", "lon": str(lon), "lat": str(lat)})
    assert answer.status_code == 400
    form = answer.context["form"]
    if where == "form":
        assert form.non_field_errors(), form.errors
        assert any(("بجنورد" in e) or ("نشانگر" in e) for e in form.non_field_errors())
    else:
        assert form.errors.get(where) or form.errors.get("lat"), form.errors
    _nothing_stored(settings)


@pytest.mark.hostile("photos that are not images (reports)")
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("script.jpg", b"<script>alert(1)</script>"),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("drawing.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("cut.jpg", jpeg()[:200]),  # a JPEG cut short
        ("doc.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF"),
        ("bomb.png", png_bomb()),  # 400 megapixels in a small file
        ("huge.jpg", b"\xff" * (12 * 1024 * 1024 + 1)),  # over the size limit
    ],
)
def test_photos_that_are_not_images_or_are_bombs_are_refused(client, plot, reporter, settings, name, data):
    client.force_login(reporter)
    answer = post_report(client, photos=[photo(), SimpleUploadedFile(name, data, "image/jpeg")])
    if len(data) > 12 * 1024 * 1024:
        # the site's body limit answers first, with its own translated page
        assert answer.status_code == 413
    else:
        assert answer.status_code == 400
        assert answer.context["form"].errors.get("photos"), answer.context["form"].errors
    _nothing_stored(settings)


@pytest.mark.hostile("bad form input (reports)")
@pytest.mark.parametrize("category", ["", "nuclear", "construction' OR '1'='1", "x" * 500, "CONSTRUCTION"])
def test_an_unknown_category_is_refused(client, plot, reporter, settings, category):
    client.force_login(reporter)
    answer = post_report(client, category=category)
    assert answer.status_code == 400 and answer.context["form"].errors.get("category")
    _nothing_stored(settings)


@pytest.mark.hostile("flooding from one number (reports)")
def test_twenty_reports_a_minute_from_one_number_then_throttled(client, plot, reporter):
    lon, lat = lon_lat(*ON_PARCEL)
    for _ in range(services.RATE_PER_MINUTE - 1):
        services.report_submit(category="debris", lon=lon, lat=lat, description="", phone=reporter.mobile)
    client.force_login(reporter)
    assert post_report(client, category="debris").status_code == 302  # the 20th
    answer = post_report(client, category="debris")
    assert answer.status_code == 429
    assert "یک دقیقه" in " ".join(answer.context["form"].non_field_errors())
    assert Report.objects.filter(phone=reporter.mobile).count() == services.RATE_PER_MINUTE
    # another number is not held back
    services.report_submit(category="debris", lon=lon, lat=lat, description="", phone="09150000009")
    with pytest.raises(services.Throttled):
        services.report_submit(category="debris", lon=lon, lat=lat, description="", phone=reporter.mobile)
    # a minute later the number may report again
    from datetime import timedelta

    from django.utils import timezone

    Report.objects.filter(phone=reporter.mobile).update(received_at=timezone.now() - timedelta(seconds=61))
    services.report_submit(category="debris", lon=lon, lat=lat, description="", phone=reporter.mobile)
