"""Reading sources and mapping files: the refusals happen before anything is written."""

import zipfile

import geopandas as gpd
import pytest
from django.utils import translation
from shapely.geometry import box

from gis_app.importing import ImportRefused, code_column_values, column_values, source_read
from gis_app.mapping import FieldSpec, MappingError, mapping_load


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write(gdf, path, **kwargs):
    gdf.to_file(path, engine="pyogrio", **kwargs)
    return path


def squares(crs="EPSG:32640", **columns):
    n = len(next(iter(columns.values()))) if columns else 1
    geoms = [box(529_000 + 20 * i, 4_147_500, 529_015 + 20 * i, 4_147_525) for i in range(n)]
    return gpd.GeoDataFrame(columns or {"id": [1]}, geometry=geoms, crs=crs)


def test_layer_without_crs_is_refused_unless_given(tmp_path):
    path = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):
        write(squares(crs=None), path)
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(ImportRefused, match="no coordinate reference system"):
        source_read(path)
    with translation.override("fa"), pytest.raises(ImportRefused, match="سامانه مختصات"):
        source_read(path)
    assert source_read(path, srid=32640).crs.to_epsg() == 32640


def test_a_given_crs_that_contradicts_the_file_is_refused(tmp_path):
    path = write(squares(), tmp_path / "utm.gpkg")
    with pytest.raises(ImportRefused, match="declares"):
        source_read(path, srid=4326)
    assert source_read(path, srid=32640).count == 1


def test_unknown_epsg_is_refused(tmp_path):
    path = write(squares(crs=None), tmp_path / "x.gpkg")
    with pytest.raises(ImportRefused, match="not a known CRS"):
        source_read(path, srid=999999)


def test_unreadable_and_missing_files_are_refused(tmp_path):
    broken = tmp_path / "broken.shp"
    broken.write_bytes(b"not a shapefile")
    with pytest.raises(ImportRefused, match="Cannot read"):
        source_read(broken)
    with pytest.raises(ImportRefused, match="does not exist"):
        source_read(tmp_path / "nothing.gpkg")


def test_geopackage_with_several_layers_needs_a_layer_name(tmp_path):
    path = tmp_path / "two.gpkg"
    write(squares(), path, layer="a")
    write(squares(), path, layer="b")
    with pytest.raises(ImportRefused, match="several layers"):
        source_read(path)
    with pytest.raises(ImportRefused, match="no layer c"):
        source_read(path, layer="c")
    assert source_read(path, layer="b").layer == "b"


def test_zipped_shapefile_is_read(tmp_path):
    shp = write(squares(id=[1, 2, 3]), tmp_path / "lots.shp")
    archive = tmp_path / "lots.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            if shp.with_suffix(ext).exists():
                z.write(shp.with_suffix(ext), f"lots{ext}")
    source = source_read(archive)
    assert source.count == 3 and source.crs.to_epsg() == 32640
    assert len(source.sha256) == 64


def test_column_values_map_scale_translate_and_refuse_missing_attributes(tmp_path):
    path = write(squares(AREA_FT=[1000.0, float("nan")], USE=["مسکونی", " "], CODE=[" 12 ", "x"]), tmp_path / "a.gpkg")
    source = source_read(path)
    area = column_values(source, FieldSpec(source="AREA_FT", scale=0.09290304), numeric=True).to_pylist()
    assert area[0] == pytest.approx(92.90304) and area[1] is None
    use = column_values(source, FieldSpec(source="USE", values={"مسکونی": "residential"})).to_pylist()
    assert use == ["residential", None]
    assert column_values(source, FieldSpec(constant="local")).to_pylist() == ["local", "local"]
    with pytest.raises(ImportRefused, match=r"no attribute LANDUSE \(it has: AREA_FT, USE, CODE\)"):
        column_values(source, FieldSpec(source="LANDUSE"))
    with pytest.raises(ImportRefused, match="should hold numbers"):
        column_values(source, FieldSpec(source="CODE"), numeric=True)


def test_codes_are_normalised_and_malformed_ones_dropped(tmp_path):
    codes = ["۱-۲-۱۵-۲۰-۰-۰-۰", "1-2-15-20-0-0-0", "1-2-15", "1 - 2-15-20-0-0-0", None]
    source = source_read(write(squares(RC=codes), tmp_path / "c.gpkg"))
    values, dropped = code_column_values(source, FieldSpec(source="RC"), pattern=r"^\d{1,4}(-\d{1,5}){6}$")
    assert values.to_pylist() == ["1-2-15-20-0-0-0", "1-2-15-20-0-0-0", None, "1-2-15-20-0-0-0", None]
    assert dropped == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zones: {fields: {source_id: A}}", "has no section 'parcels'"),
        ("parcels: {fields: {colour: A}}", "maps fields we do not have: colour"),
        ("parcels: {fields: {deed_area_m2: {field: A, scale: big}}}", "'scale' must be a number"),
        ("parcels: {fields: {deed_area_m2: {scale: 2}}}", "'field' must name a source attribute"),
        ("parcels: {fields: {source_id: A}, srid: EPSG}", "'srid' must be an EPSG number"),
        ("parcels: {fields: {source_id: A}, colour: red}", "unknown keys"),
        ("parcels: {owners: [{phone: X}]}", "owners entry 1 must map"),
        ("parcels: [unclosed", "Cannot read the mapping file"),
    ],
)
def test_bad_mapping_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(MappingError, match=message):
        mapping_load(path, kind="parcels", allowed={"source_id", "deed_area_m2"}, owner_fields={"national_id"})
