"""The answer to "what may I build here?": buildable or not, the deciding reasons, and why each
maximum differs from the zone's. Pure: read from a compliance report, typed for the display layer
(the panel says it in a sentence per language; no text is parsed here or there)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zoning.compliance.records import ComplianceReport, Limit, Status, ZoneRules
from zoning.compliance.runner import base_area_m2


class Obstacle(StrEnum):
    """Why nothing may be built on a parcel as it is."""

    OUTSIDE_PLAN = "outside_plan"  # no zone of the detailed plan covers it
    MIN_PLOT_AREA = "min_plot_area"  # the plot is smaller than the zone's minimum plot
    MIN_FRONTAGE = "min_frontage"  # its frontage is narrower than the zone's minimum
    NO_STREET_ACCESS = "no_street_access"  # it fronts no street
    NOTHING_LEFT = "nothing_left"  # setback, chamfer and the northern band leave no footprint
    RULE_FAILED = "rule_failed"  # another check of the plan fails (a proposal's use, height ...)


@dataclass(frozen=True)
class Hindrance:
    """One deciding reason a parcel is not buildable, with the figures it compares."""

    obstacle: Obstacle
    measured: float | None = None
    required: float | None = None
    rule: str = ""  # the rule's code, for RULE_FAILED


@dataclass(frozen=True)
class Figure:
    """One maximum of what may be built, beside what the zone's own figure gives, and what set it."""

    value: float
    zone_value: float
    limit: Limit

    @property
    def below_zone(self) -> bool:
        return self.limit not in (Limit.ZONE, Limit.NOTHING) and self.value < self.zone_value


@dataclass(frozen=True)
class Verdict:
    """Buildable or not, the deciding reasons, the maxima and the owner's ways forward."""

    buildable: bool
    hindrances: tuple[Hindrance, ...]
    floors: Figure
    floor_area_m2: Figure
    footprint_m2: Figure
    base_area_m2: float
    zone: ZoneRules | None

    @property
    def below_minimum_plot(self) -> bool:
        """Too small or too narrow to build alone: merging with a neighbour or an exception helps."""
        return any(h.obstacle in (Obstacle.MIN_PLOT_AREA, Obstacle.MIN_FRONTAGE) for h in self.hindrances)


def _hindrances(report: ComplianceReport, base: float) -> list[Hindrance]:
    facts, zone, env = report.facts, report.zone, report.envelope
    found: list[Hindrance] = []
    if zone is None:
        return [Hindrance(Obstacle.OUTSIDE_PLAN)]
    for result in report.results:
        if result.status != Status.FAILED:
            continue
        if result.code == "minimum_plot":
            if base < zone.min_plot_area_m2 - 1e-9:
                found.append(Hindrance(Obstacle.MIN_PLOT_AREA, round(base, 2), zone.min_plot_area_m2))
            frontage = facts.frontage_m
            if frontage is not None and frontage < zone.min_frontage_m - 1e-9:
                found.append(Hindrance(Obstacle.MIN_FRONTAGE, round(frontage, 2), zone.min_frontage_m))
        elif result.code == "street_access":
            found.append(Hindrance(Obstacle.NO_STREET_ACCESS))
        else:
            found.append(Hindrance(Obstacle.RULE_FAILED, rule=result.code))
    if env.max_floors <= 0 or env.max_floor_area_m2 <= 0:
        found.append(Hindrance(Obstacle.NOTHING_LEFT))
    return found


def verdict_of(report: ComplianceReport) -> Verdict:
    """The verdict on a parcel from its compliance report (by default the most the plan allows)."""
    env, zone = report.envelope, report.zone
    base = base_area_m2(report.facts)
    hindrances = tuple(_hindrances(report, base))
    return Verdict(
        buildable=not hindrances,
        hindrances=hindrances,
        floors=Figure(env.max_floors, zone.max_floors if zone else 0, env.floors_limit),
        floor_area_m2=Figure(env.max_floor_area_m2, env.zone_floor_area_m2, env.floor_area_limit),
        footprint_m2=Figure(env.max_footprint_m2, env.zone_footprint_m2, env.footprint_limit),
        base_area_m2=round(base, 2),
        zone=zone,
    )
