"""The property's file: one per file code, opened on first need, its district found in the districts layer."""

import pytest

from gis_app.audit import audit_trail
from parcels.models import PropertyFile
from parcels.selectors import live_parcels, property_file
from parcels.services import property_file_open
from tests.surveys.conftest import plot  # noqa: F401 - fixture


@pytest.mark.parametrize("district", [1, 2, 3])
def test_a_file_is_opened_once_with_its_district_from_the_layer(city, district):
    parcel = live_parcels().filter(renovation_code__startswith=f"{district}-").order_by("file_code").first()
    assert property_file(code=parcel.file_code) is None
    opened = property_file_open(parcel=parcel)
    assert (opened.code, opened.parcel_id, opened.district) == (parcel.file_code, parcel.pk, district)
    assert property_file_open(parcel=parcel) == opened  # the same file, not a second one
    assert PropertyFile.objects.filter(code=parcel.file_code).count() == 1
    assert [e.action for e in audit_trail(opened)] == ["file.opened"]


def test_a_parcel_outside_the_districts_gets_no_district(plot):  # noqa: F811 - the fixture
    assert property_file_open(parcel=plot).district is None
