"""The map's basemap, made from our own data: a hillshade of the district DEM (no tile server).

The DEM (GeoTIFF, storage CRS) is warped to Web Mercator so Leaflet can lay the image between its
lon/lat corners without distortion, shaded (sun from the north-west, 45° high) and tinted by height,
and encoded as PNG; cells without data are transparent. Made once per DEM file and kept in memory.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from django.conf import settings
from pyproj import Transformer
from rasterio.io import MemoryFile
from rasterio.warp import Resampling, calculate_default_transform, reproject

WEB_MERCATOR = "EPSG:3857"


@dataclass(frozen=True)
class Hillshade:
    png: bytes
    bounds: tuple[float, float, float, float]  # west, south, east, north in degrees
    etag: str


def hillshade_array(
    elevation: np.ndarray, cell_m: float, *, azimuth: float = 315.0, altitude: float = 45.0, z_factor: float = 1.0
):
    """Shading 0..1 of a DEM grid (rows north to south), by the usual slope/aspect formula."""
    dy, dx = np.gradient(elevation * z_factor, cell_m)
    slope = np.pi / 2 - np.arctan(np.hypot(dx, dy))
    aspect = np.arctan2(-dx, dy)
    az, alt = np.radians(360.0 - azimuth + 90.0), np.radians(altitude)
    shade = np.sin(alt) * np.sin(slope) + np.cos(alt) * np.cos(slope) * np.cos(az - aspect)
    return np.clip(shade, 0, 1)


def _render(path: Path) -> Hillshade:
    with rasterio.open(path) as dem:
        # twice the DEM's resolution: the bilinear warp gives smoother slopes than the 10 m cells
        transform, width, height = calculate_default_transform(
            dem.crs, WEB_MERCATOR, dem.width * 2, dem.height * 2, *dem.bounds
        )
        z = np.full((height, width), np.nan, dtype="float32")
        nodata = dem.nodata if dem.nodata is not None else -32768
        reproject(
            rasterio.band(dem, 1),
            z,
            src_nodata=nodata,
            dst_transform=transform,
            dst_crs=WEB_MERCATOR,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    valid = np.isfinite(z)
    filled = np.where(valid, z, np.nanmean(z) if valid.any() else 0)
    # Web Mercator metres are longer than ground metres by 1/cos(lat); the shading wants ground ones
    west, north = transform.c, transform.f
    east, south = west + transform.a * width, north + transform.e * height
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_lonlat.transform([west, east], [south, north])
    cell_m = abs(transform.a) * np.cos(np.radians((lat0 + lat1) / 2))
    shade = hillshade_array(filled, cell_m, z_factor=3.0)  # a city's gentle slopes, made visible
    lo, hi = np.nanpercentile(z, 2), np.nanpercentile(z, 98)
    height_01 = np.clip((filled - lo) / max(hi - lo, 1e-6), 0, 1)
    # a pale green (low) to sand (high) tint under the shading
    tint = np.stack([0.80 + 0.12 * height_01, 0.88 - 0.02 * height_01, 0.78 - 0.08 * height_01])
    rgb = (tint * (0.55 + 0.45 * shade) * 255).astype("uint8")
    alpha = np.where(valid, 255, 0).astype("uint8")
    with MemoryFile() as mem:
        profile = {"width": width, "height": height, "count": 4, "dtype": "uint8"}
        with mem.open(driver="PNG", transform=transform, crs=WEB_MERCATOR, **profile) as png:
            png.write(np.concatenate([rgb, alpha[None]]))
        data = mem.read()
    return Hillshade(data, (lon0, lat0, lon1, lat1), etag="")


@functools.lru_cache(maxsize=2)
def _cached(path: str, mtime_ns: int, size: int) -> Hillshade:
    shade = _render(Path(path))
    return Hillshade(shade.png, shade.bounds, etag=f"{mtime_ns:x}-{size:x}")


def hillshade(path: Path | None = None) -> Hillshade | None:
    """The basemap image of the district DEM, or None when there is no DEM."""
    path = Path(path or settings.GIS_DEM_PATH)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _cached(str(path), stat.st_mtime_ns, stat.st_size)
