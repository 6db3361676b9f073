"""The verdict on a parcel, pure: buildable or not and why, and what set each maximum below the zone's."""

import dataclasses

from shapely.geometry import box

from tests.zoning.compliance.plan import R121, USES
from tests.zoning.compliance.test_envelope import PARAMS, facts_for, street
from zoning.compliance.envelope import buildable_envelope
from zoning.compliance.records import Limit, ZoneShare
from zoning.compliance.runner import compliance_run
from zoning.compliance.verdict import Obstacle, verdict_of

NORTH_ROAD = box(-20, 25, 40, 35)  # a street along the plot's northern edge


def zone(rules, plot):
    return [ZoneShare(zone_id=1, rules=rules, area_m2=plot.area, share=1.0)]


def test_a_regular_plot_is_buildable_at_the_zones_figures():
    plot = box(0, 0, 10, 25)
    verdict = verdict_of(
        compliance_run(use_labels=USES, facts=facts_for(plot, [street(1, NORTH_ROAD, frontage=10)], deed=250.0))
    )
    assert verdict.buildable and verdict.hindrances == ()
    assert (verdict.floors.value, verdict.floor_area_m2.value, verdict.footprint_m2.value) == (3, 450.0, 150.0)
    assert not (verdict.floors.below_zone or verdict.floor_area_m2.below_zone or verdict.footprint_m2.below_zone)


def test_a_plot_below_the_minimum_is_not_buildable_and_says_by_how_much():
    plot = box(0, 0, 6, 20)  # 120 m², 6 m frontage: below 200 m² and 8.5 m
    verdict = verdict_of(
        compliance_run(use_labels=USES, facts=facts_for(plot, [street(1, NORTH_ROAD, frontage=6)], deed=120.0))
    )
    assert not verdict.buildable and verdict.below_minimum_plot
    assert [(h.obstacle, h.measured, h.required) for h in verdict.hindrances] == [
        (Obstacle.MIN_PLOT_AREA, 120.0, 200),
        (Obstacle.MIN_FRONTAGE, 6.0, 8.5),
    ]


def test_outside_the_plan_and_without_access():
    plot = box(0, 0, 20, 20)
    verdict = verdict_of(compliance_run(use_labels=USES, facts=facts_for(plot, [], zones=[])))
    assert not verdict.buildable and [h.obstacle for h in verdict.hindrances] == [Obstacle.OUTSIDE_PLAN]
    no_access = verdict_of(compliance_run(use_labels=USES, facts=facts_for(plot, [], deed=400.0)))
    assert [h.obstacle for h in no_access.hindrances] == [Obstacle.NO_STREET_ACCESS]
    assert not no_access.below_minimum_plot


def test_floors_below_the_zones_because_density_over_coverage_gives_fewer():
    commercial = dataclasses.replace(R121, density_pct=180, coverage_pct=70, max_floors=3)  # 2.57 -> 2 floors
    plot = box(0, 0, 20, 40)
    env = buildable_envelope(net=plot, zone=commercial, params=PARAMS, base_area_m2=800)
    assert env.max_floors == 2 and env.floors_limit == Limit.FLOOR_AREA
    assert env.max_footprint_m2 == 520.0  # the 26 m band is smaller than 70 % of 800 m²
    assert env.max_floor_area_m2 == 1040.0 and env.zone_floor_area_m2 == 1440.0
    assert env.floor_area_limit == Limit.WHOLE_FLOORS
    verdict = verdict_of(
        compliance_run(use_labels=USES, facts=facts_for(plot, [street(1, NORTH_ROAD)], zones=zone(commercial, plot)))
    )
    assert verdict.floors.below_zone and verdict.floors.zone_value == 3


def test_a_shallow_band_caps_the_footprint_and_the_zones_floors_cap_the_floor_area():
    plot = box(0, 0, 10, 25)
    narrow = dataclasses.replace(PARAMS, northern_band_depth_pct=20)  # a 7 m deep band: 70 m² < 150 m²
    env = buildable_envelope(net=plot, zone=R121, params=narrow, base_area_m2=250)
    assert env.footprint_limit == Limit.ENVELOPE and env.zone_footprint_m2 == 150.0
    assert env.floors_limit == Limit.ZONE and env.floor_area_limit == Limit.FLOORS
