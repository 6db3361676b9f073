"""The answers as typed records: what each inquiry kind answers, stored with the inquiry (JSON, with a
schema version) and read back through `answer_load`. The API renders these fields and nothing else, so
an answer carries only what its purpose needs (no owner, no amounts but the excavation's own fee).

When documents/ is merged, each answered record is also issued as a signed document with a serial; the
record is its content."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

SCHEMA = 1


class Outcome:
    """Machine codes of an answer's outcome (documented in the OpenAPI schema)."""

    YES = "yes"  # bank: the facts are as stated
    CLEARED = "cleared"  # notary: the sale may be notarised
    NOT_CLEARED = "not_cleared"
    ELIGIBLE = "eligible"  # utility: a connection may be made
    ELIGIBLE_TEMPORARY = "eligible_temporary"  # utility: a construction-site connection only
    NOT_ELIGIBLE = "not_eligible"
    PERMITTED = "permitted"  # excavation
    REFUSED = "refused"
    ANSWERED = "answered"


@dataclass(frozen=True)
class BankFacts:
    valid_permit: bool
    permit_issued_on: str | None  # ISO date
    completion_certificate: bool
    construction_stage: str  # no_permit, under_construction, certified_no_violation, completed


@dataclass(frozen=True)
class NotaryFacts:
    certificate: str | None  # completion, no_violation, or None
    certificate_valid_until: str | None
    dues_paid: bool
    open_violation: bool
    reasons: tuple[str, ...] = ()  # codes of what stands in the way


@dataclass(frozen=True)
class UtilityFacts:
    unit: str
    completion_certificate: bool
    valid_permit: bool
    open_violation: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class StreetCrossed:
    name: str
    approved_width_m: float


@dataclass(frozen=True)
class PavingCrossed:
    street_name: str
    paved_on: str


@dataclass(frozen=True)
class ExcavationFacts:
    length_m: float
    trench_area_m2: float
    parcels_touched: int  # parcels other than the served one inside the buffer
    streets: tuple[StreetCrossed, ...]
    recently_paved: tuple[PavingCrossed, ...]
    open_excavations: tuple[str, ...]  # public ids of other permitted excavations nearby
    conditions: tuple[str, ...]  # condition codes (CONDITION_TEXT in rules.py)
    fee_irr: int
    works_until: str | None = None
    bill_id: str = ""
    payment_id: str = ""
    note: str = ""


FACTS = {"bank": BankFacts, "notary": NotaryFacts, "utility": UtilityFacts, "excavation": ExcavationFacts}


@dataclass(frozen=True)
class Answer:
    """One inquiry's answer: outcome, the kind's facts, the data versions used and who decided."""

    kind: str
    outcome: str
    facts: BankFacts | NotaryFacts | UtilityFacts | ExcavationFacts
    data_versions: dict[str, int | None] = field(default_factory=dict)
    decided_by: str = "automatic"  # or "unit"
    schema: int = SCHEMA


def answer_dump(answer: Answer) -> dict:
    return dataclasses.asdict(answer)


def answer_load(data: dict) -> Answer:
    """The stored JSON back as an Answer (tuples and nested records restored)."""
    kind = data["kind"]
    facts = dict(data["facts"])
    if kind == "excavation":
        facts["streets"] = tuple(StreetCrossed(**s) for s in facts.get("streets", ()))
        facts["recently_paved"] = tuple(PavingCrossed(**p) for p in facts.get("recently_paved", ()))
        facts["open_excavations"] = tuple(facts.get("open_excavations", ()))
        facts["conditions"] = tuple(facts.get("conditions", ()))
    elif "reasons" in facts:
        facts["reasons"] = tuple(facts["reasons"])
    return Answer(
        kind=kind,
        outcome=data["outcome"],
        facts=FACTS[kind](**facts),
        data_versions=dict(data.get("data_versions", {})),
        decided_by=data.get("decided_by", "automatic"),
        schema=data.get("schema", SCHEMA),
    )
