"""OGC API - Features (Part 1: Core, GeoJSON) over the live layers: what is published and how it is read.

Each collection is one layer kind's live dataset version, with only public attributes (no owner
names or national IDs: owners live in other tables and are never joined here). Output is GeoJSON in
CRS84 (lon/lat); items page by limit/offset in a stable order; bbox filters in CRS84.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import WGS84, storage_srid
from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# A page stops before the feature that would take it past this many vertices (at least one feature
# is always returned; its "next" link goes on from there), so a page's size is bounded whatever the
# limit asked for.
PAGE_MAX_VERTICES = 250_000

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Collection:
    id: str
    title: Promise
    description: Promise
    kind: str
    table: str
    # (name in the output, SQL expression over the table aliased t); all public
    properties: tuple[tuple[str, str], ...]
    feature_id: str = "t.id"  # SQL of the feature's id (stable, public)
    item_type: str = "feature"


COLLECTIONS = {
    c.id: c
    for c in (
        Collection(
            "parcels",
            _("Parcels"),
            _("Cadastral parcels with file code, renovation code, registry plate and drawn area."),
            DatasetKind.PARCELS,
            "parcels_parcel",
            (
                ("file_code", "t.file_code"),
                ("renovation_code", "t.renovation_code"),
                ("registry_plate", "t.registry_plate"),
                ("area_m2", "round(ST_Area(t.geom)::numeric, 1)::float8"),
            ),
            feature_id="t.file_code",
        ),
        Collection(
            "buildings",
            _("Existing buildings"),
            _("Building footprints recorded by the property audit, with floors and year built."),
            DatasetKind.BUILDINGS,
            "parcels_existingbuilding",
            (("floors", "t.floors"), ("year_built", "t.year_built")),
        ),
        Collection(
            "zones",
            _("Detailed-plan zones"),
            _("Zones of the detailed plan with land use, density, coverage, floors and minimum plot."),
            DatasetKind.ZONES,
            "zoning_planzone",
            (
                ("plan_code", "t.plan_code"),
                ("name", "t.name"),
                ("land_use", "t.land_use"),
                ("density_class", "t.density_class"),
                ("density_pct", "t.density_pct::float8"),
                ("coverage_pct", "t.coverage_pct::float8"),
                ("max_floors", "t.max_floors"),
                ("max_height_m", "t.max_height_m::float8"),
                ("min_plot_area_m2", "t.min_plot_area_m2::float8"),
                ("min_frontage_m", "t.min_frontage_m::float8"),
            ),
        ),
        Collection(
            "streets",
            _("Streets"),
            _("Street centrelines with hierarchy, existing and approved width."),
            DatasetKind.STREETS,
            "zoning_street",
            (
                ("name", "t.name"),
                ("hierarchy", "t.hierarchy"),
                ("existing_width_m", "t.existing_width_m::float8"),
                ("approved_width_m", "t.approved_width_m::float8"),
            ),
        ),
        Collection(
            "value_zones",
            _("Regional value zones"),
            _("Regional value zones with land and building unit prices (IRR per m²)."),
            DatasetKind.VALUE_ZONES,
            "parcels_valuezone",
            (
                ("code", "t.code"),
                ("name", "t.name"),
                ("land_unit_price_irr", "t.land_unit_price_irr"),
                ("building_unit_price_irr", "t.building_unit_price_irr"),
                ("valuation_year", "t.valuation_year"),
            ),
        ),
    )
}


@dataclass(frozen=True)
class Page:
    features: list[tuple]  # (id, properties dict, GeoJSON geometry text)
    number_matched: int


def clip_bbox(bbox: BBox, extent: list[float] | tuple[float, ...] | None) -> list[BBox]:
    """The parts of a lon/lat box inside an extent: none, one, or two when the box crosses the
    antimeridian (minlon > maxlon, as OGC API allows). The work a box asks for is then bounded by the
    city, however large the box."""
    if extent is None:
        return []
    minx, miny, maxx, maxy = bbox
    spans = [(minx, maxx)] if minx <= maxx else [(minx, 180.0), (-180.0, maxx)]
    ex0, ey0, ex1, ey1 = extent
    y0, y1 = max(miny, ey0), min(maxy, ey1)
    parts = []
    for x0, x1 in spans:
        x0, x1 = max(x0, ex0), min(x1, ex1)
        if x0 <= x1 and y0 <= y1:
            parts.append((x0, y0, x1, y1))
    return parts


def _where(collection: Collection, boxes: list[BBox] | None) -> tuple[str, dict]:
    where = "t.version_id = %(v)s::bigint"
    params: dict = {"v": active_version_id(collection.kind), "srid": storage_srid(), "wgs84": WGS84}
    if boxes is not None:
        # Each box's edges densified (0.0005 deg) before it goes to the storage CRS, so the filter is the
        # lon/lat rectangle to the millimetre, not the rectangle of its four transformed corners. The
        # boxes are already clipped to the city (clip_bbox): a few hundred vertices at most.
        tests = []
        for i, box in enumerate(boxes):
            tests.append(
                f"ST_Intersects(t.geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope(%(minx{i})s, %(miny{i})s, "
                f"%(maxx{i})s, %(maxy{i})s, %(wgs84)s), 0.0005), %(srid)s))"
            )
            params.update(zip((f"minx{i}", f"miny{i}", f"maxx{i}", f"maxy{i}"), box, strict=True))
        where += f" AND ({' OR '.join(tests)})" if tests else " AND false"
    return where, params


def _select(collection: Collection) -> str:
    props = ", ".join(f"{expr} AS {name}" for name, expr in collection.properties)
    return (
        f"SELECT {collection.feature_id} AS fid, {props}, "
        f"ST_AsGeoJSON(ST_Transform(t.geom, %(wgs84)s), 7) AS g FROM {collection.table} t"
    )


def _rows(cursor, collection: Collection) -> list[tuple]:
    names = [name for name, _expr in collection.properties]
    return [(row[0], dict(zip(names, row[1:-1], strict=True)), row[-1]) for row in cursor.fetchall()]


def collection_items(collection: Collection, *, limit: int, offset: int, bbox: BBox | None) -> Page:
    """One page of live features, in id order, and how many match in all. A bbox is clipped to the
    city's extent (the live city limits, else the layer's own) before any spatial work; a page stops
    at PAGE_MAX_VERTICES."""
    boxes = None
    if bbox is not None:
        boxes = clip_bbox(bbox, city_extent() or layer_extent(collection))
        if not boxes:
            return Page([], 0)
    where, params = _where(collection, boxes)
    if params["v"] is None:
        return Page([], 0)
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {collection.table} t WHERE {where}", params)
        (matched,) = cur.fetchone()
        # The page's ids first with the running count of vertices before each; the features whose
        # vertices start past the budget are left for the next page.
        cur.execute(
            f"{_select(collection)} WHERE {where} AND t.id IN ("
            " SELECT p.id FROM (SELECT s.id,"
            "  sum(ST_NPoints(s.geom)) OVER (ORDER BY s.id) - ST_NPoints(s.geom) AS before"
            f"  FROM (SELECT t.id, t.geom FROM {collection.table} t WHERE {where}"
            "   ORDER BY t.id LIMIT %(limit)s OFFSET %(offset)s) s) p"
            " WHERE p.before < %(budget)s) ORDER BY t.id",
            params | {"limit": limit, "offset": offset, "budget": PAGE_MAX_VERTICES},
        )
        return Page(_rows(cur, collection), matched)


def collection_item(collection: Collection, feature_id: str) -> tuple | None:
    """One live feature by its id, or None."""
    where, params = _where(collection, None)
    if params["v"] is None:
        return None
    if collection.feature_id == "t.id":
        if not feature_id.isdigit() or len(feature_id) > 18:
            return None
        feature_id = int(feature_id)
    with connection.cursor() as cur:
        cur.execute(
            f"{_select(collection)} WHERE {where} AND {collection.feature_id} = %(fid)s",
            params | {"fid": feature_id},
        )
        rows = _rows(cur, collection)
    return rows[0] if rows else None


def _extent(table: str, version: int | None) -> list[float] | None:
    if version is None:
        return None
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Transform(ST_SetSRID("
            f"ST_Extent(geom)::geometry, %s), %s) AS e FROM {table} WHERE version_id = %s::bigint) x",
            [storage_srid(), WGS84, version],
        )
        row = cur.fetchone()
    return None if row is None or row[0] is None else [round(v, 6) for v in row]


def city_extent() -> list[float] | None:
    """The live city limits' lon/lat extent (one row), or None when no boundary is live."""
    return _extent("parcels_cityboundary", active_version_id(DatasetKind.BOUNDARY))


def layer_extent(collection: Collection) -> list[float] | None:
    """The lon/lat extent of a collection's live features (used when the city has no boundary)."""
    return _extent(collection.table, active_version_id(collection.kind))
