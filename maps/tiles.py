"""Vector tiles (Mapbox Vector Tile, EPSG:3857) of the live city, straight from PostGIS (ST_AsMVT).

One statement per tile builds every layer the zoom shows and concatenates them (MVT layers are
independent protobuf messages, so concatenated tiles are one valid tile):

    zones      every zoom      plan code, land use (simplified to the tile's pixel size; features
                               smaller than a few pixels are left out: the generalised layer)
    streets    zoom >= 13      name, existing and approved width, widened flag
    corridors  zoom >= 15      the street's land at its approved width (its edges are the realigned
                               lines), widened flag
    parcels    zoom >= 14      file code, renovation code, registry plate, area (raw geometry)
    buildings  zoom >= 15      floors (from 15 so that a dense z14 tile stays under 500 KB)

The tile's ETag is the live versions of those layers and their edit revisions; an edit or a new
version changes it. The map asks for tiles with that stamp in the URL (?v=): such a tile is drawn
from the versions the stamp names, needs no look-up of the live ones and may be cached for good.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import psycopg
from django.db import connection
from django.db.models import F

from gis_app.geometry import storage_srid
from gis_app.models import DatasetKind, DatasetVersion
from zoning.models import MAX_STREET_WIDTH_M

MIN_ZOOM = 10
MAX_ZOOM = 22
PARCELS_MIN_ZOOM = 14
STREETS_MIN_ZOOM = 13
CORRIDORS_MIN_ZOOM = 15
BUILDINGS_MIN_ZOOM = 15
EXTENT = 4096  # MVT grid per tile side
BUFFER = 64  # grid cells drawn beyond the tile edge so strokes join across tiles
TILE_KINDS = (DatasetKind.ZONES, DatasetKind.STREETS, DatasetKind.PARCELS, DatasetKind.BUILDINGS)
_EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6378137.0


_STAMP_RE = re.compile(r"[bpsz]\d{1,18}\.\d{1,9}(-[bpsz]\d{1,18}\.\d{1,9}){0,3}")


class TileOutOfRange(ValueError):
    """z/x/y is not a tile this service draws."""


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not MIN_ZOOM <= self.z <= MAX_ZOOM:
            raise TileOutOfRange(f"zoom {self.z} is outside {MIN_ZOOM}..{MAX_ZOOM}")
        if not (0 <= self.x < 2**self.z and 0 <= self.y < 2**self.z):
            raise TileOutOfRange(f"tile {self.x}/{self.y} does not exist at zoom {self.z}")

    @classmethod
    def containing(cls, lon: float, lat: float, z: int) -> Tile:
        """The tile at zoom z that holds a lon/lat point."""
        n = 2**z
        x = int((lon + 180.0) / 360.0 * n)
        y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
        return cls(z, min(max(x, 0), n - 1), min(max(y, 0), n - 1))

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees."""
        n = 2**self.z

        def lat(y: int) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

        return (self.x / n * 360.0 - 180.0, lat(self.y + 1), (self.x + 1) / n * 360.0 - 180.0, lat(self.y))

    @property
    def pixel_m(self) -> float:
        """Ground size of one MVT grid cell at the tile's centre (Web Mercator stretches by 1/cos(lat))."""
        n = 2**self.z
        lat = math.atan(math.sinh(math.pi * (1 - 2 * (self.y + 0.5) / n)))
        return _EARTH_CIRCUMFERENCE_M / n / EXTENT * math.cos(lat)


@dataclass(frozen=True)
class TileStamp:
    """The live version id and edit revision of each mapped layer kind."""

    versions: dict[str, tuple[int, int]]

    @property
    def etag(self) -> str:
        return "-".join(f"{kind[0]}{vid}.{rev}" for kind, (vid, rev) in sorted(self.versions.items())) or "empty"

    def version(self, kind: str) -> int | None:
        return self.versions.get(kind, (None, 0))[0]

    @classmethod
    def parse(cls, text: str) -> TileStamp | None:
        """The stamp an etag string names ("b27.0-p26.3-s30.0-z29.0"), or None when malformed."""
        if len(text) > 200 or not _STAMP_RE.fullmatch(text):
            return None
        kinds = {kind[0]: kind for kind in TILE_KINDS}
        versions = {}
        for part in text.split("-"):
            vid, rev = part[1:].split(".")
            versions[kinds[part[0]]] = (int(vid), int(rev))
        return cls(versions)


def tile_stamp() -> TileStamp:
    rows = DatasetVersion.objects.filter(is_active=True, kind__in=TILE_KINDS).values_list("kind", "id", "revision")
    return TileStamp({kind: (vid, rev) for kind, vid, rev in rows})


def version_touched(version_id: int | None) -> None:
    """Count an edit to a row of this version (its tiles change)."""
    if version_id is not None:
        DatasetVersion.objects.filter(pk=version_id).update(revision=F("revision") + 1)


# Every layer filters on (version, geom &&) so the composite GiST index (or the version's parcel
# partition) answers; geometry goes to Web Mercator, then ST_AsMVTGeom clips it to the tile (+buffer)
# and snaps it to the 4096 grid (rows whose geometry vanishes there are NULL and ST_AsMVT skips them;
# a "geom IS NOT NULL" filter would be pushed down and compute every geometry twice). Layers not
# shown at a zoom are switched off by a parameter (the statement stays one prepared plan). Version
# ids are cast to bigint: btree_gist's int8 class does not serve an int8 = int4 comparison.
TILE_SQL = """
WITH b AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), %(srid)s) AS box
)
SELECT
  coalesce((SELECT ST_AsMVT(q, 'zones', %(extent)s, 'geom', 'id') FROM (
    SELECT z.id, z.plan_code, z.land_use,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(z.geom, %(px)s), 3857), b.env, %(extent)s, %(buffer)s, true) AS geom
    FROM zoning_planzone z, b
    WHERE z.version_id = %(zv)s::bigint AND z.geom && b.box AND ST_Area(z.geom) > %(min_area)s
  ) q), '')
  || coalesce((SELECT ST_AsMVT(q, 'streets', %(extent)s, 'geom', 'id') FROM (
    SELECT s.id, s.name, s.hierarchy, s.existing_width_m::float8 AS existing_width_m,
           s.approved_width_m::float8 AS approved_width_m, s.approved_width_m > s.existing_width_m AS widened,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(s.geom, %(px)s), 3857), b.env, %(extent)s, %(buffer)s, true) AS geom
    FROM zoning_street s, b
    WHERE %(streets)s AND s.version_id = %(sv)s::bigint AND s.geom && b.box
  ) q), '')
  || coalesce((SELECT ST_AsMVT(q, 'corridors', %(extent)s, 'geom', 'id') FROM (
    SELECT s.id, s.approved_width_m::float8 AS approved_width_m, s.approved_width_m > s.existing_width_m AS widened,
           ST_AsMVTGeom(ST_Transform(ST_Buffer(ST_Intersection(s.geom, ST_Expand(b.box, s.approved_width_m)),
                                               s.approved_width_m / 2, 'endcap=flat join=mitre'), 3857),
                        b.env, %(extent)s, %(buffer)s, true) AS geom
    FROM zoning_street s, b
    WHERE %(corridors)s AND s.version_id = %(sv)s::bigint AND s.geom && ST_Expand(b.box, %(max_half_width)s)
  ) q), '')
  || coalesce((SELECT ST_AsMVT(q, 'parcels', %(extent)s, 'geom', 'id') FROM (
    SELECT p.id, p.file_code, p.renovation_code, p.registry_plate, round(ST_Area(p.geom))::int AS area_m2,
           ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.env, %(extent)s, %(buffer)s, true) AS geom
    FROM parcels_parcel p, b
    WHERE %(parcels)s AND p.version_id = %(pv)s::bigint AND p.geom && b.box
  ) q), '')
  || coalesce((SELECT ST_AsMVT(q, 'buildings', %(extent)s, 'geom', 'id') FROM (
    SELECT e.id, e.floors,
           ST_AsMVTGeom(ST_Transform(e.geom, 3857), b.env, %(extent)s, %(buffer)s, true) AS geom
    FROM parcels_existingbuilding e, b
    WHERE %(buildings)s AND e.version_id = %(bv)s::bigint AND e.geom && b.box
  ) q), '')
"""


def tile_params(tile: Tile, stamp: TileStamp) -> dict:
    px = tile.pixel_m
    return {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "margin": BUFFER / EXTENT,
        "srid": storage_srid(),
        "extent": EXTENT,
        "buffer": BUFFER,
        # below the parcels' zooms, drop zones smaller than 4x4 pixels and simplify to one pixel
        "px": px if tile.z < PARCELS_MIN_ZOOM else 0.0,
        "min_area": (4 * px) ** 2 if tile.z < PARCELS_MIN_ZOOM else 0.0,
        "streets": tile.z >= STREETS_MIN_ZOOM,
        "corridors": tile.z >= CORRIDORS_MIN_ZOOM,
        "max_half_width": MAX_STREET_WIDTH_M / 2,
        "parcels": tile.z >= PARCELS_MIN_ZOOM,
        "buildings": tile.z >= BUILDINGS_MIN_ZOOM,
        "zv": stamp.version(DatasetKind.ZONES),
        "sv": stamp.version(DatasetKind.STREETS),
        "pv": stamp.version(DatasetKind.PARCELS),
        "bv": stamp.version(DatasetKind.BUILDINGS),
    }


def tile_bytes(tile: Tile, stamp: TileStamp) -> bytes:
    """The tile's MVT bytes (empty when nothing is there)."""
    connection.ensure_connection()
    # prepared once per connection, as the compliance facts statement (planning costs as much as a tile)
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(TILE_SQL, tile_params(tile, stamp), prepare=True)
        (data,) = cur.fetchone()
    return bytes(data)
