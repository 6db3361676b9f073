"""The as-built comparison's rules (permits.asbuilt), pure: the building as built against its permit in
several shapes, without the database."""

from __future__ import annotations

import dataclasses

import pytest

from permits.asbuilt import (
    Built,
    Permitted,
    compare,
    comparison_dump,
    comparison_load,
    differences,
    with_cases,
)

# the permit of the survey tests' plot: 3 floors of 130 m² (390 m²), 3.2 m a storey, 4 parking spaces
PERMIT = Permitted(
    tracking_code="BJ-TEST",
    use="residential",
    floors=3,
    floor_area_m2=390.0,
    footprint_m2=130.0,
    height_m=10.5,
    parking_spaces=4,
)
# built exactly as permitted
AS_PERMITTED = Built(
    survey_id=1,
    floors=3,
    footprint_m2=130.0,
    floor_area_m2=390.0,
    height_m=10.4,
    outside_footprint_m2=0.0,
    beyond_line_m2=0.0,
    parking_spaces=None,
    parking_required=4,
)


def built(**changes) -> Built:
    return dataclasses.replace(AS_PERMITTED, **changes)


def kinds(ds) -> list[str]:
    return [d.kind for d in ds]


def test_a_building_as_permitted_has_no_difference():
    assert differences(PERMIT, AS_PERMITTED, in_progress=False) == ()
    assert differences(PERMIT, AS_PERMITTED, in_progress=True) == ()


def test_one_extra_floor_is_extra_floor_area_under_note_2():
    (d,) = differences(PERMIT, built(floors=4, floor_area_m2=520.0, height_m=13.6), in_progress=False)
    assert (d.kind, d.permitted, d.built) == ("floors", 3.0, 4.0)
    assert d.excess_area_m2 == 130.0  # one floor of the built footprint
    assert (d.note, d.violation_kind) == (2, "extra_area_residential")


def test_an_extra_floor_of_a_commercial_building_goes_to_note_3():
    shop = dataclasses.replace(PERMIT, use="commercial")
    (d,) = differences(shop, built(floors=5, floor_area_m2=650.0, height_m=17.0), in_progress=False)
    assert (d.kind, d.note, d.violation_kind, d.excess_area_m2) == ("floors", 3, "extra_area_commercial", 260.0)


def test_a_footprint_beyond_the_permitted_one_counts_on_every_floor():
    b = built(footprint_m2=150.0, floor_area_m2=450.0, outside_footprint_m2=20.0)
    (d,) = differences(PERMIT, b, in_progress=False)
    assert (d.kind, d.permitted, d.built) == ("footprint", 130.0, 150.0)
    assert d.excess_area_m2 == 60.0  # 20 m² outside × 3 floors
    assert d.note == 2 and d.geometry == "outside_footprint"


def test_built_past_the_realigned_line_is_note_6_on_its_ground_area():
    b = built(beyond_line_m2=12.0, footprint_m2=142.0, floor_area_m2=426.0)
    ds = differences(PERMIT, b, in_progress=False)
    assert kinds(ds) == ["realigned_line"]
    assert (ds[0].note, ds[0].violation_kind, ds[0].excess_area_m2) == (6, "street_encroachment", 12.0)
    assert ds[0].geometry == "beyond_line"


def test_a_sliver_within_the_survey_accuracy_is_no_difference():
    b = built(beyond_line_m2=0.6, outside_footprint_m2=0.9, floor_area_m2=392.0, height_m=10.7)
    assert differences(PERMIT, b, in_progress=False) == ()


def test_taller_than_permitted_within_the_permitted_floors_is_note_1():
    (d,) = differences(PERMIT, built(height_m=12.0), in_progress=False)
    assert (d.kind, d.permitted, d.built, d.note) == ("height", 10.5, 12.0, 1)
    assert d.excess_area_m2 == 130.0


def test_taller_because_of_an_extra_floor_is_only_the_floors_difference():
    assert kinds(differences(PERMIT, built(floors=4, floor_area_m2=520.0, height_m=14.0), in_progress=False)) == [
        "floors"
    ]


def test_a_height_not_measured_is_not_compared():
    assert differences(PERMIT, built(height_m=None), in_progress=False) == ()
    assert differences(dataclasses.replace(PERMIT, height_m=None), built(height_m=30.0), in_progress=False) == ()


def test_fewer_floors_for_a_no_violation_certificate_is_no_difference():
    in_progress = built(floors=2, floor_area_m2=260.0, height_m=7.0, parking_required=3, parking_spaces=0)
    assert differences(PERMIT, in_progress, in_progress=True) == ()
    # ... and more floors than permitted is one, even in progress
    assert kinds(differences(PERMIT, built(floors=4, floor_area_m2=520.0), in_progress=True)) == ["floors"]


def test_floor_area_beyond_what_footprint_and_floors_explain_is_its_own_difference():
    (d,) = differences(PERMIT, built(floor_area_m2=430.0), in_progress=False)  # a mezzanine of 40 m²
    assert (d.kind, d.excess_area_m2, d.note) == ("floor_area", 40.0, 2)
    # an extra floor is not counted twice
    assert kinds(differences(PERMIT, built(floors=4, floor_area_m2=520.0), in_progress=False)) == ["floors"]


def test_missing_parking_is_note_5_counted_in_spaces():
    (d,) = differences(PERMIT, built(parking_spaces=2), in_progress=False)
    assert (d.kind, d.parking_spaces, d.excess_area_m2, d.note) == ("parking", 2, 50.0, 5)
    # spaces not marked by the surveyor: parking is not decided from the floor area
    assert differences(PERMIT, built(parking_spaces=None, parking_required=6), in_progress=False) == ()
    # a building bigger than permitted needs more spaces than the permit's
    (more,) = [
        d
        for d in differences(PERMIT, built(parking_spaces=4, parking_required=6), in_progress=False)
        if d.kind == "parking"
    ]
    assert more.parking_spaces == 2


def test_several_differences_at_once_come_in_a_fixed_order():
    b = built(floors=4, floor_area_m2=580.0, footprint_m2=145.0, outside_footprint_m2=10.0, beyond_line_m2=5.0)
    assert kinds(differences(PERMIT, b, in_progress=False)) == ["realigned_line", "footprint", "floors"]


def test_the_record_survives_storage_with_its_cases():
    c = compare(PERMIT, built(floors=4, floor_area_m2=520.0), in_progress=False)
    stored = comparison_load(comparison_dump(with_cases(c, [17])))
    assert stored.differences[0].violation_id == 17
    assert stored.permitted == PERMIT and stored.built == c.built
    with pytest.raises(ValueError):
        comparison_load({**comparison_dump(c), "schema": 99})
    with pytest.raises(ValueError):
        with_cases(c, [])
