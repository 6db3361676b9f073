"""The building as built compared with the issued permit (stage 9: completion and no-violation
certificates), as pure rules: the permitted and the measured figures in, the differences out.

DOMAIN.md, Certificates: the comparison is between the building as built (an as-built survey) and the
issued permit — footprint, floors, height, floor area, setback and realigned line, parking — never the
plan's maximum. A building smaller than permitted is not a violation; anything beyond the permit is, with
its Article 100 note and area (DOMAIN.md, Article 100 commission). The areas come from PostGIS
(permits.selectors.asbuilt_measure); nothing here reads the database.

A no-violation certificate compares the building up to its current stage of construction: fewer floors
than permitted, a smaller floor area and parking not yet built are no difference; more of anything is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from violations.article100 import NOTES, PARKING_SPACE_M2

SCHEMA_VERSION = 1

# survey accuracy: an as-built survey measures to a few centimetres, so a sliver under a square metre
# or a few centimetres of height is the survey's noise, not a building beyond its permit
AREA_TOLERANCE_M2 = 1.0
FLOOR_AREA_TOLERANCE = 0.01  # 1 % of the permitted floor area
HEIGHT_TOLERANCE_M = 0.3

# what each difference is, in the order the page lists them
KINDS = ("realigned_line", "footprint", "floors", "height", "floor_area", "parking")
# the part of the building each difference is drawn with (the case's geometry)
GEOMETRY_OF = {
    "realigned_line": "beyond_line",
    "footprint": "outside_footprint",
    "floors": "built",
    "height": "built",
    "floor_area": "built",
    "parking": "built",
}
# note 3 (commercial, industrial, office) rather than note 2 (residential) for the extra floor area
COMMERCIAL_USES = frozenset({"commercial", "industrial", "administrative", "mixed"})


@dataclass(frozen=True)
class Permitted:
    """What the issued building permit allows (its request's proposal and the map preparation order)."""

    tracking_code: str
    use: str
    floors: int
    floor_area_m2: float
    footprint_m2: float
    height_m: float | None
    parking_spaces: int | None


@dataclass(frozen=True)
class Built:
    """The building as the accepted as-built survey measured it (areas from PostGIS, storage CRS)."""

    survey_id: int
    floors: int
    footprint_m2: float
    floor_area_m2: float
    height_m: float | None  # the roof shots above the floor level; None when none was taken
    outside_footprint_m2: float  # built outside the permitted footprint, behind the realigned line
    beyond_line_m2: float  # built on the street's land beyond the realigned line
    parking_spaces: int | None  # parking spaces shot by the surveyor (code PK); None when none was shot
    parking_required: int | None  # the plan's parking for the built floor area and the permitted use


@dataclass(frozen=True)
class Difference:
    """One thing built beyond the permit: what, permitted and built figures, the area beyond it, and the
    Article 100 note (violations.article100) the case goes to the commission under."""

    kind: str  # one of KINDS
    permitted: float | None
    built: float | None
    excess_area_m2: float
    note: int
    violation_kind: str  # violations.models.ViolationKind
    parking_spaces: int = 0
    violation_id: int | None = None  # the case opened for it on the file (set when stored)

    @property
    def geometry(self) -> str:
        return GEOMETRY_OF[self.kind]


@dataclass(frozen=True)
class Comparison:
    """The whole comparison as stored (schema-versioned; read back with comparison_load)."""

    in_progress: bool  # a no-violation certificate: up to the current stage of construction
    permitted: Permitted
    built: Built
    differences: tuple[Difference, ...]
    schema: int = SCHEMA_VERSION


def _extra_area_kind(use: str) -> str:
    return "extra_area_commercial" if use in COMMERCIAL_USES else "extra_area_residential"


def _difference(kind: str, violation_kind: str, **values) -> Difference:
    return Difference(kind=kind, violation_kind=violation_kind, note=NOTES[violation_kind].number, **values)


def realigned_line_difference(p: Permitted, b: Built) -> Difference | None:
    """Built on the street's land beyond the realigned line (بر اصلاحی): Article 100 note 6, demolition of
    the encroaching part (its ground area)."""
    if b.beyond_line_m2 <= AREA_TOLERANCE_M2:
        return None
    return _difference(
        "realigned_line", "street_encroachment", permitted=0.0, built=b.beyond_line_m2, excess_area_m2=b.beyond_line_m2
    )


def footprint_difference(p: Permitted, b: Built) -> Difference | None:
    """Built outside the permitted footprint (behind the realigned line): extra floor area (note 2, or 3
    for commercial uses), the outside part counted on every floor up to the permitted floors (the
    floors above them are the floors difference)."""
    if b.outside_footprint_m2 <= AREA_TOLERANCE_M2:
        return None
    floors = max(1, min(b.floors, p.floors))
    return _difference(
        "footprint",
        _extra_area_kind(p.use),
        permitted=p.footprint_m2,
        built=b.footprint_m2,
        excess_area_m2=round(b.outside_footprint_m2 * floors, 2),
    )


def floors_difference(p: Permitted, b: Built) -> Difference | None:
    """Floors above the permitted number: each extra floor's area is extra floor area (note 2 or 3).
    Fewer floors (a building in progress, or built smaller) is no difference."""
    extra = b.floors - p.floors
    if extra <= 0:
        return None
    return _difference(
        "floors",
        _extra_area_kind(p.use),
        permitted=float(p.floors),
        built=float(b.floors),
        excess_area_m2=round(extra * b.footprint_m2, 2),
    )


def height_difference(p: Permitted, b: Built) -> Difference | None:
    """Taller than permitted within the permitted floors (higher storeys, a roof structure): against the
    permit's technical figures, note 1. Taller because of an extra floor is the floors difference."""
    if p.height_m is None or b.height_m is None or b.floors > p.floors:
        return None
    if b.height_m <= p.height_m + HEIGHT_TOLERANCE_M:
        return None
    return _difference(
        "height", "against_plan", permitted=p.height_m, built=b.height_m, excess_area_m2=round(b.footprint_m2, 2)
    )


def floor_area_difference(p: Permitted, b: Built, *, counted_m2: float) -> Difference | None:
    """Floor area beyond the permitted total that the footprint and floors differences do not already
    count (e.g. a mezzanine, a floor built larger than the one below): note 2 or 3."""
    residual = b.floor_area_m2 - p.floor_area_m2 - counted_m2
    if residual <= max(AREA_TOLERANCE_M2, FLOOR_AREA_TOLERANCE * p.floor_area_m2):
        return None
    return _difference(
        "floor_area",
        _extra_area_kind(p.use),
        permitted=p.floor_area_m2,
        built=b.floor_area_m2,
        excess_area_m2=round(residual, 2),
    )


def parking_difference(p: Permitted, b: Built) -> Difference | None:
    """Parking spaces fewer than the plan asks for the building as built (note 5, 25 m² a space), counted
    from the spaces the surveyor marked (code PK). A survey that marked none does not decide parking: the
    inspector's visit and the commission do, never a guess from the floor area."""
    if b.parking_required is None or b.parking_spaces is None:
        return None
    provided = b.parking_spaces
    missing = b.parking_required - provided
    if missing <= 0:
        return None
    return _difference(
        "parking",
        "missing_parking",
        permitted=float(p.parking_spaces or 0),
        built=float(provided),
        excess_area_m2=float(missing * PARKING_SPACE_M2),
        parking_spaces=missing,
    )


def differences(p: Permitted, b: Built, *, in_progress: bool) -> tuple[Difference, ...]:
    """Every difference between the building as built and the permit, in the order of KINDS."""
    found = [realigned_line_difference(p, b), footprint_difference(p, b), floors_difference(p, b)]
    found.append(height_difference(p, b))
    # the floor area the other differences already count: the encroaching part on every floor up to the
    # permitted floors, the outside part likewise, the extra floors whole
    over_line = b.beyond_line_m2 * max(1, min(b.floors, p.floors)) if found[0] is not None else 0.0
    counted = over_line + sum(d.excess_area_m2 for d in found[1:3] if d is not None)
    found.append(floor_area_difference(p, b, counted_m2=counted))
    if not in_progress:  # a building in progress has not built its parking yet
        found.append(parking_difference(p, b))
    return tuple(d for d in found if d is not None)


def compare(p: Permitted, b: Built, *, in_progress: bool) -> Comparison:
    """The comparison record of a building as built with its permit."""
    return Comparison(
        in_progress=in_progress, permitted=p, built=b, differences=differences(p, b, in_progress=in_progress)
    )


def comparison_dump(c: Comparison) -> dict:
    """The record as JSON for storage."""
    return dataclasses.asdict(c)


def comparison_load(data: dict) -> Comparison:
    """The stored JSON back as the typed record (the one way it is read)."""
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"unknown as-built comparison schema {data.get('schema')!r}")
    return Comparison(
        in_progress=bool(data["in_progress"]),
        permitted=Permitted(**data["permitted"]),
        built=Built(**data["built"]),
        differences=tuple(Difference(**d) for d in data["differences"]),
        schema=data["schema"],
    )


def with_cases(c: Comparison, violation_ids: list[int]) -> Comparison:
    """The comparison with each difference's case id (in the same order)."""
    ds = tuple(dataclasses.replace(d, violation_id=v) for d, v in zip(c.differences, violation_ids, strict=True))
    return dataclasses.replace(c, differences=ds)
