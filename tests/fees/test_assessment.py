"""The assessment of a file on the hand-computed plot (tests/surveys/conftest.py: 10 m x 25 m, deed 240 m²,
zone R121 residential 180 %, an 8 m street to be widened to 12 m), with the example books loaded and
value zones drawn here; amounts checked to the rial.

The shipped books are for 1403-1405; these tests run in 1405 (Asia/Tehran)."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.roles import Role
from fees.assessment import (
    AssessmentError,
    assessment_current,
    assessment_is_stale,
    assessment_make,
    excess_by_floor,
    renovation_dues_lines,
)
from fees.billing import bill_create
from fees.books import jalali_year_of
from fees.models import Assessment, AssessmentStatus, BillStatus, BookStatus, TariffBook
from fees.valuation import NoValueZone, parcel_valuation, value_zone_rows
from gis_app.audit import audit_trail
from parcels.models import ExistingBuilding, ValueZone
from permits.models import PermitRequest
from tests.permits.conftest import citizen, draft, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import SRID, _live, box, plot  # noqa: F401 - fixtures

P = 5_000_000  # land unit price of zone V1 (IRR/m²)
B = 12_000_000  # building unit price


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Persian ones are checked under translation.override("fa")."""
    with translation.override("en"):
        yield


def _multi(poly) -> MultiPolygon:
    return MultiPolygon(GEOSGeometry(poly.wkt, srid=SRID), srid=SRID)


@pytest.fixture
def books(db):
    call_command("tariff_load", verbosity=0)
    assert jalali_year_of(timezone.now()) == 1405, "the example books are for 1403-1405"


def value_zones(*zones):
    version = _live("value_zones")
    for code, poly, land, building in zones:
        ValueZone.objects.create(
            version=version,
            geom=_multi(poly),
            code=code,
            name=f"پهنه {code}",
            land_unit_price_irr=land,
            building_unit_price_irr=building,
            valuation_year=1405,
        )
    return version


@pytest.fixture
def one_zone(plot):  # noqa: F811 - the fixture
    return value_zones(("V1", box(-200, -200, 200, 200), P, B))


@pytest.fixture
def revenue_officer(staff):  # noqa: F811 - the fixture
    return staff[Role.REVENUE_OFFICER]


@pytest.fixture
def req(plot, citizen, books, one_zone):  # noqa: F811 - the fixtures
    return draft(plot, citizen)  # residential, 3 floors, 400 m², footprint 130 m²


def amounts(assessment: Assessment) -> dict[str, int]:
    return {line.code: line.amount_irr for line in assessment.record.lines}


def set_proposal(req, **fields) -> PermitRequest:
    PermitRequest.objects.filter(pk=req.pk).update(**fields)
    return PermitRequest.objects.get(pk=req.pk)


# --- revenue stage (permit fees) --------------------------------------------------------------------


def test_revenue_permit_dues_by_band_with_the_plans_parking(req, revenue_officer):
    # 400 m² residential needs 4 spaces (100 m² each): base 400 - 4 × 20 = 320 m², band 300-400: 65 %
    a = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    assert amounts(a) == {"permit_residential": P * 320 * 65 // 100, "permit_file_fee": 1_500_000}
    assert a.total_irr == 1_040_000_000 + 1_500_000
    assert a.book.year == 1405 and a.value_zone_code == "V1" and a.unit_price_irr == P
    assert a.status == AssessmentStatus.CURRENT and a.file_id == req.file_id and len(a.inputs_key) == 64
    line = a.record.lines[0]
    assert "۶۵٪ × ۳۲۰ م² × ۵٬۰۰۰٬۰۰۰ ریال" in line.formula_fa and "65 % × 320 m² × 5,000,000 IRR" in line.formula_en
    assert [e.action for e in audit_trail(req)][-1] == "assessment.made"


def test_excess_density_lies_on_the_top_floor(req, revenue_officer):
    # 240 m² deed × 180 % = 432 m² allowed; 540 m² on 3 floors of 180: 108 m² on floor 2 (coefficient 6)
    req = set_proposal(req, floor_area_m2=540)
    a = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    assert amounts(a)["excess_density"] == 6 * 108 * P == 3_240_000_000
    # 6 spaces required: 540 - 120 = 420 m², band 400-500: 90 %
    assert amounts(a)["permit_residential"] == P * 420 * 90 // 100
    assert excess_by_floor(floor_area_m2=540, floors=3, allowed_m2=432) == {2: 108}
    assert excess_by_floor(floor_area_m2=400, floors=3, allowed_m2=432) == {}
    assert excess_by_floor(floor_area_m2=600, floors=3, allowed_m2=300) == {1: 100, 2: 200}


def test_a_plan_taking_density_of_the_net_plot_measures_the_streets(req, revenue_officer):
    # the revenue stage reads the plan without the streets, except when density is of the net plot:
    # 250 m² drawn - the 2 m × 10 m setback strip = 230 m²; × 180 % = 414 m² allowed; 540 m² on 3 floors
    # of 180: 126 m² on floor 2 (the deed's 240 m² would allow 432)
    from gis_app.models import DatasetVersion
    from zoning.models import PlanParameters

    PlanParameters.objects.create(
        version=DatasetVersion.objects.get(kind="zones", is_active=True),
        plan_name="test",
        area_base="net",
        northern_band_depth_pct=60,
        northern_band_offset_m=2,
        chamfer_min_m=1.2,
        chamfer_width_sum_factor=0.1,
        chamfer_wide_street_m=12,
        chamfer_wide_narrower_factor=0.2,
        chamfer_both_pedestrian_m=1,
        chamfer_one_pedestrian_m=1.5,
        parking_space_m2=25,
        parking_area_per_space={"residential": 100},
    )
    req = set_proposal(req, floor_area_m2=540)
    a = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    assert amounts(a)["excess_density"] == 6 * 126 * P


def test_parking_shortfall_and_change_of_use(req, revenue_officer):
    a = assessment_make(request=req, stage="revenue", actor=revenue_officer, parking_spaces_provided=2)
    assert amounts(a)["parking_shortfall"] == 2 * 150_000_000
    assert amounts(a)["permit_residential"] == P * 360 * 65 // 100  # 400 - 2 × 20
    req = set_proposal(req, use="commercial")
    b = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    assert amounts(b)["change_of_use"] == 3 * 240 * P
    change = next(line for line in b.record.lines if line.code == "change_of_use")
    assert "commercial" in change.note_en and "residential" in change.note_en


def test_fencing_request_pays_per_metre_of_wall(plot, citizen, books, one_zone, revenue_officer):  # noqa: F811
    from permits import services

    req = services.request_create(applicant=citizen, filed_by=citizen, parcel=plot, kind="fencing")
    a = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    assert amounts(a) == {"fencing": 70 * 2_000_000, "permit_file_fee": 1_500_000}  # perimeter 2 × (10 + 25)


def test_same_inputs_same_assessment_changed_inputs_supersede(req, revenue_officer):
    first = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    again = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    assert again.pk == first.pk and not assessment_is_stale(first)
    assert Assessment.objects.filter(request=req).count() == 1
    req = set_proposal(req, floor_area_m2=300)
    assert assessment_is_stale(first)
    second = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    first.refresh_from_db()
    assert first.status == AssessmentStatus.SUPERSEDED and second.supersedes_id == first.pk
    assert assessment_current(request=req, stage="revenue") == second and not assessment_is_stale(second)
    made = [e for e in audit_trail(req) if e.action == "assessment.made"]
    assert len(made) == 2 and made[-1].data["supersedes"] == first.pk


def test_a_new_value_zones_version_or_book_makes_it_stale(req, revenue_officer):
    a = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    value_zones(("V1", box(-200, -200, 200, 200), P + 1_000_000, B))
    assert assessment_is_stale(a)
    b = assessment_make(request=req, stage="revenue", actor=revenue_officer)
    assert b.unit_price_irr == P + 1_000_000 and b.supersedes_id == a.pk


def test_a_parcel_straddling_value_zones_takes_the_largest_share_and_says_so(plot, citizen, books):  # noqa: F811
    # the plot is x 0..10: 6 m in V1, 4 m in V2
    value_zones(("V1", box(-200, -200, 6, 200), P, B), ("V2", box(6, -200, 200, 200), 9_000_000, B))
    valuation = parcel_valuation(parcel=plot)
    assert valuation.zone_code == "V1" and valuation.land_unit_price_irr == P
    assert [(p.code, round(p.share, 3)) for p in valuation.parts] == [("V1", 0.6), ("V2", 0.4)]
    a = assessment_make(request=draft(plot, citizen), stage="revenue", actor=None)
    line = a.record.lines[0]
    assert line.note_en == (
        "The parcel straddles value zones (V1 60 %, V2 40 %); the price of V1, which holds the largest share, applies."
    )
    assert "V1 ۶۰٪، V2 ۴۰٪" in line.note_fa


def test_the_value_zone_lookup_is_one_statement(plot, one_zone):  # noqa: F811
    rows = value_zone_rows(parcel_id=plot.pk, parcel_version_id=plot.version_id)
    assert len(rows) == 1 and rows[0][1] == "V1" and round(rows[0][7], 2) == 250.0


@pytest.mark.parametrize("where", ["far away", "no live version"])
def test_a_parcel_outside_every_value_zone_is_refused_not_zero(plot, citizen, books, where):  # noqa: F811
    if where == "far away":
        value_zones(("V9", box(5000, 5000, 6000, 6000), P, B))
    else:
        from gis_app.models import DatasetVersion

        DatasetVersion.objects.filter(kind="value_zones").update(is_active=False)
    req = draft(plot, citizen)
    for stage in ("renovation", "executive", "revenue"):
        with pytest.raises(AssessmentError, match="no regional value zone"):
            assessment_make(request=req, stage=stage, actor=None)
    with pytest.raises(NoValueZone):
        parcel_valuation(parcel=plot)
    with translation.override("fa"), pytest.raises(AssessmentError) as err:
        assessment_make(request=req, stage="revenue", actor=None)
    assert "پهنهٔ ارزشی" in str(err.value)
    assert not Assessment.objects.filter(request=req).exists()


def test_a_year_without_an_approved_book_is_refused(req):
    TariffBook.objects.filter(year=1405).update(status=BookStatus.RETIRED)
    with pytest.raises(AssessmentError, match="No tariff book is approved for the year 1405"):
        assessment_make(request=req, stage="revenue", actor=None)
    with translation.override("fa"), pytest.raises(AssessmentError) as err:
        assessment_make(request=req, stage="revenue", actor=None)
    assert "۱۴۰۵" in str(err.value)


@pytest.mark.parametrize(
    "fields",
    [{"floor_area_m2": None}, {"floors": None}, {"use": ""}],
    ids=["no floor area", "no floors", "no use"],
)
def test_a_building_request_without_a_proposal_is_refused_at_revenue(req, fields):
    req = set_proposal(req, **fields)
    with pytest.raises(AssessmentError, match="has no proposal"):
        assessment_make(request=req, stage="revenue", actor=None)


@pytest.mark.parametrize("area", [float("nan"), float("inf"), float("-inf"), -5.0, 2_000_000.0])
def test_absurd_proposal_areas_are_refused(req, area):
    req = set_proposal(req, floor_area_m2=area)
    with pytest.raises(AssessmentError, match="not a possible area"):
        assessment_make(request=req, stage="revenue", actor=None)
    assert not Assessment.objects.filter(request=req).exists()


def test_an_unknown_stage_is_refused(req):
    with pytest.raises(AssessmentError):
        assessment_make(request=req, stage="issuance", actor=None)


# --- executive stage (paving share) ----------------------------------------------------------------


def test_paving_share_from_the_frontage_after_realignment(req):
    # the realigned line (12 m street) crosses the 10 m wide plot: 10 m × depth 6 m (to the centreline)
    a = assessment_make(request=req, stage="executive", actor=None)
    assert amounts(a) == {"paving_share": 10 * 6 * 1_500_000}
    assert a.record.lines[0].numbers["frontage_m"] == "10"


# --- renovation stage and dues without a file ---------------------------------------------------------


@pytest.fixture
def building(plot):  # noqa: F811 - the fixture
    version = _live("buildings")
    # 8 m × 10 m inside the plot, two floors: 160 m² of floor area
    return ExistingBuilding.objects.create(version=version, geom=_multi(box(1, 10, 9, 20)), floors=2)


def test_renovation_dues_with_arrears_discount_and_penalty(req, building):
    # a year: 0.005 × (240 m² × 5,000,000 + 160 m² × 12,000,000) = 15,600,000
    a = assessment_make(request=req, stage="renovation", actor=None)
    assert amounts(a) == {
        "renovation_dues:1403": 15_600_000,
        "renovation_late_penalty:1403": 15_600_000 * 2 * 12 // 100,
        "renovation_dues:1404": 15_600_000,
        "renovation_late_penalty:1404": 15_600_000 * 12 // 100,
        "renovation_dues:1405": 15_600_000,
        "renovation_early_discount:1405": -1_560_000,
    }
    assert a.total_irr == 50_856_000


def test_a_paid_year_is_not_owed_again(req, building):
    bill = bill_create(file=req.file, kind="renovation", amount_irr=15_600_000, dues_year=1404)
    type(bill).objects.filter(pk=bill.pk).update(status=BillStatus.PAID, paid_at=timezone.now())
    a = assessment_make(request=req, stage="renovation", actor=None)
    assert {line.numbers["year"] for line in a.record.lines} == {"1403", "1405"}


def test_paying_the_requests_own_renovation_bill_leaves_its_assessment_current(req, building):
    a = assessment_make(request=req, stage="renovation", actor=None)
    bill = bill_create(file=req.file, request=req, assessment=a, kind="renovation", amount_irr=50_856_000)
    type(bill).objects.filter(pk=bill.pk).update(status=BillStatus.PAID, paid_at=timezone.now(), dues_year=1405)
    assert not assessment_is_stale(a)
    assert assessment_make(request=req, stage="renovation", actor=None) == a


def test_renovation_dues_of_one_year_without_a_file(plot, books, one_zone, building):  # noqa: F811
    record = renovation_dues_lines(parcel=plot, year=1404)
    assert [line.amount_irr for line in record.lines] == [15_600_000, 1_872_000]
    assert record.total_irr == 17_472_000
    assert record.lines[0].formula_fa == "۰٫۰۰۵ × (۲۴۰ م² × ۵٬۰۰۰٬۰۰۰ ریال + ۱۶۰ م² × ۱۲٬۰۰۰٬۰۰۰ ریال)"


@pytest.mark.parametrize(("year", "message"), [(1402, "No tariff book"), (1406, "has not begun")])
def test_renovation_dues_of_a_year_without_a_book(plot, books, one_zone, year, message):  # noqa: F811
    with pytest.raises(AssessmentError, match=message):
        renovation_dues_lines(parcel=plot, year=year)


# --- concurrency ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_assessments_of_one_file_make_one(plot, citizen, books, one_zone):  # noqa: F811
    """8 threads assess one file at once, twice (the second time after the proposal changed, each
    thread holding the request as it was before): one assessment each time, the second superseding
    the first, one audit row each. Real threads, each with its own database connection."""
    import threading

    from django.db import connection

    req = draft(plot, citizen)

    def race(request) -> list[int]:
        made, lock = [], threading.Lock()
        barrier = threading.Barrier(8)

        def run():
            try:
                barrier.wait()
                a = assessment_make(request=request, stage="revenue", actor=None)
                with lock:
                    made.append(a.pk)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return made

    first = race(req)
    assert len(first) == 8 and len(set(first)) == 1
    from permits import services

    services.request_update(request_id=req.pk, actor=citizen, version=req.version, floor_area_m2=300.0)
    second = race(req)  # the old instance: its version is out of date, so each reads the request again
    assert len(second) == 8 and len(set(second)) == 1 and second[0] != first[0]
    rows = Assessment.objects.filter(request=req)
    assert rows.count() == 2 and rows.filter(status=AssessmentStatus.CURRENT).get().pk == second[0]
    assert rows.get(pk=second[0]).supersedes_id == first[0]
    assert [e.action for e in audit_trail(req)].count("assessment.made") == 2
    assert amounts(rows.get(pk=second[0]))["permit_residential"] == P * 240 * 45 // 100  # 300 - 3 × 20
