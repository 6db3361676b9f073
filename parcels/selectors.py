"""Reads for parcels (spatial queries behind named selectors)."""

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.contrib.gis.geos import Polygon

from gis_app.geometry import WGS84
from parcels.models import Parcel

PARCELS_PER_VIEW = 3000


def parcels_in_bbox(*, bbox_wgs84: tuple[float, float, float, float], limit: int = PARCELS_PER_VIEW):
    """Parcels meeting a lon/lat box, as (id, renovation code, plate, GeoJSON in EPSG:4326) rows.

    The box is transformed to the storage CRS once so the GiST index on geom is used.
    """
    box = Polygon.from_bbox(bbox_wgs84)
    box.srid = WGS84
    return list(
        Parcel.objects.filter(geom__intersects=box)
        .annotate(geojson=AsGeoJSON(Transform("geom", WGS84), precision=6))
        .values_list("id", "renovation_code", "registry_plate", "geojson")
        .order_by("id")[:limit]
    )
