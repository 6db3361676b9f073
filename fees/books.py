"""Tariff books as data: load from YAML, copy to next year, approve, find the one in force.

A book is versioned per municipality and Jalali year; one approved version per year (a database
constraint). The revenue officer copies last year's book to a draft, edits its items in the admin and
approves it; approving retires the previous approved version of that year. A book whose items do not
validate (fees.tariffs) is never approved, and a year without an approved book has no fee at all
rather than a zero one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import jdatetime
import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fees.models import BookStatus, FeeStage, FormulaKind, TariffBook, TariffItem
from fees.tariffs import ItemSpec, TariffError, params_validate
from gis_app.audit import audit_record
from gis_app.text import digits_to_persian

TEHRAN = ZoneInfo("Asia/Tehran")
MIN_YEAR, MAX_YEAR = 1300, 1499


class BookError(Exception):
    """A book service refused (the message is translated, for the page or the admin)."""


class NoBookInForce(BookError):
    """No approved tariff book for the year: there is no fee, never a zero one."""


def tariff_message(exc: TariffError) -> str:
    """The reason of a rule's error in the page's language."""
    return exc.fa if (translation.get_language() or "fa").startswith("fa") else exc.en


def jalali_year_of(value: dt.date | dt.datetime) -> int:
    """The Jalali year of a date, or of an instant in Asia/Tehran."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(TEHRAN)
        return jdatetime.datetime.fromgregorian(datetime=value).year
    return jdatetime.date.fromgregorian(date=value).year


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """1 Farvardin and the last day of Esfand of a Jalali year, as Gregorian dates."""
    first = jdatetime.date(year, 1, 1).togregorian()
    last = jdatetime.date(year + 1, 1, 1).togregorian() - dt.timedelta(days=1)
    return first, last


def item_spec(item: TariffItem) -> ItemSpec:
    return ItemSpec(code=item.code, kind=item.kind, title_fa=item.title_fa, title_en=item.title_en, params=item.params)


def item_problem(*, kind: str, params: object) -> str | None:
    """What is wrong with an item's parameters (translated), or None."""
    try:
        params_validate(kind, params)
    except TariffError as exc:
        return tariff_message(exc)
    return None


def book_problems(book: TariffBook) -> list[str]:
    """Every item that does not validate, as "code: reason" (translated); empty when the book is sound."""
    problems = []
    for item in book.items.order_by("position", "code"):
        problem = item_problem(kind=item.kind, params=item.params)
        if problem:
            problems.append(f"{item.code}: {problem}")
    if not problems and not book.items.exists():
        problems.append(_("The book has no items."))
    return problems


def _next_version(*, municipality: str, year: int) -> int:
    top = TariffBook.objects.filter(municipality=municipality, year=year).aggregate(v=Max("version"))["v"]
    return (top or 0) + 1


@transaction.atomic
def book_copy_to_next_year(*, book: TariffBook, actor) -> TariffBook:
    """A draft of the following Jalali year with every item of this book copied; audited."""
    year = book.year + 1
    if year > MAX_YEAR:
        raise BookError(_("There is no year after %(year)s in the calendar this service uses.") % {"year": book.year})
    # Two copies at once would both take the same version number: they wait for each other here (the
    # source book's row, and the books of that year when there are some).
    TariffBook.objects.select_for_update().filter(pk=book.pk).values_list("pk", flat=True).get()
    list(TariffBook.objects.select_for_update().filter(municipality=book.municipality, year=year))
    first, last = year_bounds(year)
    copy = TariffBook.objects.create(
        municipality=book.municipality,
        year=year,
        version=_next_version(municipality=book.municipality, year=year),
        title_fa=book.title_fa.replace(str(book.year), str(year)).replace(
            digits_to_persian(str(book.year)), digits_to_persian(str(year))
        ),
        title_en=book.title_en.replace(str(book.year), str(year)),
        status=BookStatus.DRAFT,
        is_example=book.is_example,
        valid_from=first,
        valid_to=last,
        copied_from=book,
    )
    TariffItem.objects.bulk_create(
        TariffItem(
            book=copy,
            code=item.code,
            kind=item.kind,
            stage=item.stage,
            title_fa=item.title_fa,
            title_en=item.title_en,
            params=item.params,
            position=item.position,
        )
        for item in book.items.all()
    )
    audit_record(actor=actor, action="tariff_book.copied", obj=copy, source=book.pk, year=year, version=copy.version)
    return copy


@transaction.atomic
def book_approve(*, book: TariffBook, actor) -> TariffBook:
    """Put a draft in force for its year (retiring the approved version it replaces); refused when
    an item does not validate. Audited."""
    same_year = {
        b.pk: b for b in TariffBook.objects.select_for_update().filter(municipality=book.municipality, year=book.year)
    }
    book = same_year.get(book.pk) or TariffBook.objects.select_for_update().get(pk=book.pk)
    if book.status != BookStatus.DRAFT:
        raise BookError(
            _("Only a draft can be approved; this book is %(status)s.") % {"status": book.get_status_display()}
        )
    problems = book_problems(book)
    if problems:
        raise BookError(_("The book cannot be approved: %(list)s") % {"list": " ; ".join(problems)})
    retired = [b for b in same_year.values() if b.status == BookStatus.APPROVED and b.pk != book.pk]
    for old in retired:
        old.status = BookStatus.RETIRED
        old.save(update_fields=["status"])
        audit_record(actor=actor, action="tariff_book.retired", obj=old, replaced_by=book.pk)
    book.status = BookStatus.APPROVED
    book.approved_by = actor if actor is not None and actor.is_authenticated else None
    book.approved_at = timezone.now()
    book.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="tariff_book.approved",
        obj=book,
        year=book.year,
        version=book.version,
        retired=[b.pk for b in retired],
    )
    return book


def book_for_year(*, year: int, municipality: str | None = None) -> TariffBook:
    """The approved book of a Jalali year; NoBookInForce (a clear message) when there is none."""
    municipality = municipality or settings.FEES_MUNICIPALITY
    book = TariffBook.objects.filter(municipality=municipality, year=year, status=BookStatus.APPROVED).first()
    if book is None:
        raise NoBookInForce(
            _(
                "No tariff book is approved for the year %(year)s: no fee can be assessed (it is not zero). "
                "The revenue officer approves that year's book first."
            )
            % {"year": digits_to_persian(str(year)) if (translation.get_language() or "fa").startswith("fa") else year}
        )
    return book


def book_in_force(*, on: dt.date | dt.datetime | None = None, municipality: str | None = None) -> TariffBook:
    """The approved book of the Jalali year (Asia/Tehran) of a date or instant, now by default."""
    return book_for_year(year=jalali_year_of(on or timezone.now()), municipality=municipality)


def book_items(book: TariffBook, *, stage: str | None = None, on: dt.date | None = None) -> dict[str, TariffItem]:
    """The items of a book (of one stage), valid on a date when items have their own dates, by code."""
    items = book.items.all()
    if stage:
        items = items.filter(stage=stage)
    found = {}
    for item in items:
        if on is not None and ((item.valid_from and on < item.valid_from) or (item.valid_to and on > item.valid_to)):
            continue
        found[item.code] = item
    return found


# --- loading a book from YAML (data/tariffs/) ---------------------------------------------------------


def _text(row: dict, name: str, where: str) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BookError(_("%(where)s: “%(name)s” is missing.") % {"where": where, "name": name})
    return value.strip()


@transaction.atomic
def book_load(*, path: Path, actor=None) -> tuple[TariffBook, bool]:
    """Load one book file; returns (book, created). A book of that municipality, year and version that
    is already there is left as it is (the revenue officer may have edited it), so loading twice is
    harmless. Every item is validated before anything is written; `status: approved` approves it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BookError(_("%(file)s cannot be read: %(reason)s") % {"file": path.name, "reason": exc}) from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BookError(_("%(file)s is not a tariff book (no list of items).") % {"file": path.name})
    where = path.name
    try:
        year = int(data["year"])
        version = int(data.get("version", 1))
    except (KeyError, TypeError, ValueError):
        raise BookError(_("%(file)s: the year and version must be whole numbers.") % {"file": where}) from None
    if not MIN_YEAR <= year <= MAX_YEAR or version < 1:
        raise BookError(
            _("%(file)s: the year %(year)s is not a Jalali year this service can use.") % {"file": where, "year": year}
        )
    municipality = str(data.get("municipality") or settings.FEES_MUNICIPALITY)
    items = []
    seen = set()
    for position, row in enumerate(data["items"], start=1):
        if not isinstance(row, dict):
            raise BookError(_("%(file)s: item %(n)s is not a mapping.") % {"file": where, "n": position})
        code = _text(row, "code", f"{where} #{position}")
        at = f"{where} {code}"
        if code in seen:
            raise BookError(_("%(where)s: the code appears twice.") % {"where": at})
        seen.add(code)
        kind, stage = row.get("kind"), row.get("stage")
        if kind not in FormulaKind.values:
            raise BookError(_("%(where)s: unknown formula kind “%(kind)s”.") % {"where": at, "kind": kind})
        if stage not in FeeStage.values:
            raise BookError(_("%(where)s: unknown stage “%(stage)s”.") % {"where": at, "stage": stage})
        problem = item_problem(kind=kind, params=row.get("params", {}))
        if problem:
            raise BookError(f"{at}: {problem}")
        items.append(
            TariffItem(
                code=code,
                kind=kind,
                stage=stage,
                title_fa=_text(row, "title_fa", at),
                title_en=_text(row, "title_en", at),
                params=row.get("params", {}),
                position=position,
            )
        )
    existing = TariffBook.objects.filter(municipality=municipality, year=year, version=version).first()
    if existing is not None:
        return existing, False
    first, last = year_bounds(year)
    book = TariffBook.objects.create(
        municipality=municipality,
        year=year,
        version=version,
        title_fa=_text(data, "title_fa", where),
        title_en=_text(data, "title_en", where),
        is_example=bool(data.get("is_example", False)),
        valid_from=first,
        valid_to=last,
    )
    for item in items:
        item.book = book
    TariffItem.objects.bulk_create(items)
    audit_record(actor=actor, action="tariff_book.loaded", obj=book, file=path.name, items=len(items))
    if (
        data.get("status") == BookStatus.APPROVED
        and not TariffBook.objects.filter(municipality=municipality, year=year, status=BookStatus.APPROVED).exists()
    ):
        book = book_approve(book=book, actor=actor)
    return book, True
