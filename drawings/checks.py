"""The drawing's rules (pure: figures and typed records in, RuleResult out; no Django, no ORM).

PostGIS measured the placed drawing against the parcel (drawings.selectors.drawing_measures); these
functions compare the figures with the map preparation order (OrderTerms), the plan's parking rule and
the convention's limits, each result with its figures, the plan version and an explanation in Persian
and English, as the plan check does (zoning.compliance.rules). A value exactly at a limit passes.
"""

from __future__ import annotations

from drawings.records import Dimension, Drawing, DrawingReport, Measures, OrderTerms
from zoning.compliance.records import PlanParams, RuleResult, Status
from zoning.compliance.rules import parking_spaces_required

TOLERANCE_M2 = 0.01  # drawing noise
# Projections over a public way (the national building regulations' practice, until the plan carries
# its own figure): none over a street narrower than 12 m approved width, at most 1.20 m over a wider one.
PROJECTION_MIN_STREET_M = 12.0
PROJECTION_MAX_M = 1.20
SLOT_MIN_WIDTH_M = 2.5  # one parking space: 2.50 m × 5.00 m at least
SLOT_MIN_LENGTH_M = 5.0


def _result(code, ok, measured, required, unit, fa, en, plan_version) -> RuleResult:
    return RuleResult(
        code=code,
        status=Status.PASSED if ok else Status.FAILED,
        measured=measured,
        required=required,
        unit=unit,
        explanation_fa=fa,
        explanation_en=en,
        plan_version=plan_version,
    )


def envelope_rule(*, outside_m2: float, plan_version: int | None) -> RuleResult:
    """The building's footprint (every floor) lies inside the buildable envelope (net parcel ∩ northern band)."""
    ok = outside_m2 <= TOLERANCE_M2
    return _result(
        "drawing_envelope",
        ok,
        round(outside_m2, 2),
        0,
        "m²",
        f"{outside_m2:.2f} مترمربع از طبقات بیرون از محدودهٔ مجاز ساخت (ملک پس از عقب‌نشینی در نوار شمالی) است.",
        f"{outside_m2:.2f} m² of the floors lie outside the buildable envelope (net parcel in the northern band).",
        plan_version,
    )


def realigned_line_rule(*, beyond_m2: float, plan_version: int | None) -> RuleResult:
    """Nothing of the floors is built beyond the realigned line (on the setback strip or outside the plot)."""
    ok = beyond_m2 <= TOLERANCE_M2
    return _result(
        "drawing_realigned_line",
        ok,
        round(beyond_m2, 2),
        0,
        "m²",
        f"{beyond_m2:.2f} مترمربع از طبقات جلوتر از بر اصلاحی یا بیرون از ملک ساخته شده است.",
        f"{beyond_m2:.2f} m² of the floors is built beyond the realigned line or outside the plot.",
        plan_version,
    )


def coverage_rule(*, footprint_m2: float, order: OrderTerms) -> RuleResult:
    """The largest floor footprint within the order's permitted coverage."""
    ok = footprint_m2 <= order.max_footprint_m2 + TOLERANCE_M2
    return _result(
        "drawing_coverage",
        ok,
        round(footprint_m2, 2),
        order.max_footprint_m2,
        "m²",
        f"سطح اشغال نقشه {footprint_m2:.2f} و حداکثر مجاز دستور تهیه نقشه {order.max_footprint_m2:.2f} مترمربع.",
        f"The drawing's footprint is {footprint_m2:.2f} m²; the map preparation order allows "
        f"{order.max_footprint_m2:.2f} m².",
        order.zones_version,
    )


def floors_rule(*, floors: int, height_m: float | None, order: OrderTerms) -> RuleResult:
    """Floors (over the pilotis) and the HEIGHT dimension's measured value within the order's maxima."""
    height_ok = height_m is None or order.max_height_m is None or height_m <= order.max_height_m + 1e-9
    ok = floors <= order.max_floors and height_ok
    height_fa = "ارتفاع اندازه‌گذاری نشده است" if height_m is None else f"ارتفاع {height_m:.2f} متر"
    height_en = "no height dimension" if height_m is None else f"height {height_m:.2f} m"
    limit_h = f"{order.max_height_m:g}" if order.max_height_m is not None else "-"
    return _result(
        "drawing_floors",
        ok,
        floors if height_m is None else f"{floors} / {height_m:.2f} m",
        f"{order.max_floors} / {limit_h} m",
        "",
        f"نقشه {floors} طبقه دارد ({height_fa})؛ دستور تهیه نقشه حداکثر {order.max_floors} طبقه و {limit_h} متر.",
        f"The drawing has {floors} floors ({height_en}); the map preparation order allows {order.max_floors} "
        f"floors and {limit_h} m.",
        order.zones_version,
    )


def floor_area_rule(*, per_floor: tuple[tuple[int, float, float], ...], order: OrderTerms) -> RuleResult:
    """The floor area per floor within the order's footprint, and in total within density."""
    counted = [(n, net) for n, _fp, net in per_floor if n >= 1]
    total = sum(net for _n, net in counted)
    over = [(n, net) for n, net in counted if net > order.max_footprint_m2 + TOLERANCE_M2]
    ok = total <= order.max_floor_area_m2 + TOLERANCE_M2 and not over
    each_fa = "، ".join(f"طبقهٔ {n}: {net:.2f}" for n, net in counted)
    each_en = ", ".join(f"floor {n}: {net:.2f}" for n, net in counted)
    return _result(
        "drawing_floor_area",
        ok,
        round(total, 2),
        order.max_floor_area_m2,
        "m²",
        f"زیربنای طبقات ({each_fa}) جمعاً {total:.2f} مترمربع؛ مجاز {order.max_floor_area_m2:.2f} مترمربع در کل "
        f"و {order.max_footprint_m2:.2f} مترمربع در هر طبقه.",
        f"Floor areas ({each_en}) total {total:.2f} m²; allowed {order.max_floor_area_m2:.2f} m² in total "
        f"and {order.max_footprint_m2:.2f} m² per floor.",
        order.zones_version,
    )


def parking_count_rule(
    *, slots: int, use: str, floor_area_m2: float, params: PlanParams, order: OrderTerms
) -> RuleResult:
    """Parking spaces drawn at least the plan's parking rule asks for the drawn floor area."""
    required = parking_spaces_required(use=use, floor_area_m2=floor_area_m2, params=params)
    per = dict(params.parking_area_per_space).get(use)
    rule_fa = f"یک جا برای هر {per:g} مترمربع زیربنا" if per else "این کاربری جای پارک نمی‌خواهد"
    rule_en = f"one space per {per:g} m² of floor area" if per else "this use needs no parking"
    return _result(
        "drawing_parking_count",
        slots >= required,
        slots,
        required,
        "",
        f"{slots} جای پارک ترسیم شده؛ {required} جا لازم است ({rule_fa}).",
        f"{slots} parking spaces drawn; {required} needed ({rule_en}).",
        order.zones_version,
    )


def parking_size_rule(*, sides: tuple[tuple[float, float], ...], plan_version: int | None) -> RuleResult:
    """Every parking slot at least 2.50 m × 5.00 m."""
    small = [(w, ln) for w, ln in sides if w < SLOT_MIN_WIDTH_M - 0.005 or ln < SLOT_MIN_LENGTH_M - 0.005]
    smallest = min(sides, key=lambda s: s[0] * s[1], default=None)
    measured = f"{smallest[0]:.2f} × {smallest[1]:.2f} m" if smallest else "-"
    return _result(
        "drawing_parking_size",
        not small,
        measured,
        f"{SLOT_MIN_WIDTH_M:.2f} × {SLOT_MIN_LENGTH_M:.2f} m",
        "",
        f"{len(small)} جای پارک از {SLOT_MIN_WIDTH_M:.2f} × {SLOT_MIN_LENGTH_M:.2f} متر کوچک‌تر است؛ "
        f"کوچک‌ترین {measured}.",
        f"{len(small)} parking spaces are smaller than {SLOT_MIN_WIDTH_M:.2f} × {SLOT_MIN_LENGTH_M:.2f} m; "
        f"the smallest is {measured}.",
        plan_version,
    )


def projection_allowed_m(street_width_m: float | None) -> float:
    if street_width_m is None or street_width_m < PROJECTION_MIN_STREET_M:
        return 0.0
    return PROJECTION_MAX_M


def projection_rule(*, depth_m: float, street_width_m: float | None, plan_version: int | None) -> RuleResult:
    """Balconies project beyond the realigned line no further than the street's width allows."""
    allowed = projection_allowed_m(street_width_m)
    ok = depth_m <= allowed + 0.005
    width = f"{street_width_m:g}" if street_width_m is not None else "-"
    if depth_m <= 0:
        return _result(
            "drawing_projection",
            True,
            0.0,
            allowed,
            "m",
            "هیچ بالکنی از بر اصلاحی جلوتر نمی‌آید.",
            "No balcony projects beyond the realigned line.",
            plan_version,
        )
    return _result(
        "drawing_projection",
        ok,
        round(depth_m, 2),
        allowed,
        "m",
        f"پیش‌آمدگی بالکن‌ها {depth_m:.2f} متر جلوتر از بر اصلاحی است؛ روی معبر با عرض مصوب {width} متر "
        f"حداکثر {allowed:.2f} متر مجاز است.",
        f"The balconies project {depth_m:.2f} m beyond the realigned line; over a street of {width} m approved "
        f"width at most {allowed:.2f} m is allowed.",
        plan_version,
    )


def declared_rule(*, drawing: Drawing, request_use: str, order: OrderTerms) -> RuleResult:
    """PLAN_INFO says what the drawing shows and what was asked: floors, use, units, the file's codes."""
    info = drawing.info
    floors = len(drawing.counted_floors)
    wrong_fa, wrong_en = [], []
    if info.floors is not None and info.floors != floors:
        wrong_fa.append(f"FLOORS={info.floors} ولی {floors} طبقه ترسیم شده")
        wrong_en.append(f"FLOORS={info.floors} but {floors} floors are drawn")
    if info.use and request_use and info.use != request_use:
        wrong_fa.append(f"USE={info.use} ولی کاربری درخواستی {request_use}")
        wrong_en.append(f"USE={info.use} but the requested use is {request_use}")
    if info.units is None or info.units < 1:
        wrong_fa.append("UNITS (تعداد واحدها) نیامده است")
        wrong_en.append("UNITS (the number of units) is missing")
    if info.file_code and info.file_code.replace(" ", "") != order.file_code:
        wrong_fa.append(f"FILE_CODE={info.file_code} ولی کد پرونده {order.file_code}")
        wrong_en.append(f"FILE_CODE={info.file_code} but the file code is {order.file_code}")
    if info.renovation_code and order.renovation_code and info.renovation_code != order.renovation_code:
        wrong_fa.append(f"RENOVATION_CODE={info.renovation_code} ولی کد نوسازی {order.renovation_code}")
        wrong_en.append(f"RENOVATION_CODE={info.renovation_code} but the renovation code is {order.renovation_code}")
    ok = not wrong_en
    return _result(
        "drawing_declared",
        ok,
        f"{info.use or '-'} / {info.units if info.units is not None else '-'}",
        f"{request_use or '-'}",
        "",
        "مشخصات نقشه (PLAN_INFO) با نقشه و درخواست می‌خواند."
        if ok
        else "مشخصات نقشه (PLAN_INFO): " + "؛ ".join(wrong_fa) + ".",
        "The drawing's PLAN_INFO matches the drawing and the request."
        if ok
        else "PLAN_INFO: " + "; ".join(wrong_en) + ".",
        order.zones_version,
    )


def dimensions_rule(*, dimensions: tuple[Dimension, ...], plan_version: int | None) -> RuleResult:
    """No dimension shows a text that disagrees with its geometry (an overwritten measurement)."""
    altered = [d for d in dimensions if d.altered]
    listed = ", ".join(f"{d.layer}: {d.shown:g} ≠ {d.measured:.2f}" for d in altered)
    return _result(
        "drawing_dimensions",
        not altered,
        len(altered),
        0,
        "",
        f"{len(altered)} اندازه‌گذاری عددی غیر از اندازهٔ واقعی نشان می‌دهد" + (f" ({listed})." if altered else "."),
        f"{len(altered)} dimensions show a number other than their measured length"
        + (f" ({listed})." if altered else "."),
        plan_version,
    )


def drawing_checks(
    *, drawing: Drawing, measures: Measures, order: OrderTerms, params: PlanParams, request_use: str
) -> DrawingReport:
    """Every rule of the drawing over the placed drawing's measures and the order (see the module docstring)."""
    pv = order.zones_version
    counted = [(n, fp, net) for n, fp, net in measures.floor_areas_m2 if n >= 1]
    total = sum(net for _n, _fp, net in counted)
    use = request_use or drawing.info.use or order.land_use or "residential"
    return DrawingReport(
        results=(
            envelope_rule(outside_m2=measures.outside_envelope_m2, plan_version=pv),
            realigned_line_rule(beyond_m2=measures.beyond_realigned_m2, plan_version=pv),
            coverage_rule(footprint_m2=max((fp for _n, fp, _a in measures.floor_areas_m2), default=0.0), order=order),
            floors_rule(floors=len(counted), height_m=drawing.height_m, order=order),
            floor_area_rule(per_floor=measures.floor_areas_m2, order=order),
            parking_count_rule(
                slots=len(measures.slot_sides_m), use=use, floor_area_m2=total, params=params, order=order
            ),
            parking_size_rule(sides=measures.slot_sides_m, plan_version=pv),
            projection_rule(
                depth_m=measures.projection_depth_m, street_width_m=measures.projection_street_width_m, plan_version=pv
            ),
            declared_rule(drawing=drawing, request_use=request_use, order=order),
            dimensions_rule(dimensions=drawing.dimensions, plan_version=pv),
        )
    )
