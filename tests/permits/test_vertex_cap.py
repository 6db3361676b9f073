"""Drawn shapes past GIS_MAX_VERTICES are refused with the reason (issue 17, item 9): the wizard's
footprint, a violation drawn on the map, and a violation recorded by the service."""

from __future__ import annotations

import json
import math

import pytest
from django.contrib.gis.geos import Polygon
from django.utils import translation

from accounts.roles import Role
from permits.forms import GeoJSONPolygonField, ViolationForm
from permits.models import PermitRequest
from tests.permits.conftest import submitted
from tests.surveys.conftest import E0, N0
from violations.models import Violation
from violations.services import ViolationError, violation_record

pytestmark = pytest.mark.hostile("oversized geometry (item 9)")


def ring_lonlat(n: int, *, radius_m: float = 4.0) -> list[list[float]]:
    """A closed ring of n vertices (n - 1 distinct) on a circle inside the test plot, in lon/lat."""
    centre = Polygon.from_bbox((E0 + 1, N0 + 10, E0 + 9, N0 + 25)).centroid
    pts = [
        (
            centre.x + radius_m * math.cos(2 * math.pi * i / (n - 1)),
            centre.y + radius_m * math.sin(2 * math.pi * i / (n - 1)),
        )
        for i in range(n - 1)
    ]
    ring = Polygon([*pts, pts[0]], srid=32640)
    ring.transform(4326)
    return [list(c) for c in ring.exterior_ring.coords]


def polygon_json(n: int) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [ring_lonlat(n)]})


@pytest.mark.parametrize("n", [5_001, 20_000, 1_000_000])
def test_the_map_field_refuses_a_shape_past_the_cap_with_the_count(db, settings, n):
    settings.GIS_MAX_VERTICES = 5_000
    field = GeoJSONPolygonField()
    text = polygon_json(n) if n < 100_000 else json.dumps({"type": "Polygon", "coordinates": [[[57.3, 37.47]] * n]})
    with translation.override("en"), pytest.raises(Exception) as exc:
        field.clean(text)
    assert exc.value.code == "too_many_vertices"
    assert f"{n} vertices" in str(exc.value.messages[0]) and "5000" in str(exc.value.messages[0])


def test_the_map_field_counts_holes_and_takes_a_shape_at_the_cap(db, settings):
    settings.GIS_MAX_VERTICES = 200
    field = GeoJSONPolygonField()
    assert field.clean(polygon_json(200)).num_coords == 200
    outer = ring_lonlat(150)
    hole = [list(c) for c in reversed(ring_lonlat(60, radius_m=1.0))]
    with pytest.raises(Exception) as exc:
        field.clean(json.dumps({"type": "Polygon", "coordinates": [outer, hole]}))
    assert exc.value.code == "too_many_vertices"  # 150 + 60 > 200
    feature = {"type": "Feature", "properties": {}, "geometry": json.loads(polygon_json(201))}
    with pytest.raises(Exception) as exc:
        field.clean(json.dumps(feature))
    assert exc.value.code == "too_many_vertices"


@pytest.mark.parametrize("n", [5_001, 12_000, 60_000])
def test_the_wizard_refuses_a_footprint_with_too_many_vertices(client, plot, citizen, n):
    client.force_login(citizen)
    r = client.post(
        "/en/files/new/",
        {
            "code": plot.file_code,
            "kind": "building_new",
            "use": "residential",
            "floors": "3",
            "floor_area_m2": "400",
            "footprint": polygon_json(n),
        },
    )
    if len(polygon_json(n)) > 2**20:
        # a drawing this large is past the page's 1 MB body limit: refused before it is read
        assert r.status_code == 413
    else:
        assert r.status_code == 400
        assert f"The drawn shape has {n} vertices; at most 5000 are accepted." in r.content.decode()
    assert not PermitRequest.objects.exists()


@pytest.mark.parametrize("n", [5_001, 12_000, 60_000])
def test_a_violation_drawn_with_too_many_vertices_is_refused(client, plot, citizen, staff, n):
    req = submitted(plot, citizen)
    form = ViolationForm({"kind": "street_encroachment", "geom": polygon_json(n)})
    assert not form.is_valid() and form.errors.as_data()["geom"][0].code == "too_many_vertices"
    client.force_login(staff[Role.VIOLATIONS_OFFICER])
    r = client.post(
        f"/en/files/{req.tracking_code}/violations/", {"kind": "street_encroachment", "geom": polygon_json(n)}
    )
    if len(polygon_json(n)) > 2**20:
        assert r.status_code == 413  # past the page's 1 MB body limit: refused before it is read
    else:
        assert r.status_code == 400
        assert f"The drawn shape has {n} vertices" in r.content.decode()
    assert not Violation.objects.exists()


@pytest.mark.parametrize("n", [5_001, 9_999, 20_000])
def test_the_violation_service_refuses_a_shape_past_the_cap(plot, citizen, staff, n):
    req = submitted(plot, citizen)
    shape = Polygon(ring_lonlat(n), srid=4326)
    with translation.override("en"), pytest.raises(ViolationError, match=f"{n} vertices"):
        violation_record(actor=staff[Role.VIOLATIONS_OFFICER], file=req.file, kind="street_encroachment", geom=shape)
    assert not Violation.objects.exists()
