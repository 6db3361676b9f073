"""Typed records that cross from the fee rules to services, pages and documents (no Django, no ORM).

An assessment is a tuple of lines; each line names its tariff item, says its formula and the numbers it
used in both languages, and gives an integer amount in rials. Stored as JSON on Assessment.lines by
`assessment_dump` and read back by `assessment_load` (the one way it is read).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Line:
    code: str  # the tariff item's code (or "article100_fine", "rounding", …)
    title_fa: str
    title_en: str
    formula_fa: str  # e.g. «۳۰٪ × ۱۶۰ م² × ۵٬۰۰۰٬۰۰۰ ریال», built by the rules in both languages
    formula_en: str
    amount_irr: int
    # the numbers used, by name (area_m2, P, coefficient, band, floor, …), as strings for exactness
    numbers: dict[str, str] = field(default_factory=dict)
    note_fa: str = ""  # e.g. the parcel straddles value zones and takes the largest share's
    note_en: str = ""


@dataclass(frozen=True)
class AssessmentRecord:
    lines: tuple[Line, ...]
    total_irr: int


def assessment_dump(record: AssessmentRecord) -> list[dict]:
    return [asdict(line) for line in record.lines]


def assessment_load(lines: list[dict]) -> AssessmentRecord:
    parsed = tuple(
        Line(
            code=str(d["code"]),
            title_fa=str(d["title_fa"]),
            title_en=str(d["title_en"]),
            formula_fa=str(d["formula_fa"]),
            formula_en=str(d["formula_en"]),
            amount_irr=int(d["amount_irr"]),
            numbers={str(k): str(v) for k, v in (d.get("numbers") or {}).items()},
            note_fa=str(d.get("note_fa", "")),
            note_en=str(d.get("note_en", "")),
        )
        for d in lines
    )
    return AssessmentRecord(lines=parsed, total_irr=sum(line.amount_irr for line in parsed))
