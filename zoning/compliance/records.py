"""Frozen inputs and outputs of the rule functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from shapely.geometry.base import BaseGeometry


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class RuleResult:
    """One rule checked on one parcel: what was measured against what the plan requires."""

    code: str
    status: Status
    measured: float | str | None
    required: float | str | None
    unit: str
    explanation_fa: str
    explanation_en: str
    plan_version: int | None

    @property
    def passed(self) -> bool:
        return self.status == Status.PASSED


@dataclass(frozen=True)
class Label:
    """A name in Persian and English as the translation catalogue gives it (a land use's label). The
    rules import no Django: the caller hands the catalogue's names in (zoning.models.land_use_labels),
    so an explanation names a use as every page does and never by its code."""

    fa: str
    en: str


UseLabels = Mapping[str, Label]  # land-use code -> its label


@dataclass(frozen=True)
class ZoneRules:
    """The figures of the zone that governs a parcel (from its plan zone or density class)."""

    plan_code: str
    land_use: str
    density_pct: float
    coverage_pct: float
    max_floors: int
    max_height_m: float
    min_plot_area_m2: float
    min_frontage_m: float
    plan_version: int | None = None


@dataclass(frozen=True)
class PlanParams:
    """Plan-wide parameters (DOMAIN.md defaults; each plan's own values come from its data)."""

    northern_band_depth_pct: float = 60.0
    northern_band_offset_m: float = 2.0
    chamfer_min_m: float = 1.2
    chamfer_width_sum_factor: float = 0.1
    chamfer_wide_street_m: float = 12.0
    chamfer_wide_narrower_factor: float = 0.2
    chamfer_both_pedestrian_m: float = 1.0
    chamfer_one_pedestrian_m: float = 1.5
    area_base: str = "deed"  # the plot area density and coverage are taken of: "deed" or "net"
    parking_space_m2: float = 25.0  # one space with manoeuvring (Article 100 note 5)
    # m² of floor area per required space, by land use (a use not listed needs none)
    parking_area_per_space: tuple[tuple[str, float], ...] = (("residential", 100.0),)
    from_plan: bool = False  # False: the defaults above, the zones version came without parameters


@dataclass(frozen=True)
class Note:
    """Something the result must say about the parcel (a special case handled explicitly)."""

    code: str
    fa: str
    en: str


@dataclass(frozen=True)
class ZoneShare:
    """A plan zone the parcel touches, with its figures and the share of the parcel in it."""

    zone_id: int
    rules: ZoneRules
    area_m2: float
    share: float  # of the parcel's drawn area

    @property
    def plan_code(self) -> str:
        return self.rules.plan_code

    @property
    def land_use(self) -> str:
        return self.rules.land_use


@dataclass(frozen=True)
class StreetFacts:
    """A street the parcel fronts, measured against it in the storage CRS (geometries are shapely)."""

    street_id: int
    name: str
    hierarchy: str
    existing_width_m: float
    approved_width_m: float
    vehicular: bool
    distance_m: float  # from the centreline to the parcel
    setback_depth_m: float
    setback_strip: BaseGeometry | None  # parcel ∩ centreline buffered by half the approved width
    setback_area_m2: float
    frontage_m: float  # parcel boundary along the existing street edge
    realigned_line: BaseGeometry | None  # the approved edge (بر اصلاحی) inside the parcel
    road: BaseGeometry | None  # the street's land at its kept width (max of existing, approved) near the parcel

    @property
    def widened(self) -> bool:
        return self.approved_width_m > self.existing_width_m

    @property
    def wider_than_approved(self) -> bool:
        return self.existing_width_m > self.approved_width_m

    @property
    def frontage_after_m(self) -> float:
        """Frontage along the realigned line (the existing one when the street is not widened)."""
        return self.realigned_line.length if self.realigned_line is not None else self.frontage_m


@dataclass(frozen=True)
class Chamfer:
    """The corner triangle (پخ) cut from the parcel where two streets meet."""

    street_ids: tuple[int, int]
    size_m: float
    triangle: BaseGeometry  # the part of the parcel it takes
    area_m2: float


@dataclass(frozen=True)
class ParcelFacts:
    """Everything measured on one parcel against the plan and streets of given versions."""

    parcel_id: int
    parcel_version_id: int
    zones_version_id: int | None
    streets_version_id: int | None
    file_code: str
    renovation_code: str
    registry_plate: str
    geom: BaseGeometry
    area_m2: float
    deed_area_m2: float | None
    parts: int
    depth_m: float  # north-south extent of the drawn parcel
    zones: tuple[ZoneShare, ...]  # largest share first
    streets: tuple[StreetFacts, ...]  # nearest first
    chamfers: tuple[Chamfer, ...]
    net: BaseGeometry  # after setback strips and chamfers
    net_area_m2: float
    net_depth_m: float
    params: PlanParams

    @property
    def governing_zone(self) -> ZoneShare | None:
        return self.zones[0] if self.zones else None

    @property
    def setback_area_m2(self) -> float:
        return sum(s.setback_area_m2 for s in self.streets)

    @property
    def frontage_m(self) -> float | None:
        """The plot's widest frontage after realignment; None without street access."""
        return max((s.frontage_after_m for s in self.streets), default=None)


@dataclass(frozen=True)
class ParcelPlan:
    """What the plan says of a parcel without measuring it against its streets: the zones it touches
    (the governing one first), the plan's parameters and the parcel's drawn area and perimeter. The
    fee assessment's lighter read (zoning.selectors.parcel_plan); the net plot after setbacks and
    chamfers needs the streets, so only ParcelFacts has it."""

    parcel_id: int
    parcel_version_id: int
    zones_version_id: int | None
    streets_version_id: int | None  # the live streets version, read alongside (not measured against)
    area_m2: float  # drawn
    perimeter_m: float
    deed_area_m2: float | None
    zones: tuple[ZoneShare, ...]  # largest share first
    params: PlanParams

    @property
    def governing_zone(self) -> ZoneShare | None:
        return self.zones[0] if self.zones else None

    @property
    def base_area_m2(self) -> float | None:
        """The plot area density is taken of, when the plan takes the deed's (or the drawn) area;
        None when it takes the net plot, which only parcel_facts measures."""
        if self.params.area_base == "net":
            return None
        return self.deed_area_m2 if self.deed_area_m2 is not None else self.area_m2


@dataclass(frozen=True)
class Proposal:
    """What the applicant asks to build (the runner's default is the most the plan allows)."""

    use: str
    floors: int
    floor_area_m2: float
    footprint_m2: float
    footprint: BaseGeometry | None = None  # drawn footprint, when there is one
    height_m: float | None = None


class Limit(StrEnum):
    """What sets one of the envelope's maxima (so a figure below the zone's can say why)."""

    ZONE = "zone"  # the zone's own figure (coverage, density or floors)
    ENVELOPE = "envelope"  # the northern band of the net parcel is smaller than coverage allows
    FLOOR_AREA = "floor_area"  # the floor area allowed by density over the footprint gives fewer whole floors
    WHOLE_FLOORS = "whole_floors"  # whole floors × footprint stay below the floor area density allows
    FLOORS = "floors"  # the zone's maximum floors × footprint stay below the floor area density allows
    NOTHING = "nothing"  # nothing may be built (no zone, or nothing of the parcel left)


@dataclass(frozen=True)
class Envelope:
    """Where and how much may be built: net parcel ∩ northern band, with the maxima and, for each
    maximum, what set it (the zone's own figures are kept beside them for comparison)."""

    geom: BaseGeometry
    area_m2: float
    band_depth_m: float
    base_area_m2: float  # the plot area density and coverage are taken of
    max_footprint_m2: float
    max_floor_area_m2: float
    max_floors: int
    zone_footprint_m2: float = 0.0  # base area × coverage %
    zone_floor_area_m2: float = 0.0  # base area × density %
    footprint_limit: Limit = Limit.ZONE
    floors_limit: Limit = Limit.ZONE
    floor_area_limit: Limit = Limit.ZONE


@dataclass(frozen=True)
class ComplianceReport:
    """The rule results for one parcel and one proposal, with the facts and the versions used."""

    facts: ParcelFacts
    zone: ZoneRules | None
    envelope: Envelope
    proposal: Proposal
    results: tuple[RuleResult, ...]
    notes: tuple[Note, ...]

    @property
    def passed(self) -> bool:
        return all(r.status != Status.FAILED for r in self.results)

    def result(self, code: str) -> RuleResult:
        return next(r for r in self.results if r.code == code)
