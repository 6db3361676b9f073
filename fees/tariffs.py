"""The tariff book's formulas as pure functions (DOMAIN.md "Permit dues", "Renovation dues").

One evaluator per formula kind (fees.models.FormulaKind): an item's validated parameters and the
file's numbers in, a fees.records.Line out, with its formula written out in Persian (Persian digits,
٬ thousands separators, ×) and English and the numbers it used. Exact with Decimal; each line is
rounded to whole rials once, half up. A validator per kind checks an item's `params` (the admin form
and the loader call it). Errors carry their message in both languages (TariffError), as the plan's
rules do: no Django here (an import-linter contract says so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from fees.records import Line

MAX_AREA_M2 = Decimal(1_000_000)  # more than any parcel or building of a city: a typing error
MAX_LENGTH_M = Decimal(100_000)
MAX_COUNT = 10_000
MAX_PRICE_IRR = Decimal(10) ** 12  # a rial price per m² (or per unit) beyond this is a typing error
MAX_FLOOR = 60  # fees.records and the plan cap floors well below this
MAX_COEFFICIENT = Decimal(1_000)
MAX_PCT = Decimal(100)
MAX_BAND_PCT = Decimal(1_000)  # area-band coefficients may exceed 100 % (120 % above 600 m²)

_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


class TariffError(ValueError):
    """A bad parameter or input, with the reason in Persian and English (`code` names the class)."""

    def __init__(self, code: str, fa: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.fa = fa
        self.en = en


@dataclass(frozen=True)
class ItemSpec:
    """A tariff item as the rules see it (fees.books makes one from a TariffItem row)."""

    code: str
    kind: str
    title_fa: str
    title_en: str
    params: Mapping
    # set by item_checked: the params validated once and parsed (the bands or floor coefficients)
    parsed: tuple | None = field(default=None, compare=False, repr=False)


def item_checked(item: ItemSpec) -> ItemSpec:
    """The item with its parameters validated once and parsed, for items that never change (an approved
    book's: a change is a new version with a new id); TariffError as params_validate raises it."""
    params_validate(item.kind, item.params)
    if item.kind == "area_bands":
        parsed = bands_of(item.params)
    elif item.kind == "floor_table":
        parsed = floor_coefficients_of(item.params)
    else:
        parsed = ()
    return replace(item, parsed=parsed)


# --- numbers and their text ---------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros, grouped by thousands: 1,234.5."""
    try:
        value = value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))
    except InvalidOperation:  # too many digits to write out (1e400): say it as it was given
        return str(value)
    sign, text = ("-", f"{-value:f}") if value < 0 else ("", f"{value:f}")
    whole, _dot, frac = text.partition(".")
    whole = f"{int(whole):,}"
    return sign + whole + (f".{frac}" if frac else "")


def num_en(value: Decimal | int) -> str:
    return _plain(Decimal(value))


def num_fa(value: Decimal | int) -> str:
    """Persian digits, ٬ between thousands, ٫ before decimals."""
    return _plain(Decimal(value)).replace(",", "٬").replace(".", "٫").translate(_FA_DIGITS)


def rials(value: Decimal) -> int:
    """Whole rials, half up (the one rounding of a line)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _decimal(value: object, *, what_fa: str, what_en: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise TariffError("not_a_number", f"{what_fa} عدد نیست.", f"{what_en} is not a number.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise TariffError("not_a_number", f"{what_fa} عدد نیست.", f"{what_en} is not a number.") from None
    if not number.is_finite():
        raise TariffError(
            "not_finite", f"{what_fa} عدد متناهی نیست ({value}).", f"{what_en} is not a finite number ({value})."
        )
    return number


def _bounded(value: object, *, upper: Decimal, what_fa: str, what_en: str, unit_fa: str, unit_en: str) -> Decimal:
    number = _decimal(value, what_fa=what_fa, what_en=what_en)
    if number < 0:
        raise TariffError("negative", f"{what_fa} منفی است ({num_fa(number)}).", f"{what_en} is negative ({number}).")
    if number > upper:
        raise TariffError(
            "absurd",
            f"{what_fa} ({num_fa(number)} {unit_fa}) از {num_fa(upper)} {unit_fa} بیشتر است؛ درست وارد نشده است.",
            f"{what_en} ({num_en(number)} {unit_en}) is over {num_en(upper)} {unit_en}: it cannot be right.",
        )
    return number


def area_value(value: object, *, what_fa: str = "مساحت", what_en: str = "The area") -> Decimal:
    """An area in m²: finite, not negative, at most 1,000,000 m²."""
    return _bounded(value, upper=MAX_AREA_M2, what_fa=what_fa, what_en=what_en, unit_fa="م²", unit_en="m²")


def length_value(value: object, *, what_fa: str = "طول", what_en: str = "The length") -> Decimal:
    return _bounded(value, upper=MAX_LENGTH_M, what_fa=what_fa, what_en=what_en, unit_fa="متر", unit_en="m")


def price_value(value: object, *, what_fa: str = "قیمت واحد", what_en: str = "The unit price") -> Decimal:
    return _bounded(value, upper=MAX_PRICE_IRR, what_fa=what_fa, what_en=what_en, unit_fa="ریال", unit_en="IRR")


def count_value(value: object, *, what_fa: str = "تعداد", what_en: str = "The count") -> int:
    number = _bounded(value, upper=Decimal(MAX_COUNT), what_fa=what_fa, what_en=what_en, unit_fa="", unit_en="")
    if number != number.to_integral_value():
        raise TariffError("not_whole", f"{what_fa} عدد صحیح نیست.", f"{what_en} is not a whole number.")
    return int(number)


# --- parameter validators (one per kind) -------------------------------------------------------------


def _param(params: Mapping, name: str):
    if not isinstance(params, Mapping):
        raise TariffError(
            "params_not_object", "پارامترها باید یک شیء JSON باشند.", "The parameters must be a JSON object."
        )
    if name not in params:
        raise TariffError("param_missing", f"پارامتر «{name}» نیامده است.", f"The parameter “{name}” is missing.")
    return params[name]


def _rate(params: Mapping, name: str) -> Decimal:
    return price_value(_param(params, name), what_fa=f"نرخ «{name}»", what_en=f"The rate “{name}”")


def _coefficient(value: object, what_fa: str, what_en: str) -> Decimal:
    return _bounded(value, upper=MAX_COEFFICIENT, what_fa=what_fa, what_en=what_en, unit_fa="", unit_en="")


@dataclass(frozen=True)
class Band:
    from_m2: Decimal
    to_m2: Decimal | None  # None: no upper bound (the last band)
    pct: Decimal


def bands_of(params: Mapping) -> tuple[Band, ...]:
    """The area bands of an area_bands item: from 0, ascending, each starting where the previous
    ends (no gap, no overlap), only the last open-ended; coefficients 0-1000 %."""
    rows = _param(params, "bands")
    if not isinstance(rows, list) or not rows:
        raise TariffError("bands_empty", "جدول پله‌های مساحت خالی است.", "The table of area bands is empty.")
    bands = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping) or "from_m2" not in row or "pct" not in row:
            raise TariffError(
                "band_malformed",
                f"پلهٔ {num_fa(i)} باید from_m2، to_m2 و pct داشته باشد.",
                f"Band {i} needs from_m2, to_m2 and pct.",
            )
        low = area_value(row["from_m2"], what_fa=f"شروع پلهٔ {num_fa(i)}", what_en=f"The start of band {i}")
        high = row.get("to_m2")
        high = (
            None if high is None else area_value(high, what_fa=f"پایان پلهٔ {num_fa(i)}", what_en=f"The end of band {i}")
        )
        pct = _bounded(
            row["pct"],
            upper=MAX_BAND_PCT,
            what_fa=f"ضریب پلهٔ {num_fa(i)}",
            what_en=f"The coefficient of band {i}",
            unit_fa="٪",
            unit_en="%",
        )
        bands.append(Band(low, high, pct))
    if bands[0].from_m2 != 0:
        raise TariffError(
            "bands_start",
            f"پلهٔ اول باید از صفر شروع شود (از {num_fa(bands[0].from_m2)} م² شروع شده است).",
            f"The first band must start at 0 m² (it starts at {num_en(bands[0].from_m2)} m²).",
        )
    for i, (band, following) in enumerate(zip(bands, [*bands[1:], None], strict=True), start=1):
        if band.to_m2 is None:
            if following is not None:
                raise TariffError(
                    "band_open_not_last",
                    f"فقط پلهٔ آخر می‌تواند بی‌انتها باشد (پلهٔ {num_fa(i)} انتها ندارد).",
                    f"Only the last band may be open-ended (band {i} has no end).",
                )
            continue
        if band.to_m2 <= band.from_m2:
            raise TariffError(
                "band_not_ascending",
                f"پایان پلهٔ {num_fa(i)} ({num_fa(band.to_m2)} م²) از شروع آن بزرگ‌تر نیست.",
                f"Band {i} ends ({num_en(band.to_m2)} m²) at or below where it starts ({num_en(band.from_m2)} m²).",
            )
        if following is None:
            continue
        if following.from_m2 < band.to_m2:
            raise TariffError(
                "bands_overlap",
                f"پله‌های {num_fa(i)} و {num_fa(i + 1)} روی هم افتاده‌اند ({num_fa(following.from_m2)} تا "
                f"{num_fa(band.to_m2)} م² در هر دو است).",
                f"Bands {i} and {i + 1} overlap ({num_en(following.from_m2)} to {num_en(band.to_m2)} m² is in both).",
            )
        if following.from_m2 > band.to_m2:
            raise TariffError(
                "bands_gap",
                f"بین پله‌های {num_fa(i)} و {num_fa(i + 1)} فاصله است ({num_fa(band.to_m2)} تا "
                f"{num_fa(following.from_m2)} م² در هیچ پله‌ای نیست).",
                f"There is a gap between bands {i} and {i + 1} ({num_en(band.to_m2)} to "
                f"{num_en(following.from_m2)} m² is in no band).",
            )
    return tuple(bands)


def floor_coefficients_of(params: Mapping) -> tuple[Decimal, ...]:
    """A floor_table item's coefficients for floors 0 (ground), 1, 2, … N, every one present; the
    last applies to every floor above N."""
    table = _param(params, "coefficients")
    if not isinstance(table, Mapping) or not table:
        raise TariffError("floors_empty", "جدول ضریب طبقات خالی است.", "The table of floor coefficients is empty.")
    by_floor = {}
    for key, value in table.items():
        try:
            floor = int(str(key))
        except ValueError:
            raise TariffError("floor_key", f"«{key}» شمارهٔ طبقه نیست.", f"“{key}” is not a floor number.") from None
        if not 0 <= floor <= MAX_FLOOR:
            raise TariffError("floor_key", f"طبقهٔ {num_fa(floor)} ممکن نیست.", f"Floor {floor} is not possible.")
        by_floor[floor] = _coefficient(value, f"ضریب طبقهٔ {num_fa(floor)}", f"The coefficient of floor {floor}")
    top = max(by_floor)
    missing = [f for f in range(top + 1) if f not in by_floor]
    if missing:
        raise TariffError(
            "floor_missing",
            "ضریب این طبقات نیامده است: " + "، ".join(num_fa(f) for f in missing) + ".",
            "No coefficient for floor " + ", ".join(str(f) for f in missing) + ".",
        )
    return tuple(by_floor[f] for f in range(top + 1))


def _validate_area_bands(params: Mapping) -> None:
    bands_of(params)
    if "deduct_per_space_m2" in params:
        area_value(params["deduct_per_space_m2"], what_fa="کسر هر توقفگاه", what_en="The deduction per parking space")


def _validate_floor_table(params: Mapping) -> None:
    floor_coefficients_of(params)


def _validate_area_price(params: Mapping) -> None:
    _coefficient(_param(params, "coefficient"), "ضریب", "The coefficient")


def _validate_per_unit(params: Mapping) -> None:
    _rate(params, "rate_irr")


def _validate_per_metre(params: Mapping) -> None:
    _rate(params, "rate_irr")


def _validate_paving(params: Mapping) -> None:
    _rate(params, "unit_cost_irr")
    if params.get("depth_m") is not None:
        length_value(params["depth_m"], what_fa="عمق آسفالت", what_en="The paving depth")


def _validate_fixed(params: Mapping) -> None:
    _rate(params, "amount_irr")


def _validate_percentage(params: Mapping) -> None:
    _bounded(_param(params, "pct"), upper=MAX_PCT, what_fa="درصد", what_en="The percentage", unit_fa="٪", unit_en="%")
    effect = _param(params, "effect")
    if effect not in ("discount", "surcharge"):
        raise TariffError(
            "percentage_effect",
            "اثر درصد باید «discount» (تخفیف) یا «surcharge» (جریمه یا افزایش) باشد.",
            "A percentage's effect must be “discount” or “surcharge”.",
        )


VALIDATORS: dict[str, Callable[[Mapping], None]] = {
    "area_bands": _validate_area_bands,
    "floor_table": _validate_floor_table,
    "area_price": _validate_area_price,
    "per_unit": _validate_per_unit,
    "per_metre": _validate_per_metre,
    "paving": _validate_paving,
    "fixed": _validate_fixed,
    "percentage": _validate_percentage,
}


def params_validate(kind: str, params: object) -> None:
    """Raise TariffError saying what is wrong with an item's parameters for its formula kind."""
    validator = VALIDATORS.get(kind)
    if validator is None:
        raise TariffError("kind_unknown", f"نوع فرمول «{kind}» شناخته نیست.", f"Unknown formula kind “{kind}”.")
    if not isinstance(params, Mapping):
        raise TariffError(
            "params_not_object", "پارامترها باید یک شیء JSON باشند.", "The parameters must be a JSON object."
        )
    validator(params)


# --- the evaluators (one per kind) ---------------------------------------------------------------------


def _line(
    item: ItemSpec, amount: Decimal, fa: str, en: str, numbers: dict, note_fa: str = "", note_en: str = ""
) -> Line:
    return Line(
        code=item.code,
        title_fa=item.title_fa,
        title_en=item.title_en,
        formula_fa=fa,
        formula_en=en,
        amount_irr=rials(amount),
        numbers={
            k: (num_en(v).replace(",", "") if isinstance(v, Decimal | int) else str(v)) for k, v in numbers.items()
        },
        note_fa=note_fa,
        note_en=note_en,
    )


def _check_kind(item: ItemSpec, kind: str) -> None:
    if item.kind != kind:
        raise TariffError(
            "kind_mismatch",
            f"قلم «{item.code}» از نوع {item.kind} است، نه {kind}.",
            f"Item “{item.code}” is of kind {item.kind}, not {kind}.",
        )
    if item.parsed is None:  # not checked once already (item_checked)
        params_validate(kind, item.params)


def area_bands(item: ItemSpec, *, gross_area_m2: object, parking_spaces: object, unit_price_irr: object) -> Line:
    """P × (gross area − deduction × spaces) × X, X by the band of the base area (Tehran-style
    single residential unit; DOMAIN.md "Permit dues")."""
    _check_kind(item, "area_bands")
    gross = area_value(gross_area_m2, what_fa="زیربنای ناخالص", what_en="The gross floor area")
    spaces = count_value(parking_spaces, what_fa="تعداد توقفگاه", what_en="The number of parking spaces")
    price = price_value(unit_price_irr, what_fa="قیمت منطقه‌ای", what_en="The regional unit price")
    deduct = Decimal(str(item.params.get("deduct_per_space_m2", 20)))
    base = max(Decimal(0), gross - deduct * spaces)
    bands = item.parsed if item.parsed is not None else bands_of(item.params)
    band = next(b for b in bands if b.to_m2 is None or base <= b.to_m2)
    amount = price * base * band.pct / 100
    fa = (
        f"{num_fa(band.pct)}٪ × ({num_fa(gross)} − {num_fa(deduct)} × {num_fa(spaces)}) م² × {num_fa(price)} ریال"
        f" = {num_fa(band.pct)}٪ × {num_fa(base)} م² × {num_fa(price)} ریال"
    )
    en = (
        f"{num_en(band.pct)} % × ({num_en(gross)} − {num_en(deduct)} × {num_en(spaces)}) m² × {num_en(price)} IRR"
        f" = {num_en(band.pct)} % × {num_en(base)} m² × {num_en(price)} IRR"
    )
    band_text = f"{band.from_m2}-{band.to_m2 if band.to_m2 is not None else ''}"
    numbers = {
        "gross_area_m2": gross,
        "parking_spaces": spaces,
        "deduct_per_space_m2": deduct,
        "base_area_m2": base,
        "band_m2": band_text,
        "pct": band.pct,
        "P": price,
    }
    return _line(item, amount, fa, en, numbers)


def floor_table(item: ItemSpec, *, areas_by_floor: Mapping[int, object], unit_price_irr: object) -> Line:
    """Σ floor coefficient × area on the floor × P (excess density; ground 0, the last coefficient for
    every floor above the table)."""
    _check_kind(item, "floor_table")
    coefficients = item.parsed if item.parsed is not None else floor_coefficients_of(item.params)
    price = price_value(unit_price_irr, what_fa="قیمت منطقه‌ای", what_en="The regional unit price")
    terms = []
    for floor, area in sorted(areas_by_floor.items()):
        if not isinstance(floor, int) or isinstance(floor, bool) or not 0 <= floor <= MAX_FLOOR:
            raise TariffError("floor_key", f"طبقهٔ «{floor}» ممکن نیست.", f"Floor “{floor}” is not possible.")
        m2 = area_value(area, what_fa=f"مساحت طبقهٔ {num_fa(floor)}", what_en=f"The area on floor {floor}")
        if m2:
            terms.append((floor, coefficients[min(floor, len(coefficients) - 1)], m2))
    amount = sum((c * m2 * price for _f, c, m2 in terms), Decimal(0))
    if terms:
        fa = " + ".join(f"{num_fa(c)} × {num_fa(m2)} م² (طبقهٔ {num_fa(f)})" for f, c, m2 in terms)
        en = " + ".join(f"{num_en(c)} × {num_en(m2)} m² (floor {f})" for f, c, m2 in terms)
        fa, en = f"({fa}) × {num_fa(price)} ریال", f"({en}) × {num_en(price)} IRR"
    else:
        fa, en = "بدون مازاد", "no excess"
    numbers = {"P": price} | {f"floor_{f}": f"{c}×{m2}" for f, c, m2 in terms}
    return _line(item, amount, fa, en, numbers)


def area_price(item: ItemSpec, *, terms: Sequence[tuple[object, object]]) -> Line:
    """coefficient × Σ area × unit price: change of use (one term, P), renovation dues (land area ×
    land price + floor area × building price, coefficient 0.005)."""
    _check_kind(item, "area_price")
    coefficient = Decimal(str(item.params["coefficient"]))
    checked = []
    for area, price in terms:
        checked.append((area_value(area), price_value(price)))
    base = sum((a * p for a, p in checked), Decimal(0))
    amount = coefficient * base
    inner_fa = " + ".join(f"{num_fa(a)} م² × {num_fa(p)} ریال" for a, p in checked) or "۰"
    inner_en = " + ".join(f"{num_en(a)} m² × {num_en(p)} IRR" for a, p in checked) or "0"
    if len(checked) > 1:
        inner_fa, inner_en = f"({inner_fa})", f"({inner_en})"
    fa = f"{num_fa(coefficient)} × {inner_fa}"
    en = f"{num_en(coefficient)} × {inner_en}"
    numbers = {"coefficient": coefficient, "base_irr": base}
    for i, (a, p) in enumerate(checked, start=1):
        numbers[f"area_{i}_m2"], numbers[f"price_{i}_irr"] = a, p
    return _line(item, amount, fa, en, numbers)


def per_unit(item: ItemSpec, *, count: object) -> Line:
    """rate × count (a parking space short, a unit, a licence)."""
    _check_kind(item, "per_unit")
    n = count_value(count)
    rate = _rate(item.params, "rate_irr")
    fa = f"{num_fa(n)} × {num_fa(rate)} ریال"
    en = f"{num_en(n)} × {num_en(rate)} IRR"
    return _line(item, rate * n, fa, en, {"count": n, "rate_irr": rate})


def per_metre(item: ItemSpec, *, length_m: object) -> Line:
    """rate × metres (fencing: the length of the wall)."""
    _check_kind(item, "per_metre")
    metres = length_value(length_m)
    rate = _rate(item.params, "rate_irr")
    fa = f"{num_fa(metres)} متر × {num_fa(rate)} ریال"
    en = f"{num_en(metres)} m × {num_en(rate)} IRR"
    return _line(item, rate * metres, fa, en, {"length_m": metres, "rate_irr": rate})


def paving(item: ItemSpec, *, frontage_m: object, depth_m: object | None = None) -> Line:
    """frontage after realignment × depth × unit paving cost (the item's depth when it fixes one)."""
    _check_kind(item, "paving")
    front = length_value(frontage_m, what_fa="بر اصلاحی", what_en="The frontage after realignment")
    if item.params.get("depth_m") is not None:
        depth = length_value(item.params["depth_m"], what_fa="عمق آسفالت", what_en="The paving depth")
    elif depth_m is None:
        raise TariffError("depth_missing", "عمق آسفالت معلوم نیست.", "The paving depth is not known.")
    else:
        depth = length_value(depth_m, what_fa="عمق آسفالت", what_en="The paving depth")
    cost = _rate(item.params, "unit_cost_irr")
    fa = f"{num_fa(front)} متر × {num_fa(depth)} متر × {num_fa(cost)} ریال"
    en = f"{num_en(front)} m × {num_en(depth)} m × {num_en(cost)} IRR"
    return _line(item, front * depth * cost, fa, en, {"frontage_m": front, "depth_m": depth, "unit_cost_irr": cost})


def fixed(item: ItemSpec) -> Line:
    """A fixed amount."""
    _check_kind(item, "fixed")
    amount = _rate(item.params, "amount_irr")
    return _line(
        item, amount, f"مبلغ ثابت {num_fa(amount)} ریال", f"fixed {num_en(amount)} IRR", {"amount_irr": amount}
    )


def percentage(item: ItemSpec, *, base_irr: object, base_fa: str = "", base_en: str = "") -> Line:
    """pct × base: a discount (negative line: early payment) or a surcharge (late penalty)."""
    _check_kind(item, "percentage")
    base = price_value(base_irr, what_fa="مبنای درصد", what_en="The base of the percentage")
    pct = Decimal(str(item.params["pct"]))
    sign = -1 if item.params["effect"] == "discount" else 1
    amount = sign * pct * base / 100
    minus = "− " if sign < 0 else ""
    fa = f"{minus}{num_fa(pct)}٪ × {num_fa(base)} ریال" + (f" ({base_fa})" if base_fa else "")
    en = f"{minus}{num_en(pct)} % × {num_en(base)} IRR" + (f" ({base_en})" if base_en else "")
    return _line(item, amount, fa, en, {"pct": pct, "base_irr": base, "effect": item.params["effect"]})
