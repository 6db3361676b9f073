"""The as-built comparison on real PostGIS: the building the surveyor measured against the issued permit,
each difference a violation case on the file, the certificate guards, and the file page that shows it."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from permits.asbuilt_selectors import latest_comparison
from permits.certificates import asbuilt_compare
from permits.errors import GuardsFailed, TransitionNotAllowed, WorkflowError
from permits.guards import GUARDS
from permits.models import PermitRequest, RequestStatus
from tests.permits.asbuilt_case import at_comparison
from tests.permits.conftest import advance, citizen, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import box, plot  # noqa: F401 - fixtures
from violations.models import Violation

pytestmark = pytest.mark.django_db


def test_one_extra_floor_opens_one_case_and_blocks_the_certificate(plot, staff, citizen):  # noqa: F811
    req = at_comparison(plot, staff, citizen, floors=4)
    officer = staff[Role.VIOLATIONS_OFFICER]
    assert GUARDS["asbuilt_compared"](req)
    comparison = asbuilt_compare(request_id=req.pk, actor=officer)
    (d,) = comparison.record.differences
    assert (d.kind, d.permitted, d.built, d.note) == ("floors", 3.0, 4.0, 2)
    assert d.excess_area_m2 == pytest.approx(112.0, abs=0.5)
    case = Violation.objects.get(pk=d.violation_id)
    assert (case.kind, case.status, case.file_id) == ("extra_area_residential", "open", req.file_id)
    assert case.area_m2 == pytest.approx(112.0, abs=0.5)
    # run again on the same survey: the same comparison, no second case
    assert asbuilt_compare(request_id=req.pk, actor=officer).pk == comparison.pk
    assert Violation.objects.filter(file=req.file).count() == 1
    req = PermitRequest.objects.get(pk=req.pk)
    assert GUARDS["asbuilt_compared"](req) is None
    assert "طبقات مازاد بر پروانه" in GUARDS["asbuilt_no_open_difference"](req)


def test_a_building_as_permitted_has_no_difference(plot, staff, citizen):  # noqa: F811
    req = at_comparison(plot, staff, citizen, roof_m=10.4)
    comparison = asbuilt_compare(request_id=req.pk, actor=staff[Role.VIOLATIONS_OFFICER])
    assert comparison.record.differences == ()
    assert comparison.record.built.height_m == pytest.approx(10.4)
    assert GUARDS["asbuilt_no_open_difference"](req) is None


def test_built_past_the_realigned_line_and_outside_the_footprint(plot, staff, citizen):  # noqa: F811
    # the building reaches y = 4 (2 m past the realigned line at y = 6) and is 1 m wider to the east
    req = at_comparison(plot, staff, citizen, building=box(1, 4, 10, 28))
    comparison = asbuilt_compare(request_id=req.pk, actor=staff[Role.VIOLATIONS_OFFICER])
    found = {d.kind: d for d in comparison.record.differences}
    assert set(found) >= {"realigned_line", "footprint"}
    assert found["realigned_line"].excess_area_m2 == pytest.approx(9 * 2, abs=0.1)  # x 1..10, y 4..6
    assert found["realigned_line"].note == 6
    # outside the footprint behind the line: y 6..14 × x 1..10 plus the 1 m strip east (y 14..28)
    assert comparison.record.built.outside_footprint_m2 == pytest.approx(9 * 8 + 14, abs=0.1)
    street = Violation.objects.get(pk=found["realigned_line"].violation_id)
    assert street.kind == "street_encroachment" and street.geom.area == pytest.approx(18, abs=0.1)


def test_taller_than_permitted(plot, staff, citizen):  # noqa: F811
    req = at_comparison(plot, staff, citizen, roof_m=12.2)
    comparison = asbuilt_compare(request_id=req.pk, actor=staff[Role.VIOLATIONS_OFFICER])
    assert [(d.kind, d.note) for d in comparison.record.differences] == [("height", 1)]


def test_a_no_violation_certificate_of_a_building_in_progress(plot, staff, citizen):  # noqa: F811
    req = at_comparison(plot, staff, citizen, "no_violation", floors=2)
    comparison = asbuilt_compare(request_id=req.pk, actor=staff[Role.VIOLATIONS_OFFICER])
    assert comparison.record.in_progress and comparison.record.differences == ()


def test_only_the_violations_officer_at_the_comparison_stage_compares(plot, staff, citizen):  # noqa: F811
    req = at_comparison(plot, staff, citizen, floors=4)
    for role in (Role.PERMIT_OFFICER, Role.INSPECTOR, Role.CITIZEN):
        with pytest.raises(TransitionNotAllowed):
            asbuilt_compare(request_id=req.pk, actor=staff[role])
    with pytest.raises(TransitionNotAllowed):
        asbuilt_compare(request_id=req.pk, actor=citizen)
    permit = PermitRequest.objects.get(file=req.file, kind="building_new")
    with pytest.raises(WorkflowError):
        asbuilt_compare(request_id=permit.pk, actor=staff[Role.VIOLATIONS_OFFICER])
    assert latest_comparison(request=req) is None
    # the file cannot leave the comparison stage uncompared
    with pytest.raises(GuardsFailed) as failed:
        advance(req, staff[Role.VIOLATIONS_OFFICER])
    assert any("هنوز با پروانهٔ صادرشده مقایسه نشده" in f for f in failed.value.failures)
    assert PermitRequest.objects.get(pk=req.pk).status == RequestStatus.IN_REVIEW
