"""From what a survey file holds to measured geometry in the storage CRS (pure: no ORM, no request).

The reader gives features in the file's own coordinates and names; here the CRS is settled (the
file's and the declared one must agree and be accepted), each feature is told apart as the parcel
boundary, a building footprint or a surveyed point, coordinates are checked (finite, not too many),
transformed, and every geometry is checked for type, emptiness and validity. A problem refuses the
whole file with a message naming it (surveys.uploads.UploadRefused).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.utils.translation import gettext_lazy as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from gis_app.text import InputKind, normalise_input
from surveys.uploads import LIMITS, MESSAGES, RawFile, UploadRefused
from zoning.compliance.limits import FLOORS_MAX

MIN_BOUNDARY_M2 = 10.0  # a parcel smaller than this is a drawing error, not a plot
MIN_BUILDING_M2 = 1.0
HEIGHT_RANGE_M = (-500.0, 6000.0)
SAFE_TEXT = re.compile(r"^[\w.\-/]{1,32}$")  # point ids and codes: letters (any script), digits, . - _ /

KIND_WORDS = {
    "boundary": {"boundary", "parcel", "parcels", "bound", "مرز", "قطعه", "ملک"},
    "building": {"building", "buildings", "bldg", "ساختمان", "بنا"},
    "point": {"point", "points", "pt", "pts", "نقطه", "نقاط"},
}
BOUNDARY_CODES = {"BND", "B", "BOUNDARY", "CORNER", "مرز"}
FLOOR_LEVEL_CODES = {"FL", "FLOOR", "کف"}
BUILDING_CODE = re.compile(r"^(?:BLD|BUILDING|ساختمان)[-_]?(\d{0,3})$", re.IGNORECASE)
CSV_COLUMNS = {
    "point_id": {"point_id", "id", "pt", "point", "name", "شماره", "نقطه"},
    "easting": {"easting", "east", "e", "x", "شرقی"},
    "northing": {"northing", "north", "n", "y", "شمالی"},
    "height": {"height", "h", "z", "elevation", "elev", "ارتفاع"},
    "code": {"code", "desc", "description", "کد"},
    "floors": {"floors", "storeys", "طبقات"},
}

# the refusals of the checks after reading join the reader's in one table
MESSAGES.update(
    {
        "crs_missing": _("The file does not say its coordinate system; choose it in the form."),
        "crs_unknown": _("The file's coordinate system is not one we can identify by an EPSG code."),
        "crs_mismatch": _(
            "The file says its coordinates are in EPSG:%(file)s but EPSG:%(declared)s was chosen; check which is right."
        ),
        "crs_not_accepted": _("Coordinates in EPSG:%(srid)s are not accepted; use one of: %(accepted)s."),
        "no_boundary": _("The file has no closed parcel boundary."),
        "many_boundaries": _("The file has %(count)s parcel boundaries; a survey measures one parcel."),
        "boundary_not_closed": _("The parcel boundary on layer %(layer)s is not a closed polyline."),
        "unknown_kind": _(
            'Cannot tell what feature %(fid)s is (boundary, building or point); give it a "kind" attribute.'
        ),
        "wrong_geometry": _("Feature %(fid)s is a %(actual)s; a %(kind)s must be a %(expected)s."),
        "empty_geometry": _("Feature %(fid)s has no geometry."),
        "invalid_geometry": _("The %(kind)s is not a valid shape (%(reason)s) near %(where)s."),
        "too_small": _("The %(kind)s has an area of %(area)s m², too small to be real."),
        "bad_text": _(
            "The %(what)s value %(value)s holds characters that are not allowed (letters, digits, . - _ / only)."
        ),
        "bad_floors": _("A building's floors must be a whole number from 0 to %(limit)s (found %(value)s)."),
        "bad_height": _("Point %(point)s has a height of %(value)s, not a height above sea level in metres."),
        "csv_no_columns": _(
            "The CSV file needs at least easting and northing columns (with a header row, "
            "or as point id, easting, northing[, height, code])."
        ),
        "csv_number": _("Row %(row)s: %(value)s is not a number."),
        "duplicate_point": _("Point id %(point)s appears more than once."),
        "outside_city": _("The survey's coordinates fall outside the municipality."),
        "outside_city_swapped": _(
            "The survey's coordinates fall outside the municipality; they look swapped (northing given as easting)."
        ),
        "far_from_parcel": _(
            "The measured boundary is %(distance)s m from parcel %(file_code)s; "
            "is this the right parcel and coordinate system?"
        ),
    }
)


@dataclass(frozen=True)
class MeasuredPoint:
    point_id: str
    code: str
    geom: Point  # storage CRS
    height_m: float | None


@dataclass(frozen=True)
class MeasuredBuilding:
    footprint: Polygon  # storage CRS
    floors: int | None


@dataclass(frozen=True)
class Measured:
    """A survey's geometry in the storage CRS, checked."""

    source_srid: int
    boundary: Polygon
    buildings: list[MeasuredBuilding] = field(default_factory=list)
    points: list[MeasuredPoint] = field(default_factory=list)

    @property
    def floor_level_m(self) -> float | None:
        """The mean of the floor-level shots (code FL / کف), if the surveyor took any."""
        heights = [p.height_m for p in self.points if p.code.upper() in FLOOR_LEVEL_CODES and p.height_m is not None]
        return sum(heights) / len(heights) if heights else None

    def everything(self) -> BaseGeometry:
        return shapely.union_all(
            [self.boundary, *(b.footprint for b in self.buildings), *(p.geom for p in self.points)]
        )


@dataclass(frozen=True)
class DxfLayers:
    """Which DXF layers hold what (names compared without case)."""

    boundary: str = "PARCEL"
    buildings: str = "BUILDING"
    points: str = "POINTS"


# --- CRS -----------------------------------------------------------------------------------------
def source_srid_resolve(*, raw: RawFile, declared: int | None, accepted: tuple[int, ...]) -> int:
    """The EPSG code the file's coordinates are in: the file's own, or the declared one; both must agree."""
    found = raw.crs_epsg
    if found is None and raw.crs_wkt:
        try:
            found = CRS.from_wkt(raw.crs_wkt).to_epsg(min_confidence=70)
        except CRSError:
            found = None
        if found is None:
            raise UploadRefused("crs_unknown")
    if found is not None and declared is not None and found != declared:
        raise UploadRefused("crs_mismatch", file=found, declared=declared)
    srid = found if found is not None else declared
    if srid is None:
        raise UploadRefused("crs_missing")
    if srid not in accepted:
        raise UploadRefused("crs_not_accepted", srid=srid, accepted=", ".join(f"EPSG:{s}" for s in accepted))
    return srid


@functools.cache
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def _to_storage(geom: BaseGeometry, *, source: int, target: int) -> BaseGeometry:
    if source == target:
        return geom
    moved = shapely.transform(
        geom, lambda xy: np.column_stack(_transformer(source, target).transform(xy[:, 0], xy[:, 1]))
    )
    if not np.isfinite(shapely.get_coordinates(moved)).all():
        raise UploadRefused("outside_city")  # coordinates that do not exist in the target projection
    return moved


# --- checks ----------------------------------------------------------------------------------------
def _check_coordinates(geom: BaseGeometry) -> None:
    coords = shapely.get_coordinates(geom, include_z=True)
    if not np.isfinite(coords[:, :2]).all() or (coords.shape[1] > 2 and np.isinf(coords[:, 2]).any()):
        raise UploadRefused("not_finite")
    if len(coords) > LIMITS.vertices:
        raise UploadRefused("too_many_vertices", limit=LIMITS.vertices)


def _where(point: Point) -> str:
    return f"E {point.x:.2f}, N {point.y:.2f}"


def _check_polygon(geom: BaseGeometry, *, kind_label, min_area: float) -> Polygon:
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        location = re.search(r"\[([-\d.e+]+) ([-\d.e+]+)\]", reason)
        where = _where(Point(float(location[1]), float(location[2]))) if location else "?"
        raise UploadRefused("invalid_geometry", kind=kind_label, reason=reason.split("[")[0].strip(), where=where)
    if geom.area < min_area:
        raise UploadRefused("too_small", kind=kind_label, area=f"{geom.area:.2f}")
    return shapely.force_2d(geom)


def _safe_text(value, *, what) -> str:
    text = normalise_input(value, InputKind.CODE)
    if text and not SAFE_TEXT.match(text):
        raise UploadRefused("bad_text", what=what, value=repr(text[:40]))
    return text


def _floors(value) -> int | None:
    if value is None or value == "":
        return None
    text = normalise_input(value, InputKind.NUMBER)
    try:
        number = float(text)
    except ValueError:
        raise UploadRefused("bad_floors", limit=FLOORS_MAX, value=repr(text[:20])) from None
    if not number.is_integer() or not 0 <= number <= FLOORS_MAX:
        raise UploadRefused("bad_floors", limit=FLOORS_MAX, value=repr(text[:20]))
    return int(number)


def _finite_number(value, refusal: str, **params) -> float:
    """A number typed in any digits; refusal names the message when it is not one."""
    try:
        number = float(normalise_input(value, InputKind.NUMBER))
    except ValueError:
        raise UploadRefused(refusal, value=repr(str(value)[:20]), **params) from None
    if not math.isfinite(number):
        raise UploadRefused("not_finite")
    return number


def _height(value, *, point: str) -> float | None:
    if value is None or value == "":
        return None
    number = _finite_number(value, "bad_height", point=point)
    if not HEIGHT_RANGE_M[0] <= number <= HEIGHT_RANGE_M[1]:
        raise UploadRefused("bad_height", point=point, value=number)
    return number


# --- per format ------------------------------------------------------------------------------------
def _attr(attrs: dict, names: set[str]):
    for key, value in attrs.items():
        if str(key).strip().lower() in names:
            return value
    return None


def _kind_word(value) -> str | None:
    word = str(value or "").strip().lower()
    return next((kind for kind, words in KIND_WORDS.items() if word in words), None)


@dataclass
class _Parts:
    boundaries: list[BaseGeometry] = field(default_factory=list)
    buildings: list[tuple[BaseGeometry, int | None]] = field(default_factory=list)
    points: list[tuple[str, str, BaseGeometry, float | None]] = field(default_factory=list)


EXPECTED = {"boundary": ("Polygon", "MultiPolygon"), "building": ("Polygon", "MultiPolygon"), "point": ("Point",)}


def _parse_wkb(feature: dict) -> BaseGeometry:
    """A feature's geometry; unclosed rings are closed first ("fix") so that a NaN or an infinite
    vertex is reported as such rather than as a broken ring."""
    fid = feature["fid"]
    if not feature["wkb"]:
        raise UploadRefused("empty_geometry", fid=fid)
    try:
        geom = shapely.from_wkb(feature["wkb"], on_invalid="fix")
    except shapely.errors.GEOSException as error:
        raise UploadRefused("empty_geometry", fid=fid) from error
    if geom is None or geom.is_empty:
        raise UploadRefused("empty_geometry", fid=fid)
    return geom


def _from_gdal(raw: RawFile) -> _Parts:
    parts = _Parts()
    features = [(layer["name"], f, _parse_wkb(f)) for layer in raw.layers for f in layer["features"]]
    polygons = sum(1 for _n, _f, geom in features if geom.geom_type.endswith("Polygon"))
    for layer_name, feature, geom in features:
        fid = feature["fid"]
        _check_coordinates(geom)
        attrs = feature["attrs"]
        kind = _kind_word(_attr(attrs, {"kind", "type", "نوع"})) or _kind_word(layer_name)
        if kind is None:
            if geom.geom_type == "Point":
                kind = "point"
            elif geom.geom_type.endswith("Polygon") and polygons == 1:
                kind = "boundary"
            else:
                raise UploadRefused("unknown_kind", fid=fid)
        if geom.geom_type not in EXPECTED[kind]:
            raise UploadRefused(
                "wrong_geometry", fid=fid, actual=geom.geom_type, kind=kind, expected=" / ".join(EXPECTED[kind])
            )
        if kind == "boundary":
            parts.boundaries.append(geom)
        elif kind == "building":
            parts.buildings.append((geom, _floors(_attr(attrs, CSV_COLUMNS["floors"]))))
        else:
            point_id = _safe_text(_attr(attrs, CSV_COLUMNS["point_id"]) or f"P{fid}", what=_("point id"))
            height = _attr(attrs, CSV_COLUMNS["height"])
            if height is None and geom.has_z:
                height = geom.z
            code = _safe_text(_attr(attrs, CSV_COLUMNS["code"]), what=_("code"))
            parts.points.append((point_id, code, shapely.force_2d(geom), _height(height, point=point_id)))
    return parts


def _from_dxf(raw: RawFile, layers: DxfLayers) -> _Parts:
    parts = _Parts()
    labels = []
    for layer in raw.layers:
        name = layer["name"].strip().lower()
        for n, item in enumerate(layer["features"], start=1):
            if name == layers.boundary.lower():
                if item["type"] == "line":
                    raise UploadRefused("boundary_not_closed", layer=layer["name"])
                if item["type"] == "ring":
                    parts.boundaries.append(_ring(item["coords"]))
            elif name == layers.buildings.lower():
                if item["type"] == "ring":
                    parts.buildings.append((_ring(item["coords"]), None))
                elif item["type"] == "label":
                    labels.append(item)
            elif name == layers.points.lower() and item["type"] == "point":
                attrs = item.get("attrs") or {}
                point_id = _safe_text(attrs.get("ID") or attrs.get("PT") or f"P{n}", what=_("point id"))
                code = _safe_text(attrs.get("CODE"), what=_("code"))
                x, y, z = item["coords"]
                height = attrs.get("H", z if z else None)
                parts.points.append((point_id, code, Point(x, y), _height(height, point=point_id)))
    # a number written inside a building's outline on the building layer is its floors
    for label in labels:
        where = Point(label["coords"])
        for i, (footprint, _floors_now) in enumerate(parts.buildings):
            if footprint.contains(where):
                parts.buildings[i] = (footprint, _floors(label["text"]))
    return parts


def _ring(coords: list) -> BaseGeometry:
    if len(coords) < 3:
        return Polygon()
    return Polygon(coords)


def _csv_columns(rows: list[list]) -> tuple[dict[str, int], list[list]]:
    header = [str(cell).strip().lower() for cell in rows[0]]
    columns = {ours: header.index(name) for ours, names in CSV_COLUMNS.items() for name in names if name in header}
    if "easting" in columns and "northing" in columns:
        return columns, rows[1:]
    # no header: point id, easting, northing[, height, code]
    if len(rows[0]) >= 3:
        return {"point_id": 0, "easting": 1, "northing": 2, "height": 3, "code": 4}, rows
    raise UploadRefused("csv_no_columns")


def _number(value, *, row: int) -> float:
    return _finite_number(value, "csv_number", row=row)


def _from_csv(raw: RawFile) -> _Parts:
    if not raw.rows:
        raise UploadRefused("empty")
    columns, rows = _csv_columns(raw.rows)
    parts = _Parts()
    corners: list[tuple[float, float]] = []
    buildings: dict[str, list[tuple[float, float]]] = {}
    floors: dict[str, int | None] = {}
    seen = set()

    def cell(row, name):
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    for n, row in enumerate(rows, start=1 if len(rows) == len(raw.rows) else 2):
        point_id = _safe_text(cell(row, "point_id") or f"P{n}", what=_("point id"))
        if point_id in seen:
            raise UploadRefused("duplicate_point", point=point_id)
        seen.add(point_id)
        x, y = _number(cell(row, "easting"), row=n), _number(cell(row, "northing"), row=n)
        code = _safe_text(cell(row, "code"), what=_("code"))
        parts.points.append((point_id, code, Point(x, y), _height(cell(row, "height"), point=point_id)))
        if code.upper() in BOUNDARY_CODES:
            corners.append((x, y))
        elif match := BUILDING_CODE.match(code):
            buildings.setdefault(match[1] or "1", []).append((x, y))
            floors.setdefault(match[1] or "1", _floors(cell(row, "floors")))
    if corners:
        parts.boundaries.append(_ring(corners))
    for key, ring in buildings.items():
        parts.buildings.append((_ring(ring), floors.get(key)))
    return parts


# --- the whole file --------------------------------------------------------------------------------
def measured_from_file(
    raw: RawFile,
    *,
    declared_srid: int | None,
    accepted_srids: tuple[int, ...],
    storage_srid: int,
    dxf_layers: DxfLayers | None = None,
    swap_axes: bool = False,
) -> Measured:
    """The survey's boundary, buildings and points in the storage CRS, every check passed
    (swap_axes reads x as y and y as x: how the caller tells a user their columns look swapped)."""
    srid = source_srid_resolve(raw=raw, declared=declared_srid, accepted=accepted_srids)
    if raw.format == "csv":
        parts = _from_csv(raw)
    elif raw.format == "dxf":
        parts = _from_dxf(raw, dxf_layers or DxfLayers())
    else:
        parts = _from_gdal(raw)
    if not parts.boundaries:
        raise UploadRefused("no_boundary")
    if len(parts.boundaries) > 1:
        raise UploadRefused("many_boundaries", count=len(parts.boundaries))

    def move(geom):
        _check_coordinates(geom)
        if swap_axes:
            geom = shapely.transform(geom, lambda xy: xy[:, ::-1])
        return _to_storage(geom, source=srid, target=storage_srid)

    boundary = _check_polygon(move(parts.boundaries[0]), kind_label=_("parcel boundary"), min_area=MIN_BOUNDARY_M2)
    buildings = [
        MeasuredBuilding(_check_polygon(move(geom), kind_label=_("building"), min_area=MIN_BUILDING_M2), floors)
        for geom, floors in parts.buildings
    ]
    points = [MeasuredPoint(pid, code, move(geom), height) for pid, code, geom, height in parts.points]
    return Measured(source_srid=srid, boundary=boundary, buildings=buildings, points=points)
