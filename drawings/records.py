"""Typed records of a drawing check (pure: no Django): what was read, where it was placed, what the
checks found. Geometries are shapely, in the drawing's own units until placed, then in the storage CRS."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from zoning.compliance.records import RuleResult


class DrawingRefused(Exception):
    """A drawing refused before anything was stored; `code` names its message (drawings.messages),
    `params` its figures and the layer it names."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        from drawings.messages import message_for

        return message_for(self.code, self.params)


@dataclass(frozen=True)
class PlanInfo:
    """The PLAN_INFO layer's key=value texts (None when the drawing does not say)."""

    renovation_code: str | None = None
    file_code: str | None = None
    floors: int | None = None
    use: str | None = None
    units: int | None = None


@dataclass(frozen=True)
class Floor:
    number: int  # 0 is the pilotis (not counted), 1.. the floors above it
    footprint: BaseGeometry
    area: BaseGeometry  # built-up area (the footprint when FLR_n_AREA is not drawn)
    deduct: BaseGeometry | None


@dataclass(frozen=True)
class Balcony:
    floor: int
    geom: BaseGeometry


@dataclass(frozen=True)
class Dimension:
    """A dimension's value measured from its geometry beside the text the drawing shows."""

    layer: str
    measured: float
    text: str  # what the drawing shows ("" or "<>" when it shows the measurement)
    shown: float | None  # the number in the text, when it is one

    @property
    def altered(self) -> bool:
        from drawings.parse import DIMENSION_TOLERANCE

        return self.shown is not None and abs(self.shown - self.measured) > DIMENSION_TOLERANCE


@dataclass(frozen=True)
class Drawing:
    """A drawing read by the convention, in its own coordinates."""

    info: PlanInfo
    plot: BaseGeometry
    realignment: BaseGeometry | None
    floors: tuple[Floor, ...]  # by number
    parking: tuple[BaseGeometry, ...]
    balconies: tuple[Balcony, ...]
    height_m: float | None
    dimensions: tuple[Dimension, ...]
    ignored_layers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def counted_floors(self) -> tuple[Floor, ...]:
        return tuple(f for f in self.floors if f.number >= 1)

    @property
    def altered_dimensions(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.altered)


@dataclass(frozen=True)
class Placement:
    """How the drawing was put on the parcel: as is (UTM 40N) or by a similarity fit of its plot to the
    parcel's boundary (matrix: a, b, d, e, xoff, yoff as shapely.affinity.affine_transform takes it)."""

    method: str  # "utm" or "fit"
    target: str  # "measured" or "cadastral": which boundary it was fitted to
    matrix: tuple[float, float, float, float, float, float]
    rotation_deg: float
    scale: float
    residual_m: float  # RMS distance of the plot's corners from the parcel's after the fit
    max_error_m: float


@dataclass(frozen=True)
class Measures:
    """What PostGIS measured of the placed drawing against the parcel (drawings.selectors.drawing_measures)."""

    floor_areas_m2: tuple[tuple[int, float, float], ...]  # (floor, footprint m², net floor area m²)
    outside_envelope_m2: float
    beyond_realigned_m2: float
    projection_depth_m: float  # of the balconies beyond the realigned line, over the street
    projection_street_width_m: float | None
    slot_sides_m: tuple[tuple[float, float], ...]  # (short, long) per parking slot
    overlaps: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class DrawingReport:
    """The checks of one drawing: each rule with its figures, plan version and explanation."""

    results: tuple[RuleResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.results if r.status == "failed")


@dataclass(frozen=True)
class OrderTerms:
    """What the map preparation order allows (read from the issued order: drawings.selectors.order_terms)."""

    max_floors: int
    max_footprint_m2: float
    max_floor_area_m2: float
    max_height_m: float | None
    land_use: str | None
    file_code: str
    renovation_code: str
    zones_version: int | None
    issued_at: str
