"""Dues paid without a permit file (issue 18 item 5): renovation dues of a property and trade dues of the
businesses on it, found by renovation code, year by year, with what is owed and what was paid.

A year is owed from the first year with an approved tariff book to the current year, less the years
paid here (a paid or exempted bill) or before this service (DuesReceipt). `dues_statement` reads;
`dues_bills_issue` prices every owed year (an Assessment per year, the book of that year) and issues one
bill per year, reusing a year's unpaid bill while its amount still holds (a new Jalali year changes the
late penalty: the old bill is cancelled and replaced).
"""

from __future__ import annotations

import dataclasses
import hashlib

import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fees.assessment import AssessmentError, renovation_dues_lines
from fees.billing import bill_amount, bill_create
from fees.books import NoBookInForce, book_for_year, book_items, item_spec, jalali_year_of, tariff_message, year_bounds
from fees.models import (
    Assessment,
    AssessmentStatus,
    Bill,
    BillKind,
    BillStatus,
    BookStatus,
    DuesKind,
    DuesReceipt,
    FeeStage,
    TariffBook,
    TradeUnit,
)
from fees.records import AssessmentRecord, assessment_dump
from fees.tariffs import TariffError, area_price, num_fa, percentage
from fees.valuation import NoValueZone, parcel_valuation
from gis_app.audit import audit_record
from gis_app.errors import DomainError
from gis_app.text import InputKind, digits_to_persian, normalise_input
from parcels.models import Parcel, PropertyFile, renovation_code_validator
from parcels.selectors import live_parcels
from parcels.services import property_file_open


class DuesError(DomainError):
    """A renovation code that finds nothing, or dues that cannot be priced (translated reason)."""


@dataclasses.dataclass(frozen=True)
class DuesYear:
    """One year of one kind of dues on a property (or one of its businesses)."""

    kind: str  # DuesKind
    year: int
    trade_unit: TradeUnit | None
    record: AssessmentRecord | None  # the priced lines (None when paid before, or not priceable)
    amount_irr: int  # what a bill for it is (0 when nothing is owed)
    bill: Bill | None  # its bill issued here, if any
    receipt: DuesReceipt | None  # paid before this service
    problem: str = ""  # why it cannot be priced

    @property
    def settled(self) -> bool:
        return self.receipt is not None or (self.bill is not None and self.bill.status in ("paid", "exempted"))

    @property
    def owed(self) -> bool:
        return not self.settled and self.amount_irr > 0


@dataclasses.dataclass(frozen=True)
class DuesStatement:
    code: str  # the renovation code asked for (a parcel's, or a business unit's)
    parcel: Parcel
    trade_units: tuple[TradeUnit, ...]
    years: tuple[DuesYear, ...]

    @property
    def owed(self) -> tuple[DuesYear, ...]:
        return tuple(y for y in self.years if y.owed)

    @property
    def owed_irr(self) -> int:
        return sum(y.amount_irr for y in self.owed)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(y.problem for y in self.years if y.problem))

    @property
    def unpaid_bills(self) -> tuple[Bill, ...]:
        return tuple(y.bill for y in self.years if y.bill is not None and y.bill.status == BillStatus.UNPAID)


def _code(text: str) -> str:
    code = normalise_input(text or "", InputKind.CODE).replace(" ", "")
    if not renovation_code_validator.regex.search(code) or len(code) > 40:
        raise DuesError(_("A renovation code has seven numbers joined by dashes, e.g. 1-2-15-20-0-0-0."))
    # 01-2-… and 1-2-… are one code
    return "-".join(str(int(part)) for part in code.split("-"))


def dues_lookup(*, code: str) -> tuple[str, Parcel, tuple[TradeUnit, ...]]:
    """The live parcel and the businesses a renovation code names: a parcel's code gives the parcel and
    every business on it; a business unit's code gives that business and the parcel it stands on."""
    code = _code(code)
    unit = TradeUnit.objects.filter(renovation_code=code).first()
    parcel_code = unit.parcel_code if unit is not None else code
    parcel = live_parcels().filter(renovation_code=parcel_code).first()
    if parcel is None:
        raise DuesError(
            _("No property with the renovation code %(code)s is in the municipality's data.") % {"code": code}
        )
    units = (unit,) if unit is not None else tuple(TradeUnit.objects.filter(parcel_code=parcel_code, active=True))
    return code, parcel, units


def _approved_years(current: int) -> list[int]:
    return sorted(
        TariffBook.objects.filter(
            municipality=settings.FEES_MUNICIPALITY, status=BookStatus.APPROVED, year__lte=current
        ).values_list("year", flat=True)
    )


def _trade_record(*, unit: TradeUnit, parcel: Parcel, year: int, current: int) -> AssessmentRecord:
    """One year's trade dues of a business: its guild's item (coefficient × area × P) of that year's book."""
    book = book_for_year(year=year)
    items = book_items(book, stage=FeeStage.TRADE)
    item = items.get(f"trade_{unit.guild}")
    if item is None:
        raise DuesError(_("The tariff book of %(year)s has no trade dues item for this trade.") % {"year": year})
    try:
        valuation = parcel_valuation(parcel=parcel)
    except NoValueZone as exc:
        raise DuesError(str(exc)) from None
    line = area_price(item_spec(item), terms=[(unit.area_m2, valuation.land_unit_price_irr)])
    line = dataclasses.replace(
        line,
        code=f"{line.code}:{year}",
        title_fa=f"{line.title_fa} — {unit.title}",
        title_en=f"{line.title_en} — {unit.title}",
        numbers=line.numbers | {"year": str(year), "unit": unit.renovation_code},
    )
    lines = [line]
    late = current - year
    penalty = book_items(book_for_year(year=current), stage=FeeStage.TRADE).get("trade_late_penalty")
    if late > 0 and penalty is not None and line.amount_irr > 0:
        extra = percentage(
            item_spec(penalty),
            base_irr=line.amount_irr * late,
            base_fa=f"{num_fa(late)} سال × عوارض سال {digits_to_persian(str(year))}",
            base_en=f"{late} year(s) × dues of {year}",
        )
        lines.append(dataclasses.replace(extra, code=f"{extra.code}:{year}"))
    return AssessmentRecord(lines=tuple(lines), total_irr=max(0, sum(ln.amount_irr for ln in lines)))


def _year(*, kind, year, current, parcel, unit, receipts, bills) -> DuesYear:
    code = unit.renovation_code if unit is not None else parcel.renovation_code
    receipt = receipts.get((code, kind, year))
    bill = bills.get((unit.pk if unit else None, kind, year))
    if receipt is not None:
        return DuesYear(kind, year, unit, None, 0, bill, receipt)
    try:
        if kind == DuesKind.RENOVATION:
            record = renovation_dues_lines(parcel=parcel, year=year)
        else:
            record = _trade_record(unit=unit, parcel=parcel, year=year, current=current)
    except (AssessmentError, DuesError) as exc:
        return DuesYear(kind, year, unit, None, 0, bill, None, problem=str(exc))
    except NoBookInForce as exc:
        return DuesYear(kind, year, unit, None, 0, bill, None, problem=str(exc))
    except TariffError as exc:
        return DuesYear(kind, year, unit, None, 0, bill, None, problem=tariff_message(exc))
    return DuesYear(kind, year, unit, record, bill_amount(record.total_irr), bill, None)


def dues_statement(*, code: str) -> DuesStatement:
    """Every year of renovation dues (and trade dues of the businesses named) from the first year with an
    approved book to now: paid before, paid here, billed, or owed with its lines."""
    code, parcel, units = dues_lookup(code=code)
    current = jalali_year_of(timezone.now())
    years = _approved_years(current)
    codes = [parcel.renovation_code, *(u.renovation_code for u in units)]
    receipts = {(r.renovation_code, r.kind, r.year): r for r in DuesReceipt.objects.filter(renovation_code__in=codes)}
    bills = {}
    file = PropertyFile.objects.filter(code=parcel.file_code).first()
    if file is not None:
        # the latest bill of each year that was not replaced
        for b in (
            Bill.objects.filter(
                file=file, kind__in=(BillKind.RENOVATION, BillKind.TRADE), request__isnull=True, dues_year__isnull=False
            )
            .exclude(status=BillStatus.CANCELLED)
            .order_by("issued_at", "id")
        ):
            kind = DuesKind.RENOVATION if b.kind == BillKind.RENOVATION else DuesKind.TRADE
            bills[(b.trade_unit_id, kind, b.dues_year)] = b
    rows = []
    show_parcel = len(units) != 1 or code == parcel.renovation_code
    if show_parcel:
        rows += [
            _year(
                kind=DuesKind.RENOVATION,
                year=y,
                current=current,
                parcel=parcel,
                unit=None,
                receipts=receipts,
                bills=bills,
            )
            for y in years
        ]
    for unit in units:
        rows += [
            _year(
                kind=DuesKind.TRADE, year=y, current=current, parcel=parcel, unit=unit, receipts=receipts, bills=bills
            )
            for y in years
            if y >= unit.since_year
        ]
    return DuesStatement(code=code, parcel=parcel, trade_units=units, years=tuple(rows))


def _key(record: AssessmentRecord, *, year: int, kind: str, unit_id) -> str:
    data = {"kind": kind, "year": year, "unit": unit_id, "lines": assessment_dump(record)}
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


@transaction.atomic
def dues_bills_issue(*, code: str, actor) -> list[Bill]:
    """Bills for every owed year of the statement (one per year and kind), under the file's row lock;
    an unpaid bill whose amount still holds is kept, one whose amount changed is replaced. Audited."""
    statement = dues_statement(code=code)
    if not statement.owed:
        return list(statement.unpaid_bills)
    file = property_file_open(parcel=statement.parcel, actor=actor)
    file = PropertyFile.objects.select_for_update().get(pk=file.pk)
    # read again under the lock: another request may have issued or paid in between
    statement = dues_statement(code=code)
    _, year_end = year_bounds(jalali_year_of(timezone.now()))
    issued = []
    for row in statement.owed:
        unit_id = row.trade_unit.pk if row.trade_unit else None
        if row.bill is not None and row.bill.status == BillStatus.UNPAID and row.bill.amount_irr == row.amount_irr:
            issued.append(row.bill)
            continue
        stage = FeeStage.RENOVATION if row.kind == DuesKind.RENOVATION else FeeStage.TRADE
        old = (
            Assessment.objects.select_for_update()
            .filter(
                file=file,
                request=None,
                stage=stage,
                dues_year=row.year,
                trade_unit_id=unit_id,
                status=AssessmentStatus.CURRENT,
            )
            .first()
        )
        if old is not None:
            old.status = AssessmentStatus.SUPERSEDED
            old.save(update_fields=["status"])
        assessment = Assessment.objects.create(
            file=file,
            stage=stage,
            dues_year=row.year,
            trade_unit_id=unit_id,
            book=book_for_year(year=row.year),
            lines=assessment_dump(row.record),
            total_irr=row.record.total_irr,
            inputs_key=_key(row.record, year=row.year, kind=row.kind, unit_id=unit_id),
            supersedes=old,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        bill = bill_create(
            file=file,
            kind=BillKind.RENOVATION if row.kind == DuesKind.RENOVATION else BillKind.TRADE,
            amount_irr=row.amount_irr,
            actor=actor,
            assessment=assessment,
            dues_year=row.year,
            due_on=year_end,
        )
        if unit_id is not None:
            bill.trade_unit_id = unit_id
            bill.save(update_fields=["trade_unit"])
        if row.bill is not None and row.bill.status == BillStatus.UNPAID:
            Bill.objects.filter(pk=row.bill.pk).update(status=BillStatus.CANCELLED, replaced_by=bill)
        issued.append(bill)
    audit_record(
        actor=actor,
        action="dues.billed",
        obj=file,
        code=statement.code,
        bills=[b.pk for b in issued],
        total_irr=sum(b.amount_irr for b in issued),
    )
    return issued
