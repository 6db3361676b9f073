"""Paying renovation and trade dues without a permit file, by renovation code (issue 18 item 5)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from accounts.roles import Role
from fees import billing
from fees.assessment import renovation_dues_lines
from fees.checkdigits import bill_ids_parse
from fees.dues import DuesError, dues_bills_issue, dues_statement
from fees.models import Bill, DuesReceipt, Payment, TradeUnit
from parcels.models import PropertyFile
from parcels.selectors import live_parcels
from tests.surveys.conftest import user_with

_orders = itertools.count(9_100_000)


@pytest.fixture
def books(city):
    call_command("tariff_load", verbosity=0)


@pytest.fixture
def parcel(books):
    """A live parcel of the sample city with a renovation code, inside a value zone, with no file yet."""
    found = live_parcels().exclude(renovation_code="").order_by("renovation_code")[7]
    assert not PropertyFile.objects.filter(code=found.file_code).exists()
    return found


@pytest.fixture
def shop(parcel):
    head = parcel.renovation_code.rsplit("-", 3)[0]
    return TradeUnit.objects.create(
        renovation_code=f"{head}-1-0-1",
        parcel_code=parcel.renovation_code,
        guild="pharmacy",
        title="داروخانه آزمون",
        area_m2=40,
        licence_no="1404001",
        since_year=1404,
    )


@pytest.fixture
def payer(db):
    return user_with(Role.CITIZEN.value, "t-payer")


def pay(bill: Bill) -> None:
    payment = Payment.objects.create(
        bill=bill, channel="bank", order_id=next(_orders), amount_irr=bill.amount_irr, status="paid"
    )
    assert billing.bill_settle(bill_pk=bill.pk, payment=payment)


def renovation_years(statement):
    return {y.year: y for y in statement.years if y.kind == "renovation"}


def test_every_year_with_a_book_is_listed_and_owed_with_its_lines(parcel):
    statement = dues_statement(code=parcel.renovation_code)
    years = renovation_years(statement)
    assert sorted(years) == [1403, 1404, 1405]
    for year, row in years.items():
        expected = renovation_dues_lines(parcel=parcel, year=year)
        assert row.record == expected
        assert row.amount_irr == expected.total_irr // 1000 * 1000
        assert row.owed
    # the current year carries the early-payment discount, past years the late penalty
    assert any(line.code.startswith("renovation_early_discount") for line in years[1405].record.lines)
    assert any(line.code.startswith("renovation_late_penalty") for line in years[1403].record.lines)
    assert statement.owed_irr == sum(row.amount_irr for row in years.values())


def test_years_paid_in_the_former_system_are_not_owed_again(parcel):
    DuesReceipt.objects.create(
        renovation_code=parcel.renovation_code,
        kind="renovation",
        year=1403,
        amount_irr=12_000_000,
        receipt_no="1403-77",
        paid_on=dt.date(2024, 8, 1),
    )
    years = renovation_years(dues_statement(code=parcel.renovation_code))
    assert years[1403].settled and not years[1403].owed and years[1403].receipt.receipt_no == "1403-77"
    assert years[1404].owed and years[1405].owed


def test_a_business_code_shows_that_business_and_the_parcel_code_shows_every_one(parcel, shop):
    by_shop = dues_statement(code=shop.renovation_code)
    assert by_shop.trade_units == (shop,)
    assert {(y.kind, y.year) for y in by_shop.years} == {("trade", 1404), ("trade", 1405)}
    trade_1404 = next(y for y in by_shop.years if y.year == 1404)
    codes = [line.code for line in trade_1404.record.lines]
    assert codes == ["trade_pharmacy:1404", "trade_late_penalty:1404"]
    by_parcel = dues_statement(code=parcel.renovation_code)
    assert {y.kind for y in by_parcel.years} == {"renovation", "trade"}


@pytest.mark.parametrize(
    "typed",
    ["", "abc", "1-2-3", "1-2-3-4-5-6-7-8", "1-2-3-4-5-6-x", "1" * 100, "1--2-3-4-5-6-7", "١٢-٣"],
)
def test_a_malformed_code_is_refused_with_a_message(books, typed):
    with pytest.raises(DuesError) as caught:
        dues_statement(code=typed)
    assert str(caught.value)


def test_an_unknown_code_says_so(books):
    with translation.override("en"), pytest.raises(DuesError, match="No property with the renovation code"):
        dues_statement(code="9-9-999-999-0-0-0")


def test_the_code_typed_as_the_site_shows_it_is_found(parcel):
    persian = parcel.renovation_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    spaced = " - ".join(parcel.renovation_code.split("-"))
    for typed in (persian, spaced, f"\u200f{parcel.renovation_code}\u200f"):
        assert dues_statement(code=typed).parcel.pk == parcel.pk


def test_billing_makes_one_bill_per_owed_year_and_again_the_same(parcel, shop, payer):
    bills = dues_bills_issue(code=parcel.renovation_code, actor=payer)
    assert sorted((b.kind, b.dues_year) for b in bills) == [
        ("renovation", 1403),
        ("renovation", 1404),
        ("renovation", 1405),
        ("trade", 1404),
        ("trade", 1405),
    ]
    for bill in bills:
        ids = bill_ids_parse(bill.bill_id, bill.payment_id)
        assert ids.amount_irr == bill.amount_irr and ids.service == 6
        assert bill.request is None and bill.assessment.dues_year == bill.dues_year
    assert {b.trade_unit_id for b in bills if b.kind == "trade"} == {shop.pk}
    again = dues_bills_issue(code=parcel.renovation_code, actor=payer)
    assert sorted(b.pk for b in again) == sorted(b.pk for b in bills)
    assert Bill.objects.count() == 5


def test_a_paid_year_is_no_longer_owed(parcel, payer):
    bills = {b.dues_year: b for b in dues_bills_issue(code=parcel.renovation_code, actor=payer)}
    before = dues_statement(code=parcel.renovation_code).owed_irr
    pay(bills[1403])
    statement = dues_statement(code=parcel.renovation_code)
    years = renovation_years(statement)
    assert years[1403].settled and not years[1403].owed
    assert statement.owed_irr == before - bills[1403].amount_irr
    assert {b.dues_year for b in statement.unpaid_bills} == {1404, 1405}
    # billing again does not bill the paid year
    assert {b.dues_year for b in dues_bills_issue(code=parcel.renovation_code, actor=payer)} == {1404, 1405}


@pytest.mark.concurrency
def test_two_people_billing_at_once_make_one_bill_per_year(transactional_db, settings):
    call_command("sample_city_load", verbosity=0)
    call_command("tariff_load", verbosity=0)
    parcel = live_parcels().exclude(renovation_code="").order_by("renovation_code")[11]
    people = [user_with(Role.CITIZEN.value, f"t-payer-{n}") for n in range(4)]
    barrier = threading.Barrier(len(people))
    errors = []

    def bill(person):
        try:
            barrier.wait()
            dues_bills_issue(code=parcel.renovation_code, actor=person)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bill, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    years = list(Bill.objects.filter(status="unpaid").values_list("dues_year", flat=True))
    assert sorted(years) == [1403, 1404, 1405]
    assert PropertyFile.objects.filter(code=parcel.file_code).count() == 1


def test_the_page_lists_the_years_and_bills_them(client, parcel, payer):
    client.force_login(payer)
    for lang in ("", "/en"):
        answer = client.get(f"{lang}/fees/dues/", {"code": parcel.renovation_code})
        assert answer.status_code == 200
        assert answer.content.count(b'data-testid="dues-year"') == 3
    answer = client.post("/fees/dues/bills/", {"code": parcel.renovation_code})
    assert answer.status_code == 302 and answer["Location"].startswith("/fees/dues/?code=")
    page = client.get(answer["Location"])
    assert page.content.count(b'data-testid="dues-bill"') == 3
    assert Bill.objects.filter(issued_by=payer).count() == 3


@pytest.mark.parametrize(
    ("typed", "status"),
    [("abc", 404), ("1-2-3", 404), ("9-9-999-999-0-0-0", 404), ("x" * 200, 400), ("", 400)],
)
def test_the_page_answers_bad_codes_with_a_message(client, books, payer, typed, status):
    client.force_login(payer)
    answer = client.get("/en/fees/dues/", {"code": typed})
    assert answer.status_code == status
    assert b'role="alert"' in answer.content
    answer = client.post("/en/fees/dues/bills/", {"code": typed})
    assert answer.status_code == status
    assert not Bill.objects.exists()


def test_who_may_use_the_dues_page(client, parcel):
    answer = client.get("/fees/dues/", {"code": parcel.renovation_code})
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert client.post("/fees/dues/bills/", {"code": parcel.renovation_code}).status_code == 302
    client.force_login(user_with(Role.AGENCY.value, "t-agency"))
    assert client.get("/fees/dues/", {"code": parcel.renovation_code}).status_code == 403
    assert client.post("/fees/dues/bills/", {"code": parcel.renovation_code}).status_code == 403
    assert not Bill.objects.exists()
