"""A hand-computed plot for survey tests, survey files of every format made here, users by role.

The plot (file code of the cell at E0+5, N0+16): a 10 m x 25 m parcel (y 4..29) whose front edge is
the edge of an 8 m street along y = 0, to be widened to 12 m (so the realigned line is at y = 6);
deed area 240 m²; one zone R121 (density 180 %, coverage 60 %, 3 floors); the city boundary a 2 km
square around it. Every dataset is a fresh live version (the sample city's are switched off inside
the test's transaction).
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import ezdxf
import geopandas as gpd
import pytest
import shapely
from django.contrib.auth.models import Group
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, MultiPolygon, Point

from accounts.models import User
from gis_app.models import DatasetKind, DatasetVersion
from parcels.filecodes import file_code_for
from parcels.models import CityBoundary, Parcel
from tests.zoning.compliance.plan import R121
from zoning.models import PlanZone, Street

E0, N0 = 529_000.0, 4_147_000.0
SRID = 32640


def box(x0, y0, x1, y1) -> shapely.Polygon:
    """A rectangle in plot coordinates (metres from E0, N0), as a storage-CRS shapely polygon."""
    return shapely.box(E0 + x0, N0 + y0, E0 + x1, N0 + y1)


def _multi(poly: shapely.Polygon) -> MultiPolygon:
    return MultiPolygon(GEOSGeometry(poly.wkt, srid=SRID), srid=SRID)


def _live(kind: str) -> DatasetVersion:
    DatasetVersion.objects.filter(kind=kind, is_active=True).update(is_active=False)
    return DatasetVersion.objects.create(kind=kind, source_name="test", source_sha256="0" * 64, is_active=True)


@pytest.fixture
def plot(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    pv, sv, zv, bv = (_live(k) for k in ("parcels", "streets", "zones", DatasetKind.BOUNDARY))
    CityBoundary.objects.create(version=bv, geom=_multi(box(-1000, -1000, 1000, 1000)), name="test city")
    code = str(file_code_for(srid=SRID, easting=E0 + 5, northing=N0 + 16, seq=1))
    parcel = Parcel.objects.create(
        version=pv,
        geom=_multi(box(0, 4, 10, 29)),
        anchor=Point(E0 + 5, N0 + 16, srid=SRID),
        file_code=code,
        geom_hash="test",
        deed_area_m2=240,
    )
    line = GEOSGeometry(f"LINESTRING({E0 - 50} {N0}, {E0 + 60} {N0})", srid=SRID)
    Street.objects.create(
        version=sv,
        geom=MultiLineString(line, srid=SRID),
        name="خیابان آزمون",
        hierarchy="local",
        existing_width_m=8,
        approved_width_m=12,
    )
    rules = {k: v for k, v in dataclasses.asdict(R121).items() if k != "plan_version"}
    PlanZone.objects.create(version=zv, geom=_multi(box(-200, -200, 200, 200)), **rules)
    return parcel


def user_with(role: str, username: str | None = None) -> User:
    user = User.objects.create_user(username=username or f"t-{role}", password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


# --- the survey the format tests send, in every format --------------------------------------------
# Measured boundary 1 m into the existing street (y 3..29), one 4-floor building (x 1..9, y 5..15)
# and a floor-level shot at 1031.25 m.
MEASURED = box(0, 3, 10, 29)
BUILDING = box(1, 5, 9, 15)
FLOOR_SHOT = (E0 + 5, N0 + 20, 1031.25)


def feature(kind: str, geom, **props) -> dict:
    return {"type": "Feature", "properties": {"kind": kind, **props}, "geometry": shapely.geometry.mapping(geom)}


def geojson(features: list[dict], *, epsg: int | None = SRID) -> bytes:
    doc = {"type": "FeatureCollection", "features": features}
    if epsg:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    return json.dumps(doc).encode()


def good_features() -> list[dict]:
    x, y, z = FLOOR_SHOT
    return [
        feature("boundary", MEASURED),
        feature("building", BUILDING, floors=4),
        feature("point", shapely.Point(x, y), point_id="FL1", code="FL", height=z),
    ]


def frame(crs=SRID) -> gpd.GeoDataFrame:
    x, y, z = FLOOR_SHOT
    return gpd.GeoDataFrame(
        {
            "kind": ["boundary", "building", "point"],
            "floors": [None, 4, None],
            "point_id": [None, None, "FL1"],
            "code": [None, None, "FL"],
            "height": [None, None, z],
        },
        geometry=[MEASURED, BUILDING, shapely.Point(x, y)],
        crs=crs,
    )


def gpkg(tmp_path, gdf=None) -> bytes:
    path = tmp_path / "survey.gpkg"
    gdf = frame() if gdf is None else gdf
    for kind, part in gdf.groupby("kind"):
        part.to_file(path, layer=str(kind), driver="GPKG")
    return path.read_bytes()


def shapefile_zip(tmp_path, gdf=None, *, name="survey", extra: dict | None = None) -> bytes:
    """The polygons (boundary and building) as one zipped shapefile (a shapefile holds one type)."""
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    gdf = frame().iloc[:2] if gdf is None else gdf
    gdf.to_file(folder / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
        for member, data in (extra or {}).items():
            archive.writestr(member, data)
    return out.getvalue()


def dxf(*, closed: bool = True, xref: bool = False, label: str = "4") -> bytes:
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    msp.add_lwpolyline(list(MEASURED.exterior.coords)[:-1], close=closed, dxfattribs={"layer": "PARCEL"})
    msp.add_lwpolyline(list(BUILDING.exterior.coords)[:-1], close=True, dxfattribs={"layer": "BUILDING"})
    msp.add_text(label, dxfattribs={"layer": "BUILDING", "insert": (E0 + 5, N0 + 10)})
    # a corner shot as a bare POINT; the floor-level shot as a block with ID/CODE/H attributes
    msp.add_point((E0, N0 + 3, 1030.0), dxfattribs={"layer": "POINTS"})
    block = doc.blocks.new("SURVEY_POINT")
    for tag in ("ID", "CODE", "H"):
        block.add_attdef(tag, (0, 0))
    ref = msp.add_blockref("SURVEY_POINT", FLOOR_SHOT, dxfattribs={"layer": "POINTS"})
    ref.add_auto_attribs({"ID": "FL1", "CODE": "FL", "H": str(FLOOR_SHOT[2])})
    if xref:
        doc.add_xref_def("other_drawing.dxf", "OTHER")
        msp.add_blockref("OTHER", (E0, N0))
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


def csv_points(*, swap: bool = False, rows: list[str] | None = None, floor_code: str = "FL") -> bytes:
    x, y, z = FLOOR_SHOT
    corners = list(MEASURED.exterior.coords)[:-1]
    building = list(BUILDING.exterior.coords)[:-1]
    lines = ["point_id,easting,northing,height,code,floors"]
    for i, (e, n) in enumerate(corners, start=1):
        lines.append(f"C{i},{n if swap else e},{e if swap else n},,BND,")
    for i, (e, n) in enumerate(building, start=1):
        lines.append(f"B{i},{n if swap else e},{e if swap else n},,BLD1,4")
    lines.append(f"F1,{y if swap else x},{x if swap else y},{z},{floor_code},")
    return ("\n".join(rows if rows is not None else lines) + "\n").encode()
