"""Bad survey files: each is refused with a message naming the problem, and nothing is stored.

The list in the closing note of issue 6 is this module's BAD_FILES plus the limit tests below.
"""

from __future__ import annotations

import datetime
import io
import json
import stat
import zipfile

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from gis_app.models import AuditEvent
from surveys.models import Inspection, Reconciliation, Survey, SurveyBuilding, SurveyPoint
from surveys.services import survey_upload
from surveys.uploads import UploadLimits, UploadRefused, upload_read
from tests.surveys.conftest import (
    E0,
    MEASURED,
    N0,
    box,
    csv_points,
    dxf,
    feature,
    geojson,
    good_features,
    gpkg,
    shapefile_zip,
    user_with,
)


def _zip(members: dict[str, bytes], *, links: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return out.getvalue()


def _shp_members(tmp_path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(shapefile_zip(tmp_path))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


VRT = (
    b'<OGRVRTDataSource><OGRVRTLayer name="x">'
    b"<SrcDataSource>/etc/passwd</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
)
VRT_URL = VRT.replace(b"/etc/passwd", b"/vsicurl/http://example.org/parcels.geojson")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BOWTIE = shapely.Polygon([(E0, N0 + 4), (E0 + 10, N0 + 29), (E0 + 10, N0 + 4), (E0, N0 + 29)])


def _geojson_text(text: str) -> bytes:
    return text.encode()


def _nan_geojson() -> bytes:
    doc = json.loads(geojson(good_features()))
    text = json.dumps(doc).replace(str(E0 + 10), "NaN", 1)
    return text.encode()


def _inf_geojson() -> bytes:
    text = geojson(good_features()).decode().replace(str(E0 + 10), "1e400", 1)
    return text.encode()


def _many_vertices() -> bytes:
    ring = shapely.segmentize(MEASURED, 0.005)  # ~ 14,400 vertices on a 72 m ring
    return geojson([feature("boundary", ring)])


def _script_csv() -> bytes:
    return csv_points().decode().replace("C1,", "<script>alert(1)</script>,", 1).encode()


def _far_away() -> bytes:
    moved = shapely.affinity.translate(MEASURED, 400, 400)
    return geojson([feature("boundary", moved)])


def _outside_city() -> bytes:
    return geojson([feature("boundary", shapely.affinity.translate(MEASURED, 5000, 0))])


def _cp1256_csv() -> bytes:
    return csv_points().decode().replace("BND", "مرز").encode("cp1256")


# name, file name, bytes (a callable taking tmp_path), form options, expected refusal code
BAD_FILES = [
    ("empty file", "s.geojson", lambda t: b"", {}, "empty"),
    ("truncated GeoJSON", "s.geojson", lambda t: geojson(good_features())[:150], {}, "unreadable"),
    ("image renamed .geojson", "s.geojson", lambda t: PNG, {}, "wrong_type"),
    ("GDAL VRT pointing at a local file", "s.geojson", lambda t: VRT, {}, "wrong_type"),
    ("VRT pointing at a URL, renamed .gpkg", "s.gpkg", lambda t: VRT_URL, {}, "wrong_type"),
    ("a URL instead of a file", "s.geojson", lambda t: b"https://example.org/survey.geojson", {}, "wrong_type"),
    ("unknown extension", "s.kml", lambda t: b"<kml/>", {}, "unknown_extension"),
    ("zip renamed .gpkg", "s.gpkg", lambda t: shapefile_zip(t), {}, "wrong_type"),
    ("truncated GeoPackage", "s.gpkg", lambda t: gpkg(t)[:4096], {}, "unreadable"),
    ("truncated zip", "s.zip", lambda t: shapefile_zip(t)[:300], {}, "zip_invalid"),
    (
        "zip with a VRT beside the shapefile",
        "s.zip",
        lambda t: shapefile_zip(t, extra={"x.vrt": VRT}),
        {},
        "zip_member_kind",
    ),
    ("zip member with ../ traversal", "s.zip", lambda t: _zip({"../survey.shp": b"x"}), {}, "zip_name"),
    ("zip member with an absolute path", "s.zip", lambda t: _zip({"/etc/survey.shp": b"x"}), {}, "zip_name"),
    ("zip member named /vsicurl/", "s.zip", lambda t: _zip({"/vsicurl/x.shp": b"x"}), {}, "zip_name"),
    (
        "zip holding a symbolic link",
        "s.zip",
        lambda t: _zip({"survey.shp": b"/etc/passwd"}, links=("survey.shp",)),
        {},
        "zip_link",
    ),
    ("zip bomb", "s.zip", lambda t: _zip({"survey.shp": b"\x00" * (60 * 1024 * 1024)}), {}, "zip_ratio"),
    ("zip with too many members", "s.zip", lambda t: _zip({f"f{i}.dbf": b"x" for i in range(13)}), {}, "zip_too_many"),
    (
        "zip without the .dbf",
        "s.zip",
        lambda t: _zip({k: v for k, v in _shp_members(t).items() if not k.endswith(".dbf")}),
        {},
        "zip_shapefile",
    ),
    (
        "zip with two shapefiles",
        "s.zip",
        lambda t: _zip({**_shp_members(t), "b.shp": b"x", "b.shx": b"x", "b.dbf": b"x"}),
        {},
        "zip_shapefile",
    ),
    (
        "CRS mismatch: file says 32640, form says 4326",
        "s.geojson",
        lambda t: geojson(good_features()),
        {"declared_srid": 4326},
        "crs_mismatch",
    ),
    ("no CRS anywhere (DXF, none declared)", "s.dxf", lambda t: dxf(), {}, "crs_missing"),
    (
        "CRS not accepted (Web Mercator)",
        "s.geojson",
        lambda t: geojson(good_features(), epsg=3857),
        {},
        "crs_not_accepted",
    ),
    ("coordinates outside the city", "s.geojson", lambda t: _outside_city(), {}, "outside_city"),
    (
        "swapped axes (northing, easting)",
        "s.csv",
        lambda t: csv_points(swap=True),
        {"declared_srid": 32640},
        "outside_city_swapped",
    ),
    ("a parcel 400 m away", "s.geojson", lambda t: _far_away(), {}, "far_from_parcel"),
    ("NaN coordinate in GeoJSON", "s.geojson", lambda t: _nan_geojson(), {}, "not_finite"),
    ("infinite coordinate in GeoJSON", "s.geojson", lambda t: _inf_geojson(), {}, "not_finite"),
    (
        "NaN easting in CSV",
        "s.csv",
        lambda t: csv_points().replace(b"C2,", b"C2,nan,", 1),
        {"declared_srid": 32640},
        "not_finite",
    ),
    (
        "text where a number belongs in CSV",
        "s.csv",
        lambda t: csv_points().replace(b"C3,", b"C3,abc", 1),
        {"declared_srid": 32640},
        "csv_number",
    ),
    (
        "self-intersecting boundary",
        "s.geojson",
        lambda t: geojson([feature("boundary", BOWTIE)]),
        {},
        "invalid_geometry",
    ),
    (
        "open boundary polyline in DXF",
        "s.dxf",
        lambda t: dxf(closed=False),
        {"declared_srid": 32640},
        "boundary_not_closed",
    ),
    (
        "DXF referencing another drawing (XREF)",
        "s.dxf",
        lambda t: dxf(xref=True),
        {"declared_srid": 32640},
        "references_other_file",
    ),
    ("oversized geometry (14,000 vertices)", "s.geojson", lambda t: _many_vertices(), {}, "too_many_vertices"),
    (
        "too many points",
        "s.csv",
        lambda t: csv_points(rows=["id,easting,northing"] + [f"P{i},{E0},{N0}" for i in range(5002)]),
        {"declared_srid": 32640},
        "too_many_features",
    ),
    ("Windows-1256 text read as UTF-8", "s.csv", lambda t: _cp1256_csv(), {"declared_srid": 32640}, "bad_encoding"),
    ("script text in a point id", "s.csv", lambda t: _script_csv(), {"declared_srid": 32640}, "bad_text"),
    (
        "two parcel boundaries",
        "s.geojson",
        lambda t: geojson([feature("boundary", MEASURED), feature("boundary", box(20, 4, 30, 29))]),
        {},
        "many_boundaries",
    ),
    ("no boundary, only points", "s.geojson", lambda t: geojson(good_features()[2:]), {}, "no_boundary"),
    (
        "boundary as a line",
        "s.geojson",
        lambda t: geojson([feature("boundary", shapely.LineString(MEASURED.exterior.coords))]),
        {},
        "wrong_geometry",
    ),
    (
        "feature without geometry",
        "s.geojson",
        lambda t: geojson([{"type": "Feature", "properties": {"kind": "boundary"}, "geometry": None}]),
        {},
        "empty_geometry",
    ),
    (
        "negative floors",
        "s.geojson",
        lambda t: geojson([feature("boundary", MEASURED), feature("building", box(1, 5, 9, 15), floors=-3)]),
        {},
        "bad_floors",
    ),
    ("a boundary of 2 m²", "s.geojson", lambda t: geojson([feature("boundary", box(0, 4, 1, 6))]), {}, "too_small"),
    ("larger than 20 MB", "s.geojson", lambda t: b"{" + b" " * (21 * 1024 * 1024), {}, "too_large"),
]


def _nothing_stored(settings) -> None:
    assert Survey.objects.count() == 0
    assert SurveyPoint.objects.count() == SurveyBuilding.objects.count() == Reconciliation.objects.count() == 0
    assert Inspection.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="surveys.survey").exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.parametrize(("name", "filename", "make", "options", "code"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_refused_and_nothing_is_stored(plot, tmp_path, settings, name, filename, make, options, code):
    data = make(tmp_path)
    with pytest.raises(UploadRefused) as refusal:
        survey_upload(
            parcel=plot,
            surveyor=user_with("surveyor"),
            upload=SimpleUploadedFile(filename, data),
            measured_on=datetime.date.today(),
            **options,
        )
    assert refusal.value.code == code, refusal.value.message
    with translation.override("en"):
        english = refusal.value.message
    with translation.override("fa"):
        persian = refusal.value.message
    assert english and persian and english != persian, "the refusal must be translated"
    _nothing_stored(settings)


def test_there_are_at_least_25_different_bad_files():
    assert len({code for *_rest, code in BAD_FILES}) >= 25 and len(BAD_FILES) >= 40


def test_a_reader_that_runs_out_of_memory_is_a_clear_refusal(tmp_path):
    tiny = UploadLimits(memory_bytes=64 * 1024 * 1024)  # less than the reader holds before it reads
    # 8 MB to read (JSON may end in white space): the reader needs room it is not allowed (a child of
    # the warm reader starts with GDAL loaded, so a tiny file might still fit in what it holds)
    data = geojson(good_features()) + b" " * (8 * 1024 * 1024)
    with pytest.raises(UploadRefused) as refusal:
        upload_read(data=data, name="s.geojson", limits=tiny)
    assert refusal.value.code in ("crashed", "too_big_to_read")


def test_a_reader_that_hangs_is_stopped(tmp_path):
    hurried = UploadLimits(wall_seconds=0.001)  # a warm child is quick: past its time before it can answer
    with pytest.raises(UploadRefused) as refusal:
        upload_read(data=geojson(good_features()), name="s.geojson", limits=hurried)
    assert refusal.value.code == "crashed"


def test_the_reader_keeps_only_the_accepted_gdal_drivers():
    """In the reader process, VRT and every network driver are gone (run there, reported back)."""
    import subprocess
    import sys

    from django.conf import settings as django_settings

    script = (
        "from surveys.reader import gdal_restrict; gdal_restrict();"
        "from django.contrib.gis.gdal.prototypes import ds as capi;"
        "names = (capi.get_driver_description(capi.get_driver(i)).decode() for i in range(capi.get_driver_count()));"
        "print(sorted(names))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=django_settings.BASE_DIR
    )
    assert out.stdout.strip() == "['ESRI Shapefile', 'GPKG', 'GeoJSON']"
