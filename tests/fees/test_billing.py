"""Bills on the file through the services on the real database: one bill per assessment rounded down to
whole thousands, cancellation and replacement on a reassessment, the difference bill, the refund row,
Article 100 fine bills that close their case when paid, and the revenue officer's exemption.

Most tests make Assessment rows directly with chosen totals, fingerprinted with the real inputs key
(fees.assessment.assessment_inputs_key), so the real staleness rule applies to them."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.gis.geos import Polygon
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.roles import Role
from fees import billing
from fees.assessment import assessment_inputs_key
from fees.checkdigits import bill_ids_parse
from fees.models import Assessment, AssessmentStatus, Bill, BillKind, BillStatus, Payment, Refund
from fees.records import AssessmentRecord, Line, assessment_dump
from gis_app.audit import audit_trail
from gis_app.errors import DomainError, NotAllowed
from parcels.models import PropertyFile
from permits import review
from permits.calendar import FRIDAY
from permits.models import PermitRequest
from tests.permits.conftest import citizen, fee_data_ready, staff, submitted  # noqa: F401 - fixtures
from tests.surveys.conftest import E0, N0, SRID, plot  # noqa: F401 - fixtures
from violations import services as violation_services
from violations.models import Violation

pytestmark = pytest.mark.django_db

_orders = itertools.count(900_000_001)


# --- helpers shared by the fee tests ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fee_data(db, plot):  # noqa: F811 - the fixture
    """The example tariff books and a value zone under the plot: what the real assessment reads."""
    fee_data_ready(plot)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def line(amount: int, code: str = "permit_dues") -> Line:
    return Line(
        code=code,
        title_fa="عوارض صدور پروانه",
        title_en="Permit dues",
        formula_fa="۳۰٪ × ۱۶۰ م² × ۵٬۰۰۰٬۰۰۰ ریال",
        formula_en="30% × 160 m² × 5,000,000 IRR",
        amount_irr=amount,
        numbers={"area_m2": "160", "P": "5000000", "coefficient": "0.30"},
    )


def assessment_row(req, stage: str, total: int, *, supersedes=None, actor=None) -> Assessment:
    """A current assessment of the request's stage for `total` rials, made as the assessment part
    would: one line, the request's proposal as its inputs, superseding the given one."""
    if supersedes is not None:
        Assessment.objects.filter(pk=supersedes.pk).update(status=AssessmentStatus.SUPERSEDED)
    record = AssessmentRecord(lines=(line(total),) if total else (), total_irr=total)
    return Assessment.objects.create(
        file=req.file,
        request=req,
        stage=stage,
        lines=assessment_dump(record),
        total_irr=total,
        inputs_key=assessment_inputs_key(request=PermitRequest.objects.get(pk=req.pk), stage=stage),
        supersedes=supersedes,
        created_by=actor,
    )


def pay(bill: Bill) -> Payment:
    """A bill paid at a bank: a Payment row of channel "bank", settled exactly once."""
    payment = Payment.objects.create(
        bill=bill, channel="bank", order_id=next(_orders), amount_irr=bill.amount_irr, status="paid"
    )
    assert billing.bill_settle(bill_pk=bill.pk, payment=payment)
    bill.refresh_from_db()
    return payment


def rect(x0, y0, x1, y1) -> Polygon:
    poly = Polygon.from_bbox((E0 + x0, N0 + y0, E0 + x1, N0 + y1))
    poly.srid = SRID
    return poly


def fined(req, staff, fine_irr: int = 200_000_000) -> Violation:  # noqa: F811
    """An Article 100 case on the request's file, decided with a fine (40 m² extra floor area)."""
    call_command("permit_schedules_load", verbosity=0)
    PropertyFile.objects.filter(pk=req.file_id).update(district=1)
    officer = staff[Role.VIOLATIONS_OFFICER]
    v = review.request_violation_record(
        actor=officer, request_id=req.pk, kind="extra_area_residential", geom=rect(1, 10, 9, 15)
    )
    violation_services.violation_refer(actor=officer, violation_id=v.pk)
    return violation_services.violation_verdict(
        actor=officer, violation_id=v.pk, verdict="fine", fine_irr=fine_irr, text="Fine for the fourth floor"
    )


# --- bills from assessments -------------------------------------------------------------------------------


def test_one_bill_per_assessment_rounded_down_to_thousands_with_valid_bank_ids(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    officer = staff[Role.REVENUE_OFFICER]
    a = assessment_row(req, "revenue", 240_000_999)
    bill = billing.bill_for_assessment(assessment=a, actor=officer)
    assert (bill.kind, bill.amount_irr, bill.status) == (BillKind.PERMIT_FEES, 240_000_000, BillStatus.UNPAID)
    assert bill.request == req and bill.file_id == req.file_id
    ids = bill_ids_parse(bill.bill_id, bill.payment_id)
    assert ids.amount_irr == 240_000_000 and ids.service == 6
    # payable within ten working days: never on a Friday, at least ten days on
    assert bill.due_on.weekday() != FRIDAY and (bill.due_on - timezone.localdate()).days >= 10
    # calling again gives the same bill: one per assessment
    assert billing.bill_for_assessment(assessment=a, actor=officer) == bill
    assert Bill.objects.filter(assessment=a).count() == 1
    assert [e.data["amount_irr"] for e in audit_trail(req.file) if e.action == "bill.issued"] == [240_000_000]


@pytest.mark.parametrize("total", [0, 1, 999])
def test_nothing_due_makes_no_bill(plot, staff, citizen, total):  # noqa: F811
    req = submitted(plot, citizen)
    a = assessment_row(req, "renovation", total)
    assert billing.bill_for_assessment(assessment=a, actor=staff[Role.RENOVATION_OFFICER]) is None
    assert not Bill.objects.exists()


@pytest.mark.parametrize(("stage", "kind"), [("renovation", "renovation"), ("executive", "paving")])
def test_each_stage_bills_its_own_kind(plot, staff, citizen, stage, kind):  # noqa: F811
    req = submitted(plot, citizen)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, stage, 28_000_000), actor=None)
    assert bill.kind == kind and bill.amount_irr == 28_000_000


def test_a_reassessment_cancels_the_unpaid_bill_and_replaces_it(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    officer = staff[Role.REVENUE_OFFICER]
    old = assessment_row(req, "revenue", 100_000_000)
    first = billing.bill_for_assessment(assessment=old, actor=officer)
    new = assessment_row(req, "revenue", 150_000_000, supersedes=old)
    second = billing.bill_for_assessment(assessment=new, actor=officer)
    first.refresh_from_db()
    assert (first.status, first.replaced_by) == (BillStatus.CANCELLED, second)
    assert (second.kind, second.amount_irr) == (BillKind.PERMIT_FEES, 150_000_000)
    cancelled = [e for e in audit_trail(req.file) if e.action == "bill.cancelled"]
    assert [e.data["replaced_by"] for e in cancelled] == [second.pk]
    # lower again, still unpaid: cancelled and replaced once more; to nothing: cancelled, no bill
    third = billing.bill_for_assessment(
        assessment=assessment_row(req, "revenue", 50_000_000, supersedes=new), actor=officer
    )
    second.refresh_from_db()
    assert second.replaced_by == third and third.amount_irr == 50_000_000
    latest = Assessment.objects.get(request=req, stage="revenue", status="current")
    assert (
        billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 0, supersedes=latest), actor=officer)
        is None
    )
    third.refresh_from_db()
    assert third.status == BillStatus.CANCELLED and third.replaced_by is None
    assert not Bill.objects.filter(request=req, status="unpaid").exists()


def test_more_after_a_paid_bill_is_billed_as_the_difference(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    old = assessment_row(req, "revenue", 100_000_000)
    paid = billing.bill_for_assessment(assessment=old, actor=None)
    pay(paid)
    new = assessment_row(req, "revenue", 130_500_700, supersedes=old)
    diff = billing.bill_for_assessment(assessment=new, actor=None)
    assert (diff.kind, diff.amount_irr, diff.assessment) == (BillKind.DIFFERENCE, 30_500_000, new)
    paid.refresh_from_db()
    assert paid.status == BillStatus.PAID and not Refund.objects.exists()
    # the difference paid too, a third assessment higher still: only what is new is billed
    pay(diff)
    third = billing.bill_for_assessment(
        assessment=assessment_row(req, "revenue", 140_000_000, supersedes=new), actor=None
    )
    assert (third.kind, third.amount_irr) == (BillKind.DIFFERENCE, 9_500_000)


def test_less_after_a_paid_bill_records_a_refund_never_a_negative_bill(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    old = assessment_row(req, "revenue", 100_000_000)
    paid = billing.bill_for_assessment(assessment=old, actor=None)
    pay(paid)
    new = assessment_row(req, "revenue", 60_000_000, supersedes=old)
    assert billing.bill_for_assessment(assessment=new, actor=staff[Role.REVENUE_OFFICER]) is None
    refund = Refund.objects.get()
    assert (refund.amount_irr, refund.bill, refund.assessment, refund.status) == (40_000_000, paid, new, "due")
    assert any(e.action == "refund.recorded" and e.data["amount_irr"] == 40_000_000 for e in audit_trail(req.file))
    # asked again: the same answer, no second refund
    assert billing.bill_for_assessment(assessment=new, actor=None) is None
    assert Refund.objects.count() == 1
    # the same amount again: nothing to bill, nothing to refund
    same = assessment_row(req, "revenue", 60_000_000, supersedes=new)
    assert billing.bill_for_assessment(assessment=same, actor=None) is None
    assert Refund.objects.count() == 1 and not Bill.objects.filter(status="unpaid").exists()


# --- Article 100 fines ----------------------------------------------------------------------------------


def test_a_fine_is_billed_on_the_file_and_paying_it_closes_the_case(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    v = fined(req, staff)
    bill = Bill.objects.get(violation=v)
    assert (bill.kind, bill.amount_irr, bill.file_id, bill.request) == (BillKind.FINE, 200_000_000, req.file_id, None)
    bill_ids_parse(bill.bill_id, bill.payment_id)
    v.refresh_from_db()
    assert v.status == "fined"
    pay(bill)
    v.refresh_from_db()
    assert v.status == "closed"
    closed = [e for e in audit_trail(req.file) if e.action == "violation.closed"]
    assert [(e.data["violation"], e.data["fine_settled"]) for e in closed] == [(v.pk, "paid")]
    # a second settlement of the same bill changes nothing
    again = Payment.objects.create(bill=bill, channel="bank", order_id=next(_orders), amount_irr=bill.amount_irr)
    assert billing.bill_settle(bill_pk=bill.pk, payment=again) is False


def test_a_fine_bill_is_issued_once_and_a_fine_under_a_thousand_rials_is_forgone(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    v = fined(req, staff)
    assert billing.fine_bill_issue(violation=v, actor=None) == Bill.objects.get(violation=v)
    Violation.objects.filter(pk=v.pk).update(verdict_fine_irr=999)
    Bill.objects.filter(violation=v).update(status="cancelled")
    v.refresh_from_db()
    assert billing.fine_bill_issue(violation=v, actor=None) is None
    v.refresh_from_db()
    assert v.status == "closed"


def test_a_demolition_or_an_appeal_bills_nothing(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    call_command("permit_schedules_load", verbosity=0)
    PropertyFile.objects.filter(pk=req.file_id).update(district=1)
    officer = staff[Role.VIOLATIONS_OFFICER]
    v = review.request_violation_record(
        actor=officer, request_id=req.pk, kind="street_encroachment", geom=rect(1, 3, 9, 6)
    )
    violation_services.violation_refer(actor=officer, violation_id=v.pk)
    violation_services.violation_verdict(actor=officer, violation_id=v.pk, verdict="appeal", text="appealed")
    violation_services.violation_verdict(actor=officer, violation_id=v.pk, verdict="demolition", text="remove it")
    assert not Bill.objects.exists()


# --- exemption ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.RENOVATION_OFFICER, Role.EXECUTIVE_UNIT, Role.MANAGER, Role.PERMIT_OFFICER, Role.CITIZEN]
)
def test_only_the_revenue_officer_exempts(plot, staff, citizen, role):  # noqa: F811
    req = submitted(plot, citizen)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 5_000_000), actor=None)
    with pytest.raises(NotAllowed, match="Only the revenue officer"):
        billing.bill_exempt(bill=bill, actor=staff[role], reason="Council resolution 12")
    bill.refresh_from_db()
    assert bill.status == BillStatus.UNPAID


@pytest.mark.parametrize("reason", ["", "    ", "abc", "\u200c\u200c ", "x" * 2001, None])
def test_an_exemption_needs_a_reason(plot, staff, citizen, reason):  # noqa: F811
    req = submitted(plot, citizen)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 5_000_000), actor=None)
    with pytest.raises(DomainError, match="reason"):
        billing.bill_exempt(bill=bill, actor=staff[Role.REVENUE_OFFICER], reason=reason)
    bill.refresh_from_db()
    assert bill.status == BillStatus.UNPAID and not bill.exemption_reason


def test_an_exemption_is_recorded_with_its_reason_and_only_once(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    officer = staff[Role.REVENUE_OFFICER]
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 5_000_000), actor=None)
    billing.bill_exempt(bill=bill, actor=officer, reason="  Council resolution 12:  war veterans  ")
    bill.refresh_from_db()
    assert (bill.status, bill.exempted_by, bill.exemption_reason) == (
        BillStatus.EXEMPTED,
        officer,
        "Council resolution 12: war veterans",
    )
    event = [e for e in audit_trail(req.file) if e.action == "bill.exempted"][-1]
    assert event.actor == officer and event.data["reason"] == "Council resolution 12: war veterans"
    with pytest.raises(DomainError, match="Only an unpaid bill"):
        billing.bill_exempt(bill=bill, actor=officer, reason="once more, please")
    paid = billing.bill_for_assessment(assessment=assessment_row(req, "renovation", 7_000_000), actor=None)
    pay(paid)
    with pytest.raises(DomainError, match="Only an unpaid bill"):
        billing.bill_exempt(bill=paid, actor=officer, reason="paid already")


def test_an_exempted_fine_closes_its_case(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    v = fined(req, staff)
    billing.bill_exempt(bill=Bill.objects.get(violation=v), actor=staff[Role.REVENUE_OFFICER], reason="Court order 7")
    v.refresh_from_db()
    assert v.status == "closed"
    assert [e.data["fine_settled"] for e in audit_trail(req.file) if e.action == "violation.closed"] == ["exempted"]


# --- at once ------------------------------------------------------------------------------------------------


def _at_once(*calls) -> list:
    """Run the calls in threads released together (each with its own connection); their results."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            try:
                results[i] = call()
            except DomainError as exc:
                results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_eight_officers_billing_one_reassessment_at_once_make_one_bill(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    old = assessment_row(req, "revenue", 100_000_000)
    first = billing.bill_for_assessment(assessment=old, actor=None)
    new = assessment_row(req, "revenue", 150_000_000, supersedes=old)
    officer = staff[Role.REVENUE_OFFICER]
    results = _at_once(*[lambda: billing.bill_for_assessment(assessment=new, actor=officer)] * 8)
    assert len({b.pk for b in results}) == 1
    assert Bill.objects.filter(assessment=new).count() == 1
    first.refresh_from_db()
    assert first.status == "cancelled" and first.replaced_by_id == results[0].pk
    assert sum(e.action == "bill.cancelled" for e in audit_trail(req.file)) == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_an_exemption_and_a_bank_payment_at_once_settle_the_bill_once(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    officer = staff[Role.REVENUE_OFFICER]
    for n in range(5):
        bill = billing.bill_for_assessment(
            assessment=assessment_row(
                req, "revenue", 1_000_000 * (n + 1), supersedes=Assessment.objects.filter(status="current").first()
            ),
            actor=None,
        )
        payment = Payment.objects.create(bill=bill, channel="bank", order_id=next(_orders), amount_irr=bill.amount_irr)
        exempted, settled = _at_once(
            lambda b=bill: billing.bill_exempt(bill=b, actor=officer, reason="Council resolution 12"),
            lambda b=bill, p=payment: billing.bill_settle(bill_pk=b.pk, payment=p),
        )
        bill.refresh_from_db()
        if settled is True:
            assert bill.status == "paid" and isinstance(exempted, DomainError)
        else:
            assert bill.status == "exempted" and settled is False and isinstance(exempted, Bill)
