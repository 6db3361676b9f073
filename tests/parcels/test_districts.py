"""Municipal districts: the sample city's layer, its importer, and the district of a geometry."""

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest
from django.contrib.gis.geos import GEOSGeometry, LineString, Point, Polygon
from django.core.management import call_command
from django.db.models import OuterRef, Subquery
from django.utils import translation
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry import box

from gis_app.models import DatasetKind, DatasetVersion
from gis_app.selectors import active_version_id
from parcels.layers import districts_import
from parcels.models import District
from parcels.selectors import district_for_geometry, live_districts, live_parcels

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_MAPPING = ROOT / "data" / "mappings" / "sample_city.yaml"
COUNTS = json.loads((ROOT / "data" / "shapefiles" / "manifest.json").read_text())["counts"]
SRID = 32640


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def code_district(renovation_code: str) -> int:
    return int(renovation_code.split("-")[0])


# --- the sample city's districts -------------------------------------------------------------------


def test_sample_city_load_gives_the_districts(city):
    version = DatasetVersion.objects.get(pk=active_version_id(DatasetKind.DISTRICTS))
    n = COUNTS["districts"]
    assert (version.read_count, version.imported_count, version.repaired_count, version.rejected_count) == (n, n, 0, 0)
    assert version.source_name == "districts.shp" and version.mapping_name == "sample_city.yaml"
    rows = list(live_districts().values_list("number", "name", "name_en"))
    assert n >= 3
    assert rows == [(k, f"منطقه {'۰۱۲۳۴۵۶۷۸۹'[k]}", f"District {k}") for k in range(1, n + 1)]
    assert live_districts().first().geom.srid == SRID


def test_every_live_parcel_lies_in_the_district_its_renovation_code_names(city):
    under_anchor = live_districts().filter(geom__covers=OuterRef("anchor")).values("number")[:1]
    pairs = Counter(
        (code_district(code), district)
        for code, district in live_parcels()
        .annotate(district=Subquery(under_anchor))
        .values_list("renovation_code", "district")
    )
    assert sum(pairs.values()) == COUNTS["parcels"]
    assert all(head == district for head, district in pairs), pairs
    assert {district for _head, district in pairs} == set(range(1, COUNTS["districts"] + 1))
    # The selector agrees, parcel shape by parcel shape (a sample of them).
    for code, geom in live_parcels().order_by("id").values_list("renovation_code", "geom")[::97]:
        assert district_for_geometry(geom=geom) == code_district(code)


# --- district_for_geometry -------------------------------------------------------------------------


def test_a_point_gets_the_district_it_lies_in_in_any_crs(city):
    parcel = live_parcels().filter(renovation_code__startswith="3-").order_by("id").first()
    assert district_for_geometry(geom=parcel.anchor) == 3
    assert district_for_geometry(geom=parcel.anchor.transform(4326, clone=True)) == 3


def test_a_parcel_gets_the_district_of_its_renovation_code(city):
    for head in (1, 2, 3):
        parcel = live_parcels().filter(renovation_code__startswith=f"{head}-").order_by("id")[10]
        assert district_for_geometry(geom=parcel.geom) == head


def _edge_point(a: int, b: int) -> Point:
    """A point halfway along the common edge of districts a and b."""
    da, db = (live_districts().get(number=n).geom for n in (a, b))
    edge = da.intersection(db).merged
    assert edge.geom_type == "LineString" and edge.length > 100
    return edge.interpolate_normalized(0.5)


def test_a_shape_straddling_two_districts_gets_the_one_with_its_largest_share(city):
    # Districts 1 (west) and 2 (south-east) meet along the north-south arterial's centreline.
    p = _edge_point(1, 2)
    x, y = p.x, p.y
    # A 40 m bar reaching west across the edge at mid-height, and a 30 x 60 m block east of it: the
    # shape's point on surface is the middle of its widest row, the bar, 2.5 m west of the edge, but
    # most of its area is east of it.
    bar = box(x - 40, y - 2, x + 5, y + 2)
    block = box(x + 5, y - 30, x + 35, y + 30)
    shape = GEOSGeometry(bar.union(block).wkt, srid=SRID)
    assert district_for_geometry(geom=shape.point_on_surface) == 1
    assert district_for_geometry(geom=shape) == 2
    mirrored = GEOSGeometry(box(x - 30, y - 10, x + 10, y + 10).wkt, srid=SRID)
    assert district_for_geometry(geom=mirrored) == 1
    # A line counts by length: 30 m in district 1, 10 m in district 2.
    assert district_for_geometry(geom=LineString((x - 30, y), (x + 10, y), srid=SRID)) == 1
    # A point on the common edge belongs to both: the lower number wins.
    assert district_for_geometry(geom=p) == 1


def test_outside_every_district_there_is_none(city):
    assert district_for_geometry(geom=Point(600_000, 4_147_400, srid=SRID)) is None
    assert district_for_geometry(geom=Point(51.39, 35.69, srid=4326)) is None  # Tehran
    assert district_for_geometry(geom=Polygon(srid=SRID)) is None


def test_no_live_districts_layer_means_no_district(city):
    DatasetVersion.objects.filter(kind=DatasetKind.DISTRICTS).update(is_active=False)
    assert not live_districts().exists()
    assert district_for_geometry(geom=live_parcels().order_by("id").first().anchor) is None


# --- the importer ----------------------------------------------------------------------------------


def _districts_file(tmp_path, rows) -> Path:
    frame = gpd.GeoDataFrame(
        {
            "dist_no": [r[0] for r in rows],
            "name": [f"منطقه {r[0]}" if r[0] is not None else "بی‌شماره" for r in rows],
            "name_en": ["" for _r in rows],
        },
        geometry=[r[1] for r in rows],
        crs=f"EPSG:{SRID}",
    )
    path = tmp_path / "districts.geojson"
    frame.to_file(path, engine="pyogrio")
    return path


def test_importer_repairs_rejects_and_reports_bad_districts(city, tmp_path):
    x, y = 528_700, 4_147_400
    bowtie = ShapelyPolygon([(x + 200, y), (x + 300, y + 100), (x + 300, y), (x + 200, y + 100)])
    path = _districts_file(
        tmp_path,
        [
            (1, box(x, y, x + 100, y + 100)),  # fine
            (2, bowtie),  # invalid: repaired
            (3, ShapelyPolygon()),  # empty
            (None, box(x + 400, y, x + 500, y + 100)),  # no number
            (2, box(x + 600, y, x + 700, y + 100)),  # number 2 again
            (4.5, box(x + 800, y, x + 900, y + 100)),  # not a whole number
            (5, box(600_000, y, 600_100, y + 100)),  # outside the city boundary
            (3, box(x, y + 200, x + 100, y + 300)),  # 3 again, but the first 3 was rejected
        ],
    )
    version, report = districts_import(path=path, mapping_path=SAMPLE_MAPPING)
    assert (report.read, report.imported, report.repaired_count, report.rejected_count) == (8, 3, 1, 5)
    assert not version.is_active and version.kind == "districts"
    assert version.report["repaired_ids"] == ["2: Self-intersection[528950 4147450]"]
    assert version.report["rejected_ids"] == [
        "3: empty geometry",
        "#4: district number missing or not a whole number from 1",
        "2: district number repeated: 2",
        "4.5: district number missing or not a whole number from 1",
        "5: outside the city boundary",
    ]
    stored = District.objects.filter(version=version).order_by("number")
    assert [(d.number, d.name) for d in stored] == [(1, "منطقه 1"), (2, "منطقه 2"), (3, "منطقه 3")]
    assert all(d.geom.valid and d.geom.srid == SRID for d in stored)
    assert stored.get(number=2).geom.area == pytest.approx(5_000)  # the bow-tie's two triangles


def test_layer_import_command_loads_and_activates_districts(city, tmp_path, capsys):
    x, y = 528_700, 4_147_400
    path = _districts_file(tmp_path, [(7, box(x, y, x + 100, y + 100)), (None, box(x, y + 200, x + 100, y + 300))])
    call_command("layer_import", "districts", str(path), mapping=SAMPLE_MAPPING, activate=True)
    out = capsys.readouterr().out
    assert "read 2, imported 1, repaired 0, rejected 1" in out
    assert "rejected #2: district number missing" in out
    assert list(live_districts().values_list("number", flat=True)) == [7]
    assert district_for_geometry(geom=Point(x + 50, y + 50, srid=SRID)) == 7
