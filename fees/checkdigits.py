"""The banks' bill-payment identifiers (DOMAIN.md "Bills"): bill ID and payment ID with their mod-11
check digits. Pure functions on digit strings; no Django.

- Bill ID (6-13 digits) = file id (up to 8 digits) + company code (3) + service type (1) + check digit.
- Payment ID = amount ÷ 1000 + year digit (1) + period (2) + C1 + C2; C1 is the check digit of
  amount‖year‖period, C2 the check digit of bill ID‖amount‖year‖period‖C1.
- Check digit: weights 2, 3, 4, 5, 6, 7, 2, 3, … from the rightmost digit; s = Σ digit × weight mod 11;
  0 if s < 2, else 11 − s.
"""

from __future__ import annotations

from dataclasses import dataclass

MUNICIPALITY_SERVICE = 6  # service type of municipal bills (1 water, 2 electricity, … 6 municipality)


class BillIdError(ValueError):
    """A bill or payment ID that is malformed or whose check digits do not match."""


def check_digit(digits: str) -> int:
    """The mod-11 check digit of a digit string (weights 2-7 repeating from the right)."""
    if not digits or not digits.isascii() or not digits.isdigit():
        raise BillIdError("digits expected")
    s = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits))) % 11
    return 0 if s < 2 else 11 - s


def bill_id(*, file_id: int, company_code: str, service: int = MUNICIPALITY_SERVICE) -> str:
    """The bill ID for a subscriber/file number (1-8 digits), a 3-digit company code and a service type."""
    if not 0 < file_id < 10**8:
        raise BillIdError("the file id must have 1 to 8 digits")
    if len(company_code) != 3 or not company_code.isascii() or not company_code.isdigit():
        raise BillIdError("the company code must have 3 digits")
    if not 0 <= service <= 9:
        raise BillIdError("the service type is one digit")
    body = f"{file_id}{company_code}{service}"
    return f"{body}{check_digit(body)}"


def payment_id(*, bill: str, amount_irr: int, year_digit: int, period: int) -> str:
    """The payment ID of a bill for an amount (a whole number of thousands of rials), the last digit
    of the year and a period (00-99)."""
    if amount_irr <= 0 or amount_irr % 1000:
        raise BillIdError("the amount must be a positive whole number of thousands of rials")
    if not 0 <= year_digit <= 9 or not 0 <= period <= 99:
        raise BillIdError("year digit 0-9 and period 00-99")
    head = f"{amount_irr // 1000}{year_digit}{period:02d}"
    c1 = check_digit(head)
    c2 = check_digit(f"{bill}{head}{c1}")
    return f"{head}{c1}{c2}"


@dataclass(frozen=True)
class BillIds:
    """A bill and payment ID pair read back: what a bank's terminal learns from them."""

    bill_id: str
    payment_id: str
    file_id: int
    company_code: str
    service: int
    amount_irr: int
    year_digit: int
    period: int

    @property
    def barcode(self) -> str:
        """The 26-digit barcode: both IDs zero-padded to 13 digits."""
        return self.bill_id.zfill(13) + self.payment_id.zfill(13)


def bill_ids_parse(bill: str, payment: str) -> BillIds:
    """Check a bill ID and payment ID pair as a bank does; BillIdError says what is wrong."""
    if not (bill.isascii() and bill.isdigit() and 6 <= len(bill) <= 13):
        raise BillIdError("a bill ID has 6 to 13 digits")
    if not (payment.isascii() and payment.isdigit() and 6 <= len(payment) <= 13):
        raise BillIdError("a payment ID has 6 to 13 digits")
    bill, payment = bill.lstrip("0"), payment.lstrip("0")
    if len(bill) < 6 or len(payment) < 6:
        raise BillIdError("too short once leading zeros are dropped")
    if check_digit(bill[:-1]) != int(bill[-1]):
        raise BillIdError("the bill ID's check digit does not match")
    head, c1, c2 = payment[:-2], int(payment[-2]), int(payment[-1])
    if check_digit(head) != c1:
        raise BillIdError("the payment ID's first check digit does not match")
    if check_digit(f"{bill}{head}{c1}") != c2:
        raise BillIdError("the payment ID does not belong to this bill ID")
    return BillIds(
        bill_id=bill,
        payment_id=payment,
        file_id=int(bill[:-5]),
        company_code=bill[-5:-2],
        service=int(bill[-2]),
        amount_irr=int(head[:-3]) * 1000,
        year_digit=int(head[-3]),
        period=int(head[-2:]),
    )
