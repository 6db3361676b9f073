"""The reconciliation of a measured parcel with the cadastre and the plan (pure: shapely in, figures out).

Inputs: the measured boundary and buildings, the cadastral geometry and deed area, and the plan
checks re-run on the measured boundary (zoning's facts and report: the approved street land per
street, the buildable envelope, the governing zone). Article 100 notes are cited where a finding is
a violation candidate for the violations stage (DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from zoning.compliance.envelope import polygon_parts
from zoning.compliance.records import ComplianceReport

SLIVER_M2 = 0.5  # overlaps below this are surveying noise (a 10 cm band along a 5 m edge)
DENSIFY_M = 0.25  # boundaries are compared vertex by vertex after adding a vertex every 25 cm
DEED_TOLERANCE = 0.05  # measured vs deed beyond this is worth the violations stage's look


@dataclass(frozen=True)
class Deviation:
    """The largest distance between the two boundaries and where it is (line from one to the other)."""

    distance_m: float
    line: LineString | None


@dataclass(frozen=True)
class Candidate:
    """A finding the violations stage should look at (not a verdict)."""

    code: str
    article_100_note: int | None
    area_m2: float | None
    fa: str
    en: str


@dataclass(frozen=True)
class Figures:
    measured_area_m2: float
    cadastral_area_m2: float
    deed_area_m2: float | None
    deviation: Deviation
    street_land: BaseGeometry | None
    street_land_beyond_cadastre_m2: float
    buildings_on_street: BaseGeometry | None
    outside_envelope: BaseGeometry | None
    envelope: BaseGeometry | None
    frontages: list[dict] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


def boundary_deviation(a: BaseGeometry, b: BaseGeometry, *, step: float = DENSIFY_M) -> Deviation:
    """Hausdorff distance between two parcels' boundaries, with the segment that realises it: every
    vertex of each boundary (densified to `step`) measured to the other boundary, the farthest wins."""
    best = (0.0, None)
    for one, other in ((a, b), (b, a)):
        vertices = shapely.points(shapely.get_coordinates(shapely.segmentize(one.boundary, step)))
        if len(vertices) == 0:
            continue
        distances = shapely.distance(vertices, other.boundary)
        i = int(np.argmax(distances))
        if distances[i] > best[0]:
            best = (float(distances[i]), shapely.shortest_line(vertices[i], other.boundary))
    return Deviation(distance_m=best[0], line=best[1])


def _area(geom: BaseGeometry | None) -> float:
    return 0.0 if geom is None else geom.area


def _kept(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Polygonal parts bigger than a sliver, or None."""
    if geom is None or geom.is_empty:
        return None
    parts = [g for g in polygon_parts(geom) if g.area >= SLIVER_M2]
    return MultiPolygon(parts) if parts else None


def reconcile(
    *,
    measured: Polygon,
    buildings: list[tuple[Polygon, int | None]],
    cadastral: BaseGeometry,
    deed_area_m2: float | None,
    report: ComplianceReport,
) -> Figures:
    """Compare a measured parcel (and its buildings) with the cadastre and the plan (see module)."""
    facts = report.facts
    roads = [s.road for s in facts.streets if s.road is not None and not s.road.is_empty]
    road = shapely.union_all(roads) if roads else None
    street_land = _kept(measured.intersection(road)) if road is not None else None
    beyond = _kept(street_land.difference(cadastral)) if street_land is not None else None
    footprints = shapely.union_all([footprint for footprint, _f in buildings]) if buildings else None
    on_street = _kept(footprints.intersection(road)) if footprints is not None and road is not None else None
    envelope = report.envelope.geom
    outside = None
    if footprints is not None:
        outside = _kept(footprints.difference(envelope) if not envelope.is_empty else footprints)
    frontages = [
        {"street": s.name, "frontage_m": round(s.frontage_m, 2), "approved_width_m": s.approved_width_m}
        for s in facts.streets
        if s.frontage_m > 0
    ]
    candidates = _candidates(
        measured=measured,
        deed_area_m2=deed_area_m2,
        beyond_m2=_area(beyond),
        on_street_m2=_area(on_street),
        buildings=buildings,
        report=report,
    )
    return Figures(
        measured_area_m2=measured.area,
        cadastral_area_m2=cadastral.area,
        deed_area_m2=deed_area_m2,
        deviation=boundary_deviation(measured, cadastral),
        street_land=street_land,
        street_land_beyond_cadastre_m2=_area(beyond),
        buildings_on_street=on_street,
        outside_envelope=outside,
        envelope=None if envelope.is_empty else envelope,
        frontages=frontages,
        candidates=candidates,
    )


def _candidates(
    *,
    measured: Polygon,
    deed_area_m2: float | None,
    beyond_m2: float,
    on_street_m2: float,
    buildings: list[tuple[Polygon, int | None]],
    report: ComplianceReport,
) -> list[Candidate]:
    found = []
    if on_street_m2 > 0:
        found.append(
            Candidate(
                "building_on_street",
                6,
                round(on_street_m2, 2),
                f"{on_street_m2:.2f} مترمربع از ساختمان‌های موجود روی زمین معبر به عرض مصوب (جلوتر از بر اصلاحی) است.",
                f"{on_street_m2:.2f} m² of the existing buildings stand on street land at the approved width "
                "(beyond the realigned line).",
            )
        )
    if beyond_m2 > 0:
        found.append(
            Candidate(
                "boundary_takes_street",
                6,
                round(beyond_m2, 2),
                f"مرز اندازه‌گیری‌شده {beyond_m2:.2f} مترمربع از زمین معبر را بیرون از مرز ثبتی دربر گرفته است.",
                f"The measured boundary encloses {beyond_m2:.2f} m² of street land outside the cadastral boundary.",
            )
        )
    if deed_area_m2 and measured.area > deed_area_m2 * (1 + DEED_TOLERANCE):
        extra = measured.area - deed_area_m2
        found.append(
            Candidate(
                "larger_than_deed",
                None,
                round(extra, 2),
                f"مساحت اندازه‌گیری‌شده {extra:.2f} مترمربع بیش از مساحت سندی است؛ مالکیت مازاد بررسی شود.",
                f"The measured area exceeds the deed area by {extra:.2f} m²; "
                "the ownership of the excess needs checking.",
            )
        )
    zone = report.zone
    if zone is not None:
        tallest = max((floors for _b, floors in buildings if floors is not None), default=None)
        if tallest is not None and tallest > zone.max_floors:
            found.append(
                Candidate(
                    "floors_over_plan",
                    1,
                    None,
                    f"ساختمان موجود {tallest} طبقه دارد؛ "
                    f"پهنهٔ {zone.plan_code} حداکثر {zone.max_floors} طبقه مجاز می‌داند.",
                    f"An existing building has {tallest} floors; "
                    f"zone {zone.plan_code} allows at most {zone.max_floors}.",
                )
            )
        footprint = sum(b.area for b, _f in buildings)
        allowed = report.envelope.max_footprint_m2
        if footprint > allowed + SLIVER_M2:
            found.append(
                Candidate(
                    "coverage_over_plan",
                    2,
                    round(footprint - allowed, 2),
                    f"سطح اشغال ساختمان‌های موجود ({footprint:.2f} مترمربع) از حد مجاز ({allowed:.2f}) بیشتر است.",
                    f"The existing buildings cover {footprint:.2f} m², more than the {allowed:.2f} m² allowed.",
                )
            )
    return found
