"""Article 100 of the Municipalities Law: the commission's outcome and fine range for a violation.

Pure functions. The multiples are the statute's own (notes 1-6, DOMAIN.md); the transaction value per
m² is the council's yearly schedule (TransactionValue rows), passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PARKING_SPACE_M2 = Decimal(25)  # note 5: one space counts 25 m² with manoeuvring


@dataclass(frozen=True)
class Note:
    number: int
    outcome: str  # "demolition" or "fine"
    low: Decimal | None = None  # fine multiples of the transaction value per m²
    high: Decimal | None = None


NOTES = {
    "against_plan": Note(1, "demolition"),
    "extra_area_residential": Note(2, "fine", Decimal("0.5"), Decimal(3)),
    "extra_area_commercial": Note(3, "fine", Decimal(2), Decimal(4)),
    "no_permit_within_rules": Note(4, "fine"),
    "missing_parking": Note(5, "fine", Decimal(1), Decimal(2)),
    "street_encroachment": Note(6, "demolition"),
}


@dataclass(frozen=True)
class FineRange:
    note: int
    outcome: str
    min_irr: int | None
    max_irr: int | None
    basis: str  # how the range was computed, for the commission's file


def _irr(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fine_range(
    *, kind: str, area_m2: float, value_irr_m2: int, goodwill_irr_m2: int = 0, parking_spaces: int = 0
) -> FineRange:
    """The outcome and the fine range the commission may impose for one violation."""
    note = NOTES[kind]
    if area_m2 < 0 or value_irr_m2 < 0 or goodwill_irr_m2 < 0 or parking_spaces < 0:
        raise ValueError("area, values and spaces must not be negative")
    if note.outcome == "demolition":
        return FineRange(note.number, "demolition", None, None, f"note {note.number}: demolition of the part")
    value = Decimal(value_irr_m2)
    if kind == "no_permit_within_rules":
        per_m2 = max(value / 10, Decimal(goodwill_irr_m2) / 5)
        amount = _irr(per_m2 * Decimal(str(area_m2)))
        return FineRange(4, "fine", amount, amount, "note 4: max(1/10 transaction value, 1/5 goodwill) × area")
    if kind == "missing_parking":
        base = value * PARKING_SPACE_M2 * parking_spaces
        return FineRange(
            5, "fine", _irr(note.low * base), _irr(note.high * base), "note 5: 1-2 × value × 25 m² per space"
        )
    base = value * Decimal(str(area_m2))
    return FineRange(
        note.number,
        "fine",
        _irr(note.low * base),
        _irr(note.high * base),
        f"note {note.number}: {note.low}-{note.high} × transaction value × area",
    )
