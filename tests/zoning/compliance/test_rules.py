"""The plan's rules as pure functions: DOMAIN.md's worked examples and every limit's boundary."""

import pytest
from shapely import MultiPolygon
from shapely.geometry import box

from tests.zoning.compliance.plan import R121, USES
from zoning.compliance.records import PlanParams, Status, ZoneRules
from zoning.compliance.rules import (
    chamfer_size_m,
    coverage_rule,
    density_rule,
    floors_rule,
    footprint_inside_rule,
    land_use_rule,
    max_floor_area_m2,
    max_footprint_m2,
    minimum_plot_rule,
    northern_band,
    northern_band_rule,
    not_applicable,
    setback_depth_m,
    setback_rule,
    street_access_rule,
)

PARAMS = PlanParams()


def test_domain_example_250_m2_plot():
    # plot 250 m², coverage 60 %, density 180 % -> footprint <= 150 m², floor area <= 450 m², 3 floors
    assert max_footprint_m2(plot_area_m2=250, zone=R121) == 150
    assert max_floor_area_m2(plot_area_m2=250, zone=R121) == 450
    assert int(R121.density_pct // R121.coverage_pct) == R121.max_floors == 3


@pytest.mark.parametrize(
    ("floor_area", "status"), [(450.0, Status.PASSED), (450.01, Status.FAILED), (0, Status.PASSED)]
)
def test_density_at_and_over_the_limit(floor_area, status):
    result = density_rule(plot_area_m2=250, floor_area_m2=floor_area, zone=R121)
    assert result.status == status
    assert result.required == 450 and result.unit == "m²" and result.plan_version == 7
    assert result.explanation_fa and result.explanation_en


@pytest.mark.parametrize(("footprint", "status"), [(150.0, Status.PASSED), (150.01, Status.FAILED)])
def test_coverage_at_and_over_the_limit(footprint, status):
    assert coverage_rule(plot_area_m2=250, footprint_m2=footprint, zone=R121).status == status


@pytest.mark.parametrize(
    ("floors", "height", "status"),
    [(3, None, Status.PASSED), (4, None, Status.FAILED), (3, 11.5, Status.PASSED), (3, 11.6, Status.FAILED)],
)
def test_floors_and_height(floors, height, status):
    assert floors_rule(floors=floors, height_m=height, zone=R121).status == status


@pytest.mark.parametrize(
    ("area", "frontage", "status"),
    [(200, 8.5, Status.PASSED), (199.99, 10, Status.FAILED), (250, 8.49, Status.FAILED), (200, None, Status.PASSED)],
)
def test_minimum_plot_and_frontage(area, frontage, status):
    assert minimum_plot_rule(plot_area_m2=area, frontage_m=frontage, zone=R121).status == status


@pytest.mark.parametrize(
    ("zone_use", "requested", "ok"),
    [
        ("residential", "residential", True),
        ("residential", "commercial", False),
        ("mixed", "commercial", True),
        ("mixed", "residential", True),
        ("park", "residential", False),
        ("education", "education", True),
    ],
)
def test_land_use(zone_use, requested, ok):
    zone = ZoneRules(**{**R121.__dict__, "land_use": zone_use})
    assert land_use_rule(zone=zone, requested_use=requested, use_labels=USES).passed is ok


def test_the_land_use_explanation_names_both_uses_by_the_labels_it_is_handed():
    result = land_use_rule(zone=R121, requested_use="commercial", use_labels=USES)
    assert result.measured == "commercial" and not result.passed  # the result itself keeps the codes
    assert result.explanation_en == (
        f"The requested use ({USES['commercial'].en}) does not fit zone R121 ({USES['residential'].en})."
    )
    assert (
        f"({USES['commercial'].fa})" in result.explanation_fa and f"({USES['residential'].fa})" in result.explanation_fa
    )
    assert "commercial" not in result.explanation_fa + result.explanation_en.replace(USES["commercial"].en, "")


def test_northern_band_of_a_10_by_25_plot_is_17_m_deep():
    plot = box(0, 0, 10, 25)
    band = northern_band(parcel=plot, params=PARAMS)
    assert band.bounds == (0, 8, 10, 25)  # 60 % of 25 m + 2 m = 17 m from the northern edge
    assert band.area == pytest.approx(170)


@pytest.mark.parametrize(("south_edge", "status"), [(8.0, Status.PASSED), (7.9, Status.FAILED), (8.005, Status.PASSED)])
def test_footprint_inside_the_band_or_not(south_edge, status):
    plot = box(0, 0, 10, 25)
    footprint = box(0, south_edge, 10, 25)
    result = northern_band_rule(parcel=plot, footprint=footprint, params=PARAMS, zone=R121)
    assert result.status == status
    assert result.required == 17


def test_band_is_configurable_and_never_deeper_than_the_plot():
    plot = box(0, 0, 10, 4)
    deep = PlanParams(northern_band_depth_pct=90, northern_band_offset_m=5)
    assert northern_band(parcel=plot, params=deep).area == pytest.approx(40)


@pytest.mark.parametrize(
    ("a", "b", "va", "vb", "size"),
    [
        (12, 8, True, True, 2.0),  # 1/10 of the sum
        (6, 4, True, True, 1.2),  # 1.0 -> at least 1.20 m
        (12, 16, True, True, 2.4),  # both >= 12 m: 2 x 1/10 of the narrower
        (11.99, 16, True, True, 2.8),  # just under: 1/10 of the sum
        (6, 4, False, False, 1.2),  # two lanes: 1 m, but at least 1.20 m
        (10, 4, True, False, 1.5),  # one non-vehicular: 1.5 m
    ],
)
def test_chamfer_sizes(a, b, va, vb, size):
    assert chamfer_size_m(width_a_m=a, width_b_m=b, vehicular_a=va, vehicular_b=vb, params=PARAMS) == size


@pytest.mark.parametrize(
    ("approved", "existing", "distance", "depth"),
    [
        (12, 8, 4, 2.0),  # widened from 8 to 12 m: frontage 4 m from the centreline moves 2 m back
        (12, 8, 6, 0.0),  # frontage already at the realigned line
        (12, 8, 7, 0.0),  # beyond it: nothing to give
        (10, 14, 7, 0.0),  # the existing street is wider than approved: kept
        (20, 12, 7.91, 2.09),  # Cambridge 22-117 on Winter St with 20 m approved
    ],
)
def test_setback_depth(approved, existing, distance, depth):
    assert (
        setback_depth_m(approved_width_m=approved, existing_width_m=existing, distance_to_centreline_m=distance)
        == depth
    )


def test_street_access_rule():
    assert street_access_rule(frontage_m=0.01, zone=R121).status == Status.PASSED
    assert street_access_rule(frontage_m=0.0, zone=R121).status == Status.FAILED
    failed = street_access_rule(frontage_m=None, zone=R121)
    assert failed.status == Status.FAILED and "no street access" in failed.explanation_en


def test_footprint_inside_rule_at_the_tolerance():
    net = box(0, 0, 10, 20)
    at_limit = box(0, 0, 10, 5).union(box(10, 0, 10.01, 1))  # exactly 0.01 m² outside
    just_over = box(0, 0, 10, 5).union(box(10, 0, 10.011, 1))
    assert footprint_inside_rule(net=net, footprint=at_limit, zone=R121).status == Status.PASSED
    result = footprint_inside_rule(net=net, footprint=just_over, zone=R121)
    assert result.status == Status.FAILED and result.unit == "m²"


def test_setback_rule_at_the_tolerance():
    strips = [box(0, 0, 10, 2)]
    assert setback_rule(footprint=box(0, 2, 10, 10), setback_strips=strips, zone=R121).status == Status.PASSED
    touching = box(0, 1.999, 0.01, 2).union(box(0, 2, 10, 10))  # 0.00001 m² on the strip: drawing noise
    assert setback_rule(footprint=touching, setback_strips=strips, zone=R121).status == Status.PASSED
    at_limit = box(0, 1.999, 10, 10)  # 10 m x 0.001 m = 0.01 m² on the strip
    assert setback_rule(footprint=at_limit, setback_strips=strips, zone=R121).status == Status.PASSED
    over = setback_rule(footprint=box(0, 1.5, 10, 10), setback_strips=strips, zone=R121)
    assert over.status == Status.FAILED and over.measured == 5.0
    assert setback_rule(footprint=box(0, 0, 10, 10), setback_strips=[], zone=R121).status == Status.PASSED


def test_northern_band_of_a_multipolygon_is_per_part():
    parcel = MultiPolygon([box(0, 0, 10, 25), box(20, 0, 30, 10)])
    band = northern_band(parcel=parcel, params=PARAMS)
    assert band.area == pytest.approx(10 * 17 + 10 * 8)
    footprint = box(20, 2, 30, 10)  # the southern part's own northern 8 m
    assert northern_band_rule(parcel=parcel, footprint=footprint, params=PARAMS, zone=R121).status == Status.PASSED


def test_not_applicable_carries_the_reason():
    result = not_applicable(code="density", fa="بدون پهنه", en="no zone", zone=R121)
    assert result.status == Status.NOT_APPLICABLE and not result.passed and result.plan_version == 7


@pytest.mark.parametrize(
    ("use", "floor_area", "spaces"),
    [
        ("residential", 100, 1),
        ("residential", 100.5, 2),
        ("residential", 400, 4),
        ("residential", 0, 0),
        ("commercial", 120, 3),
        ("park", 500, 0),  # a use the plan names no rate for needs none
    ],
)
def test_parking_spaces_from_the_plan(use, floor_area, spaces):
    from zoning.compliance.rules import parking_spaces_required

    params = PlanParams(parking_area_per_space=(("commercial", 50.0), ("residential", 100.0)))
    assert parking_spaces_required(use=use, floor_area_m2=floor_area, params=params) == spaces
