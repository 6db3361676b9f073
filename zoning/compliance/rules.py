"""Rules of the detailed plan (DOMAIN.md), each a pure function returning a RuleResult.

A value exactly at the limit passes; a value over it fails. Areas in m², lengths in m, in the
metric storage CRS.
"""

from __future__ import annotations

import math

import shapely
from shapely import MultiPolygon, Polygon

from zoning.compliance.records import Label, PlanParams, RuleResult, Status, UseLabels, ZoneRules

# Which requested uses each canonical land use admits (DOMAIN.md: land use classes).
PERMITTED_USES: dict[str, frozenset[str]] = {
    "residential": frozenset({"residential"}),
    "commercial": frozenset({"commercial"}),
    "mixed": frozenset({"residential", "commercial", "mixed"}),
}
TOLERANCE_M2 = 0.01  # drawing noise: a footprint may poke out of its band by this much


def _result(code, ok, measured, required, unit, fa, en, zone: ZoneRules | None) -> RuleResult:
    return RuleResult(
        code=code,
        status=Status.PASSED if ok else Status.FAILED,
        measured=measured,
        required=required,
        unit=unit,
        explanation_fa=fa,
        explanation_en=en,
        plan_version=zone.plan_version if zone else None,
    )


def _use_label(code: str, labels: UseLabels) -> Label:
    return labels.get(code) or Label(fa=code, en=code)


def land_use_rule(*, zone: ZoneRules, requested_use: str, use_labels: UseLabels) -> RuleResult:
    """The requested use is one the zone's land use admits (a zone admits its own use). The uses are
    named by `use_labels`, the catalogue's names (the result keeps the codes)."""
    allowed = PERMITTED_USES.get(zone.land_use, frozenset({zone.land_use}))
    ok = requested_use in allowed
    requested, zoned = _use_label(requested_use, use_labels), _use_label(zone.land_use, use_labels)
    return _result(
        "land_use",
        ok,
        requested_use,
        ", ".join(sorted(allowed)),
        "",
        f"کاربری درخواستی ({requested.fa}) با کاربری پهنهٔ {zone.plan_code} ({zoned.fa}) "
        f"{'سازگار است' if ok else 'سازگار نیست'}.",
        f"The requested use ({requested.en}) {'fits' if ok else 'does not fit'} zone {zone.plan_code} ({zoned.en}).",
        zone,
    )


def max_floor_area_m2(*, plot_area_m2: float, zone: ZoneRules) -> float:
    """Density: total floor area allowed on the plot."""
    return plot_area_m2 * zone.density_pct / 100


def max_footprint_m2(*, plot_area_m2: float, zone: ZoneRules) -> float:
    """Coverage: footprint allowed on the plot."""
    return plot_area_m2 * zone.coverage_pct / 100


def density_rule(*, plot_area_m2: float, floor_area_m2: float, zone: ZoneRules) -> RuleResult:
    """Requested total floor area within plot area x density % (DOMAIN.md: density)."""
    limit = round(max_floor_area_m2(plot_area_m2=plot_area_m2, zone=zone), 2)
    ok = floor_area_m2 <= limit + 1e-9
    return _result(
        "density",
        ok,
        round(floor_area_m2, 2),
        limit,
        "m²",
        f"زیربنای درخواستی {floor_area_m2:.2f} و حداکثر مجاز {limit:.2f} مترمربع (تراکم {zone.density_pct:g}٪).",
        f"Requested floor area {floor_area_m2:.2f} m², allowed {limit:.2f} m² (density {zone.density_pct:g} %).",
        zone,
    )


def coverage_rule(*, plot_area_m2: float, footprint_m2: float, zone: ZoneRules) -> RuleResult:
    """Footprint within plot area x coverage % (DOMAIN.md: coverage)."""
    limit = round(max_footprint_m2(plot_area_m2=plot_area_m2, zone=zone), 2)
    ok = footprint_m2 <= limit + 1e-9
    return _result(
        "coverage",
        ok,
        round(footprint_m2, 2),
        limit,
        "m²",
        f"سطح اشغال {footprint_m2:.2f} و حداکثر مجاز {limit:.2f} مترمربع ({zone.coverage_pct:g}٪).",
        f"Footprint {footprint_m2:.2f} m², allowed {limit:.2f} m² (coverage {zone.coverage_pct:g} %).",
        zone,
    )


def floors_rule(*, floors: int, height_m: float | None, zone: ZoneRules) -> RuleResult:
    """Floors (over the pilotis) and, when given, height within the zone's maxima."""
    ok = floors <= zone.max_floors and (height_m is None or height_m <= zone.max_height_m + 1e-9)
    return _result(
        "floors",
        ok,
        floors if height_m is None else f"{floors} / {height_m:g} m",
        zone.max_floors if height_m is None else f"{zone.max_floors} / {zone.max_height_m:g} m",
        "",
        f"{floors} طبقه درخواستی؛ حداکثر {zone.max_floors} طبقه و {zone.max_height_m:g} متر ارتفاع.",
        f"{floors} floors requested; at most {zone.max_floors} floors and {zone.max_height_m:g} m.",
        zone,
    )


def minimum_plot_rule(*, plot_area_m2: float, frontage_m: float | None, zone: ZoneRules) -> RuleResult:
    """Plot area and frontage at least the zone's minimum plot (حد نصاب تفکیک)."""
    area_ok = plot_area_m2 >= zone.min_plot_area_m2 - 1e-9
    front_ok = frontage_m is None or frontage_m >= zone.min_frontage_m - 1e-9
    measured = f"{plot_area_m2:.2f} m²" + ("" if frontage_m is None else f" / {frontage_m:.2f} m")
    required = f"{zone.min_plot_area_m2:g} m² / {zone.min_frontage_m:g} m"
    return _result(
        "minimum_plot",
        area_ok and front_ok,
        measured,
        required,
        "",
        f"مساحت {plot_area_m2:.2f} مترمربع؛ حد نصاب {zone.min_plot_area_m2:g} مترمربع "
        f"و بر {zone.min_frontage_m:g} متر.",
        f"Plot {plot_area_m2:.2f} m²; minimum {zone.min_plot_area_m2:g} m² with {zone.min_frontage_m:g} m frontage.",
        zone,
    )


def northern_band(*, parcel: Polygon | MultiPolygon, params: PlanParams) -> Polygon | MultiPolygon:
    """The part of the parcel where a building may stand: from the northern edge southwards,
    depth = depth% of the parcel's north-south depth + offset (DOMAIN.md: the northern band)."""
    if isinstance(parcel, MultiPolygon):  # separate pieces of land: each has its own northern edge
        return shapely.union_all([northern_band(parcel=part, params=params) for part in parcel.geoms])
    minx, miny, maxx, maxy = parcel.bounds
    depth = maxy - miny
    band_depth = min(depth, depth * params.northern_band_depth_pct / 100 + params.northern_band_offset_m)
    return parcel.intersection(shapely.box(minx - 1, maxy - band_depth, maxx + 1, maxy + 1))


def northern_band_rule(
    *,
    parcel: Polygon | MultiPolygon,
    footprint: Polygon | MultiPolygon,
    params: PlanParams,
    zone: ZoneRules | None,
    band: Polygon | MultiPolygon | None = None,
) -> RuleResult:
    """The proposed footprint lies inside the northern band of the parcel (band: when the caller
    already has northern_band(parcel) at hand)."""
    band = band if band is not None else northern_band(parcel=parcel, params=params)
    outside = footprint.difference(band).area
    ok = outside <= TOLERANCE_M2
    maxy = parcel.bounds[3]
    band_depth = round(maxy - band.bounds[1], 2) if not band.is_empty else 0.0
    reach = round(maxy - footprint.bounds[1], 2)
    return _result(
        "northern_band",
        ok,
        reach,
        band_depth,
        "m",
        f"بنا تا {reach:.2f} متر از بر شمالی پیش می‌رود؛ حداکثر {band_depth:.2f} متر.",
        f"The building reaches {reach:.2f} m from the northern edge; the band is {band_depth:.2f} m deep.",
        zone,
    )


def chamfer_size_m(
    *, width_a_m: float, width_b_m: float, vehicular_a: bool, vehicular_b: bool, params: PlanParams
) -> float:
    """Side of the 45° corner chamfer (پخ) where two streets meet (DOMAIN.md: chamfer)."""
    if not vehicular_a and not vehicular_b:
        size = params.chamfer_both_pedestrian_m
    elif not vehicular_a or not vehicular_b:
        size = params.chamfer_one_pedestrian_m
    elif min(width_a_m, width_b_m) >= params.chamfer_wide_street_m:
        size = params.chamfer_wide_narrower_factor * min(width_a_m, width_b_m)
    else:
        size = params.chamfer_width_sum_factor * (width_a_m + width_b_m)
    return round(max(size, params.chamfer_min_m), 2)


def parking_spaces_required(*, use: str, floor_area_m2: float, params: PlanParams) -> int:
    """Parking spaces a building needs: one per the plan's floor area per space for its use, rounded up
    (DOMAIN.md, parking; Article 100 note 5 counts a space as `params.parking_space_m2`)."""
    per_space = dict(params.parking_area_per_space).get(use)
    if not per_space or floor_area_m2 <= 0:
        return 0
    return math.ceil(floor_area_m2 / per_space - 1e-9)


def setback_depth_m(*, approved_width_m: float, existing_width_m: float, distance_to_centreline_m: float) -> float:
    """How far the frontage moves back: max(0, W/2 - d); a street already wider keeps its width."""
    if existing_width_m >= approved_width_m:
        return 0.0
    return round(max(0.0, approved_width_m / 2 - distance_to_centreline_m), 2)


def not_applicable(*, code: str, fa: str, en: str, zone: ZoneRules | None = None) -> RuleResult:
    """A rule that cannot be checked on this parcel or proposal, saying why."""
    return RuleResult(
        code=code,
        status=Status.NOT_APPLICABLE,
        measured=None,
        required=None,
        unit="",
        explanation_fa=fa,
        explanation_en=en,
        plan_version=zone.plan_version if zone else None,
    )


def street_access_rule(*, frontage_m: float | None, zone: ZoneRules | None) -> RuleResult:
    """The parcel fronts at least one street (a building needs access from a public way)."""
    ok = frontage_m is not None and frontage_m > 0
    return _result(
        "street_access",
        ok,
        round(frontage_m or 0.0, 2),
        "> 0",
        "m",
        f"بر ملک به معبر {frontage_m or 0:.2f} متر است." if ok else "ملک به هیچ معبری دسترسی ندارد.",
        f"The parcel fronts a street over {frontage_m or 0:.2f} m." if ok else "The parcel has no street access.",
        zone,
    )


def footprint_inside_rule(
    *, net: Polygon | MultiPolygon, footprint: Polygon | MultiPolygon, zone: ZoneRules | None
) -> RuleResult:
    """The footprint lies inside the parcel after setback and chamfer (within drawing noise)."""
    outside = footprint.difference(net).area
    ok = outside <= TOLERANCE_M2
    return _result(
        "footprint_inside",
        ok,
        round(outside, 2),
        TOLERANCE_M2,
        "m²",
        f"{outside:.2f} مترمربع از بنا بیرون از ملکِ پس از عقب‌نشینی و پخ است.",
        f"{outside:.2f} m² of the footprint lies outside the parcel after setback and chamfer.",
        zone,
    )


def setback_rule(
    *, footprint: Polygon | MultiPolygon, setback_strips: list[Polygon | MultiPolygon], zone: ZoneRules | None
) -> RuleResult:
    """The footprint keeps off the setback strips (building on the realigned line is a violation)."""
    on_strips = sum(footprint.intersection(strip).area for strip in setback_strips)
    ok = on_strips <= TOLERANCE_M2
    return _result(
        "setback",
        ok,
        round(on_strips, 2),
        TOLERANCE_M2,
        "m²",
        f"{on_strips:.2f} مترمربع از بنا در سهم عقب‌نشینی (جلوتر از بر اصلاحی) است.",
        f"{on_strips:.2f} m² of the footprint lies on the setback strip (beyond the realigned line).",
        zone,
    )
