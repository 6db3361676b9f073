"""Reads for surveys: elevations sampled from the district's DEM."""

from __future__ import annotations

from pathlib import Path

import rasterio
from django.conf import settings
from django.contrib.gis.geos import Point

from gis_app.geometry import storage_srid


class OutsideDem(ValueError):
    """The point lies outside the elevation model or on a cell without data."""


def elevation_at(*, point: Point, dem_path: Path | None = None) -> float:
    """Ground elevation (m above sea level) at a point, from the DEM GeoTIFF (nearest cell)."""
    path = dem_path or settings.GIS_DEM_PATH
    if point.srid != storage_srid():
        point = point.transform(storage_srid(), clone=True)
    with rasterio.open(path) as dem:
        if dem.crs.to_epsg() != storage_srid():
            raise OutsideDem(f"DEM is in EPSG:{dem.crs.to_epsg()}, expected EPSG:{storage_srid()}")
        row, col = dem.index(point.x, point.y)
        if not (0 <= row < dem.height and 0 <= col < dem.width):
            raise OutsideDem("point outside the elevation model")
        value = dem.read(1, window=((row, row + 1), (col, col + 1)))[0, 0]
        if dem.nodata is not None and value == dem.nodata:
            raise OutsideDem("no elevation at this point")
    return float(value)
