"""The banks' bill ID and payment ID (DOMAIN.md "Bills"): the worked example and what a bank refuses."""

import pytest

from fees.checkdigits import BillIdError, bill_id, bill_ids_parse, check_digit, payment_id


def test_worked_example_from_the_domain_rulebook():
    ids = bill_ids_parse("7748317800142", "1770160")
    assert ids.amount_irr == 17_000
    assert (ids.year_digit, ids.period) == (7, 1)
    assert ids.barcode == "7748317800142" + "0000001770160"
    assert check_digit("774831780014") == 2
    assert payment_id(bill="7748317800142", amount_irr=17_000, year_digit=7, period=1) == "1770160"


def test_municipal_bill_ids_round_trip():
    bid = bill_id(file_id=4321, company_code="178")
    assert bid.startswith("4321178" + "6")
    pid = payment_id(bill=bid, amount_irr=240_000_000, year_digit=5, period=9)
    ids = bill_ids_parse(bid, pid)
    assert (ids.file_id, ids.company_code, ids.service, ids.amount_irr) == (4321, "178", 6, 240_000_000)


@pytest.mark.parametrize(
    ("bill", "payment"),
    [
        ("7748317800143", "1770160"),  # bill check digit wrong
        ("7748317800142", "1770170"),  # C1 wrong
        ("7748317800142", "1770161"),  # C2 wrong: the payment ID belongs to another bill
        ("7748317800142", "2770160"),  # amount altered
        ("12345", "1770160"),  # too short
        ("77483178001420", "1770160"),  # too long
        ("۷۷۴۸۳۱۷۸۰۰۱۴۲", "1770160"),  # not normalised (the form's normaliser does that)
        ("7748317800142", "17701a0"),
        ("", ""),
    ],
)
def test_a_bank_refuses_altered_or_malformed_ids(bill, payment):
    with pytest.raises(BillIdError):
        bill_ids_parse(bill, payment)


@pytest.mark.parametrize("amount", [0, -1000, 17_500, 999])
def test_payment_id_needs_whole_thousands(amount):
    with pytest.raises(BillIdError):
        payment_id(bill="7748317800142", amount_irr=amount, year_digit=7, period=1)


@pytest.mark.parametrize("file_id", [0, -1, 10**8])
def test_bill_id_file_number_has_one_to_eight_digits(file_id):
    with pytest.raises(BillIdError):
        bill_id(file_id=file_id, company_code="178")
