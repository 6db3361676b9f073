"""A plan check as it is stored and handed between apps: a typed, versioned record (DESIGN.md §4).

The permit workflow keeps one per plan check, the survey reconciliation one per survey; both read it
back through `check_record_load` and never by string keys. `schema` says which layout the JSON has:
0 is the plain report data stored before the record existed (read the same way), 1 adds the plan's
parking parameters. Pure: dataclasses and JSON-ready values only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

SCHEMA_VERSION = 1


class UnknownSchema(ValueError):
    """Stored by a newer version of the service than this one."""


@dataclass(frozen=True)
class Text:
    fa: str
    en: str


@dataclass(frozen=True)
class StoredRule:
    code: str
    status: str  # passed | failed | not_applicable
    measured: float | str | None
    required: float | str | None
    unit: str
    explanation: Text
    plan_version: int | None


@dataclass(frozen=True)
class StoredParcel:
    id: int
    file_code: str
    renovation_code: str
    registry_plate: str
    area_m2: float
    deed_area_m2: float | None
    net_area_m2: float
    setback_area_m2: float
    chamfer_area_m2: float
    depth_m: float
    net_depth_m: float
    parts: int


@dataclass(frozen=True)
class StoredZone:
    plan_code: str
    land_use: str
    density_pct: float
    coverage_pct: float
    max_floors: int
    max_height_m: float
    min_plot_area_m2: float
    min_frontage_m: float


@dataclass(frozen=True)
class StoredStreet:
    name: str
    hierarchy: str
    vehicular: bool
    existing_width_m: float
    approved_width_m: float
    distance_m: float
    setback_depth_m: float
    setback_area_m2: float
    frontage_m: float
    frontage_after_m: float


@dataclass(frozen=True)
class StoredEnvelope:
    area_m2: float
    band_depth_m: float
    base_area_m2: float
    max_footprint_m2: float
    max_floor_area_m2: float
    max_floors: int


@dataclass(frozen=True)
class StoredProposal:
    use: str
    floors: int
    floor_area_m2: float
    footprint_m2: float
    height_m: float | None


@dataclass(frozen=True)
class StoredParking:
    space_m2: float
    area_per_space: tuple[tuple[str, float], ...]  # (land use, m² of floor area per required space)


@dataclass(frozen=True)
class Versions:
    parcels: int
    zones: int | None
    streets: int | None


@dataclass(frozen=True)
class CheckRecord:
    """One plan check: the parcel's facts, the governing zone, the streets, the envelope, each rule's
    result, the notes, the plan's parking parameters, the versions used and the map's geometry."""

    parcel: StoredParcel
    versions: Versions
    zone: StoredZone | None
    streets: tuple[StoredStreet, ...]
    envelope: StoredEnvelope
    proposal: StoredProposal
    passed: bool
    results: tuple[StoredRule, ...]
    notes: tuple[Text, ...]
    parking: StoredParking | None
    geometry: dict  # GeoJSON FeatureCollection in EPSG:4326 for the map
    schema: int = SCHEMA_VERSION

    @property
    def failed_rules(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.results if r.status == "failed")

    def result(self, code: str) -> StoredRule | None:
        return next((r for r in self.results if r.code == code), None)


def _build(cls, data: dict):
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def check_record_load(data: dict) -> CheckRecord:
    """The record stored as JSON (any schema this version knows)."""
    schema = int(data.get("schema", 0))
    if schema > SCHEMA_VERSION:
        raise UnknownSchema(f"plan check schema {schema} is newer than {SCHEMA_VERSION}")
    parking = data.get("parking")
    return CheckRecord(
        parcel=_build(StoredParcel, data["parcel"]),
        versions=_build(Versions, data["versions"]),
        zone=_build(StoredZone, data["zone"]) if data.get("zone") else None,
        streets=tuple(_build(StoredStreet, s) for s in data.get("streets", ())),
        envelope=_build(StoredEnvelope, data["envelope"]),
        proposal=_build(StoredProposal, data["proposal"]),
        passed=bool(data["passed"]),
        results=tuple(
            _build(StoredRule, {**r, "explanation": Text(**r["explanation"])}) for r in data.get("results", ())
        ),
        notes=tuple(Text(fa=n["fa"], en=n["en"]) for n in data.get("notes", ())),
        parking=None
        if not parking
        else StoredParking(
            space_m2=float(parking["space_m2"]),
            area_per_space=tuple((str(u), float(m2)) for u, m2 in parking["area_per_space"]),
        ),
        geometry=data.get("geometry") or {"type": "FeatureCollection", "features": []},
        schema=SCHEMA_VERSION,
    )


def check_record_dump(record: CheckRecord) -> dict:
    """JSON-ready data of a record (tuples become lists), with its schema version."""
    return dataclasses.asdict(record)
