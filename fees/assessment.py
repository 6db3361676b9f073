"""The assessment of a file: what it owes at stage 5 (renovation dues), 6 (paving share) and 7 (permit
fees), line by line from the tariff book in force, the parcel measured in PostGIS and the proposal.

`assessment_make` stores the lines with the book used, P and its value zone, and a fingerprint of
everything it read (`inputs_key`); the same inputs give back the same assessment, changed inputs make
a new one that supersedes the old (never edited), all under the request's row lock and audited.
`assessment_is_stale` tells the guards when the inputs changed since. `renovation_dues_lines` prices
one year's renovation dues of a parcel, for paying them without a permit file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import math

import orjson
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from fees.books import NoBookInForce, book_for_year, item_spec, jalali_year_of, tariff_message
from fees.models import (
    Assessment,
    AssessmentStatus,
    Bill,
    BillKind,
    BillStatus,
    BookStatus,
    FeeStage,
    TariffBook,
    TariffItem,
)
from fees.records import AssessmentRecord, Line, assessment_dump
from fees.tariffs import (
    MAX_AREA_M2,
    ItemSpec,
    TariffError,
    area_bands,
    area_price,
    fixed,
    floor_table,
    item_checked,
    paving,
    per_metre,
    per_unit,
    percentage,
)
from fees.valuation import NoValueZone, Valuation, parcel_valuation, valuation_of_rows, value_zone_rows
from gis_app.audit import audit_record
from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id
from gis_app.text import digits_to_persian
from parcels.models import Parcel
from permits.models import PermitRequest
from permits.workflow import RequestKind, request_type
from zoning.compliance.records import ParcelFacts, ParcelPlan
from zoning.compliance.rules import parking_spaces_required
from zoning.compliance.runner import base_area_m2
from zoning.selectors import parcel_facts, parcel_plan

ASSESSED_STAGES = (FeeStage.RENOVATION, FeeStage.EXECUTIVE, FeeStage.REVENUE)
BUILDING_KINDS = (RequestKind.BUILDING_NEW, RequestKind.BUILDING_EXTENSION)
INPUTS_SCHEMA = 1  # bump when what the fingerprint covers changes: every assessment becomes stale


class AssessmentError(Exception):
    """The file cannot be assessed (translated reason): never a zero fee instead."""


@dataclasses.dataclass(frozen=True)
class Gathered:
    """Everything one assessment reads, and its fingerprint."""

    request: PermitRequest
    stage: str
    parcel: Parcel
    book_id: int
    valuation: Valuation
    facts: ParcelFacts | ParcelPlan | None  # the plan without the streets at the revenue stage (_plan)
    year: int
    inputs: dict
    parking_spaces_provided: int | None = None

    @property
    def key(self) -> str:
        return hashlib.sha256(orjson.dumps(self.inputs, option=orjson.OPT_SORT_KEYS)).hexdigest()


# --- reading -----------------------------------------------------------------------------------


def _parcel_and_valuation(request: PermitRequest) -> tuple[Parcel, Valuation]:
    """The request's parcel row and its value zone, in one statement (fees.valuation)."""
    rows = value_zone_rows(parcel_id=request.parcel_id, parcel_version_id=None)
    if not rows:
        raise AssessmentError(_("The file's parcel is no longer in the data: it cannot be assessed."))
    version_id, file_code, geom_hash, deed = rows[0][9:13]
    parcel = Parcel(id=request.parcel_id, version_id=version_id, file_code=file_code, geom_hash=geom_hash)
    parcel.deed_area_m2 = deed
    try:
        return parcel, valuation_of_rows(rows, parcel_code=file_code or parcel.pk)
    except NoValueZone as exc:
        raise AssessmentError(str(exc)) from None


def _facts(parcel: Parcel) -> ParcelFacts:
    facts = parcel_facts(parcel_id=parcel.pk, parcel_version_id=parcel.version_id)
    if facts is None:
        raise AssessmentError(_("The file's parcel is no longer in the data: it cannot be assessed."))
    return facts


def _plan(parcel: Parcel) -> ParcelFacts | ParcelPlan:
    """What the revenue stage needs of the plan: the governing zone, its density rule and the plan
    parameters, without measuring the parcel against its streets (zoning.selectors.parcel_plan); the
    full facts only when the plan takes density of the net plot (after setbacks and chamfers)."""
    plan = parcel_plan(parcel_id=parcel.pk, parcel_version_id=parcel.version_id)
    if plan is None:
        raise AssessmentError(_("The file's parcel is no longer in the data: it cannot be assessed."))
    return _facts(parcel) if plan.base_area_m2 is None else plan


def _base_area_m2(facts: ParcelFacts | ParcelPlan) -> float:
    return base_area_m2(facts) if isinstance(facts, ParcelFacts) else facts.base_area_m2


def _perimeter_m(facts: ParcelFacts | ParcelPlan) -> float:
    return facts.geom.length if isinstance(facts, ParcelFacts) else facts.perimeter_m


def _number(value) -> float | None:
    return None if value is None else float(value)


def _proposal(request: PermitRequest) -> dict:
    return {
        "kind": request.kind,
        "use": request.use,
        "floors": request.floors,
        "floor_area_m2": _number(request.floor_area_m2),
        "footprint_m2": _number(request.footprint_m2),
        "height_m": _number(request.height_m),
    }


def _settled_years(*, file_id: int, request_id: int) -> list[int]:
    """Dues years paid or exempted on the file other than through this request's own bills (paying
    the request's renovation bill must not make its assessment out of date)."""
    return sorted(
        Bill.objects.filter(
            file_id=file_id, kind=BillKind.RENOVATION, status__in=(BillStatus.PAID, BillStatus.EXEMPTED)
        )
        .exclude(dues_year=None)
        .exclude(request_id=request_id)
        .values_list("dues_year", flat=True)
        .distinct()
    )


def _book_of_year(year: int) -> int:
    """The id of the year's approved book (AssessmentError, translated, when there is none)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM fees_tariffbook WHERE municipality = %s AND year = %s AND status = 'approved'",
            [settings.FEES_MUNICIPALITY, year],
        )
        row = cur.fetchone()
    if row is not None:
        return row[0]
    try:
        book_for_year(year=year)  # says why, in the page's language
    except NoBookInForce as exc:
        raise AssessmentError(str(exc)) from None
    raise AssertionError("book_for_year found a book the query did not")


@functools.lru_cache(maxsize=64)
def _approved_items(book_id: int) -> dict[str, dict[str, ItemSpec]]:
    """An approved book's items by stage and code. An approved book is read-only (a change is a new
    version with a new id), so its items are read, validated and parsed once per process (an item that
    does not validate is left as read: its line says why, as before)."""
    by_stage: dict[str, dict[str, ItemSpec]] = {}
    for item in TariffItem.objects.filter(book_id=book_id).order_by("position", "code"):
        spec = item_spec(item)
        with contextlib.suppress(TariffError):  # else checked again, and refused with its reason, where used
            spec = item_checked(spec)
        by_stage.setdefault(item.stage, {})[item.code] = spec
    return by_stage


def _items(book_id: int, stage: str) -> dict[str, ItemSpec]:
    return _approved_items(book_id).get(stage, {})


def _stage_checked(stage: str) -> None:
    if stage not in ASSESSED_STAGES:
        raise AssessmentError(_("Fees are assessed at the renovation, executive and revenue stages only."))


def _gather(
    *,
    request: PermitRequest,
    stage: str,
    parking_spaces_provided: int | None = None,
    year: int | None = None,
    book_id: int | None = None,
) -> Gathered:
    """Read everything the assessment uses; `year` and `book_id` when the caller read them already."""
    _stage_checked(stage)
    if year is None:
        year = jalali_year_of(timezone.now())
    if book_id is None:
        book_id = _book_of_year(year)
    parcel, valuation = _parcel_and_valuation(request)
    if stage == FeeStage.RENOVATION:
        facts = None
    elif stage == FeeStage.EXECUTIVE:
        facts = _facts(parcel)  # the paving share needs the frontage after realignment
    else:
        facts = _plan(parcel)
    inputs = {
        "schema": INPUTS_SCHEMA,
        "stage": stage,
        "year": year,
        "book": book_id,
        "parcel": [parcel.pk, parcel.version_id, parcel.geom_hash, _number(parcel.deed_area_m2)],
        "value_zone": [
            valuation.zones_version_id,
            valuation.zone_id,
            valuation.land_unit_price_irr,
            valuation.building_unit_price_irr,
        ],
    }
    if stage == FeeStage.RENOVATION:
        inputs["buildings"] = active_version_id(DatasetKind.BUILDINGS)
        inputs["settled_years"] = _settled_years(file_id=request.file_id, request_id=request.pk)
        inputs["books"] = sorted(_arrears_books(year).items())
    else:
        inputs["plan"] = [facts.zones_version_id, facts.streets_version_id]
    if stage == FeeStage.REVENUE:
        inputs["proposal"] = _proposal(request)
        area = _number(request.floor_area_m2)
        if (
            parking_spaces_provided is None
            and request.kind in BUILDING_KINDS
            and request.use
            and area is not None
            and math.isfinite(area)
            and 0 <= area <= MAX_AREA_M2
        ):
            # the proposal does not record its spaces: the approved drawings provide what the plan requires
            parking_spaces_provided = parking_spaces_required(use=request.use, floor_area_m2=area, params=facts.params)
        inputs["parking_spaces_provided"] = parking_spaces_provided
    return Gathered(
        request=request,
        stage=stage,
        parcel=parcel,
        book_id=book_id,
        valuation=valuation,
        facts=facts,
        year=year,
        inputs=inputs,
        parking_spaces_provided=parking_spaces_provided,
    )


def _arrears_books(year: int) -> dict[int, int]:
    """Years before `year` with an approved book: {year: book id} (the years dues can be owed for)."""
    return dict(
        TariffBook.objects.filter(
            municipality=settings.FEES_MUNICIPALITY, status=BookStatus.APPROVED, year__lt=year
        ).values_list("year", "id")
    )


# --- the lines of each stage ------------------------------------------------------------------------


def _item(items: dict[str, ItemSpec], code: str, book_id: int) -> ItemSpec:
    item = items.get(code)
    if item is None:
        raise AssessmentError(
            _("The tariff book %(book)s has no item “%(code)s”: the file cannot be assessed.")
            % {"book": TariffBook.objects.get(pk=book_id), "code": code}
        )
    return item


def _with_note(line: Line, valuation: Valuation) -> Line:
    if not valuation.straddles:
        return line
    return dataclasses.replace(
        line,
        note_fa=f"{line.note_fa} {valuation.note_fa}".strip(),
        note_en=f"{line.note_en} {valuation.note_en}".strip(),
    )


def _checked_area(value, *, what) -> float:
    """A proposal's area: a number, finite, not negative, not absurd (the form bounds it too)."""
    if value is None or not math.isfinite(value) or value < 0 or value > MAX_AREA_M2:
        raise AssessmentError(
            _("The proposal's %(what)s (%(value)s m²) is not a possible area; correct the proposal first.")
            % {"what": what, "value": value}
        )
    return float(value)


def excess_by_floor(*, floor_area_m2: float, floors: int, allowed_m2: float) -> dict[int, float]:
    """Where the floor area above the plan's density lies: floors are filled from the ground (0) up
    with equal areas, so the excess is on the top floors. {floor: m²}, empty when within density."""
    if floors <= 0 or floor_area_m2 <= allowed_m2:
        return {}
    per_floor = floor_area_m2 / floors
    excess = {}
    for floor in range(floors):
        above = min(per_floor, (floor + 1) * per_floor - max(allowed_m2, floor * per_floor))
        if above > 1e-9:
            excess[floor] = round(above, 2)
    return excess


def _revenue_lines(g: Gathered) -> list[Line]:
    req, facts, book_id, valuation = g.request, g.facts, g.book_id, g.valuation
    items = _items(book_id, FeeStage.REVENUE)
    price = valuation.land_unit_price_irr
    lines: list[Line] = []
    if req.kind in BUILDING_KINDS:
        if request_type(req.kind).needs_proposal and (req.floor_area_m2 is None or not req.floors or not req.use):
            raise AssessmentError(
                _("The request has no proposal (use, floors and floor area): permit fees cannot be assessed.")
            )
        floor_area = _checked_area(req.floor_area_m2, what=_("floor area"))
        zone = facts.governing_zone.rules if facts.governing_zone else None
        required = parking_spaces_required(use=req.use, floor_area_m2=floor_area, params=facts.params)
        provided = required if g.parking_spaces_provided is None else g.parking_spaces_provided
        lines.append(
            area_bands(
                _item(items, "permit_residential", book_id),
                gross_area_m2=floor_area,
                parking_spaces=provided,
                unit_price_irr=price,
            )
        )
        if zone is not None:
            allowed = _base_area_m2(facts) * zone.density_pct / 100
            excess = excess_by_floor(floor_area_m2=floor_area, floors=req.floors, allowed_m2=allowed)
            if excess:
                lines.append(
                    floor_table(_item(items, "excess_density", book_id), areas_by_floor=excess, unit_price_irr=price)
                )
            if req.use != zone.land_use:
                line = area_price(
                    _item(items, "change_of_use", book_id), terms=[(round(_base_area_m2(facts), 2), price)]
                )
                lines.append(
                    dataclasses.replace(
                        line,
                        note_fa=f"کاربری درخواستی «{req.use}» با کاربری پهنه «{zone.land_use}» فرق دارد.",
                        note_en=f"The requested use “{req.use}” differs from the zone's “{zone.land_use}”.",
                    )
                )
        if required > provided:
            lines.append(per_unit(_item(items, "parking_shortfall", book_id), count=required - provided))
    elif req.kind == RequestKind.FENCING:
        lines.append(per_metre(_item(items, "fencing", book_id), length_m=round(_perimeter_m(facts), 2)))
    if req.kind in (*BUILDING_KINDS, RequestKind.FENCING) and "permit_file_fee" in items:
        lines.append(fixed(items["permit_file_fee"]))
    return [_with_note(line, valuation) for line in lines]


def _executive_lines(g: Gathered) -> list[Line]:
    items = _items(g.book_id, FeeStage.EXECUTIVE)
    item = _item(items, "paving_share", g.book_id)
    streets = [s for s in g.facts.streets if s.frontage_after_m > 0]
    if not streets:
        raise AssessmentError(_("The parcel fronts no street: there is no paving share to assess."))
    lines = []
    for street in streets:
        # the owner paves the street in front, up to its centreline at the width kept after realignment
        depth = max(street.existing_width_m, street.approved_width_m) / 2
        line = paving(item, frontage_m=round(street.frontage_after_m, 2), depth_m=depth)
        lines.append(
            dataclasses.replace(
                line,
                note_fa=f"معبر {street.name}: بر پس از اصلاح، عمق تا محور معبر.",
                note_en=f"{street.name}: frontage after realignment, depth to the street's centreline.",
            )
        )
    return lines


# Raw SQL: the floor area of the existing buildings on a parcel (footprint inside the parcel × floors),
# from the live buildings version; the ORM cannot multiply an intersection's area by a column.
_FLOOR_AREA_SQL = """
SELECT coalesce(sum(ST_Area(ST_Intersection(b.geom, p.geom)) * b.floors), 0), ST_Area(p.geom)
  FROM parcels_parcel p
  LEFT JOIN parcels_existingbuilding b
    ON b.version_id = (SELECT id FROM gis_app_datasetversion WHERE kind = 'buildings' AND is_active)
   AND ST_Intersects(b.geom, p.geom)
 WHERE p.version_id = %s AND p.id = %s
 GROUP BY p.geom
"""


def _areas(parcel: Parcel) -> tuple[float, float]:
    """(land area: the deed's, else the drawn one; floor area of the existing buildings), m²."""
    with connection.cursor() as cur:
        cur.execute(_FLOOR_AREA_SQL, [parcel.version_id, parcel.pk])
        row = cur.fetchone()
    floor_area, drawn = (float(row[0]), float(row[1])) if row else (0.0, 0.0)
    land = float(parcel.deed_area_m2) if parcel.deed_area_m2 is not None else drawn
    return round(land, 2), round(floor_area, 2)


def _year_lines(
    *, book_id: int, year: int, current_year: int, land_m2: float, floor_m2: float, valuation: Valuation
) -> list[Line]:
    items = _items(book_id, FeeStage.RENOVATION)
    dues = area_price(
        _item(items, "renovation_dues", book_id),
        terms=[(land_m2, valuation.land_unit_price_irr), (floor_m2, valuation.building_unit_price_irr)],
    )
    dues = dataclasses.replace(
        dues,
        code=f"{dues.code}:{year}",
        title_fa=f"{dues.title_fa} — سال {digits_to_persian(str(year))}",
        title_en=f"{dues.title_en} — {year}",
        numbers=dues.numbers | {"year": str(year)},
    )
    lines = [_with_note(dues, valuation)]
    if dues.amount_irr <= 0:
        return lines
    if year == current_year and "renovation_early_discount" in items:
        line = percentage(
            items["renovation_early_discount"],
            base_irr=dues.amount_irr,
            base_fa=f"عوارض سال {digits_to_persian(str(year))}",
            base_en=f"dues of {year}",
        )
        lines.append(dataclasses.replace(line, code=f"{line.code}:{year}", numbers=line.numbers | {"year": str(year)}))
    elif year < current_year:
        late = current_year - year
        penalty_item = _items(_book_of_year(current_year), FeeStage.RENOVATION).get(
            "renovation_late_penalty"
        ) or items.get("renovation_late_penalty")
        if penalty_item is not None:
            line = percentage(
                penalty_item,
                base_irr=dues.amount_irr * late,
                base_fa=f"{digits_to_persian(str(late))} سال × عوارض سال {digits_to_persian(str(year))}",
                base_en=f"{late} year(s) × dues of {year}",
            )
            lines.append(
                dataclasses.replace(
                    line,
                    code=f"{line.code}:{year}",
                    numbers=line.numbers | {"year": str(year), "years_late": str(late)},
                )
            )
    return lines


def _renovation_lines(g: Gathered) -> list[Line]:
    land, floor = _areas(g.parcel)
    settled = set(g.inputs["settled_years"])
    years = sorted({*_arrears_books(g.year), g.year} - settled)
    lines = []
    for year in years:
        book_id = g.book_id if year == g.year else _book_of_year(year)
        lines += _year_lines(
            book_id=book_id, year=year, current_year=g.year, land_m2=land, floor_m2=floor, valuation=g.valuation
        )
    return lines


_STAGE_LINES = {
    FeeStage.RENOVATION: _renovation_lines,
    FeeStage.EXECUTIVE: _executive_lines,
    FeeStage.REVENUE: _revenue_lines,
}


def _record(g: Gathered) -> AssessmentRecord:
    try:
        lines = tuple(_STAGE_LINES[g.stage](g))
    except TariffError as exc:
        raise AssessmentError(tariff_message(exc)) from None
    total = sum(line.amount_irr for line in lines)
    return AssessmentRecord(lines=lines, total_irr=max(total, 0))


# --- services and selectors ------------------------------------------------------------------------------


def _current(*, request: PermitRequest, stage: str) -> Assessment | None:
    return Assessment.objects.filter(request=request, stage=stage, status=AssessmentStatus.CURRENT).first()


# Raw SQL: the request's version and its current assessment of the stage in one prepared statement
# (the assessment benchmark counts round trips), run after the request's lock is taken, as a
# statement of its own: a statement that waited for the lock would still see the assessments of the
# snapshot it started with, not the one the lock's previous holder just committed (READ COMMITTED
# re-reads only the locked row). tests/fees/test_assessment.py (the concurrency test) pins it.
_CURRENT_SQL = """
SELECT r.version, a.id, a.inputs_key
  FROM permits_permitrequest r
  LEFT JOIN fees_assessment a ON a.request_id = r.id AND a.stage = %(stage)s AND a.status = 'current'
 WHERE r.id = %(request)s
"""
# Taking the lock also makes the transaction commit asynchronously (SET LOCAL, as a function: no round
# trip of its own; see assessment_make).
_LOCK_SQL = """
SELECT id, set_config('synchronous_commit', 'off', true)
  FROM permits_permitrequest WHERE id = %(request)s FOR UPDATE
"""
# Raw SQL: before the lock, the same row with the year's approved book (one a year: a constraint) in
# one prepared statement, the first of the three assessment_make reads when nothing changed.
_FILE_SQL = """
SELECT r.version, a.id, a.inputs_key,
       (SELECT b.id FROM fees_tariffbook b
         WHERE b.municipality = %(municipality)s AND b.year = %(year)s AND b.status = 'approved')
  FROM permits_permitrequest r
  LEFT JOIN fees_assessment a ON a.request_id = r.id AND a.stage = %(stage)s AND a.status = 'current'
 WHERE r.id = %(request)s
"""


def _file_row(*, request_id: int, stage: str, year: int) -> tuple[int, int | None, str | None, int | None]:
    """(the request's version, its current assessment's id and inputs key, the id of the year's
    approved book or None), without a lock."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(
            _FILE_SQL,
            {"stage": stage, "request": request_id, "year": year, "municipality": settings.FEES_MUNICIPALITY},
            prepare=True,
        )
        row = cur.fetchone()
    if row is None:
        raise AssessmentError(_("The request is no longer there."))
    return row


def _locked_current_row(*, request_id: int, stage: str) -> tuple[int, int | None, str | None]:
    """(the request's version, its current assessment's id and inputs key) of a stage, after taking the
    request's row lock (every assessment_make of a request takes it before it writes, so under it the
    current assessment cannot change)."""
    connection.ensure_connection()
    conn = connection.connection
    # Two statements in one round trip (psycopg's pipeline): the server runs the second after the
    # first has the lock, with a snapshot of its own.
    with psycopg.Cursor(conn) as lock, psycopg.Cursor(conn) as cur:
        with conn.pipeline():
            lock.execute(_LOCK_SQL, {"request": request_id}, prepare=True)
            cur.execute(_CURRENT_SQL, {"stage": stage, "request": request_id}, prepare=True)
        row = cur.fetchone()
    if row is None:
        raise AssessmentError(_("The request is no longer there."))
    return row


# Raw SQL: the new assessment's row as a prepared statement (Django's INSERT is compiled on every call;
# the row is the same: the database's constraints, the one current per request and stage among them,
# check it as they check the ORM's).
_INSERT_SQL = """
INSERT INTO fees_assessment (file_id, request_id, stage, book_id, status, lines, total_irr, inputs_key,
                             value_zone_code, unit_price_irr, supersedes_id, created_by_id, created_at)
VALUES (%(file_id)s, %(request_id)s, %(stage)s, %(book_id)s, %(status)s, %(lines)s, %(total_irr)s,
        %(inputs_key)s, %(value_zone_code)s, %(unit_price_irr)s, %(supersedes_id)s, %(created_by_id)s,
        %(created_at)s)
RETURNING id
"""


def _assessment_insert(a: Assessment) -> Assessment:
    """Insert an unsaved request assessment (created_at set) and return it saved."""
    values = {
        name: getattr(a, name)
        for name in (
            "file_id",
            "request_id",
            "stage",
            "book_id",
            "status",
            "total_irr",
            "inputs_key",
            "value_zone_code",
            "unit_price_irr",
            "supersedes_id",
            "created_by_id",
            "created_at",
        )
    }
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(_INSERT_SQL, values | {"lines": Jsonb(a.lines)}, prepare=True)
        a.pk = cur.fetchone()[0]
    a._state.adding = False
    a._state.db = connection.alias
    return a


def assessment_make(
    *, request: PermitRequest, stage: str, actor, parking_spaces_provided: int | None = None
) -> Assessment:
    """Assess a file for a stage: the current assessment when nothing it read has changed, else a new
    one superseding it (under the request's row lock; audited). AssessmentError when it cannot be
    assessed (no book in force, a parcel outside every value zone, no proposal, absurd areas).
    `parking_spaces_provided` defaults to what the plan requires (the proposal does not record it)."""
    # Read first, without a lock or a transaction: when nothing changed (the guards ask often) the
    # answer is the current assessment, as long as the request is still the version that was read.
    _stage_checked(stage)
    year = jalali_year_of(timezone.now())
    version, current_id, current_key, book_id = _file_row(request_id=request.pk, stage=stage, year=year)
    g = _gather(
        request=request, stage=stage, parking_spaces_provided=parking_spaces_provided, year=year, book_id=book_id
    )
    if current_id is not None and current_key == g.key and version == request.version:
        return Assessment.objects.get(pk=current_id)
    with transaction.atomic():
        # The lock statement also sets synchronous_commit off for this transaction: an assessment is
        # derived data; were the server to crash in the next fraction of a second, losing it (with its
        # audit row, in the same transaction) only means it is made again from the same inputs; the
        # bill made from it commits synchronously, which flushes this commit too.
        version, current_id, current_key = _locked_current_row(request_id=request.pk, stage=stage)
        if version != request.version:  # changed since it was read: read it again under the lock
            request = PermitRequest.objects.get(pk=request.pk)
            g = _gather(request=request, stage=stage, parking_spaces_provided=parking_spaces_provided)
        if current_id is not None and current_key == g.key:
            return Assessment.objects.get(pk=current_id)
        record = _record(g)
        if current_id is not None:
            Assessment.objects.filter(pk=current_id).update(status=AssessmentStatus.SUPERSEDED)
        assessment = _assessment_insert(
            Assessment(
                file_id=request.file_id,
                request_id=request.pk,
                stage=stage,
                book_id=g.book_id,
                status=AssessmentStatus.CURRENT,
                lines=assessment_dump(record),
                total_irr=record.total_irr,
                inputs_key=g.key,
                value_zone_code=g.valuation.zone_code,
                unit_price_irr=g.valuation.land_unit_price_irr,
                supersedes_id=current_id,
                created_by=actor if actor is not None and actor.is_authenticated else None,
                created_at=timezone.now(),
            )
        )
        audit_record(
            actor=actor,
            action="assessment.made",
            obj=request,
            assessment=assessment.pk,
            stage=stage,
            total_irr=record.total_irr,
            book=g.book_id,
            value_zone=g.valuation.zone_code,
            supersedes=current_id,
        )
        return assessment


def assessment_current(*, request: PermitRequest, stage: str) -> Assessment | None:
    """The current assessment of a request at a stage, if any."""
    return _current(request=request, stage=stage)


def assessment_inputs_key(*, request: PermitRequest, stage: str) -> str:
    """The fingerprint of everything an assessment of the request's stage would read now."""
    return _gather(request=request, stage=stage).key


def assessment_is_stale(assessment: Assessment) -> bool:
    """Did anything the assessment read change since (proposal, parcel, value zones, plan, book)?"""
    if assessment.status != AssessmentStatus.CURRENT or assessment.request_id is None:
        return assessment.status != AssessmentStatus.CURRENT
    provided = None
    for line in assessment.record.lines:
        if line.code == "permit_residential" and "parking_spaces" in line.numbers:
            provided = int(line.numbers["parking_spaces"])
    request = PermitRequest.objects.get(pk=assessment.request_id)
    try:
        g = _gather(request=request, stage=assessment.stage, parking_spaces_provided=provided)
    except AssessmentError:
        return True
    return g.key != assessment.inputs_key


def renovation_dues_lines(*, parcel: Parcel, year: int) -> AssessmentRecord:
    """A parcel's renovation dues for one Jalali year from that year's book (land area × land price +
    existing floor area × building price, × 0.005), with the current year's early-payment discount or
    a past year's late penalty. AssessmentError when the year has no book or the parcel no value zone."""
    current = jalali_year_of(timezone.now())
    if year > current:
        raise AssessmentError(_("Renovation dues cannot be paid for a year that has not begun."))
    book_id = _book_of_year(year)
    try:
        valuation = parcel_valuation(parcel=parcel)
    except NoValueZone as exc:
        raise AssessmentError(str(exc)) from None
    land, floor = _areas(parcel)
    try:
        lines = tuple(
            _year_lines(
                book_id=book_id, year=year, current_year=current, land_m2=land, floor_m2=floor, valuation=valuation
            )
        )
    except TariffError as exc:
        raise AssessmentError(tariff_message(exc)) from None
    return AssessmentRecord(lines=lines, total_irr=max(0, sum(line.amount_irr for line in lines)))
