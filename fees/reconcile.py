"""Reconciliation: a PSP's settlement file (CSV of the day's verified payments) matched against our
payments and bills (issue 18 item 4). What it reports, per finding:

- orphan: a row with no online payment of ours (unknown reference and order id), or one we do not hold
  as paid (failed, reversed, still verifying);
- double: one bill paid twice (two rows, or a row and a bank payment, for one bill), or a reference twice;
- amount_mismatch: the row's amount is not the payment's;
- missing: a payment we hold as paid online that day which is not in the file;
- bad_row: a row that cannot be read (reported with its number; the rest is still matched).

The file is bounded (RECONCILE_MAX_BYTES, RECONCILE_MAX_ROWS); the result is stored as a Reconciliation
row (audited) and printed by `manage.py psp_reconcile`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from fees.gateway import PSP_NAME
from fees.models import Payment, PaymentChannel, PaymentStatus, Reconciliation
from gis_app.audit import audit_record

RECONCILE_MAX_BYTES = 20 * 1024 * 1024
RECONCILE_MAX_ROWS = 200_000
COLUMNS = ("date", "order_id", "reference", "amount")
# held with us as money received: the row matches
MONEY_STATUSES = (PaymentStatus.PAID, PaymentStatus.REFUND_DUE)
_REFERENCE = re.compile(r"[A-Za-z0-9]{6,64}")
_DIGITS = re.compile(r"[0-9]{1,18}")


class SettlementFileInvalid(Exception):
    """A settlement file that cannot be read at all (too large, not CSV, no header)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SettlementRow:
    row: int  # line number in the file (the header is 1)
    date: dt.date
    order_id: int
    reference: str
    amount_irr: int


@dataclass(frozen=True)
class Finding:
    kind: str  # orphan, double, amount_mismatch, missing, bad_row
    row: int | None = None
    order_id: int | None = None
    reference: str = ""
    amount_irr: int | None = None
    expected_irr: int | None = None
    bill: str = ""
    detail: str = ""


def settlement_parse(data: bytes) -> tuple[list[SettlementRow], list[Finding]]:
    """The rows of a settlement file and the bad rows; SettlementFileInvalid when it is no such file."""
    if len(data) > RECONCILE_MAX_BYTES:
        raise SettlementFileInvalid(
            _("The settlement file is larger than %(mb)s MB.") % {"mb": RECONCILE_MAX_BYTES // (1024 * 1024)}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettlementFileInvalid(_("The settlement file is not UTF-8 text.")) from exc
    if "\x00" in text:
        raise SettlementFileInvalid(_("The settlement file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise SettlementFileInvalid(_("The settlement file is empty.")) from exc
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise SettlementFileInvalid(
            _("The settlement file lacks the columns: %(list)s.") % {"list": ", ".join(missing)}
        )
    at = {c: header.index(c) for c in COLUMNS}
    rows: list[SettlementRow] = []
    bad: list[Finding] = []
    number = 1
    try:
        for number, fields in enumerate(reader, start=2):
            if not fields or all(not f.strip() for f in fields):
                continue
            if number - 1 > RECONCILE_MAX_ROWS:
                bad.append(
                    Finding(kind="bad_row", row=number, detail=f"more than {RECONCILE_MAX_ROWS} rows: rest ignored")
                )
                break
            parsed = _row(number, fields, at)
            (rows if isinstance(parsed, SettlementRow) else bad).append(parsed)
    except csv.Error as exc:
        bad.append(Finding(kind="bad_row", row=number + 1, detail=f"unreadable CSV: {exc}"[:200]))
    return rows, bad


def _row(number: int, fields: list[str], at: dict[str, int]) -> SettlementRow | Finding:
    if len(fields) <= max(at.values()):
        return Finding(kind="bad_row", row=number, detail="too few columns")
    value = {c: fields[i].strip() for c, i in at.items()}
    try:
        date = dt.date.fromisoformat(value["date"])
    except ValueError:
        return Finding(kind="bad_row", row=number, detail="date is not YYYY-MM-DD")
    if not _DIGITS.fullmatch(value["order_id"]):
        return Finding(kind="bad_row", row=number, detail="order id is not a number")
    if not _REFERENCE.fullmatch(value["reference"]):
        return Finding(kind="bad_row", row=number, detail="malformed reference")
    if not _DIGITS.fullmatch(value["amount"]) or int(value["amount"]) <= 0:
        return Finding(kind="bad_row", row=number, detail="amount is not a positive whole number of rials")
    return SettlementRow(
        row=number,
        date=date,
        order_id=int(value["order_id"]),
        reference=value["reference"],
        amount_irr=int(value["amount"]),
    )


def settlement_match(*, rows: list[SettlementRow], settlement_date: dt.date) -> tuple[int, list[Finding]]:
    """Match rows against our payments; (matched rows, findings)."""
    findings: list[Finding] = []
    references = [r.reference for r in rows]
    by_reference = {
        p.reference: p
        for p in Payment.objects.filter(reference__in=references, channel=PaymentChannel.ONLINE).select_related("bill")
    }
    unmatched_orders = [r.order_id for r in rows if r.reference not in by_reference]
    by_order = {
        p.order_id: p
        for p in Payment.objects.filter(order_id__in=unmatched_orders, channel=PaymentChannel.ONLINE).select_related(
            "bill"
        )
    }
    seen_refs = Counter(references)
    bills_paid: dict[int, list[str]] = defaultdict(list)
    matched = 0
    in_file: set[int] = set()
    for r in rows:
        payment = by_reference.get(r.reference) or by_order.get(r.order_id)
        if seen_refs[r.reference] > 1:
            findings.append(
                Finding(kind="double", row=r.row, reference=r.reference, detail="reference twice in the file")
            )
        if payment is None:
            findings.append(
                Finding(kind="orphan", row=r.row, order_id=r.order_id, reference=r.reference, amount_irr=r.amount_irr)
            )
            continue
        in_file.add(payment.pk)
        bills_paid[payment.bill_id].append(f"row {r.row}")
        if payment.status not in MONEY_STATUSES:
            findings.append(
                Finding(
                    kind="orphan",
                    row=r.row,
                    order_id=r.order_id,
                    reference=r.reference,
                    amount_irr=r.amount_irr,
                    bill=payment.bill.bill_id,
                    detail=f"held as {payment.status}",
                )
            )
            continue
        if payment.order_id != r.order_id or (payment.reference and payment.reference != r.reference):
            findings.append(
                Finding(
                    kind="orphan",
                    row=r.row,
                    order_id=r.order_id,
                    reference=r.reference,
                    bill=payment.bill.bill_id,
                    detail=f"reference and order id belong to different payments (ours: {payment.order_id})",
                )
            )
            continue
        if r.amount_irr != payment.amount_irr:
            findings.append(
                Finding(
                    kind="amount_mismatch",
                    row=r.row,
                    order_id=r.order_id,
                    reference=r.reference,
                    amount_irr=r.amount_irr,
                    expected_irr=payment.amount_irr,
                    bill=payment.bill.bill_id,
                )
            )
            continue
        matched += 1
    # a bill paid twice: two rows, or a row and a bank payment
    bank = Payment.objects.filter(
        bill_id__in=list(bills_paid), channel=PaymentChannel.BANK, status__in=MONEY_STATUSES
    ).values_list("bill_id", "reference")
    for bill_pk, reference in bank:
        bills_paid[bill_pk].append(f"bank {reference}")
    bill_ids = dict(Payment.objects.filter(bill_id__in=list(bills_paid)).values_list("bill_id", "bill__bill_id"))
    for bill_pk, where in bills_paid.items():
        if len(where) > 1:
            findings.append(Finding(kind="double", bill=bill_ids.get(bill_pk, ""), detail=", ".join(where)))
    # ours, paid online and verified that day, not in the file
    start = dt.datetime.combine(settlement_date, dt.time.min, tzinfo=dt.UTC)
    ours = Payment.objects.filter(
        channel=PaymentChannel.ONLINE,
        status__in=MONEY_STATUSES,
        verified_at__gte=start,
        verified_at__lt=start + dt.timedelta(days=1),
    ).select_related("bill")
    for p in ours.exclude(pk__in=in_file):
        findings.append(
            Finding(
                kind="missing",
                order_id=p.order_id,
                reference=p.reference or "",
                amount_irr=p.amount_irr,
                bill=p.bill.bill_id,
            )
        )
    return matched, findings


def reconcile(
    *, data: bytes, settlement_date: dt.date | None = None, actor=None, psp: str = PSP_NAME
) -> Reconciliation:
    """Read, match and store one settlement file (the date: given, or the rows' most common one)."""
    rows, bad = settlement_parse(data)
    if settlement_date is None:
        dates = Counter(r.date for r in rows)
        settlement_date = dates.most_common(1)[0][0] if dates else dt.datetime.now(dt.UTC).date()
    matched, findings = settlement_match(
        rows=[r for r in rows if r.date == settlement_date], settlement_date=settlement_date
    )
    other_day = [
        Finding(kind="bad_row", row=r.row, reference=r.reference, detail=f"dated {r.date}, not {settlement_date}")
        for r in rows
        if r.date != settlement_date
    ]
    all_findings = [asdict(f) for f in (*bad, *other_day, *findings)]
    with transaction.atomic():
        rec = Reconciliation.objects.create(
            psp=psp,
            settlement_date=settlement_date,
            file_sha256=hashlib.sha256(data).hexdigest(),
            rows=len(rows) + len(bad),
            matched=matched,
            findings=all_findings,
            run_by=actor if actor is not None and actor.is_authenticated else None,
        )
        audit_record(
            actor=actor,
            action="reconciliation.run",
            obj=rec,
            rows=rec.rows,
            matched=matched,
            findings=dict(Counter(f["kind"] for f in all_findings)),
        )
    return rec


KIND_TITLES = {
    "orphan": "In the file, not paid with us",
    "double": "Paid twice",
    "amount_mismatch": "Amount differs",
    "missing": "Paid with us, not in the file",
    "bad_row": "Rows not read",
}


def report_text(rec: Reconciliation) -> str:
    """A readable report of a stored reconciliation (for the command's output)."""
    counts = Counter(f["kind"] for f in rec.findings)
    lines = [
        f"Settlement of {rec.psp} for {rec.settlement_date.isoformat()} (sha256 {rec.file_sha256[:12]}…)",
        f"rows {rec.rows}, matched {rec.matched}, findings {len(rec.findings)}",
    ]
    for kind, title in KIND_TITLES.items():
        items = [f for f in rec.findings if f["kind"] == kind]
        lines.append(f"{title}: {counts.get(kind, 0)}")
        for f in items[:50]:
            parts = [
                f"row {f['row']}" if f.get("row") else "",
                f"order {f['order_id']}" if f.get("order_id") else "",
                f"ref {f['reference']}" if f.get("reference") else "",
                f"bill {f['bill']}" if f.get("bill") else "",
                f"amount {f['amount_irr']:,}" if f.get("amount_irr") is not None else "",
                f"expected {f['expected_irr']:,}" if f.get("expected_irr") is not None else "",
                f.get("detail") or "",
            ]
            lines.append("  - " + "; ".join(p for p in parts if p))
        if len(items) > 50:
            lines.append(f"  … and {len(items) - 50} more")
    return "\n".join(lines)
