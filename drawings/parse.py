"""The reader's items sorted by the layer convention into a Drawing (pure: no Django, no ORM).

Everything off-convention is named with its layer: a refusal (DrawingRefused) when the drawing
cannot be checked without it, an ignored layer when it is only extra (furniture, hatching).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

import shapely
from shapely import LineString, Polygon

from drawings.convention import MAX_FLOOR, PLAN_INFO_ALIASES, PLAN_INFO_KEYS, USE_ALIASES, Kind, layer_kind
from drawings.records import Balcony, Dimension, Drawing, DrawingRefused, Floor, PlanInfo
from gis_app.identifiers import normalise_digits

CLOSE_GAP = 0.01  # a polyline whose ends are this close (drawing units) is closed, flagged or not
OVERLAP_M2 = 0.01  # two areas on one layer sharing more than this overlap
DIMENSION_TOLERANCE = 0.01  # a dimension text more than 1 cm from its geometry is altered
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def _ring(item: dict, layer: str) -> Polygon:
    coords = item["coords"]
    if len(coords) < 3:
        raise DrawingRefused("degenerate_polygon", layer=layer)
    gap = shapely.Point(coords[0]).distance(shapely.Point(coords[-1]))
    if not item["closed"] and gap > CLOSE_GAP:
        raise DrawingRefused("open_polyline", layer=layer, gap=f"{gap:.2f}")
    polygon = Polygon(coords)
    if not polygon.is_valid or polygon.area <= 0:
        raise DrawingRefused("invalid_polygon", layer=layer)
    return polygon


def _union_without_overlap(polygons: list[Polygon], layer: str):
    for a, b in itertools.combinations(polygons, 2):
        shared = a.intersection(b).area
        if shared > OVERLAP_M2:
            raise DrawingRefused("overlap", layer=layer, area=f"{shared:.2f}")
    return shapely.union_all(polygons)


def _shown(text: str) -> float | None:
    """The number a dimension text shows ("<>" or "" show the measurement itself)."""
    text = normalise_digits(text.replace("\\P", " ")).replace("٫", ".").strip()
    if not text or text == "<>" or "<>" in text:
        return None
    match = _NUMBER.search(text)
    return float(match.group().replace(",", ".")) if match else None


def _plan_info(texts: list[tuple[str, str]]) -> PlanInfo:
    values: dict[str, str] = {}
    for layer, text in texts:
        for line in normalise_digits(text).splitlines():
            line = line.strip()
            if not line:
                continue
            if "=" not in line:
                raise DrawingRefused("plan_info_line", layer=layer, text=line[:60])
            key, value = (part.strip() for part in line.split("=", 1))
            key = PLAN_INFO_ALIASES.get(key.replace(" ", "_"), key.upper())
            if key not in PLAN_INFO_KEYS:
                raise DrawingRefused("plan_info_key", layer=layer, key=key[:40], keys=", ".join(PLAN_INFO_KEYS))
            values[key] = value
    numbers = {}
    for key in ("FLOORS", "UNITS"):
        if values.get(key):
            if not values[key].isdigit():
                raise DrawingRefused("plan_info_number", key=key, value=values[key][:20])
            numbers[key] = int(values[key])
    use = values.get("USE") or None
    return PlanInfo(
        renovation_code=values.get("RENOVATION_CODE") or None,
        file_code=values.get("FILE_CODE") or None,
        floors=numbers.get("FLOORS"),
        use=USE_ALIASES.get(use, use.lower()) if use else None,
        units=numbers.get("UNITS"),
    )


def drawing_parse(raw: dict) -> Drawing:
    """Sort the reader's items by layer (drawings.convention) into a Drawing, or DrawingRefused naming
    the layer and what is wrong with it."""
    by_kind: dict[tuple[Kind, int | None], list[tuple[str, dict]]] = defaultdict(list)
    ignored: set[str] = set()
    for item in raw["items"]:
        layer = item["layer"]
        found = layer_kind(layer)
        if found is None:
            ignored.add(layer)
            continue
        kind, n = found
        if n is not None and n > MAX_FLOOR:
            raise DrawingRefused("floor_number", layer=layer, limit=MAX_FLOOR)
        by_kind[found].append((layer, item))
    if not by_kind:
        raise DrawingRefused("no_convention_layers", layers=", ".join(sorted(ignored)[:5]) or "0")

    def polygons(kind: Kind, n: int | None = None) -> list[Polygon]:
        return [_ring(item, layer) for layer, item in by_kind.get((kind, n), []) if item["type"] == "polyline"]

    plots = polygons(Kind.PLOT)
    if len(plots) != 1:
        raise DrawingRefused("plot_count", layer="PLOT_BOUNDARY", count=len(plots))
    numbers = sorted({n for (kind, n) in by_kind if kind == Kind.FOOTPRINT})
    if not [n for n in numbers if n >= 1]:
        raise DrawingRefused("missing_layer", layer="FLR_1_FOOTPRINT")
    for n in range(1, max(numbers) + 1):
        if n not in numbers:
            raise DrawingRefused("floor_gap", layer=f"FLR_{n}_FOOTPRINT", last=max(numbers))
    for (kind, n), items in by_kind.items():
        if kind in (Kind.AREA, Kind.DEDUCT, Kind.BALCONY) and n not in numbers:
            raise DrawingRefused("floor_without_footprint", layer=items[0][0], footprint=f"FLR_{n}_FOOTPRINT")
    floors = []
    for n in numbers:
        footprint = _union_without_overlap(polygons(Kind.FOOTPRINT, n), f"FLR_{n}_FOOTPRINT")
        areas = polygons(Kind.AREA, n)
        area = _union_without_overlap(areas, f"FLR_{n}_AREA") if areas else footprint
        deducts = polygons(Kind.DEDUCT, n)
        deduct = _union_without_overlap(deducts, f"FLR_{n}_DEDUCT") if deducts else None
        if deduct is not None and deduct.difference(area).area > OVERLAP_M2:
            raise DrawingRefused("deduct_outside", layer=f"FLR_{n}_DEDUCT", area_layer=f"FLR_{n}_AREA")
        floors.append(Floor(number=n, footprint=footprint, area=area, deduct=deduct))
    parking = polygons(Kind.PARKING)
    _union_without_overlap(parking, "PARKING_SLOT")
    balconies = [Balcony(floor=n, geom=g) for (kind, n) in by_kind if kind == Kind.BALCONY for g in polygons(kind, n)]
    lines = [
        LineString(item["coords"])
        for _layer, item in by_kind.get((Kind.REALIGNMENT, None), [])
        if item["type"] in ("line", "polyline") and len(item["coords"]) >= 2
    ]
    dimensions = tuple(
        Dimension(layer=layer, measured=item["measured"], text=item["text"], shown=_shown(item["text"]))
        for items in by_kind.values()
        for layer, item in items
        if item["type"] == "dimension"
    ) + tuple(
        Dimension(layer=item["layer"], measured=item["measured"], text=item["text"], shown=_shown(item["text"]))
        for item in raw["items"]
        if item["type"] == "dimension" and layer_kind(item["layer"]) is None
    )
    heights = [d for d in dimensions if layer_kind(d.layer) == (Kind.HEIGHT, None)]
    if len(heights) > 1:
        raise DrawingRefused("height_count", layer="HEIGHT", count=len(heights))
    texts = [(layer, item["text"]) for layer, item in by_kind.get((Kind.PLAN_INFO, None), []) if item["type"] == "text"]
    return Drawing(
        info=_plan_info(texts),
        plot=plots[0],
        realignment=shapely.union_all(lines) if lines else None,
        floors=tuple(floors),
        parking=tuple(parking),
        balconies=tuple(sorted(balconies, key=lambda b: b.floor)),
        height_m=heights[0].measured if heights else None,
        dimensions=dimensions,
        ignored_layers=tuple(sorted(ignored)),
    )
