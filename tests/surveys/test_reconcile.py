"""The reconciliation of the plot's survey, figures computed by hand (see conftest's plot)."""

import datetime

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile

from gis_app.models import AuditEvent
from surveys.reconcile import boundary_deviation
from surveys.services import survey_upload
from tests.surveys.conftest import E0, N0, box, feature, geojson, good_features, user_with


def shapely_polygon(coords):
    return shapely.Polygon([(E0 + x, N0 + y) for x, y in coords])


def test_hausdorff_is_the_farthest_corner_and_says_where():
    cadastral = box(0, 0, 10, 20)
    measured = shapely_polygon([(0, 0), (10, 0), (10, 20), (0, 21.5)])
    deviation = boundary_deviation(measured, cadastral)
    assert deviation.distance_m == pytest.approx(1.5)
    start, end = deviation.line.coords
    assert start == pytest.approx((E0, N0 + 21.5)) and end == pytest.approx((E0, N0 + 20))


def test_identical_boundaries_deviate_by_nothing():
    assert boundary_deviation(box(0, 0, 10, 20), box(0, 0, 10, 20)).distance_m == 0


def upload(plot, data=None, name="survey.geojson", **kwargs):
    return survey_upload(
        parcel=plot,
        surveyor=user_with("surveyor"),
        upload=SimpleUploadedFile(name, data if data is not None else geojson(good_features())),
        measured_on=datetime.date.today(),
        **kwargs,
    )


def test_figures_of_the_plot_survey(plot):
    survey = upload(plot)
    rec = survey.reconciliation
    # measured 10 x 26 = 260 m²; cadastral 10 x 25 = 250; deed 240
    assert rec.measured_area_m2 == pytest.approx(260) and rec.cadastral_area_m2 == pytest.approx(250)
    assert rec.area_diff_m2 == pytest.approx(10) and rec.area_diff_pct == pytest.approx(4.0)
    assert rec.deed_diff_m2 == pytest.approx(20) and rec.deed_diff_pct == pytest.approx(100 * 20 / 240)
    # the front edge moved 1 m south: the largest deviation is 1 m, on the front edge (y 3 -> 4)
    assert rec.hausdorff_m == pytest.approx(1.0)
    ys = sorted(y for _x, y in rec.hausdorff_line.coords)
    assert ys == pytest.approx([N0 + 3, N0 + 4])
    # approved street land (12 m wide: y < 6): 10 x 3 = 30 m², 10 x 1 = 10 m² of it beyond the cadastre
    assert rec.street_land_m2 == pytest.approx(30) and rec.street_land_beyond_cadastre_m2 == pytest.approx(10)
    # the building (8 x 10) stands 1 m over the realigned line: 8 m²
    assert rec.buildings_on_street_m2 == pytest.approx(8)
    # envelope: net parcel y 6..29 (depth 23), northern band 0.6 x 23 + 2 = 15.8 m -> y >= 13.2;
    # the building's part south of it: 8 x (13.2 - 5) = 65.6 m²
    assert rec.outside_envelope_m2 == pytest.approx(65.6)
    assert rec.envelope.area == pytest.approx(10 * 15.8)
    assert rec.frontages == [{"street": "خیابان آزمون", "frontage_m": 10.0, "approved_width_m": 12.0}]
    codes = {c["code"]: c for c in rec.violation_candidates}
    assert set(codes) == {"building_on_street", "boundary_takes_street", "larger_than_deed", "floors_over_plan"}
    assert codes["building_on_street"]["article_100_note"] == 6 and codes["building_on_street"]["area_m2"] == 8
    assert codes["boundary_takes_street"]["area_m2"] == 10
    assert codes["larger_than_deed"]["area_m2"] == 20
    # plan checks re-run on the measured parcel: its area and net area are the measured ones
    record = rec.compliance_record
    assert record.parcel.area_m2 == pytest.approx(260) and record.parcel.net_area_m2 == pytest.approx(230)
    assert {r.code for r in record.results} >= {"density", "coverage", "setback"}
    assert record.versions.parcels == survey.parcel.version_id and record.parking.space_m2 == 25
    # measured floor level wins over the DEM
    assert survey.floor_level_m == pytest.approx(1031.25) and survey.floor_level_source == "measured"
    assert survey.frontage_m == pytest.approx(10)
    assert [b.floors for b in survey.buildings.all()] == [4]
    assert AuditEvent.objects.filter(action="survey.uploaded", object_id=str(survey.pk)).count() == 1


def test_floor_level_from_the_elevation_model_when_not_measured(plot):
    survey = upload(plot, geojson(good_features()[:2]))
    assert survey.floor_level_source == "dem" and 900 < survey.floor_level_m < 1200


def test_survey_matching_the_cadastre_has_no_candidates(plot):
    features = [feature("boundary", box(0, 4, 10, 29)), feature("building", box(1, 16, 9, 26), floors=2)]
    survey = upload(plot, geojson(features))
    rec = survey.reconciliation
    assert rec.hausdorff_m == pytest.approx(0) and rec.area_diff_m2 == pytest.approx(0)
    assert rec.buildings_on_street_m2 == 0 and rec.outside_envelope_m2 == 0
    assert rec.street_land_m2 == pytest.approx(20)  # the setback strip the owner will cede (y 4..6)
    assert rec.violation_candidates == []  # 250 m² is within 5 % of the 240 m² deed
