"""Chamfers, net parcel, envelope and the runner as pure functions over hand-drawn geometry."""

import dataclasses

import pytest
from shapely import MultiPolygon, Polygon
from shapely.geometry import box

from tests.zoning.compliance.plan import R121, USES
from zoning.compliance.envelope import (
    buildable_envelope,
    net_parcel,
    parcel_chamfers,
    parcel_facts_build,
    polygon_parts,
)
from zoning.compliance.records import PlanParams, Proposal, Status, StreetFacts, ZoneShare
from zoning.compliance.runner import compliance_run

PARAMS = PlanParams(from_plan=True)


def street(sid, road, *, w0=10.0, w1=10.0, vehicular=True, strip=None, frontage=20.0):
    return StreetFacts(
        street_id=sid,
        name=f"street {sid}",
        hierarchy="local",
        existing_width_m=w0,
        approved_width_m=w1,
        vehicular=vehicular,
        distance_m=w0 / 2,
        setback_depth_m=0.0,
        setback_strip=strip,
        setback_area_m2=strip.area if strip is not None else 0.0,
        frontage_m=frontage,
        realigned_line=None,
        road=road,
    )


# Two 10 m streets crossing at the origin (A east-west, B north-south) and a 20 m x 20 m plot on
# the north-east corner of the crossing: its corner (5, 5) is where the street edges meet.
CORNER_PLOT = box(5, 5, 25, 25)
ROAD_A = box(-40, -5, 50, 5)
ROAD_B = box(-5, -40, 5, 50)


def test_corner_chamfer_two_vehicular_streets():
    # DOMAIN.md: two vehicular streets -> 1/10 of the sum of widths = 2 m; legs of 2 m -> 2 m².
    chamfers = parcel_chamfers(parcel=CORNER_PLOT, streets=[street(1, ROAD_A), street(2, ROAD_B)], params=PARAMS)
    (chamfer,) = chamfers
    assert chamfer.size_m == 2.0
    assert chamfer.area_m2 == pytest.approx(2.0)
    assert chamfer.triangle.normalize().equals(Polygon([(5, 5), (7, 5), (5, 7)]).normalize())


@pytest.mark.parametrize(
    ("widths", "vehicular", "size"),
    [
        ((12, 16), (True, True), 2.4),  # both >= 12 m: 2 x (1/10 of the narrower)
        ((6, 6), (True, True), 1.2),  # 1/10 of the sum is 1.2: the minimum itself
        ((4, 4), (False, False), 1.2),  # both non-vehicular: 1 m, raised to the 1.2 m minimum
        ((10, 4), (True, False), 1.5),  # one non-vehicular: 1.5 m
    ],
)
def test_chamfer_size_follows_the_streets(widths, vehicular, size):
    (wa, wb), (va, vb) = widths, vehicular
    road_a, road_b = box(-40, -wa / 2, 50, wa / 2), box(-wb / 2, -40, wb / 2, 50)
    plot = box(wb / 2, wa / 2, wb / 2 + 20, wa / 2 + 20)
    (chamfer,) = parcel_chamfers(
        parcel=plot,
        streets=[street(1, road_a, w0=wa, w1=wa, vehicular=va), street(2, road_b, w0=wb, w1=wb, vehicular=vb)],
        params=PARAMS,
    )
    assert chamfer.size_m == size
    assert chamfer.area_m2 == pytest.approx(size * size / 2)


def test_no_chamfer_for_a_plot_in_the_middle_of_the_block():
    plot = box(30, 5, 40, 25)  # on street A only, 25 m from the crossing
    assert parcel_chamfers(parcel=plot, streets=[street(1, ROAD_A), street(2, ROAD_B)], params=PARAMS) == []


def test_net_parcel_and_envelope_of_the_corner_plot():
    streets = [street(1, ROAD_A), street(2, ROAD_B)]
    chamfers = parcel_chamfers(parcel=CORNER_PLOT, streets=streets, params=PARAMS)
    net = net_parcel(parcel=CORNER_PLOT, streets=streets, chamfers=chamfers)
    assert net.area == pytest.approx(398.0)
    env = buildable_envelope(net=net, zone=R121, params=PARAMS, base_area_m2=400)
    # depth 20 m -> band 0.6 x 20 + 2 = 14 m from the northern edge: 20 m x 14 m, clear of the chamfer
    assert env.band_depth_m == 14.0
    assert env.area_m2 == pytest.approx(280.0)
    assert env.max_footprint_m2 == 240.0  # coverage 60 % of 400 m² caps the 280 m² band
    assert env.max_floor_area_m2 == 720.0 and env.max_floors == 3


def test_envelope_smaller_than_coverage_caps_the_footprint_and_floors_follow_density():
    plot = box(0, 0, 10, 25)
    env = buildable_envelope(net=plot, zone=R121, params=PARAMS, base_area_m2=250)
    assert env.area_m2 == pytest.approx(170.0)  # DOMAIN.md: 10 m x 25 m -> depth <= 17 m
    assert env.max_footprint_m2 == 150.0 and env.max_floor_area_m2 == 450.0 and env.max_floors == 3
    narrow = buildable_envelope(
        net=plot, zone=R121, params=dataclasses.replace(PARAMS, northern_band_depth_pct=20), base_area_m2=250
    )
    assert narrow.area_m2 == pytest.approx(70.0)  # 20 % of 25 m + 2 m = 7 m deep
    assert narrow.max_footprint_m2 == 70.0
    assert narrow.max_floors == 3 and narrow.max_floor_area_m2 == 210.0  # the 3 floors cap, not density


def test_multipart_envelope_is_computed_per_part():
    parts = MultiPolygon([box(0, 0, 10, 25), box(20, 0, 30, 10)])
    env = buildable_envelope(net=parts, zone=R121, params=PARAMS, base_area_m2=350)
    # each part's own band: 10 x 17 and 10 x 8
    assert env.area_m2 == pytest.approx(170 + 80)
    assert len(polygon_parts(env.geom)) == 2


def facts_for(plot, streets, *, zones=None, deed=None, params=PARAMS):
    zones = zones if zones is not None else [ZoneShare(zone_id=1, rules=R121, area_m2=plot.area, share=1.0)]
    return parcel_facts_build(
        parcel_id=1,
        parcel_version_id=3,
        zones_version_id=7,
        streets_version_id=8,
        file_code="40N-0000-00000-001-0",
        renovation_code="",
        registry_plate="",
        geom=plot,
        deed_area_m2=deed,
        zones=zones,
        streets=streets,
        params=params,
    )


def test_runner_default_request_passes_on_a_regular_plot():
    report = compliance_run(
        use_labels=USES, facts=facts_for(CORNER_PLOT, [street(1, ROAD_A), street(2, ROAD_B)], deed=400.0)
    )
    assert report.passed
    assert [r.code for r in report.results] == [
        "land_use",
        "density",
        "coverage",
        "floors",
        "minimum_plot",
        "street_access",
        "northern_band",
        "footprint_inside",
        "setback",
    ]
    assert {r.plan_version for r in report.results} == {7}
    assert report.proposal.floor_area_m2 == 720.0
    assert report.notes == ()


def test_runner_checks_a_proposal_and_reports_each_failure():
    facts = facts_for(CORNER_PLOT, [street(1, ROAD_A), street(2, ROAD_B)])
    footprint = box(5, 5, 25, 20)  # reaches into the chamfer and 20 m south of the northern edge
    proposal = Proposal(use="industrial", floors=4, floor_area_m2=900, footprint_m2=footprint.area, footprint=footprint)
    report = compliance_run(use_labels=USES, facts=facts, proposal=proposal)
    failed = {r.code for r in report.results if r.status == Status.FAILED}
    assert failed == {"land_use", "density", "coverage", "floors", "northern_band", "footprint_inside"}
    assert report.result("footprint_inside").measured == 2.0  # the chamfer triangle
    changed = compliance_run(use_labels=USES, facts=facts, changes={"floors": 2, "floor_area_m2": 400})
    assert changed.passed and changed.proposal.floors == 2


def test_runner_outside_the_plan_and_without_access():
    report = compliance_run(use_labels=USES, facts=facts_for(box(0, 0, 20, 20), [], zones=[]))
    statuses = {r.code: r.status for r in report.results}
    assert statuses["street_access"] == Status.FAILED
    assert statuses["land_use"] == statuses["density"] == Status.NOT_APPLICABLE
    assert {n.code for n in report.notes} == {"outside_plan", "no_street_access", "no_deed_area"}
    assert not report.passed


def test_runner_notes_straddling_deed_mismatch_and_default_parameters():
    c111 = dataclasses.replace(R121, plan_code="C111", land_use="commercial")
    zones = [
        ZoneShare(zone_id=1, rules=R121, area_m2=280, share=0.7),
        ZoneShare(zone_id=2, rules=c111, area_m2=120, share=0.3),
    ]
    facts = facts_for(CORNER_PLOT, [street(1, ROAD_A)], zones=zones, deed=450.0, params=PlanParams())
    report = compliance_run(use_labels=USES, facts=facts)
    codes = {n.code for n in report.notes}
    assert codes == {"straddles_zones", "deed_area_mismatch", "default_parameters"}
    assert report.zone.plan_code == "R121"
    straddle = next(n for n in report.notes if n.code == "straddles_zones")
    assert "R121 70" in straddle.en and "C111 30" in straddle.en
    assert report.envelope.base_area_m2 == 450.0  # the deed area is the plan's base


def test_runner_net_area_base_and_wider_street_note():
    strip = box(5, 5, 25, 7)
    widened = street(1, ROAD_A, w0=10, w1=14, strip=strip)
    wider = street(2, ROAD_B, w0=16, w1=12)
    facts = facts_for(CORNER_PLOT, [widened, wider], params=dataclasses.replace(PARAMS, area_base="net"))
    report = compliance_run(use_labels=USES, facts=facts)
    assert report.envelope.base_area_m2 == pytest.approx(facts.net_area_m2, abs=0.01)
    assert facts.net_area_m2 < 400 - 40 + 0.01
    assert "street_wider_than_approved" in {n.code for n in report.notes}
    on_strip = Proposal(use="residential", floors=1, floor_area_m2=100, footprint_m2=100, footprint=box(10, 5, 20, 15))
    result = compliance_run(use_labels=USES, facts=facts, proposal=on_strip).result("setback")
    assert result.status == Status.FAILED and result.measured == 20.0
