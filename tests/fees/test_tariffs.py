"""The fee formulas (fees.tariffs), without the database: the worked examples of DOMAIN.md to the rial,
one per formula kind, the formula text in both languages, and every class of bad parameter or input."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from fees import tariffs
from fees.tariffs import ItemSpec, TariffError, params_validate

BOOKS = Path(__file__).resolve().parents[2] / "data" / "tariffs"

BANDS = [
    {"from_m2": 0, "to_m2": 60, "pct": 5},
    {"from_m2": 60, "to_m2": 100, "pct": 10},
    {"from_m2": 100, "to_m2": 150, "pct": 18},
    {"from_m2": 150, "to_m2": 200, "pct": 30},
    {"from_m2": 200, "to_m2": 300, "pct": 45},
    {"from_m2": 300, "to_m2": 400, "pct": 65},
    {"from_m2": 400, "to_m2": 500, "pct": 90},
    {"from_m2": 500, "to_m2": 600, "pct": 105},
    {"from_m2": 600, "to_m2": None, "pct": 120},
]
FLOORS = {"0": 5, "1": 6, "2": 6, "3": 7, "4": 8, "5": 10}


def item(kind: str, **params) -> ItemSpec:
    return ItemSpec(code=f"t_{kind}", kind=kind, title_fa="آزمون", title_en="test", params=params)


# --- worked examples, to the rial ------------------------------------------------------------------


def test_permit_dues_by_area_band_worked_example():
    # DOMAIN.md: 180 m², 1 space, P = 5,000,000 -> base 160 m², X 30 % -> 240,000,000 IRR
    line = tariffs.area_bands(
        item("area_bands", bands=BANDS, deduct_per_space_m2=20),
        gross_area_m2=180,
        parking_spaces=1,
        unit_price_irr=5_000_000,
    )
    assert line.amount_irr == 240_000_000
    assert "۳۰٪ × ۱۶۰ م² × ۵٬۰۰۰٬۰۰۰ ریال" in line.formula_fa
    assert "(۱۸۰ − ۲۰ × ۱) م²" in line.formula_fa
    assert "30 % × 160 m² × 5,000,000 IRR" in line.formula_en
    assert line.numbers["base_area_m2"] == "160" and line.numbers["pct"] == "30" and line.numbers["P"] == "5000000"


@pytest.mark.parametrize(
    ("base", "pct"),
    [(60, 5), (60.01, 10), (100, 10), (150, 18), (200, 30), (500, 90), (550, 105), (600, 105), (600.5, 120), (0, 5)],
)
def test_a_band_takes_its_upper_bound(base, pct):
    line = tariffs.area_bands(item("area_bands", bands=BANDS), gross_area_m2=base, parking_spaces=0, unit_price_irr=1)
    assert line.numbers["pct"] == str(pct)


def test_parking_deduction_never_makes_a_negative_base():
    line = tariffs.area_bands(item("area_bands", bands=BANDS), gross_area_m2=30, parking_spaces=3, unit_price_irr=10)
    assert line.amount_irr == 0 and line.numbers["base_area_m2"] == "0"


def test_excess_density_per_floor_worked_example():
    # DOMAIN.md: 40 m² on the 3rd floor, P = 5,000,000 -> coefficient 7 -> 1.4 bn IRR
    line = tariffs.floor_table(
        item("floor_table", coefficients=FLOORS), areas_by_floor={3: 40}, unit_price_irr=5_000_000
    )
    assert line.amount_irr == 1_400_000_000
    assert "۷ × ۴۰ م² (طبقهٔ ۳)" in line.formula_fa and "7 × 40 m² (floor 3)" in line.formula_en


def test_floors_above_the_table_take_the_last_coefficient_and_floors_add_up():
    line = tariffs.floor_table(
        item("floor_table", coefficients=FLOORS), areas_by_floor={4: 10, 5: 10, 8: 10}, unit_price_irr=1_000
    )
    assert line.amount_irr == (8 + 10 + 10) * 10 * 1_000


def test_renovation_dues_worked_example():
    # DOMAIN.md: 0.5 % × (250 m² × 8,000,000 + 300 m² × 12,000,000) = 0.005 × 5.6 bn = 28,000,000 IRR a year
    line = tariffs.area_price(item("area_price", coefficient="0.005"), terms=[(250, 8_000_000), (300, 12_000_000)])
    assert line.amount_irr == 28_000_000
    assert line.numbers["base_irr"] == "5600000000"
    assert line.formula_fa == "۰٫۰۰۵ × (۲۵۰ م² × ۸٬۰۰۰٬۰۰۰ ریال + ۳۰۰ م² × ۱۲٬۰۰۰٬۰۰۰ ریال)"
    assert line.formula_en == "0.005 × (250 m² × 8,000,000 IRR + 300 m² × 12,000,000 IRR)"


def test_change_of_use_worked_example():
    # 3 × 240 m² × P 5,000,000 = 3,600,000,000 IRR
    line = tariffs.area_price(item("area_price", coefficient=3), terms=[(240, 5_000_000)])
    assert line.amount_irr == 3_600_000_000
    assert line.formula_fa == "۳ × ۲۴۰ م² × ۵٬۰۰۰٬۰۰۰ ریال"


def test_parking_shortfall_per_space_worked_example():
    line = tariffs.per_unit(item("per_unit", rate_irr=150_000_000), count=2)
    assert line.amount_irr == 300_000_000
    assert line.formula_fa == "۲ × ۱۵۰٬۰۰۰٬۰۰۰ ریال" and line.formula_en == "2 × 150,000,000 IRR"


def test_fencing_per_metre_worked_example():
    line = tariffs.per_metre(item("per_metre", rate_irr=2_000_000), length_m=45.5)
    assert line.amount_irr == 91_000_000
    assert line.formula_fa == "۴۵٫۵ متر × ۲٬۰۰۰٬۰۰۰ ریال" and line.formula_en == "45.5 m × 2,000,000 IRR"


def test_paving_share_worked_example():
    # frontage after realignment 10 m × depth 6 m (to the centreline of a 12 m street) × 1,500,000 IRR/m²
    line = tariffs.paving(item("paving", unit_cost_irr=1_500_000), frontage_m=10, depth_m=6)
    assert line.amount_irr == 90_000_000
    assert line.formula_en == "10 m × 6 m × 1,500,000 IRR"
    # a depth fixed by the book wins over the street's
    assert tariffs.paving(item("paving", unit_cost_irr=1_000, depth_m=2), frontage_m=10, depth_m=6).amount_irr == 20_000


def test_fixed_worked_example():
    assert tariffs.fixed(item("fixed", amount_irr=1_500_000)).amount_irr == 1_500_000


def test_percentage_discount_and_late_penalty_worked_examples():
    discount = tariffs.percentage(item("percentage", pct=10, effect="discount"), base_irr=28_000_000)
    assert discount.amount_irr == -2_800_000
    assert discount.formula_fa.startswith("− ۱۰٪ × ۲۸٬۰۰۰٬۰۰۰ ریال")
    # 12 % a year on 1404's dues of 20,000,000, paid two years late
    penalty = tariffs.percentage(item("percentage", pct=12, effect="surcharge"), base_irr=2 * 20_000_000)
    assert penalty.amount_irr == 4_800_000


def test_a_line_is_rounded_once_half_up():
    # 0.005 × (100 + 100) = 1.0: rounding each term (0.5 -> 1) would say 2
    line = tariffs.area_price(item("area_price", coefficient="0.005"), terms=[(1, 100), (1, 100)])
    assert line.amount_irr == 1
    assert tariffs.area_price(item("area_price", coefficient="0.005"), terms=[(1, 101)]).amount_irr == 1  # 0.505
    assert tariffs.area_price(item("area_price", coefficient="0.005"), terms=[(1, 99)]).amount_irr == 0  # 0.495
    assert tariffs.percentage(item("percentage", pct=10, effect="discount"), base_irr=5).amount_irr == -1  # -0.5


def test_exact_with_decimals_where_floats_drift():
    # 0.1 × 3 in floats is 0.30000000000000004; × 10^10 shows it
    line = tariffs.area_price(item("area_price", coefficient="0.1"), terms=[(3, 10_000_000_000)])
    assert line.amount_irr == 3_000_000_000


# --- bad inputs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "code"),
    [
        (float("nan"), "not_finite"),
        (float("inf"), "not_finite"),
        (float("-inf"), "not_finite"),
        ("NaN", "not_finite"),
        (-1, "negative"),
        (-0.01, "negative"),
        (1_000_000.01, "absurd"),
        (1e12, "absurd"),
        ("1e400", "absurd"),
        ("abc", "not_a_number"),
        (None, "not_a_number"),
        (True, "not_a_number"),
    ],
)
def test_bad_areas_are_refused_with_a_reason_in_both_languages(area, code):
    with pytest.raises(TariffError) as err:
        tariffs.area_bands(item("area_bands", bands=BANDS), gross_area_m2=area, parking_spaces=0, unit_price_irr=1)
    assert err.value.code == code
    assert err.value.fa and err.value.en and err.value.fa != err.value.en


@pytest.mark.parametrize("count", [-1, 1.5, 10_001, float("nan"), "x"])
def test_bad_counts(count):
    with pytest.raises(TariffError):
        tariffs.per_unit(item("per_unit", rate_irr=1), count=count)


@pytest.mark.parametrize("length", [-3, float("inf"), 100_001])
def test_bad_lengths(length):
    with pytest.raises(TariffError):
        tariffs.per_metre(item("per_metre", rate_irr=1), length_m=length)


@pytest.mark.parametrize("floors", [{-1: 10}, {61: 10}, {"3": 10}, {3: -10}, {3: float("nan")}])
def test_bad_floor_areas(floors):
    with pytest.raises(TariffError):
        tariffs.floor_table(item("floor_table", coefficients=FLOORS), areas_by_floor=floors, unit_price_irr=1)


def _bands(*rows):
    return {"bands": [{"from_m2": a, "to_m2": b, "pct": p} for a, b, p in rows]}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (_bands((0, 100, 5), (80, 200, 10), (200, None, 20)), "bands_overlap"),
        (_bands((0, 100, 5), (0, 200, 10)), "bands_overlap"),
        (_bands((0, 100, 5), (120, 200, 10), (200, None, 20)), "bands_gap"),
        (_bands((0, 500, 90), (600, None, 120)), "bands_gap"),  # DOMAIN.md's ≤500 / >600 as written
        (_bands((10, 100, 5), (100, None, 10)), "bands_start"),
        (_bands((0, None, 5), (100, None, 10)), "band_open_not_last"),
        (_bands((0, 100, 5), (100, 90, 10)), "band_not_ascending"),
        (_bands((0, 100, -5)), "negative"),
        (_bands((0, 100, 5000)), "absurd"),
        (_bands((0, float("nan"), 5)), "not_finite"),
        ({"bands": []}, "bands_empty"),
        ({"bands": [{"from_m2": 0}]}, "band_malformed"),
        ({}, "param_missing"),
    ],
)
def test_bad_band_tables(params, code):
    with pytest.raises(TariffError) as err:
        params_validate("area_bands", params)
    assert err.value.code == code


def test_the_overlap_message_names_the_bands_and_the_area():
    with pytest.raises(TariffError) as err:
        params_validate("area_bands", _bands((0, 100, 5), (80, None, 10)))
    assert err.value.en == "Bands 1 and 2 overlap (80 to 100 m² is in both)."
    assert "۸۰ تا ۱۰۰ م²" in err.value.fa


@pytest.mark.parametrize(
    ("coefficients", "code"),
    [
        ({"0": 5, "1": 6, "3": 7}, "floor_missing"),
        ({"1": 6, "2": 6}, "floor_missing"),  # no ground floor
        ({"0": 5, "1": -6}, "negative"),
        ({"ground": 5}, "floor_key"),
        ({"0": 5, "99": 6}, "floor_key"),
        ({}, "floors_empty"),
        ({"0": "x"}, "not_a_number"),
    ],
)
def test_bad_floor_tables(coefficients, code):
    with pytest.raises(TariffError) as err:
        params_validate("floor_table", {"coefficients": coefficients})
    assert err.value.code == code


def test_a_missing_floor_coefficient_is_named():
    with pytest.raises(TariffError) as err:
        params_validate("floor_table", {"coefficients": {"0": 5, "1": 6, "3": 7, "5": 9}})
    assert err.value.en == "No coefficient for floor 2, 4."


@pytest.mark.parametrize(
    ("kind", "params", "code"),
    [
        ("per_unit", {"rate_irr": -1}, "negative"),
        ("per_unit", {}, "param_missing"),
        ("per_metre", {"rate_irr": "inf"}, "not_finite"),
        ("paving", {"unit_cost_irr": 1, "depth_m": -2}, "negative"),
        ("fixed", {"amount_irr": 10**13}, "absurd"),
        ("area_price", {"coefficient": -0.5}, "negative"),
        ("percentage", {"pct": 101, "effect": "discount"}, "absurd"),
        ("percentage", {"pct": -5, "effect": "discount"}, "negative"),
        ("percentage", {"pct": 5}, "param_missing"),
        ("percentage", {"pct": 5, "effect": "bonus"}, "percentage_effect"),
        ("nothing", {}, "kind_unknown"),
        ("fixed", [1, 2], "params_not_object"),
    ],
)
def test_bad_parameters_of_the_other_kinds(kind, params, code):
    with pytest.raises(TariffError) as err:
        params_validate(kind, params)
    assert err.value.code == code


def test_an_item_of_another_kind_is_refused():
    with pytest.raises(TariffError) as err:
        tariffs.fixed(item("per_unit", rate_irr=5))
    assert err.value.code == "kind_mismatch"


def test_numbers_are_written_in_persian_and_english():
    assert tariffs.num_fa(Decimal("1234567.50")) == "۱٬۲۳۴٬۵۶۷٫۵"
    assert tariffs.num_en(Decimal("1234567.50")) == "1,234,567.5"
    assert tariffs.num_fa(-2_800_000) == "-۲٬۸۰۰٬۰۰۰"


@pytest.mark.parametrize("path", sorted(BOOKS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_item_of_the_shipped_books_validates(path):
    book = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert book["is_example"] is True and "نمونه" in book["title_fa"] and "example" in book["title_en"]
    for row in book["items"]:
        params_validate(row["kind"], row["params"])
