"""Citizen reports' fixtures: the surveys plot (a parcel in a 2 km city) and points on and off it, the
SMS sandbox gateway, users by role, photos good and bad."""

from __future__ import annotations

import io

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.roles import Role
from tests.notifications.conftest import gateway  # noqa: F401 - fixture
from tests.permits.conftest import citizen, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import E0, N0, SRID, plot, user_with  # noqa: F401 - fixtures

API_KEY = "test-137-app-key"


def lon_lat(x: float, y: float) -> tuple[float, float]:
    """Plot coordinates (metres from E0, N0) as WGS 84 lon/lat."""
    point = Point(E0 + x, N0 + y, srid=SRID).transform(4326, clone=True)
    return point.x, point.y


ON_PARCEL = (5, 16)  # inside the plot's parcel
IN_STREET = (5, -2)  # inside the city, in the street: on no parcel
OUTSIDE = (1500, 0)  # 500 m past the city's edge


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def photo(name: str = "site.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg() if data is None else data, "image/jpeg")


def png_bomb() -> bytes:
    """A small PNG that claims 20000 x 20000 pixels (400 megapixels): a decompression bomb."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def reporter(db):
    user = user_with(Role.CITIZEN.value, "t-reporter")
    user.mobile = "09151112233"
    user.save()
    return user


@pytest.fixture
def api_key(settings):
    settings.OPEN311_API_KEYS = [API_KEY]
    return API_KEY
