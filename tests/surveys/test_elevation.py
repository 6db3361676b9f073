import pytest
from django.contrib.gis.geos import Point

from surveys.selectors import OutsideDem, elevation_at


def test_elevation_inside_the_district():
    z = elevation_at(point=Point(529_100, 4_147_600, srid=32640))
    assert 1000 < z < 1080


def test_elevation_from_a_wgs84_point():
    utm = elevation_at(point=Point(529_100, 4_147_600, srid=32640))
    wgs = Point(529_100, 4_147_600, srid=32640).transform(4326, clone=True)
    assert elevation_at(point=wgs) == pytest.approx(utm, abs=0.5)


def test_elevation_rises_to_the_north():
    south = elevation_at(point=Point(529_100, 4_147_100, srid=32640))
    north = elevation_at(point=Point(529_100, 4_148_100, srid=32640))
    assert north > south


def test_outside_the_model_is_an_error():
    with pytest.raises(OutsideDem):
        elevation_at(point=Point(600_000, 4_147_600, srid=32640))
