"""Geometric facts of a parcel computed in PostGIS: hand-computed plots and a real-data vector."""

import textwrap
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, MultiPolygon, Point, Polygon

from gis_app.models import DatasetVersion
from parcels.importers import parcels_import
from parcels.models import Parcel
from zoning.importers import streets_import
from zoning.models import PlanZone, Street
from zoning.selectors import parcel_street_facts, parcel_zone_shares

E0, N0 = 529_000.0, 4_147_000.0
ROOT = Path(__file__).resolve().parents[2]
CAMBRIDGE = ROOT.parent / "shared" / "data" / "cambridge" / "cambridge_fy2014_epsg26986.gpkg"


def rect(x0, y0, x1, y1):
    poly = Polygon.from_bbox((E0 + x0, N0 + y0, E0 + x1, N0 + y1))
    poly.srid = 32640
    return MultiPolygon(poly, srid=32640)


def version(kind):
    return DatasetVersion.objects.create(kind=kind, source_name="test", source_sha256="0" * 64)


@pytest.fixture
def plot_10x25_on_widened_street(db):
    """A 10 m x 25 m plot whose front edge is the edge of an 8 m street to be widened to 12 m,
    split 70/30 between two zones."""
    pv, sv, zv = version("parcels"), version("streets"), version("zones")
    parcel = Parcel.objects.create(
        version=pv,
        geom=rect(0, 4, 10, 29),
        anchor=Point(E0 + 5, N0 + 16, srid=32640),
        file_code="test",
        geom_hash="test",
    )
    centreline = MultiLineString(GEOSGeometry(f"LINESTRING({E0 - 50} {N0}, {E0 + 60} {N0})", srid=32640), srid=32640)
    Street.objects.create(
        version=sv, geom=centreline, name="خیابان آزمون", hierarchy="local", existing_width_m=8, approved_width_m=12
    )
    common = {"density_pct": 180, "coverage_pct": 60, "max_floors": 3, "max_height_m": 11.5, "min_plot_area_m2": 200}
    PlanZone.objects.create(
        version=zv, geom=rect(-20, -20, 7, 60), plan_code="R121", land_use="residential", min_frontage_m=8.5, **common
    )
    PlanZone.objects.create(
        version=zv, geom=rect(7, -20, 40, 60), plan_code="C111", land_use="commercial", min_frontage_m=10, **common
    )
    return parcel, sv, zv


def test_setback_strip_frontage_and_realigned_line(plot_10x25_on_widened_street):
    parcel, sv, _ = plot_10x25_on_widened_street
    (street,) = parcel_street_facts(parcel=parcel, streets_version_id=sv.pk)
    assert street.distance_m == pytest.approx(4.0)
    assert street.setback_depth_m == 2.0
    assert street.setback_area_m2 == pytest.approx(20.0)  # 10 m x 2 m
    assert street.frontage_m == pytest.approx(10.0)
    assert street.realigned_line.length == pytest.approx(10.0)
    assert street.realigned_line.extent[1] == pytest.approx(N0 + 6)  # W/2 = 6 m from the centreline


def test_no_strip_when_the_street_is_not_widened(plot_10x25_on_widened_street):
    parcel, sv, _ = plot_10x25_on_widened_street
    Street.objects.filter(version=sv).update(approved_width_m=8)
    (street,) = parcel_street_facts(parcel=parcel, streets_version_id=sv.pk)
    assert street.setback_strip is None and street.setback_area_m2 == 0 and street.setback_depth_m == 0
    Street.objects.filter(version=sv).update(existing_width_m=14, approved_width_m=10)  # wider than approved
    (street,) = parcel_street_facts(parcel=parcel, streets_version_id=sv.pk)
    assert street.setback_area_m2 == 0


def test_parcel_far_from_any_street_has_none(plot_10x25_on_widened_street):
    parcel, sv, _ = plot_10x25_on_widened_street
    Street.objects.filter(version=sv).update(
        geom=MultiLineString(
            GEOSGeometry(f"LINESTRING({E0 - 50} {N0 - 100}, {E0 + 60} {N0 - 100})", srid=32640), srid=32640
        )
    )
    assert parcel_street_facts(parcel=parcel, streets_version_id=sv.pk) == []


def test_parcel_split_70_30_between_two_zones(plot_10x25_on_widened_street):
    parcel, _, zv = plot_10x25_on_widened_street
    shares = parcel_zone_shares(parcel=parcel, zones_version_id=zv.pk)
    assert [s.plan_code for s in shares] == ["R121", "C111"]
    assert shares[0].share == pytest.approx(0.7) and shares[1].share == pytest.approx(0.3)
    assert shares[0].area_m2 == pytest.approx(175)


STREETS_MAPPING = """
streets:
  layer: street_centerlines
  fields:
    source_id: ID
    name: Street
    hierarchy: {value: local}
    existing_width_m: {value: 12}
    approved_width_m: {value: 20}
    vehicular: {value: "1"}
"""


def test_cambridge_22_117_setback_on_winter_street(db, tmp_path):
    """../shared/data/README.md: 80 Winter St lies 7.91 m from the Winter St centreline; with an
    approved width of 20 m the setback strip is about 15.75 m² (±0.5), leaving about 106.3 m²."""
    if not CAMBRIDGE.exists():
        pytest.skip(f"{CAMBRIDGE} is absent: the real-data test needs ../shared/data/")
    DatasetVersion.objects.filter(kind="boundary").update(is_active=False)
    parcels = gpd.read_file(CAMBRIDGE, layer="parcels", engine="pyogrio")
    streets = gpd.read_file(CAMBRIDGE, layer="street_centerlines", engine="pyogrio")
    centre = shapely.box(*parcels.total_bounds).centroid
    dx, dy = 529_100 - centre.x, 4_147_600 - centre.y
    moved = tmp_path / "cambridge.gpkg"
    for layer, frame in (("parcels", parcels), ("street_centerlines", streets)):
        frame = frame.copy()
        frame["geometry"] = frame.geometry.translate(dx, dy)
        frame.set_crs(32640, allow_override=True).to_file(moved, layer=layer, engine="pyogrio")
    mapping = tmp_path / "streets.yaml"
    mapping.write_text(textwrap.dedent(STREETS_MAPPING))
    pv, _ = parcels_import(path=moved, mapping_path=ROOT / "data" / "mappings" / "cambridge.yaml", check_overlaps=False)
    sv, _ = streets_import(path=moved, mapping_path=mapping)
    parcel = Parcel.objects.of_version(pv.pk).get(source_id="22-117")
    assert parcel.geom.area == pytest.approx(122.07, abs=0.05)
    winter = [s for s in parcel_street_facts(parcel=parcel, streets_version_id=sv.pk) if s.name == "Winter St"]
    assert winter, "the parcel fronts Winter St"
    street = min(winter, key=lambda s: s.distance_m)
    assert street.distance_m == pytest.approx(7.91, abs=0.05)
    assert street.setback_area_m2 == pytest.approx(15.75, abs=0.5)
    assert parcel.geom.area - street.setback_area_m2 == pytest.approx(106.3, abs=0.5)
