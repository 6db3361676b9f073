"""Putting a drawing on its parcel (pure: numpy and shapely, no Django).

A drawing already in UTM 40N is used as is. Any other is placed by the similarity transform
(rotation, translation, uniform scale: Umeyama's least-squares fit) that brings its PLOT_BOUNDARY's
corners onto the parcel's, tried for every pairing of the corners; the fit is refused with its figures
when the scale is far from 1 (millimetres), when only a mirror image fits, or when the residual shows
another plot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon
from shapely.affinity import affine_transform
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from drawings.records import Balcony, Drawing, DrawingRefused, Floor, Placement

SCALE_TOLERANCE = 0.02  # a scale outside 1 ± 2 % is not a drawing in metres
RESIDUAL_TOLERANCE_M = 0.30  # RMS of the corners after the fit
UTM_TOLERANCE_M = 0.50  # largest distance of a UTM drawing's plot from the parcel's boundary
CORNER_SIMPLIFY_M = 0.05  # corners closer than this to a straight line are not corners
UTM_40N_EASTING = (166_000.0, 834_000.0)
UTM_40N_NORTHING_IRAN = (2_500_000.0, 4_500_000.0)


@dataclass(frozen=True)
class _Fit:
    scale: float
    rotation: np.ndarray
    shift: np.ndarray
    rms: float
    max_error: float

    @property
    def angle_deg(self) -> float:
        return math.degrees(math.atan2(self.rotation[1, 0], self.rotation[0, 0]))


def _largest(geom: BaseGeometry) -> Polygon:
    if isinstance(geom, MultiPolygon):
        return max(geom.geoms, key=lambda p: p.area)
    return geom


def corners(geom: BaseGeometry, tolerance: float) -> np.ndarray:
    """The corners of a polygon's outer ring, counter-clockwise, without the closing point."""
    ring = orient(_largest(geom).simplify(tolerance, preserve_topology=True), 1.0).exterior
    return np.asarray(ring.coords[:-1], dtype=float)


def umeyama(src: np.ndarray, dst: np.ndarray, *, mirror: bool) -> _Fit:
    """The least-squares similarity transform src → dst (Umeyama 1991), proper or mirrored."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    cs, cd = src - mu_s, dst - mu_d
    var_s = (cs**2).sum() / len(src)
    u, d, vt = np.linalg.svd(cd.T @ cs / len(src))
    sign = np.linalg.det(u) * np.linalg.det(vt)
    s = np.diag([1.0, -1.0 if (sign < 0) != mirror else 1.0])
    rotation = u @ s @ vt
    scale = float(np.trace(np.diag(d) @ s) / var_s) if var_s > 0 else 0.0
    shift = mu_d - scale * rotation @ mu_s
    errors = np.linalg.norm((scale * (rotation @ src.T)).T + shift - dst, axis=1)
    return _Fit(scale, rotation, shift, float(np.sqrt((errors**2).mean())), float(errors.max()))


def best_fits(src: np.ndarray, dst: np.ndarray) -> tuple[_Fit, _Fit]:
    """The best proper and the best mirrored fit over every pairing of the corners (both directions)."""
    proper, mirrored = [], []
    for seq in (src, src[::-1]):
        for shift in range(len(seq)):
            rolled = np.roll(seq, shift, axis=0)
            proper.append(umeyama(rolled, dst, mirror=False))
            mirrored.append(umeyama(rolled, dst, mirror=True))
    best = min(f.rms for f in proper)
    # a symmetric plot fits several ways: the least rotation wins (drawings are drawn north up)
    chosen = min((f for f in proper if f.rms <= best + 0.01), key=lambda f: abs(f.angle_deg))
    return chosen, min(mirrored, key=lambda f: f.rms)


def in_utm_40n(geom: BaseGeometry) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    e0, e1 = UTM_40N_EASTING
    n0, n1 = UTM_40N_NORTHING_IRAN
    return e0 <= minx and maxx <= e1 and n0 <= miny and maxy <= n1


def placement_find(*, plot: BaseGeometry, parcel: BaseGeometry, target: str) -> Placement:
    """Where the drawing goes on the parcel (its plot onto the parcel's measured or cadastral boundary),
    or DrawingRefused with the figures."""
    if in_utm_40n(plot):
        error = plot.exterior.hausdorff_distance(_largest(parcel).exterior)
        if error > UTM_TOLERANCE_M:
            raise DrawingRefused("utm_elsewhere", error=f"{error:.2f}", tolerance=f"{UTM_TOLERANCE_M:.2f}")
        return Placement("utm", target, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0.0, 1.0, round(error, 3), round(error, 3))
    src = corners(plot, CORNER_SIMPLIFY_M * max(1.0, math.sqrt(plot.area) / 20))
    dst = corners(parcel, CORNER_SIMPLIFY_M)
    if len(src) != len(dst):
        raise DrawingRefused("corner_count", drawn=len(src), parcel=len(dst))
    fit, mirrored = best_fits(src, dst)
    # the shape first (a similarity fit's residual does not depend on the scale), then the scale
    if fit.rms > RESIDUAL_TOLERANCE_M:
        if mirrored.rms <= RESIDUAL_TOLERANCE_M and abs(mirrored.scale - 1) <= SCALE_TOLERANCE:
            raise DrawingRefused("mirrored", residual=f"{fit.rms:.2f}", mirrored=f"{mirrored.rms:.2f}")
        raise DrawingRefused("wrong_parcel", residual=f"{fit.rms:.2f}", tolerance=f"{RESIDUAL_TOLERANCE_M:.2f}")
    if abs(fit.scale - 1) > SCALE_TOLERANCE:
        code = "millimetres" if 0.0009 <= fit.scale <= 0.0011 else "scale"
        raise DrawingRefused(code, scale=f"{fit.scale:.4g}", tolerance=f"{SCALE_TOLERANCE * 100:g}")
    (a, b), (d, e) = fit.scale * fit.rotation
    matrix = (float(a), float(b), float(d), float(e), float(fit.shift[0]), float(fit.shift[1]))
    return Placement(
        "fit", target, matrix, round(fit.angle_deg, 3), round(fit.scale, 5), round(fit.rms, 3), round(fit.max_error, 3)
    )


def drawing_place(drawing: Drawing, placement: Placement) -> Drawing:
    """The drawing with every geometry moved onto the parcel (storage CRS)."""
    move = (lambda g: g) if placement.method == "utm" else (lambda g: affine_transform(g, placement.matrix))
    return Drawing(
        info=drawing.info,
        plot=move(drawing.plot),
        realignment=move(drawing.realignment) if drawing.realignment is not None else None,
        floors=tuple(
            Floor(f.number, move(f.footprint), move(f.area), move(f.deduct) if f.deduct is not None else None)
            for f in drawing.floors
        ),
        parking=tuple(move(p) for p in drawing.parking),
        balconies=tuple(Balcony(b.floor, move(b.geom)) for b in drawing.balconies),
        height_m=drawing.height_m,
        dimensions=drawing.dimensions,
        ignored_layers=drawing.ignored_layers,
    )


__all__ = ["drawing_place", "placement_find", "shapely"]
