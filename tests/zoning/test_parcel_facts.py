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
from tests.zoning.compliance.plan import USES
from zoning.compliance.runner import compliance_run
from zoning.importers import streets_import
from zoning.models import PlanZone, Street
from zoning.selectors import parcel_compliance, parcel_facts, parcel_plan

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


def streets_of(parcel, sv):
    return parcel_facts(parcel_id=parcel.pk, parcel_version_id=parcel.version_id, streets_version_id=sv.pk).streets


def test_setback_strip_frontage_and_realigned_line(plot_10x25_on_widened_street):
    parcel, sv, _ = plot_10x25_on_widened_street
    (street,) = streets_of(parcel, sv)
    assert street.distance_m == pytest.approx(4.0)
    assert street.setback_depth_m == 2.0
    assert street.setback_area_m2 == pytest.approx(20.0)  # 10 m x 2 m
    assert street.frontage_m == pytest.approx(10.0)
    assert street.realigned_line.length == pytest.approx(10.0)
    assert street.realigned_line.bounds[1] == pytest.approx(N0 + 6)  # W/2 = 6 m from the centreline


def test_no_strip_when_the_street_is_not_widened(plot_10x25_on_widened_street):
    parcel, sv, _ = plot_10x25_on_widened_street
    Street.objects.filter(version=sv).update(approved_width_m=8)
    (street,) = streets_of(parcel, sv)
    assert street.setback_strip is None and street.setback_area_m2 == 0 and street.setback_depth_m == 0
    Street.objects.filter(version=sv).update(existing_width_m=14, approved_width_m=10)  # wider than approved
    (street,) = streets_of(parcel, sv)
    assert street.setback_area_m2 == 0


def test_parcel_far_from_any_street_has_none(plot_10x25_on_widened_street):
    parcel, sv, _ = plot_10x25_on_widened_street
    Street.objects.filter(version=sv).update(
        geom=MultiLineString(
            GEOSGeometry(f"LINESTRING({E0 - 50} {N0 - 100}, {E0 + 60} {N0 - 100})", srid=32640), srid=32640
        )
    )
    assert streets_of(parcel, sv) == ()


def test_parcel_split_70_30_between_two_zones(plot_10x25_on_widened_street):
    parcel, _, zv = plot_10x25_on_widened_street
    shares = parcel_facts(parcel_id=parcel.pk, parcel_version_id=parcel.version_id, zones_version_id=zv.pk).zones
    assert [s.plan_code for s in shares] == ["R121", "C111"]
    assert shares[0].share == pytest.approx(0.7) and shares[1].share == pytest.approx(0.3)
    assert shares[0].area_m2 == pytest.approx(175)


def test_parcel_plan_is_parcel_facts_without_the_streets(plot_10x25_on_widened_street):
    parcel, sv, zv = plot_10x25_on_widened_street
    versions = {"parcel_version_id": parcel.version_id, "zones_version_id": zv.pk, "streets_version_id": sv.pk}
    facts = parcel_facts(parcel_id=parcel.pk, **versions)
    plan = parcel_plan(parcel_id=parcel.pk, **versions)

    def zones(of):
        return [(z.zone_id, z.rules, z.area_m2) for z in of.zones]

    assert zones(plan) == zones(facts)
    assert [z.share for z in plan.zones] == pytest.approx([0.7, 0.3]) and plan.governing_zone.plan_code == "R121"
    assert plan.params == facts.params
    assert (plan.parcel_id, plan.parcel_version_id, plan.zones_version_id, plan.streets_version_id) == (
        facts.parcel_id,
        facts.parcel_version_id,
        facts.zones_version_id,
        facts.streets_version_id,
    )
    assert plan.area_m2 == pytest.approx(facts.area_m2) == pytest.approx(250)
    assert plan.perimeter_m == pytest.approx(facts.geom.length) == pytest.approx(70)
    assert plan.deed_area_m2 is None and plan.base_area_m2 == pytest.approx(250)
    assert parcel_plan(parcel_id=parcel.pk + 1000, parcel_version_id=parcel.version_id) is None


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
    winter = [s for s in streets_of(parcel, sv) if s.name == "Winter St"]
    assert winter, "the parcel fronts Winter St"
    street = min(winter, key=lambda s: s.distance_m)
    assert street.distance_m == pytest.approx(7.91, abs=0.05)
    assert street.setback_area_m2 == pytest.approx(15.75, abs=0.5)
    assert parcel.geom.area - street.setback_area_m2 == pytest.approx(106.3, abs=0.5)


def line(x0, y0, x1, y1):
    return MultiLineString(
        GEOSGeometry(f"LINESTRING({E0 + x0} {N0 + y0}, {E0 + x1} {N0 + y1})", srid=32640), srid=32640
    )


def plot(pv, geom, code="test"):
    point = geom.point_on_surface
    return Parcel.objects.create(version=pv, geom=geom, anchor=point, file_code=code, geom_hash="test")


def facts_of(parcel, sv, zv=None):
    return parcel_facts(
        parcel_id=parcel.pk,
        parcel_version_id=parcel.version_id,
        streets_version_id=sv.pk,
        zones_version_id=zv.pk if zv else None,
    )


def test_10x25_plot_report_hand_computed(plot_10x25_on_widened_street):
    parcel, sv, zv = plot_10x25_on_widened_street
    report = parcel_compliance(
        parcel_id=parcel.pk, parcel_version_id=parcel.version_id, streets_version_id=sv.pk, zones_version_id=zv.pk
    )
    facts = report.facts
    assert facts.area_m2 == pytest.approx(250) and facts.depth_m == pytest.approx(25)
    assert facts.net_area_m2 == pytest.approx(230) and facts.net_depth_m == pytest.approx(23)
    assert facts.chamfers == ()
    # net depth 23 m -> band 0.6 x 23 + 2 = 15.8 m: 158 m²; coverage 60 % of the 250 m² drawn area = 150 m²
    assert report.envelope.area_m2 == pytest.approx(158)
    assert report.envelope.max_footprint_m2 == 150 and report.envelope.max_floor_area_m2 == 450
    assert report.zone.plan_code == "R121"
    assert {n.code for n in report.notes} == {"straddles_zones", "no_deed_area", "default_parameters"}
    assert report.passed
    assert {r.plan_version for r in report.results if r.plan_version} == {zv.pk}


def test_corner_plot_on_two_vehicular_streets(db):
    """A 20 m x 20 m corner plot: street A along its south side (8 m, widened to 12 m: 2 m strip),
    street B along its west side (8 m, not widened). Corner of the realigned lines at (0, 6); chamfer
    1/10 x (12 + 8) = 2 m -> a 2 m² triangle; net 400 - 40 - 2 = 358 m²."""
    pv, sv = version("parcels"), version("streets")
    parcel = plot(pv, rect(0, 4, 20, 24))
    Street.objects.create(
        version=sv, geom=line(-60, 0, 60, 0), name="A", hierarchy="local", existing_width_m=8, approved_width_m=12
    )
    Street.objects.create(
        version=sv, geom=line(-4, -60, -4, 60), name="B", hierarchy="local", existing_width_m=8, approved_width_m=8
    )
    facts = facts_of(parcel, sv)
    a, b = sorted(facts.streets, key=lambda s: s.name)
    assert a.setback_area_m2 == pytest.approx(40) and b.setback_area_m2 == 0
    assert a.frontage_m == pytest.approx(20) and b.frontage_m == pytest.approx(20)
    (chamfer,) = facts.chamfers
    assert chamfer.size_m == 2.0 and chamfer.area_m2 == pytest.approx(2.0)
    assert shapely.Point(E0 + 0.5, N0 + 6.5).within(chamfer.triangle)
    assert facts.net_area_m2 == pytest.approx(358)
    report = compliance_run(use_labels=USES, facts=facts)
    assert report.envelope.area_m2 == pytest.approx(20 * 12.8)  # net depth 18 m -> band 12.8 m


def test_parcel_without_street_access_is_said_so(db):
    pv, sv = version("parcels"), version("streets")
    parcel = plot(pv, rect(0, 40, 20, 60))
    Street.objects.create(
        version=sv, geom=line(-60, 0, 60, 0), name="A", hierarchy="local", existing_width_m=8, approved_width_m=12
    )
    report = compliance_run(use_labels=USES, facts=facts_of(parcel, sv))
    assert report.facts.streets == () and report.facts.net_area_m2 == pytest.approx(400)
    assert report.result("street_access").status == "failed"
    assert "no_street_access" in {n.code for n in report.notes}


def test_multipolygon_parcel_is_said_so(db):
    pv, sv = version("parcels"), version("streets")
    two = MultiPolygon(rect(0, 4, 10, 29)[0], rect(30, 4, 40, 14)[0], srid=32640)
    parcel = plot(pv, two)
    Street.objects.create(
        version=sv, geom=line(-60, 0, 60, 0), name="A", hierarchy="local", existing_width_m=8, approved_width_m=8
    )
    report = compliance_run(use_labels=USES, facts=facts_of(parcel, sv))
    assert report.facts.parts == 2
    assert "multipart" in {n.code for n in report.notes}
    assert report.envelope.area_m2 == pytest.approx(10 * 17 + 10 * 8)  # each part's own band
    assert report.result("northern_band").status == "passed"


def test_street_already_wider_than_approved(db):
    pv, sv = version("parcels"), version("streets")
    parcel = plot(pv, rect(0, 7, 10, 32))
    Street.objects.create(
        version=sv, geom=line(-60, 0, 60, 0), name="A", hierarchy="local", existing_width_m=14, approved_width_m=10
    )
    facts = facts_of(parcel, sv)
    (street,) = facts.streets
    assert street.wider_than_approved and street.setback_area_m2 == 0 and street.frontage_m == pytest.approx(10)
    assert facts.net_area_m2 == pytest.approx(250)
    assert "street_wider_than_approved" in {n.code for n in compliance_run(use_labels=USES, facts=facts).notes}


def test_parcel_found_by_point_and_by_file_code(plot_10x25_on_widened_street):
    parcel, _, _ = plot_10x25_on_widened_street
    inside = (E0 + 5, N0 + 20)
    by_point = parcel_facts(point=inside, point_srid=32640, parcel_version_id=parcel.version_id)
    assert by_point.parcel_id == parcel.pk
    by_code = parcel_facts(file_code="test", parcel_version_id=parcel.version_id)
    assert by_code.parcel_id == parcel.pk
    assert parcel_facts(point=(E0 + 5, N0 + 1), point_srid=32640, parcel_version_id=parcel.version_id) is None
    assert parcel_facts(file_code="nope", parcel_version_id=parcel.version_id) is None
    with pytest.raises(TypeError):
        parcel_facts()


def test_every_sample_city_parcel_is_checked_without_error(city, capsys):
    from django.core.management import call_command

    call_command("compliance_check", "--all", "--quiet")
    out = capsys.readouterr().out
    assert "Checked 3197 parcels, 0 errors." in out
    assert "minimum_plot" in out and "note straddles_zones" in out
