"""Tariff books as data: the loader (idempotent), copy to next year, approve (one approved version per
year, the previous one retired, audited), refusing a book whose items do not validate, the book in
force for a date in Asia/Tehran, and the admin the revenue officer works in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jdatetime
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from fees.admin import TariffItemForm
from fees.books import (
    BookError,
    NoBookInForce,
    book_approve,
    book_copy_to_next_year,
    book_for_year,
    book_in_force,
    book_load,
)
from fees.models import BookStatus, TariffBook, TariffItem
from gis_app.audit import audit_trail
from tests.permits.conftest import staff_member
from tests.surveys.conftest import user_with

pytestmark = pytest.mark.django_db
TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Persian ones are checked under translation.override("fa")."""
    with translation.override("en"):
        yield


@pytest.fixture
def books(db):
    call_command("tariff_load", verbosity=0)
    return {b.year: b for b in TariffBook.objects.filter(status=BookStatus.APPROVED)}


@pytest.fixture
def officer(db):
    return staff_member(user_with(Role.REVENUE_OFFICER.value, "t-revenue"))


def test_the_example_books_load_once(books):
    assert sorted(books) == [1403, 1404, 1405]
    book = books[1405]
    assert book.is_example and "نمونه" in book.title_fa and "example" in book.title_en.lower()
    assert book.items.count() == 18 and books[1403].items.count() == 11
    assert (book.valid_from, book.valid_to) == (
        jdatetime.date(1405, 1, 1).togregorian(),
        jdatetime.date(1406, 1, 1).togregorian() - dt.timedelta(days=1),
    )
    call_command("tariff_load", verbosity=0)  # the site preparation runs it on every start
    assert TariffBook.objects.count() == 3 and TariffItem.objects.count() == 18 + 11 + 11
    assert [e.action for e in audit_trail(book)] == ["tariff_book.loaded", "tariff_book.approved"]


def test_the_book_in_force_follows_the_jalali_year_in_tehran(books):
    nowruz = jdatetime.date(1405, 1, 1).togregorian()
    eve = dt.datetime.combine(nowruz, dt.time(0, 0), tzinfo=TEHRAN) - dt.timedelta(minutes=1)
    assert book_in_force(on=eve) == books[1404]  # 23:59 on the last day of 1404 in Tehran
    assert book_in_force(on=eve + dt.timedelta(minutes=2)) == books[1405]
    # 21:00 UTC on the eve is already 00:30 of Nowruz in Tehran
    utc = dt.datetime.combine(nowruz - dt.timedelta(days=1), dt.time(21, 0), tzinfo=dt.UTC)
    assert book_in_force(on=utc) == books[1405]
    assert book_in_force(on=nowruz) == books[1405]


@pytest.mark.parametrize("year", [1402, 1406, 1500])
def test_a_year_without_an_approved_book_has_no_fee_not_a_zero_one(books, year):
    with pytest.raises(NoBookInForce, match="no fee can be assessed"):
        book_for_year(year=year)
    with translation.override("fa"), pytest.raises(NoBookInForce) as err:
        book_for_year(year=year)
    assert str(year).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in str(err.value)


def test_a_draft_is_not_in_force(books, officer):
    draft = book_copy_to_next_year(book=books[1405], actor=officer)
    with pytest.raises(NoBookInForce):
        book_for_year(year=1406)
    assert draft.status == BookStatus.DRAFT


def test_copy_to_next_year_and_approve(books, officer):
    draft = book_copy_to_next_year(book=books[1405], actor=officer)
    assert (draft.year, draft.version, draft.copied_from) == (1406, 1, books[1405])
    assert "۱۴۰۶" in draft.title_fa and "1406" in draft.title_en
    assert draft.valid_from == jdatetime.date(1406, 1, 1).togregorian()
    assert sorted(draft.items.values_list("code", flat=True)) == sorted(
        books[1405].items.values_list("code", flat=True)
    )
    # editing the draft's items leaves last year's alone
    draft.items.filter(code="fencing").update(params={"rate_irr": 2_400_000})
    assert books[1405].items.get(code="fencing").params == {"rate_irr": 2000000}
    book_approve(book=draft, actor=officer)
    assert book_for_year(year=1406) == draft
    assert [e.action for e in audit_trail(draft)] == ["tariff_book.copied", "tariff_book.approved"]
    assert audit_trail(draft).last().actor == officer


def test_approving_a_new_version_retires_the_old_one(books, officer):
    v1 = book_approve(book=book_copy_to_next_year(book=books[1405], actor=officer), actor=officer)
    v2 = book_copy_to_next_year(book=books[1405], actor=officer)
    assert v2.version == 2
    book_approve(book=v2, actor=officer)
    v1.refresh_from_db()
    assert v1.status == BookStatus.RETIRED and book_for_year(year=1406) == v2
    assert [e.action for e in audit_trail(v1)][-1] == "tariff_book.retired"


def test_the_database_holds_one_approved_book_a_year(books):
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffBook.objects.create(
            municipality="bojnord",
            year=1405,
            version=9,
            title_fa="x",
            title_en="x",
            status=BookStatus.APPROVED,
            valid_from=dt.date(2026, 3, 21),
            valid_to=dt.date(2027, 3, 20),
        )


@pytest.mark.parametrize(
    ("code", "params", "reason"),
    [
        (
            "permit_residential",
            {"bands": [{"from_m2": 0, "to_m2": 100, "pct": 5}, {"from_m2": 80, "pct": 9}]},
            "overlap",
        ),
        ("permit_residential", {"bands": [{"from_m2": 0, "to_m2": 100, "pct": 5}, {"from_m2": 120, "pct": 9}]}, "gap"),
        ("excess_density", {"coefficients": {"0": 5, "2": 6}}, "No coefficient for floor 1"),
        ("fencing", {"rate_irr": -5}, "negative"),
        ("renovation_early_discount", {"pct": 150, "effect": "discount"}, "over 100"),
    ],
)
def test_a_book_whose_items_do_not_validate_is_not_approved(books, officer, code, params, reason):
    draft = book_copy_to_next_year(book=books[1405], actor=officer)
    draft.items.filter(code=code).update(params=params)
    with pytest.raises(BookError, match=reason):
        book_approve(book=draft, actor=officer)
    draft.refresh_from_db()
    assert draft.status == BookStatus.DRAFT
    assert [e.action for e in audit_trail(draft)] == ["tariff_book.copied"]


def test_an_empty_or_approved_book_is_not_approved(books, officer):
    with pytest.raises(BookError, match="Only a draft"):
        book_approve(book=books[1405], actor=officer)
    draft = book_copy_to_next_year(book=books[1405], actor=officer)
    draft.items.all().delete()
    with pytest.raises(BookError, match="no items"):
        book_approve(book=draft, actor=officer)


HEAD = "year: 1407\ntitle_fa: x\ntitle_en: x\nitems:\n"
BAD_BOOKS = {
    "not yaml": "year: [1405",
    "no items": "year: 1405\ntitle_fa: x\ntitle_en: x\n",
    "bad year": "year: eleven\nitems: []\n",
    "year out of range": "year: 2026\nitems: []\n",
    "unknown kind": HEAD + "- {code: a, kind: magic, stage: revenue, title_fa: x, title_en: x, params: {}}\n",
    "unknown stage": HEAD + "- {code: a, kind: fixed, stage: lunch, title_fa: x, "
    "title_en: x, params: {amount_irr: 5}}\n",
    "twice the same code": "year: 1407\ntitle_fa: x\ntitle_en: x\nitems:\n"
    "- {code: a, kind: fixed, stage: revenue, title_fa: x, title_en: x, params: {amount_irr: 5}}\n"
    "- {code: a, kind: fixed, stage: revenue, title_fa: x, title_en: x, params: {amount_irr: 6}}\n",
    "overlapping bands": "year: 1407\ntitle_fa: x\ntitle_en: x\nitems:\n- {code: a, kind: area_bands, stage: revenue, "
    "title_fa: x, title_en: x, params: {bands: [{from_m2: 0, to_m2: 50, pct: 1}, {from_m2: 40, pct: 2}]}}\n",
    "no Persian title": "year: 1407\ntitle_en: x\nitems:\n- {code: a, kind: fixed, stage: revenue, title_fa: x, "
    "title_en: x, params: {amount_irr: 5}}\n",
}


@pytest.mark.parametrize("name", sorted(BAD_BOOKS))
def test_a_bad_book_file_is_refused_and_nothing_is_written(tmp_path: Path, name):
    path = tmp_path / "book.yaml"
    path.write_text(BAD_BOOKS[name], encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("tariff_load", str(path), verbosity=0)
    with pytest.raises(BookError):
        book_load(path=path)
    assert not TariffBook.objects.exists() and not TariffItem.objects.exists()


# --- the admin ---------------------------------------------------------------------------------------------


def test_the_revenue_officer_holds_exactly_the_tariff_book_permissions(officer):
    perms = {p for p in officer.get_all_permissions() if p.startswith("fees.")}
    assert perms == {
        "fees.view_tariffbook",
        "fees.add_tariffbook",
        "fees.change_tariffbook",
        "fees.view_tariffitem",
        "fees.add_tariffitem",
        "fees.change_tariffitem",
        "fees.delete_tariffitem",
    }
    assert not officer.has_perm("fees.change_bill") and not officer.has_perm("fees.delete_tariffbook")


def test_the_officer_copies_and_approves_in_the_admin_and_approved_books_are_read_only(client, books, officer):
    client.force_login(officer)
    changelist = reverse("admin:fees_tariffbook_changelist")
    response = client.post(changelist, {"action": "copy_to_next_year", "_selected_action": [books[1405].pk]})
    assert response.status_code == 302
    draft = TariffBook.objects.get(year=1406)
    # a draft is editable, an approved book is shown read-only
    assert b'name="_save"' in client.get(reverse("admin:fees_tariffbook_change", args=[draft.pk])).content
    page = client.get(reverse("admin:fees_tariffbook_change", args=[books[1405].pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = client.post(reverse("admin:fees_tariffbook_change", args=[books[1405].pk]), {"title_fa": "changed"})
    assert response.status_code == 403
    response = client.post(changelist, {"action": "approve", "_selected_action": [draft.pk]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == BookStatus.APPROVED and draft.approved_by == officer


def test_the_admin_refuses_to_approve_a_book_that_does_not_validate(client, books, officer):
    draft = book_copy_to_next_year(book=books[1405], actor=officer)
    draft.items.filter(code="excess_density").update(params={"coefficients": {"0": 5, "3": 7}})
    client.force_login(officer)
    response = client.post(
        reverse("admin:fees_tariffbook_changelist"), {"action": "approve", "_selected_action": [draft.pk]}, follow=True
    )
    assert "No coefficient for floor 1, 2" in response.content.decode() or "ضریب این طبقات" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == BookStatus.DRAFT


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("area_bands", {"bands": [{"from_m2": 0, "to_m2": 100, "pct": 5}, {"from_m2": 90, "pct": 9}]}),
        ("area_bands", {"bands": [{"from_m2": 0, "to_m2": 100, "pct": 5}, {"from_m2": 110, "pct": 9}]}),
        ("floor_table", {"coefficients": {"0": 5, "2": 6}}),
        ("per_unit", {"rate_irr": -1}),
        ("percentage", {"pct": 101, "effect": "discount"}),
        ("fixed", {}),
    ],
)
def test_the_item_form_says_what_is_wrong_with_the_parameters(kind, params):
    form = TariffItemForm(
        data={
            "position": 1,
            "code": "x",
            "kind": kind,
            "stage": "revenue",
            "title_fa": "آزمون",
            "title_en": "test",
            "params": json.dumps(params),
        }
    )
    assert not form.is_valid()
    assert form.errors["params"]
