"""Detailed-plan zones (with the plan's rule tables) and streets through their importers."""

import textwrap
from decimal import Decimal

import geopandas as gpd
import pytest
from django.utils import translation
from shapely.geometry import LineString, box

from gis_app.importing import ImportRefused
from zoning.importers import streets_import, zones_import
from zoning.models import DensityRule, PlanParameters, PlanZone, Street
from zoning.plan_rules import PlanRulesError, plan_rules_load

RULES = """
plan_name: test plan
area_base: deed
northern_band: {depth_pct: 60, offset_m: 2}
density_classes:
  medium: {density_pct: 180, coverage_pct: 60, max_floors: 3, max_height_m: 11.5,
           min_plot_area_m2: 200, min_frontage_m: 8.5}
"""
MAPPING = """
zones:
  fields:
    source_id: ZID
    plan_code: CODE
    land_use: {field: USE, values: {"مسکونی": residential, "تجاری": commercial}}
    density_class: {field: DCLASS, values: {"متوسط": medium}}
    density_pct: DENS
    coverage_pct: COVER
streets:
  fields:
    source_id: SID
    name: NAME
    hierarchy: {field: RANK, values: {"1": arterial_1, "3": local}}
    existing_width_m: W
    approved_width_m: W_PLAN
    vehicular: CARS
"""


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def files(tmp_path):
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(RULES))
    (tmp_path / "mapping.yaml").write_text(textwrap.dedent(MAPPING))
    return tmp_path


def zones_file(tmp_path, rows):
    geoms = [box(528_700 + 100 * i, 4_147_300, 528_790 + 100 * i, 4_147_390) for i in range(len(rows))]
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:32640")
    path = tmp_path / "zones.gpkg"
    frame.to_file(path, engine="pyogrio")
    return path


def test_zone_figures_come_from_the_plan_table_when_the_zone_has_none(city, files):
    path = zones_file(
        files,
        [
            {"ZID": "Z1", "CODE": "R121", "USE": "مسکونی", "DCLASS": "متوسط", "DENS": None, "COVER": None},
            {"ZID": "Z2", "CODE": "C1", "USE": "تجاری", "DCLASS": None, "DENS": 200.0, "COVER": 70.0},
            {"ZID": "Z3", "CODE": "X9", "USE": "casino", "DCLASS": None, "DENS": 100.0, "COVER": 50.0},
            {"ZID": "Z4", "CODE": "C2", "USE": "تجاری", "DCLASS": None, "DENS": 200.0, "COVER": 140.0},
        ],
    )
    version, report = zones_import(path=path, mapping_path=files / "mapping.yaml", rules_path=files / "rules.yaml")
    zones = {z.source_id: z for z in PlanZone.objects.filter(version=version)}
    assert zones["Z1"].land_use == "residential" and zones["Z1"].density_class == "medium"
    assert zones["Z1"].density_pct == Decimal("180.00") and zones["Z1"].max_floors == 3
    rejected = dict(report.rejected)
    assert rejected["Z2"] == "rule figures missing in the zone and in the plan's table"  # no class, no floors
    assert rejected["Z3"] == "unknown land use: casino"
    assert set(zones) == {"Z1"} and "Z4" in rejected
    assert PlanParameters.objects.get(version=version).plan_name == "test plan"
    assert DensityRule.objects.filter(version=version, density_class="medium").exists()


def test_a_zones_file_with_nothing_usable_is_refused(city, files):
    path = zones_file(files, [{"ZID": "Z3", "CODE": "X9", "USE": "casino", "DCLASS": None, "DENS": 1.0, "COVER": 1.0}])
    with pytest.raises(ImportRefused, match="no feature could be imported") as err:
        zones_import(path=path, mapping_path=files / "mapping.yaml", rules_path=files / "rules.yaml")
    assert err.value.report.rejected_count == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("area_base: gross", "area_base must be one of"),
        ("density_classes: {huge: {}}", "Unknown density class huge"),
        ("density_classes: {low: {density_pct: 120}}", "must give exactly"),
        (
            "density_classes: {low: {density_pct: 120, coverage_pct: 160, max_floors: 2, max_height_m: 8, "
            "min_plot_area_m2: 200, min_frontage_m: 8}}",
            "coverage_pct must be at most 100",
        ),
        ("northern_band: {depth_pct: many}", "must be a number"),
        ("northern_band: {depth_pct: 160}", "between 0 and 100"),
        (
            "density_classes: {low: {density_pct: 120, coverage_pct: 60, max_floors: 61, max_height_m: 8, "
            "min_plot_area_m2: 200, min_frontage_m: 8}}",
            "at most 60 floors",
        ),
        ("parking: [25]", "parking must be a mapping"),
        ("parking: {space_m2: 0}", "between 1 and 100"),
        ("parking: {floor_area_per_space_m2: {parking_lot: 50}}", "Unknown land use in parking"),
        ("parking: {floor_area_per_space_m2: {residential: -5}}", "between 1 and 10000"),
        ("parking: {floor_area_per_space_m2: {residential: many}}", "must be a number"),
        ("parking: {floor_area_per_space_m2: {}}", "must map land uses"),
    ],
)
def test_bad_plan_rules_files(tmp_path, text, message):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(PlanRulesError, match=message):
        plan_rules_load(path)


def test_streets_with_widths_hierarchy_and_vehicular_flag(city, files):
    line = LineString([(528_700, 4_147_300), (528_900, 4_147_300)])
    frame = gpd.GeoDataFrame(
        {
            "SID": ["S1", "S2", "S3", "S4"],
            "NAME": ["خیابان يك", "کوچه", "x", "y"],
            "RANK": ["1", "3", "9", "3"],
            "W": [20.0, 6.0, 8.0, -1.0],
            "W_PLAN": [30.0, 8.0, 8.0, 8.0],
            "CARS": ["1", "0", "1", "1"],
        },
        geometry=[line, line.parallel_offset(20), line.parallel_offset(40), line.parallel_offset(60)],
        crs="EPSG:32640",
    )
    path = files / "streets.gpkg"
    frame.to_file(path, engine="pyogrio")
    version, report = streets_import(path=path, mapping_path=files / "mapping.yaml")
    streets = {s.source_id: s for s in Street.objects.filter(version=version)}
    assert set(streets) == {"S1", "S2"}
    assert streets["S1"].hierarchy == "arterial_1" and streets["S1"].to_be_widened
    assert streets["S1"].name == "خیابان یک"  # Arabic yeh and kaf stored as Persian
    assert streets["S2"].vehicular is False
    rejected = dict(report.rejected)
    assert rejected["S3"] == "unknown street hierarchy: 9"
    assert rejected["S4"] == "street width missing or not 0-200 m"


def test_parking_parameters_come_with_the_plan(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("parking: {space_m2: 20, floor_area_per_space_m2: {residential: 80, commercial: 40}}")
    rules = plan_rules_load(path)
    assert rules.parking_space_m2 == 20
    assert rules.parking_area_per_space == {"residential": 80, "commercial": 40}
    path.write_text("parking_space_m2: 22")  # the older key still reads; the table defaults to DOMAIN.md's
    rules = plan_rules_load(path)
    assert (rules.parking_space_m2, rules.parking_area_per_space) == (22, {"residential": 100})
