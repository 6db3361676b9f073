"""Every accepted format, with a good file made here, gives the same measured survey."""

import datetime

import numpy as np
import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from pyproj import Transformer

from surveys.services import survey_upload
from tests.surveys.conftest import (
    BUILDING,
    MEASURED,
    csv_points,
    dxf,
    frame,
    geojson,
    good_features,
    gpkg,
    shapefile_zip,
    user_with,
)


def send(plot, name, data, **kwargs):
    return survey_upload(
        parcel=plot,
        surveyor=user_with("surveyor"),
        upload=SimpleUploadedFile(name, data),
        measured_on=datetime.date.today(),
        **kwargs,
    )


def assert_the_plot_survey(survey, *, floors=4, floor_level=1031.25):
    assert survey.geom.area == pytest.approx(MEASURED.area, abs=0.01)
    assert shapely.from_wkb(bytes(survey.geom.wkb)).equals_exact(MEASURED.normalize(), 0.01) or (
        shapely.hausdorff_distance(shapely.from_wkb(bytes(survey.geom.wkb)), MEASURED) < 0.01
    )
    (building,) = survey.buildings.all()
    assert building.area_m2 == pytest.approx(BUILDING.area, abs=0.01) and building.floors == floors
    if floor_level is not None:
        assert survey.floor_level_m == pytest.approx(floor_level) and survey.floor_level_source == "measured"
    assert survey.reconciliation.buildings_on_street_m2 == pytest.approx(8, abs=0.01)


def test_geojson(plot):
    survey = send(plot, "survey.geojson", geojson(good_features()))
    assert survey.source_format == "geojson" and survey.source_srid == 32640
    assert_the_plot_survey(survey)
    (point,) = survey.points.all()
    assert (point.point_id, point.code, point.height_m) == ("FL1", "FL", 1031.25)


def test_geojson_in_lon_lat_without_a_crs_member(plot):
    """RFC 7946 GeoJSON is lon/lat; a GPS export converts to the storage CRS on the way in."""
    to_lonlat = Transformer.from_crs(32640, 4326, always_xy=True)
    features = []
    for f in good_features():
        geom = shapely.transform(
            shapely.geometry.shape(f["geometry"]), lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))
        )
        features.append({**f, "geometry": shapely.geometry.mapping(geom)})
    survey = send(plot, "gps.geojson", geojson(features, epsg=None), declared_srid=4326)
    assert survey.source_srid == 4326
    assert survey.geom.area == pytest.approx(MEASURED.area, rel=1e-4)


def test_zipped_shapefile(plot, tmp_path):
    survey = send(plot, "survey.zip", shapefile_zip(tmp_path))
    assert survey.source_format == "shapefile"
    assert_the_plot_survey(survey, floor_level=None)
    assert survey.floor_level_source == "dem"


def test_shapefile_in_windows_1256_with_persian_attributes(plot, tmp_path):
    gdf = frame().iloc[:2].copy()
    gdf["kind"] = ["مرز", "ساختمان"]
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_file(folder / "s.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="cp1256")
    (folder / "s.cpg").unlink(missing_ok=True)
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    survey = send(plot, "s.zip", out.getvalue(), encoding="cp1256")
    assert_the_plot_survey(survey, floor_level=None)


def test_geopackage_with_a_layer_per_kind(plot, tmp_path):
    survey = send(plot, "survey.gpkg", gpkg(tmp_path))
    assert survey.source_format == "gpkg"
    assert_the_plot_survey(survey)


def test_dxf_from_a_cad_tool(plot):
    survey = send(plot, "survey.dxf", dxf(), declared_srid=32640)
    assert survey.source_format == "dxf"
    assert_the_plot_survey(survey, floor_level=1031.25)
    corner, shot = survey.points.all()
    assert (corner.point_id, corner.height_m) == ("P1", 1030.0)
    assert (shot.point_id, shot.code, shot.height_m) == ("FL1", "FL", 1031.25)


def test_csv_of_total_station_points(plot):
    survey = send(plot, "points.csv", csv_points(), declared_srid=32640)
    assert survey.source_format == "csv"
    assert_the_plot_survey(survey)
    assert survey.points.count() == 9 and survey.points.filter(code="BND").count() == 4


def test_csv_in_persian_digits_and_codes(plot):
    text = csv_points().decode().replace("FL", "کف")
    persian = text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    survey = send(plot, "points.csv", persian.encode(), declared_srid=32640)
    assert_the_plot_survey(survey)
