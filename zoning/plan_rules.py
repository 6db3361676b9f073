"""The plan's rule tables (per density class) and plan-wide parameters, read from a YAML file.

plan_name: Detailed plan of ...
area_base: deed            # or net: area after setback and chamfer
northern_band: {depth_pct: 60, offset_m: 2}
chamfer: {min_m: 1.2, width_sum_factor: 0.1, wide_street_m: 12, wide_narrower_factor: 0.2,
          both_pedestrian_m: 1.0, one_pedestrian_m: 1.5}
parking:
  space_m2: 25             # one space with manoeuvring
  floor_area_per_space_m2: {residential: 100, commercial: 50}   # by land use
density_classes:
  low: {density_pct: 120, coverage_pct: 60, max_floors: 2, max_height_m: 8,
        min_plot_area_m2: 200, min_frontage_m: 8.5}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from zoning.compliance.limits import FLOORS_MAX, HEIGHT_MAX_M
from zoning.models import AreaBase, DensityClass, LandUse

RULE_FIELDS = (
    "density_pct",
    "coverage_pct",
    "max_floors",
    "max_height_m",
    "min_plot_area_m2",
    "min_frontage_m",
)


class PlanRulesError(ValueError):
    """The plan rules file is missing a value or holds one out of range."""


@dataclass(frozen=True)
class PlanRulesData:
    plan_name: str
    area_base: str
    northern_band_depth_pct: Decimal
    northern_band_offset_m: Decimal
    chamfer: dict[str, Decimal]
    parking_space_m2: Decimal
    parking_area_per_space: dict[str, Decimal]  # m² of floor area per required space, by land use
    density_classes: dict[str, dict[str, Decimal]]


def _number(value, where: str, *, low: float = 0, high: float = 10_000) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise PlanRulesError(_("%(where)s must be a number.") % {"where": where}) from None
    if not low <= number <= high:
        raise PlanRulesError(
            _("%(where)s must be between %(low)s and %(high)s.") % {"where": where, "low": low, "high": high}
        )
    return number


DEFAULT_PARKING_AREA_PER_SPACE = {"residential": Decimal(100)}  # DOMAIN.md: one space per 100 m²


def _parking_per_use(table) -> dict[str, Decimal]:
    if table is None:
        return dict(DEFAULT_PARKING_AREA_PER_SPACE)
    if not isinstance(table, dict) or not table:
        raise PlanRulesError(_("parking.floor_area_per_space_m2 must map land uses to square metres."))
    unknown = sorted(str(k) for k in table if k not in LandUse.values)
    if unknown:
        raise PlanRulesError(
            _("Unknown land use in parking.floor_area_per_space_m2: %(uses)s.") % {"uses": ", ".join(unknown)}
        )
    return {use: _number(v, f"parking.floor_area_per_space_m2.{use}", low=1, high=10_000) for use, v in table.items()}


def plan_rules_load(path: Path) -> PlanRulesData:
    """Read and check a plan rules file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlanRulesError(
            _("Cannot read the plan rules file %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from exc
    if not isinstance(data, dict):
        raise PlanRulesError(_("The plan rules file %(path)s is empty.") % {"path": path})
    area_base = data.get("area_base", AreaBase.DEED)
    if area_base not in AreaBase.values:
        raise PlanRulesError(_("area_base must be one of %(values)s.") % {"values": ", ".join(AreaBase.values)})
    band = data.get("northern_band") or {}
    parking = data.get("parking") or {}
    if not isinstance(parking, dict):
        raise PlanRulesError(_("parking must be a mapping (space_m2, floor_area_per_space_m2)."))
    chamfer = data.get("chamfer") or {}
    chamfer_keys = (
        "min_m",
        "width_sum_factor",
        "wide_street_m",
        "wide_narrower_factor",
        "both_pedestrian_m",
        "one_pedestrian_m",
    )
    classes = {}
    for name, rules in (data.get("density_classes") or {}).items():
        if name not in DensityClass.values:
            raise PlanRulesError(_("Unknown density class %(name)s.") % {"name": name})
        if not isinstance(rules, dict) or set(rules) != set(RULE_FIELDS):
            raise PlanRulesError(
                _("Density class %(name)s must give exactly: %(fields)s.")
                % {"name": name, "fields": ", ".join(RULE_FIELDS)}
            )
        classes[name] = {k: _number(v, f"density_classes.{name}.{k}") for k, v in rules.items()}
        if classes[name]["max_floors"] > FLOORS_MAX or classes[name]["max_height_m"] > Decimal(str(HEIGHT_MAX_M)):
            raise PlanRulesError(
                _("density_classes.%(name)s: at most %(floors)s floors and %(height)s m.")
                % {"name": name, "floors": FLOORS_MAX, "height": HEIGHT_MAX_M}
            )
        if classes[name]["coverage_pct"] > 100:
            raise PlanRulesError(_("density_classes.%(name)s.coverage_pct must be at most 100.") % {"name": name})
    return PlanRulesData(
        plan_name=str(data.get("plan_name") or Path(path).stem),
        area_base=area_base,
        northern_band_depth_pct=_number(band.get("depth_pct", 60), "northern_band.depth_pct", high=100),
        northern_band_offset_m=_number(band.get("offset_m", 2), "northern_band.offset_m", high=50),
        chamfer={
            k: _number(chamfer.get(k, d), f"chamfer.{k}", high=100)
            for k, d in zip(chamfer_keys, (1.2, 0.1, 12, 0.2, 1.0, 1.5), strict=True)
        },
        parking_space_m2=_number(
            parking.get("space_m2", data.get("parking_space_m2", 25)), "parking.space_m2", low=1, high=100
        ),
        parking_area_per_space=_parking_per_use(parking.get("floor_area_per_space_m2")),
        density_classes=classes,
    )
