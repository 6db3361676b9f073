"""Imports refuse a feature past GIS_MAX_VERTICES with the reason in the report, and import the rest
(issue 17, item 9): a 1,000,000-vertex polygon, one just past the cap, a multipolygon whose parts
together pass it, the same in another CRS."""

from __future__ import annotations

import time

import numpy as np
import pytest
from django.utils import translation
from shapely.geometry import MultiPolygon, Polygon

from parcels.importers import parcels_import
from parcels.models import Parcel
from tests.parcels.conftest import parcels_frame, plot

pytestmark = pytest.mark.hostile("oversized geometry (item 9)")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def circle(i: int, n: int, *, radius_m: float = 5.0, dx: float = 0.0) -> Polygon:
    """A polygon of exactly n vertices (the closing one included) inside plot i."""
    c = plot(i).centroid
    t = np.linspace(0, 2 * np.pi, n - 1, endpoint=False)
    ring = np.column_stack([c.x + dx + radius_m * np.cos(t), c.y + radius_m * np.sin(t)])
    return Polygon(ring)


def import_frame(frame, tmp_path, mapping, name="parcels.gpkg"):
    path = tmp_path / name
    frame.to_file(path, engine="pyogrio")
    return parcels_import(path=path, mapping_path=mapping)


def test_a_million_vertex_polygon_is_rejected_and_the_rest_imported(city, tmp_path, mapping):
    geoms = [plot(0), circle(1, 1_000_000), plot(2), plot(3)]
    started = time.perf_counter()
    version, report = import_frame(parcels_frame(4, geometry=geoms), tmp_path, mapping)
    elapsed = time.perf_counter() - started
    assert (report.read, report.imported, report.rejected_count) == (4, 3, 1)
    assert dict(report.rejected) == {"T1": "more than 5000 vertices: 1000000"}
    stored = set(Parcel.objects.of_version(version.pk).values_list("source_id", flat=True))
    assert stored == {"T0", "T2", "T3"}  # nothing of T1, not even a part
    assert elapsed < 30, elapsed


def test_the_cap_is_counted_exactly_and_over_all_parts(city, tmp_path, mapping):
    geoms = [
        circle(0, 5_000),  # at the cap: imported
        circle(1, 5_001),  # one past it
        MultiPolygon([circle(2, 2_000, radius_m=2, dx=-3), circle(2, 2_000, radius_m=2, dx=3)]),  # 4,000: fine
        MultiPolygon([circle(3, 2_001, radius_m=1.5, dx=d) for d in (-4, 0, 4)]),  # 6,003 in three parts
        Polygon(circle(4, 4_000).exterior.coords, [circle(4, 1_500, radius_m=2).exterior.coords]),  # 5,500 with a hole
    ]
    version, report = import_frame(parcels_frame(len(geoms), geometry=geoms), tmp_path, mapping)
    assert dict(report.rejected) == {
        "T1": "more than 5000 vertices: 5001",
        "T3": "more than 5000 vertices: 6003",
        "T4": "more than 5000 vertices: 5500",
    }
    assert set(Parcel.objects.of_version(version.pk).values_list("source_id", flat=True)) == {"T0", "T2"}


def test_the_cap_holds_for_a_file_in_another_crs_and_follows_the_setting(city, tmp_path, mapping, settings):
    geoms = [plot(0), circle(1, 300_000), circle(2, 800)]
    frame = parcels_frame(3, geometry=geoms).to_crs(4326)
    settings.GIS_MAX_VERTICES = 500
    _version, report = import_frame(frame, tmp_path, mapping, name="parcels_wgs84.geojson")
    assert dict(report.rejected) == {"T1": "more than 500 vertices: 300000", "T2": "more than 500 vertices: 800"}
    assert report.imported == 1
