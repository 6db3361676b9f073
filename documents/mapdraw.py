"""The parcel's vector map on a document: the record's geometries (storage CRS, metres) turned into
drawing instructions in millimetres for the Typst template (documents/typst/map.typ draws them with
its own shapes and text, so Persian labels are shaped by the same engine as the page).

Pure: shapely in, JSON-ready data out. North is up (UTM grid north); one scale for both axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, MultiLineString, Polygon
from shapely.geometry.base import BaseGeometry

from documents.content import ParcelMap

NICE_LENGTHS_M = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


@dataclass(frozen=True)
class MapLabels:
    """The words on the map, already in the document's language and digits."""

    footprint: str  # e.g. «۴ طبقه» / "4 floors" (empty: no label)
    scale_unit: str  # e.g. «%(n)s متر» / "%(n)s m", filled with the scale bar's length
    north: str  # «شمال» / "N"
    marked: str = ""  # the violation's area on a verdict notice


def _round(value: float) -> float:
    return round(value, 2)


class _Frame:
    """Metres (x east, y north) to millimetres in the box (x right, y down)."""

    def __init__(self, bounds: tuple[float, float, float, float], width_mm: float, height_mm: float):
        minx, miny, maxx, maxy = bounds
        self.scale = min(width_mm / (maxx - minx), height_mm / (maxy - miny))  # mm per metre
        self.ox = (width_mm - (maxx - minx) * self.scale) / 2 - minx * self.scale
        self.oy = (height_mm - (maxy - miny) * self.scale) / 2 + maxy * self.scale

    def point(self, x: float, y: float) -> list[float]:
        return [_round(self.ox + x * self.scale), _round(self.oy - y * self.scale)]

    def ring(self, coords) -> list[list[float]]:
        return [self.point(x, y) for x, y, *_ in coords]


def _polygons(geom: BaseGeometry | None) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    return [g for g in getattr(geom, "geoms", ()) if isinstance(g, Polygon) and not g.is_empty] + [
        p for g in getattr(geom, "geoms", ()) if not isinstance(g, Polygon) for p in _polygons(g)
    ]


def _lines(geom: BaseGeometry | None) -> list[LineString]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    if isinstance(geom, MultiLineString):
        return list(geom.geoms)
    return [line for g in getattr(geom, "geoms", ()) for line in _lines(g)]


def _shape(frame: _Frame, role: str, geom: BaseGeometry | None) -> list[dict]:
    """Each polygon as its rings (the first is the outside; the template fills even-odd, so holes show)."""
    return [
        {"role": role, "rings": [frame.ring(p.exterior.coords), *(frame.ring(i.coords) for i in p.interiors)]}
        for p in _polygons(geom)
    ]


def _upright_angle(geom: BaseGeometry) -> float:
    """The direction of a street's long side on the page, in degrees clockwise, kept readable (-90..90)."""
    rect = geom.minimum_rotated_rectangle
    if not isinstance(rect, Polygon):
        return 0.0
    (x0, y0), (x1, y1), (x2, y2) = list(rect.exterior.coords)[:3]
    a = (x1 - x0, y1 - y0)
    b = (x2 - x1, y2 - y1)
    dx, dy = a if math.hypot(*a) >= math.hypot(*b) else b
    angle = math.degrees(math.atan2(-dy, dx))  # page y points down
    if angle > 90:
        angle -= 180
    elif angle <= -90:
        angle += 180
    return round(angle, 1)


def _scale_bar(scale_mm_per_m: float, width_mm: float) -> tuple[int, float]:
    """A round length whose bar is at most a quarter of the map's width."""
    best = NICE_LENGTHS_M[0]
    for length in NICE_LENGTHS_M:
        if length * scale_mm_per_m <= width_mm / 4:
            best = length
    return best, _round(best * scale_mm_per_m)


def map_drawing(pmap: ParcelMap, *, width_mm: float, height_mm: float, labels: MapLabels, number) -> dict:
    """Drawing instructions for the parcel's map in a width × height box: filled shapes, lines, labels,
    a north arrow and a scale bar. `number(n)` writes the scale bar's figure in the document's digits."""
    parcel = pmap.parcel
    minx, miny, maxx, maxy = parcel.bounds
    margin = max(6.0, 0.3 * max(maxx - minx, maxy - miny))
    window = (minx - margin, miny - margin, maxx + margin, maxy + margin)
    frame = _Frame(window, width_mm, height_mm)
    clip = shapely.box(*window)

    shapes: list[dict] = []
    lines: list[dict] = []
    texts: list[dict] = []
    for street in pmap.streets:
        if street.road is not None:
            road = street.road.intersection(clip).difference(parcel)
            shapes += _shape(frame, "road", road)
            if not road.is_empty and street.name:
                at = road.representative_point()
                texts.append(
                    {
                        "role": "street",
                        "at": frame.point(at.x, at.y),
                        "angle": _upright_angle(road),
                        "text": street.name,
                    }
                )
    shapes += _shape(frame, "parcel", parcel)
    for street in pmap.streets:
        shapes += _shape(frame, "setback", street.setback_strip)
    for chamfer in pmap.chamfers:
        shapes += _shape(frame, "chamfer", chamfer)
    shapes += _shape(frame, "footprint" if pmap.footprint_drawn else "envelope", pmap.footprint)
    shapes += _shape(frame, "marked", pmap.marked)
    for street in pmap.streets:
        lines += [{"role": "realigned", "points": frame.ring(line.coords)} for line in _lines(street.realigned_line)]
    if pmap.footprint is not None and labels.footprint:
        at = pmap.footprint.representative_point()
        texts.append({"role": "footprint", "at": frame.point(at.x, at.y), "angle": 0, "text": labels.footprint})
    if pmap.marked is not None and labels.marked:
        at = pmap.marked.representative_point()
        texts.append({"role": "marked", "at": frame.point(at.x, at.y), "angle": 0, "text": labels.marked})
    length_m, length_mm = _scale_bar(frame.scale, width_mm)
    return {
        "w": width_mm,
        "h": height_mm,
        "shapes": shapes,
        "lines": lines,
        "texts": texts,
        "north": labels.north,
        "scale": {"mm": length_mm, "zero": number(0), "label": labels.scale_unit % {"n": number(length_m)}},
    }


# --- the city by district (a monthly summary's choropleth) ----------------------------------------------

SHADES = 5  # classes c0 (lightest) … c4 (darkest); "nodata" for a district without the figure


def shade_classes(
    values: list[float | None], classes: int = SHADES, *, whole: bool = False
) -> list[tuple[float, float]]:
    """Class bounds [(low, high), …] over the values present, in equal steps: one class when they are all
    equal, none when there is no value. `whole`: the figures are counts, so each class is a range of whole
    numbers (one class per number when there are at most `classes` of them) and no two legends read alike."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return []
    low, high = min(present), max(present)
    if high == low:
        return [(low, high)]
    if whole:
        low_i, high_i = math.floor(low), math.ceil(high)
        step = math.ceil((high_i - low_i + 1) / classes)
        return [(float(a), float(min(a + step - 1, high_i))) for a in range(low_i, high_i + 1, step)]
    step = (high - low) / classes
    return [(low + i * step, high if i == classes - 1 else low + (i + 1) * step) for i in range(classes)]


def shade_role(index: int, classes: int) -> str:
    """The colour of class `index` of `classes`: spread over the five shades (two classes are the lightest
    and the darkest, not two light ones)."""
    if classes <= 1:
        return f"c{SHADES // 2}"  # one class (every district alike): the middle shade
    return f"c{round(index * (SHADES - 1) / (classes - 1))}"


def shade_of(value: float | None, bounds: list[tuple[float, float]]) -> str:
    """The class role of a value ("nodata" for None)."""
    if value is None or not bounds:
        return "nodata"
    for i, (_, high) in enumerate(bounds):
        if float(value) <= high:
            return shade_role(i, len(bounds))
    return shade_role(len(bounds) - 1, len(bounds))


def choropleth_drawing(
    districts, *, width_mm: float, height_mm: float, north: str, scale_unit: str, number, whole: bool = False
) -> dict:
    """Drawing instructions for the city by district: each district filled by its figure's class, labelled
    with its label text; a north arrow and a scale bar. `districts` are (geometry in metres, value, label)
    triples; the same instruction format as map_drawing (documents/typst/map.typ draws both)."""
    geoms = [g for g, _, _ in districts if g is not None and not g.is_empty]
    if not geoms:
        return {}
    minx, miny, maxx, maxy = shapely.union_all(geoms).bounds
    margin = 0.04 * max(maxx - minx, maxy - miny, 1.0)
    frame = _Frame((minx - margin, miny - margin, maxx + margin, maxy + margin), width_mm, height_mm)
    bounds = shade_classes([v for _, v, _ in districts], whole=whole)
    shapes: list[dict] = []
    texts: list[dict] = []
    for geom, value, label in districts:
        if geom is None or geom.is_empty:
            continue
        shapes += _shape(frame, shade_of(value, bounds), geom)
        at = geom.representative_point()
        texts.append({"role": "district", "at": frame.point(at.x, at.y), "angle": 0, "text": label})
    length_m, length_mm = _scale_bar(frame.scale, width_mm)
    return {
        "w": width_mm,
        "h": height_mm,
        "shapes": shapes,
        "lines": [],
        "texts": texts,
        "north": north,
        "scale": {"mm": length_mm, "zero": number(0), "label": scale_unit % {"n": number(length_m)}},
        "classes": bounds,
    }
