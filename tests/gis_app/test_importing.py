import geopandas as gpd
import pytest
import shapely
from django.utils import translation
from shapely.geometry import LineString, Polygon, box

from gis_app.importing import ImportRefused, polygonal_or_reason, read_layer


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_bowtie_is_repaired_with_its_reason():
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    geom, reason, repaired = polygonal_or_reason(bowtie)
    assert repaired
    assert reason.startswith("Self-intersection")
    assert geom.geom_type == "MultiPolygon" and geom.is_valid
    assert geom.area == pytest.approx(50.0)


def test_valid_polygon_passes_unchanged():
    geom, reason, repaired = polygonal_or_reason(box(0, 0, 10, 25))
    assert not repaired and reason is None
    assert geom.area == 250


@pytest.mark.parametrize(
    ("geom", "why"),
    [
        (None, "empty geometry"),
        (Polygon(), "empty geometry"),
        (LineString([(0, 0), (5, 5)]), "not a polygon (LineString)"),
        (Polygon([(0, 0), (10, 0), (20, 0), (0, 0)]), None),  # collapses to nothing
    ],
)
def test_unusable_geometries_are_rejected_with_a_reason(geom, why):
    out, reason, _ = polygonal_or_reason(geom)
    assert out is None
    if why:
        assert reason == why
    else:
        assert reason


def test_layer_without_crs_is_refused(tmp_path):
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[box(0, 0, 1, 1)], crs=None)
    path = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gdf.to_file(path, engine="pyogrio")
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(ImportRefused, match="no coordinate reference system"):
        read_layer(path)
    with translation.override("fa"), pytest.raises(ImportRefused, match="سامانه مختصات"):
        read_layer(path)


def test_layer_in_another_crs_is_transformed_to_storage(tmp_path, settings):
    # A square near Bojnord in lon/lat ends up in UTM 40N metres.
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[box(57.32, 37.47, 57.33, 37.48)], crs="EPSG:4326")
    path = tmp_path / "wgs84.gpkg"
    gdf.to_file(path, engine="pyogrio")
    out = read_layer(path)
    assert out.crs.to_epsg() == settings.GIS_STORAGE_SRID == 32640
    x, y = shapely.get_coordinates(out.geometry.iloc[0].centroid)[0]
    assert 528_000 < x < 531_000 and 4_146_000 < y < 4_149_000


def test_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "broken.shp"
    path.write_bytes(b"not a shapefile")
    with pytest.raises(ImportRefused, match="Cannot read"):
        read_layer(path)
