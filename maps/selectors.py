"""Reads behind the map: finding a property by any of the ways citizens know it; what a map page needs."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.gis.db.models import Collect, Extent, GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Centroid, GeoFunc, Length, NumPoints, Transform
from django.contrib.gis.gdal import SpatialReference
from django.db.models import FloatField, Value
from django.db.models.functions import Cast, Greatest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import WGS84, storage_srid
from gis_app.text import name_key
from maps.basemap import hillshade
from maps.tiles import PARCELS_MIN_ZOOM, STREETS_MIN_ZOOM, tile_stamp
from parcels.selectors import LookupNotUnderstood, parcels_lookup
from zoning.selectors import live_streets

MAX_STREETS = 10
# A found street is drawn from its simplified centrelines: the tolerance grows with the street's
# length (at least 2 m) so a long street stays near STREET_VERTICES_TARGET vertices; one with more
# than STREET_VERTICES_MAX after that is answered with its box only.
STREET_VERTICES_TARGET = 300
STREET_VERTICES_MAX = 1000


class Lines(GeoFunc):
    """ST_CollectionExtract(g, 2): the lines of a collection as one MultiLineString (ST_Collect of
    MultiLineStrings is a GeometryCollection, which the map would have to take apart)."""

    function = "ST_CollectionExtract"
    output_field = GeometryField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(2), **extra)


class Simplify(GeoFunc):
    """ST_Simplify (Douglas-Peucker) with a tolerance in the geometry's units."""

    function = "ST_Simplify"
    output_field = GeometryField()


class NothingFound(LookupError):
    """Nothing live matches; the message says why."""


def _parcel_result(p) -> dict:
    anchor = p.anchor.transform(WGS84, clone=True)
    return {
        "kind": "parcel",
        "label": p.file_code,
        "file_code": p.file_code,
        "renovation_code": p.renovation_code,
        "registry_plate": p.registry_plate,
        "lon": round(anchor.x, 6),
        "lat": round(anchor.y, 6),
    }


def streets_named(text: str) -> list[dict]:
    """Live streets whose name contains the text, compared on name_key (spaces and zero-width
    non-joiners left out, Arabic letters and any digits as stored), one result per name with the
    middle of its segments, the lon/lat box around them and their lines (GeoJSON, simplified)."""
    key = name_key(text)
    if len(key) < 2:
        return []
    merged = Lines(Collect("geom"))
    tolerance = Greatest(Value(2.0), Cast(Length(merged), FloatField()) / STREET_VERTICES_TARGET)
    simplified = Simplify(merged, tolerance)
    rows = (
        live_streets()
        .filter(name_key__contains=key)  # the trigram index street_name_key_trgm
        .values("name")
        .annotate(
            extent=Extent(Transform("geom", WGS84)),
            middle=Centroid(Transform(merged, WGS84)),
            vertices=NumPoints(simplified),
            lines=AsGeoJSON(Transform(simplified, WGS84), precision=6),
        )
        .order_by("name")[:MAX_STREETS]
    )
    return [
        {
            "kind": "street",
            "label": row["name"],
            "name": row["name"],
            "lon": round(row["middle"].x, 6),
            "lat": round(row["middle"].y, 6),
            "bbox": [round(v, 6) for v in row["extent"]],
            "geometry": json.loads(row["lines"]) if row["vertices"] <= STREET_VERTICES_MAX else None,
        }
        for row in rows
    ]


def find_property(text: str) -> list[dict]:
    """Parcels by file code, postal code, renovation code or registry plate; else streets by name.

    Raises InvalidFileCode for a malformed file code (its check character catches typos),
    InvalidPostalCode for ten digits that are no postal code, and NothingFound, with the reason,
    when nothing matches.
    """
    try:
        parcels = parcels_lookup(code=text)
    except LookupNotUnderstood:
        streets = streets_named(text)
        if not streets:
            raise NothingFound(_("No parcel or street matches this text.")) from None
        return streets
    if not parcels:
        raise NothingFound(_("No parcel with this code in the live data."))
    return [_parcel_result(p) for p in parcels]


def map_page_config() -> dict:
    """What the map script needs: our own layer URLs (tiles stamped with the live versions), the
    basemap, the storage CRS for the coordinates readout, and its labels in the page's language."""
    shade = hillshade()
    srid = storage_srid()
    srs = SpatialReference(srid)
    return {
        "tiles": reverse("tiles:tile", args=(0, 0, 0)).replace("0/0/0", "{z}/{x}/{y}") + f"?v={tile_stamp().etag}",
        "parcelsMinZoom": PARCELS_MIN_ZOOM,
        "streetsMinZoom": STREETS_MIN_ZOOM,
        "buildable": reverse("buildable"),
        "panel": reverse("map:panel"),
        "find": reverse("find"),
        "valueZones": reverse("ogc:items", args=["value_zones"]) + "?limit=1000",
        "hillshade": None
        if shade is None
        else {
            "url": reverse("tiles:hillshade") + f"?v={shade.etag}",
            "bounds": [[shade.bounds[1], shade.bounds[0]], [shade.bounds[3], shade.bounds[2]]],
        },
        "storage": {"proj4": srs.proj, "name": srs.name, "srid": srid},
        "login": reverse("login"),
        "print": reverse("map:print"),
        "lang": translation.get_language(),
        "centreLat": settings.LEAFLET_CONFIG["DEFAULT_CENTER"][0],
    }
