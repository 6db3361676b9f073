"""Reading vector layers into the storage CRS and repairing their geometry, with a report.

Used by the importers of each app. geopandas/pyogrio run here, in commands, never in request handlers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, MultiPolygon
from django.utils.translation import gettext as _

from gis_app.geometry import storage_srid


class ImportRefused(Exception):
    """The whole file is refused (no CRS, unreadable, wrong geometry type); nothing is written."""


@dataclass
class ImportReport:
    """What happened to each feature of one layer."""

    layer: str
    read: int = 0
    imported: int = 0
    repaired: list[tuple[str, str]] = field(default_factory=list)  # (source id, reason)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "layer": self.layer,
            "read": self.read,
            "imported": self.imported,
            "repaired": len(self.repaired),
            "rejected": len(self.rejected),
            "repaired_ids": [f"{sid}: {why}" for sid, why in self.repaired],
            "rejected_ids": [f"{sid}: {why}" for sid, why in self.rejected],
        }


def read_layer(path: Path, *, layer: str | None = None, encoding: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer and transform it to the storage CRS; a layer without CRS is refused."""
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio", encoding=encoding)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise ImportRefused(_("Cannot read %(path)s: %(error)s") % {"path": path.name, "error": exc}) from exc
    if gdf.crs is None:
        raise ImportRefused(
            _("%(path)s has no coordinate reference system (.prj); give its EPSG code.") % {"path": path.name}
        )
    if gdf.crs.to_epsg() != storage_srid():
        gdf = gdf.to_crs(epsg=storage_srid())
    return gdf


def polygonal_or_reason(geom) -> tuple[shapely.Geometry | None, str | None, bool]:
    """(MultiPolygon, reason, repaired): a valid MultiPolygon, or None and why it was rejected."""
    if geom is None or geom.is_empty:
        return None, _("empty geometry"), False
    repaired = False
    reason = None
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        repaired = True
    if geom.geom_type == "GeometryCollection":
        geom = shapely.union_all([g for g in geom.geoms if g.geom_type in {"Polygon", "MultiPolygon"}])
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    if geom.geom_type != "MultiPolygon":
        return None, _("not a polygon (%(type)s)") % {"type": geom.geom_type}, False
    if geom.is_empty or geom.area < 0.01:
        return None, _("zero area"), False
    return geom, reason, repaired


def to_geos_multipolygon(geom: shapely.MultiPolygon) -> MultiPolygon:
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=storage_srid())


def to_geos_multilinestring(geom) -> MultiLineString:
    if geom.geom_type == "LineString":
        geom = shapely.MultiLineString([geom])
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=storage_srid())
