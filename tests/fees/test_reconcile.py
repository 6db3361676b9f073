"""Reconciliation of the sandbox PSP's settlement file against our payments and bills: orphans, doubles,
amount mismatches, ours missing from the file, bad rows reported (not crashing), bounded files, and the
command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fees import payments, reconcile
from fees.checkdigits import bill_ids_parse
from fees.models import Payment, PaymentStatus, Reconciliation
from gis_app.models import AuditEvent
from tests.fees.conftest import bill_for

pytestmark = pytest.mark.django_db

HEADER = "date,time,merchant_id,order_id,reference,trace_no,card,amount,state\n"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def pay_online(psp, bill) -> Payment:
    url = payments.payment_start(bill=bill, actor=bill.request.applicant, language="fa")
    _a, fields = psp.pay(url)
    return payments.payment_callback(data=fields)


def kinds(rec: Reconciliation) -> list[str]:
    return sorted(f["kind"] for f in rec.findings)


def test_a_clean_day_matches(psp, permit_request):
    paid = [pay_online(psp, bill_for(permit_request, 1_000_000 * (n + 1))) for n in range(3)]
    rec = reconcile.reconcile(data=psp.settlement(today()))
    assert rec.rows == 3 and rec.matched == 3 and rec.findings == []
    assert rec.settlement_date == today() and len(rec.file_sha256) == 64
    assert AuditEvent.objects.filter(action="reconciliation.run", object_id=str(rec.pk)).exists()
    assert all(p.status == PaymentStatus.PAID for p in paid)


def test_orphans_doubles_mismatches_and_missing(psp, permit_request):
    good = pay_online(psp, bill_for(permit_request, 1_000_000))
    missing = pay_online(psp, bill_for(permit_request, 2_000_000))
    twice = bill_for(permit_request, 3_000_000)
    online_twice = pay_online(psp, twice)
    ids = bill_ids_parse(twice.bill_id, twice.payment_id)
    payments.payment_record_bank(
        bill_id=twice.bill_id,
        payment_id=twice.payment_id,
        amount_irr=ids.amount_irr,
        reference="BANK5550001",
        paid_at=timezone.now(),
    )
    day = today().isoformat()
    text = psp.settlement(today()).decode()
    # ours missing from the file: drop its row; an amount altered; an orphan; a reference twice
    lines = [line for line in text.splitlines() if missing.reference not in line]
    lines = [line.replace(",1000000,", ",1500000,") if good.reference in line else line for line in lines]
    lines.append(f"{day},10:00:00,sandbox-merchant,77777777777,987654321098,111111,603799******0000,5000000,verified")
    lines.append(next(line for line in lines if online_twice.reference in line))
    rec = reconcile.reconcile(data=("\n".join(lines) + "\n").encode(), settlement_date=today())
    found = kinds(rec)
    assert found.count("amount_mismatch") == 1 and found.count("orphan") == 1 and found.count("missing") == 1
    assert found.count("double") >= 2  # the reference twice, and the bill paid online and at a bank
    mismatch = next(f for f in rec.findings if f["kind"] == "amount_mismatch")
    assert mismatch["amount_irr"] == 1_500_000 and mismatch["expected_irr"] == 1_000_000
    assert next(f for f in rec.findings if f["kind"] == "missing")["reference"] == missing.reference
    report = reconcile.report_text(rec)
    for title in reconcile.KIND_TITLES.values():
        assert title in report


def test_a_row_we_hold_as_reversed_is_an_orphan(psp, bill):
    psp.control(mode="late", count=1)
    payment = pay_online(psp, bill)
    assert payment.status == PaymentStatus.REVERSED
    reference = payment.result.get("reference_claimed")
    row = f"{today()},10:00:00,m,{payment.order_id},{reference},1,603799******0000,{payment.amount_irr},verified\n"
    rec = reconcile.reconcile(data=(HEADER + row).encode())
    assert kinds(rec) == ["orphan"]


@pytest.mark.hostile("settlement_rows")
def test_bad_rows_are_reported_not_fatal(psp, bill):
    good = pay_online(psp, bill)
    text = psp.settlement(today()).decode()
    day = today().isoformat()
    bad_rows = [
        "not,enough",
        "yesterday,10:00,m,1,123456789012,1,c,1000,verified",
        f"{day},10:00,m,abc,123456789012,1,c,1000,verified",
        f"{day},10:00,m,1,ref with space,1,c,1000,verified",
        f"{day},10:00,m,1,123456789012,1,c,-1000,verified",
        f"{day},10:00,m,1,123456789012,1,c,1.5e6,verified",
        f"{day},10:00,m,1,123456789012,1,c,۱۰۰۰,verified",
        "1399-01-01,10:00,m,1,123456789013,1,c,1000,verified",  # another day
    ]
    rec = reconcile.reconcile(data=(text + "\n".join(bad_rows) + "\n").encode(), settlement_date=today())
    assert rec.matched == 1 and good.reference in text
    assert kinds(rec) == ["bad_row"] * len(bad_rows)


@pytest.mark.hostile("settlement_file")
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"just,some,columns\n1,2,3\n",
        b"date,order_id\n2026-01-01,5\n",
        b"x" * (reconcile.RECONCILE_MAX_BYTES + 1),
    ],
)
def test_files_that_are_no_settlement_file(data):
    with pytest.raises(reconcile.SettlementFileInvalid) as refused:
        reconcile.reconcile(data=data)
    assert refused.value.message
    assert not Reconciliation.objects.exists()


def test_the_command_by_file_and_by_date(psp, bill, tmp_path):
    pay_online(psp, bill)
    path = tmp_path / "settlement.csv"
    path.write_bytes(psp.settlement(today()))
    out = io.StringIO()
    call_command("psp_reconcile", str(path), stdout=out)
    assert "matched 1" in out.getvalue()
    out = io.StringIO()
    call_command("psp_reconcile", "--date", today().isoformat(), stdout=out)
    assert "matched 1" in out.getvalue()
    assert Reconciliation.objects.count() == 2
    for args in ([], ["--date", "tomorrow"], [str(tmp_path / "nope.csv")]):
        with pytest.raises(CommandError):
            call_command("psp_reconcile", *args)
    psp.control(mode="down")
    with pytest.raises(CommandError):
        call_command("psp_reconcile", "--date", today().isoformat())
