"""Geometry of what may be built: corner chamfers, the net parcel and the buildable envelope.

Pure functions over shapely geometries in the metric storage CRS (no ORM, no request); the
selectors measure the parcel against its streets in PostGIS and hand the pieces in here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import shapely
from shapely import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from zoning.compliance.records import (
    Chamfer,
    Envelope,
    Limit,
    ParcelFacts,
    PlanParams,
    StreetFacts,
    ZoneRules,
    ZoneShare,
)
from zoning.compliance.rules import chamfer_size_m, max_floor_area_m2, max_footprint_m2, northern_band

CORNER_TOLERANCE_M = 0.5  # a street corner counts as the parcel's within this distance of it
SLIVER_M2 = 0.01  # pieces smaller than this are drawing noise


def polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    """The polygons of a (multi)polygon or collection, slivers dropped."""
    if isinstance(geom, Polygon):  # the usual case, without a trip through numpy
        polygons = [geom]
    elif isinstance(geom, MultiPolygon):
        polygons = list(geom.geoms)
    else:
        polygons = []
        for part in shapely.get_parts(geom):
            if isinstance(part, Polygon):
                polygons.append(part)
            elif isinstance(part, MultiPolygon) or part.geom_type == "GeometryCollection":
                polygons.extend(polygon_parts(part))
    return [p for p in polygons if p.area > SLIVER_M2]


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the areal part of an overlay result (intersections can add stray lines and points)."""
    parts = polygon_parts(geom)
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _leg_end(corner: Point, own_edge: BaseGeometry, other_road: BaseGeometry, parcel: BaseGeometry, size_m: float):
    """Where the chamfer's leg of length size_m along one street edge ends: of the two points at
    that distance on the edge, the one on the block's side (not in the other street, nearest the parcel)."""
    ring = corner.buffer(size_m, quad_segs=32).exterior
    candidates = [p for p in shapely.get_parts(own_edge.intersection(ring)) if isinstance(p, Point)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (other_road.distance(p) < 1e-6, parcel.distance(p)))


def chamfer_triangles(
    *, parcel: BaseGeometry, street_a: StreetFacts, street_b: StreetFacts, size_m: float
) -> list[Polygon]:
    """The 45° isosceles corner triangles (legs of size_m along each street's kept edge from the
    corner where the edges cross) that fall on this parcel."""
    if street_a.road is None or street_b.road is None or street_a.road.is_empty or street_b.road.is_empty:
        return []
    edge_a, edge_b = street_a.road.boundary, street_b.road.boundary
    corners = [p for p in shapely.get_parts(edge_a.intersection(edge_b)) if isinstance(p, Point)]
    triangles = []
    for corner in corners:
        if parcel.distance(corner) > CORNER_TOLERANCE_M:
            continue
        end_a = _leg_end(corner, edge_a, street_b.road, parcel, size_m)
        end_b = _leg_end(corner, edge_b, street_a.road, parcel, size_m)
        if end_a is None or end_b is None:
            continue
        triangle = Polygon([corner.coords[0], end_a.coords[0], end_b.coords[0]])
        if triangle.area > SLIVER_M2:
            triangles.append(triangle)
    return triangles


def parcel_chamfers(*, parcel: BaseGeometry, streets: Sequence[StreetFacts], params: PlanParams) -> list[Chamfer]:
    """Every corner chamfer on the parcel, for each pair of streets it fronts (DOMAIN.md: chamfer)."""
    chamfers = []
    for a, b in itertools.combinations(streets, 2):
        size = chamfer_size_m(
            width_a_m=max(a.approved_width_m, a.existing_width_m),
            width_b_m=max(b.approved_width_m, b.existing_width_m),
            vehicular_a=a.vehicular,
            vehicular_b=b.vehicular,
            params=params,
        )
        for triangle in chamfer_triangles(parcel=parcel, street_a=a, street_b=b, size_m=size):
            taken = polygonal(parcel.intersection(triangle))
            if taken.area > SLIVER_M2:
                chamfers.append(
                    Chamfer(street_ids=(a.street_id, b.street_id), size_m=size, triangle=taken, area_m2=taken.area)
                )
    return chamfers


def net_parcel(*, parcel: BaseGeometry, streets: Sequence[StreetFacts], chamfers: Sequence[Chamfer]) -> BaseGeometry:
    """The parcel after the setback strips and chamfers are given to the street."""
    cuts = [s.setback_strip for s in streets if s.setback_strip is not None] + [c.triangle for c in chamfers]
    if not cuts:
        return parcel
    return polygonal(parcel.difference(shapely.union_all(cuts)))


def north_south_depth_m(geom: BaseGeometry) -> float:
    """Depth of a plot along the north axis (its north-south extent)."""
    if geom.is_empty:
        return 0.0
    _minx, miny, _maxx, maxy = geom.bounds
    return maxy - miny


def buildable_envelope(
    *, net: BaseGeometry, zone: ZoneRules | None, params: PlanParams, base_area_m2: float
) -> Envelope:
    """Net parcel ∩ northern band (each part of a multi-part parcel on its own), and the most
    that may be built there: coverage and the envelope cap the footprint, density and floors the
    floor area (DOMAIN.md: density, coverage, floors; placement)."""
    parts = polygon_parts(net)
    bands = [polygonal(northern_band(parcel=part, params=params)) for part in parts]
    geom = polygonal(shapely.union_all(bands)) if bands else Polygon()
    band_depth = max((north_south_depth_m(b) for b in bands), default=0.0)
    if zone is None or geom.is_empty:
        return Envelope(
            geom=geom,
            area_m2=geom.area,
            band_depth_m=round(band_depth, 2),
            base_area_m2=round(base_area_m2, 2),
            max_footprint_m2=0.0,
            max_floor_area_m2=0.0,
            max_floors=0,
            footprint_limit=Limit.NOTHING,
            floors_limit=Limit.NOTHING,
            floor_area_limit=Limit.NOTHING,
        )
    coverage_cap = max_footprint_m2(plot_area_m2=base_area_m2, zone=zone)
    footprint = min(coverage_cap, geom.area)
    floor_area_cap = max_floor_area_m2(plot_area_m2=base_area_m2, zone=zone)
    floors_by_area = math.floor(floor_area_cap / footprint + 1e-9) if footprint > 0 else 0
    floors = min(zone.max_floors, floors_by_area)
    floor_area = min(floor_area_cap, floors * footprint)
    return Envelope(
        geom=geom,
        area_m2=geom.area,
        band_depth_m=round(band_depth, 2),
        base_area_m2=round(base_area_m2, 2),
        max_footprint_m2=round(footprint, 2),
        max_floor_area_m2=round(floor_area, 2),
        max_floors=floors,
        zone_footprint_m2=round(coverage_cap, 2),
        zone_floor_area_m2=round(floor_area_cap, 2),
        footprint_limit=Limit.ENVELOPE if geom.area < coverage_cap else Limit.ZONE,
        floors_limit=Limit.FLOOR_AREA if floors_by_area < zone.max_floors else Limit.ZONE,
        floor_area_limit=Limit.ZONE
        if floor_area >= floor_area_cap - 0.005
        else (Limit.FLOORS if floors == zone.max_floors else Limit.WHOLE_FLOORS),
    )


def parcel_facts_build(
    *,
    geom: BaseGeometry,
    zones: Sequence[ZoneShare],
    streets: Sequence[StreetFacts],
    params: PlanParams,
    deed_area_m2: float | None,
    **identity,
) -> ParcelFacts:
    """The facts of a parcel from what was measured against its zones and streets: chamfers, net
    parcel, parts and depths follow (identity: the ids, versions and codes of ParcelFacts)."""
    chamfers = parcel_chamfers(parcel=geom, streets=streets, params=params)
    net = net_parcel(parcel=geom, streets=streets, chamfers=chamfers)
    return ParcelFacts(
        **identity,
        geom=geom,
        area_m2=geom.area,
        deed_area_m2=deed_area_m2,
        parts=len(polygon_parts(geom)),
        depth_m=north_south_depth_m(geom),
        zones=tuple(sorted(zones, key=lambda share: (-share.area_m2, share.zone_id))),
        streets=tuple(streets),
        chamfers=tuple(chamfers),
        net=net,
        net_area_m2=net.area,
        net_depth_m=north_south_depth_m(net),
        params=params,
    )
