"""Frozen inputs and outputs of the rule functions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
