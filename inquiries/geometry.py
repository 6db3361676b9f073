"""An excavation's geometry as an agency sends it: a GeoJSON LineString or Polygon in one of the CRSs
of INQUIRY_API_SRIDS, checked and brought into the storage CRS. Parsed with shapely (no GDAL reads the
agency's text: a GeoJSON "crs" member is never interpreted), transformed with an EPSG code from our
settings only."""

from __future__ import annotations

import math

import shapely
import shapely.geometry
from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _

from gis_app.errors import DomainError

ACCEPTED_TYPES = ("LineString", "Polygon")


class GeometryRefused(DomainError):
    """The geometry cannot be an excavation; `message` says why (translated)."""


def excavation_geometry(*, geometry: object, crs: object) -> GEOSGeometry:
    """The agency's GeoJSON geometry and EPSG code → a valid storage-CRS geometry within the limits."""
    srids = settings.INQUIRY_API_SRIDS
    if isinstance(crs, bool) or not isinstance(crs, int) or crs not in srids:
        raise GeometryRefused(
            _("Unknown coordinate reference system; send one of these EPSG codes: %(codes)s.")
            % {"codes": ", ".join(str(c) for c in srids)}
        )
    if not isinstance(geometry, dict) or geometry.get("type") not in ACCEPTED_TYPES:
        raise GeometryRefused(_("The excavation must be one GeoJSON LineString or Polygon."))
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        raise GeometryRefused(_("The geometry has no coordinates."))
    try:
        shape = shapely.geometry.shape({"type": geometry["type"], "coordinates": coords})
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.errors.ShapelyError):
        raise GeometryRefused(_("The coordinates do not make a LineString or Polygon.")) from None
    if shape.is_empty or shapely.get_num_coordinates(shape) > settings.GIS_MAX_VERTICES:
        raise GeometryRefused(
            _("The geometry is empty or has more than %(n)s vertices.") % {"n": settings.GIS_MAX_VERTICES}
        )
    if not all(math.isfinite(v) for xy in shapely.get_coordinates(shape) for v in xy) or shape.has_z:
        raise GeometryRefused(_("Every coordinate must be a finite number pair (x, y)."))
    if not shape.is_valid:
        raise GeometryRefused(_("The geometry is invalid (it crosses itself or repeats its points)."))
    geom = GEOSGeometry(memoryview(shape.wkb), srid=crs)
    if crs == 4326:
        xmin, ymin, xmax, ymax = shape.bounds
        if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
            raise GeometryRefused(_("Longitude and latitude are out of range."))
    try:
        geom.transform(settings.GIS_STORAGE_SRID)
    except GDALException:
        raise GeometryRefused(_("The coordinates cannot be transformed from that CRS.")) from None
    if not all(math.isfinite(v) for v in geom.extent) or not geom.valid:
        raise GeometryRefused(_("The coordinates cannot be transformed from that CRS."))
    if geom.length > settings.INQUIRY_EXCAVATION_MAX_LENGTH_M or geom.area > settings.INQUIRY_EXCAVATION_MAX_AREA_M2:
        raise GeometryRefused(
            _("The excavation is too large: at most %(length)s m long and %(area)s m² in area; file it in parts.")
            % {"length": settings.INQUIRY_EXCAVATION_MAX_LENGTH_M, "area": settings.INQUIRY_EXCAVATION_MAX_AREA_M2}
        )
    if geom.length == 0:
        raise GeometryRefused(_("The geometry has no length."))
    return geom
