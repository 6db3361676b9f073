"""The fee guards: stages 5-7 leave only when their current assessment exists, is not out of date and
is paid, exempted or nothing; issuance waits for every bill on the file, every decided Article 100 fine
and every assessment of the request. The regression of issue 18: a file with an unpaid 200,000,000 IRR
fine and a proposal changed after assessment reached issuance; it no longer can."""

from __future__ import annotations

import pytest
from django.db.models import F

from accounts.roles import Role
from fees import billing
from fees.hooks import bills_settled
from fees.models import Bill
from parcels.models import ValueZone
from permits import review, services, transitions
from permits.errors import GuardsFailed
from permits.guards import GUARDS
from permits.models import PermitRequest, RequestStatus
from permits.workflow import stage
from tests.fees.test_billing import assessment_row, english, fee_data, fined, pay  # noqa: F401 - fixtures
from tests.permits.conftest import advance, citizen, inspect_and_survey, scan, staff, submitted, with_documents  # noqa: F401
from tests.surveys.conftest import plot  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

STAGE_GUARD = {"renovation": "renovation_dues_settled", "executive": "paving_share_settled", "revenue": "fees_paid"}


def test_the_issuance_stage_names_the_bills_guard():
    assert "bills_settled" in stage("issuance").guards
    for code, name in STAGE_GUARD.items():
        assert stage(code).guards == (name,)


@pytest.mark.parametrize("code", list(STAGE_GUARD))
def test_a_fee_stage_guard_says_what_is_missing(plot, staff, citizen, code):  # noqa: F811
    guard = GUARDS[STAGE_GUARD[code]]
    req = submitted(plot, citizen)
    # no assessment
    assert "not assessed" in guard(req)
    # assessed, no bill yet
    a = assessment_row(req, code, 28_000_400)
    assert "no bill has been issued" in guard(req) and "28,000,000 IRR" in guard(req)
    # billed, unpaid: the amount is named
    bill = billing.bill_for_assessment(assessment=a, actor=None)
    assert "not paid" in guard(req) and "28,000,000 IRR" in guard(req)
    # paid
    pay(bill)
    assert guard(req) is None
    # what the stage's fees were computed from changed: out of date, paid or not (permit fees read the
    # proposal; renovation dues and the paving share read the parcel and its regional prices, not it)
    PermitRequest.objects.filter(pk=req.pk).update(floor_area_m2=900.0)
    if code == "revenue":
        assert "out of date" in guard(req)
    else:
        assert guard(req) is None
        ValueZone.objects.filter(geom__intersects=plot.geom).update(land_unit_price_irr=F("land_unit_price_irr") + 1000)
        assert "out of date" in guard(req)
    # another stage's assessment does not count for this one
    other = next(c for c in STAGE_GUARD if c != code)
    assert "not assessed" in GUARDS[STAGE_GUARD[other]](req)


@pytest.mark.parametrize("total", [0, 999])
def test_nothing_due_passes(plot, staff, citizen, total):  # noqa: F811
    req = submitted(plot, citizen)
    assessment_row(req, "executive", total)
    assert GUARDS["paving_share_settled"](req) is None


def test_an_exempted_bill_passes_and_a_difference_waits(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    a = assessment_row(req, "revenue", 10_000_000)
    bill = billing.bill_for_assessment(assessment=a, actor=None)
    billing.bill_exempt(bill=bill, actor=staff[Role.REVENUE_OFFICER], reason="Council resolution 12")
    assert GUARDS["fees_paid"](req) is None
    # reassessed higher: the exemption covered the old amount, the difference is due
    b = assessment_row(req, "revenue", 12_000_000, supersedes=a)
    assert "2,000,000 IRR" in GUARDS["fees_paid"](req)
    diff = billing.bill_for_assessment(assessment=b, actor=None)
    assert diff.kind == "difference" and "not paid" in GUARDS["fees_paid"](req)
    pay(diff)
    assert GUARDS["fees_paid"](req) is None
    # reassessed lower after payment: a refund is due, the stage is settled
    c = assessment_row(req, "revenue", 1_000_000, supersedes=b)
    assert billing.bill_for_assessment(assessment=c, actor=None) is None
    assert GUARDS["fees_paid"](req) is None


def test_issuance_waits_for_every_bill_fine_and_assessment(plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    assert bills_settled(req) is None
    # an unpaid bill anywhere on the file (here another stage's)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "renovation", 28_000_000), actor=None)
    assert "Unpaid bills on this file: 1, 28,000,000 IRR" in bills_settled(req)
    pay(bill)
    assert bills_settled(req) is None
    # a decided fine not paid
    v = fined(req, staff)
    message = bills_settled(req)
    assert "Article 100 fine of 200,000,000 IRR" in message and "Unpaid bills on this file: 1" in message
    # its bill cancelled by someone: the fine itself still waits
    Bill.objects.filter(violation=v).update(status="cancelled")
    assert "Article 100 fine of 200,000,000 IRR" in bills_settled(req)
    assert "Unpaid bills" not in bills_settled(req)
    Bill.objects.filter(violation=v).update(status="unpaid")
    pay(Bill.objects.get(violation=v))
    assert bills_settled(req) is None
    # an assessment of the request out of date (the regional prices it read changed)
    ValueZone.objects.filter(geom__intersects=plot.geom).update(land_unit_price_irr=F("land_unit_price_irr") + 1000)
    assert "out of date" in bills_settled(req) and "Renovation dues" in bills_settled(req)


def _walk_to_issuance(plot, staff, citizen) -> PermitRequest:  # noqa: F811
    """A building request walked to issuance, each fee stage assessed, billed and paid at a bank."""
    req = with_documents(
        services.request_create(
            applicant=citizen,
            filed_by=citizen,
            parcel=plot,
            kind="building_new",
            use="residential",
            floors=2,
            floor_area_m2=200.0,
            footprint_m2=100.0,
        ),
        citizen,
        kinds=("deed", "national_card", "drawings"),
    )
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    req = advance(req, staff[Role.CLERK])
    inspect_and_survey(plot, staff, req)
    req = advance(req, staff[Role.INSPECTOR])
    review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    review.map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])
    req = advance(req, staff[Role.PLANNER])
    req = advance(req, staff[Role.VIOLATIONS_OFFICER])
    for role, code, total in (
        (Role.RENOVATION_OFFICER, "renovation", 28_000_000),
        (Role.EXECUTIVE_UNIT, "executive", 0),
        (Role.REVENUE_OFFICER, "revenue", 240_000_000),
    ):
        assert req.stage == code
        with pytest.raises(GuardsFailed, match="not assessed"):
            advance(req, staff[role], pay_fees=False)
        bill = billing.bill_for_assessment(assessment=assessment_row(req, code, total), actor=staff[role])
        if bill is not None:
            with pytest.raises(GuardsFailed, match="not paid"):
                advance(req, staff[role], pay_fees=False)
            pay(bill)
        req = advance(req, staff[role], pay_fees=False)
    assert req.stage == "issuance"
    return req


def test_the_issue_18_file_can_no_longer_reach_issuance(plot, staff, citizen):  # noqa: F811
    """An unpaid 200,000,000 IRR Article 100 fine and a proposal changed after assessment."""
    req = _walk_to_issuance(plot, staff, citizen)
    v = fined(req, staff)
    PermitRequest.objects.filter(pk=req.pk).update(floor_area_m2=260.0)
    officer = staff[Role.PERMIT_OFFICER]
    with pytest.raises(GuardsFailed) as failed:
        advance(req, officer, "approve")
    text = " ".join(failed.value.failures)
    assert "Article 100 fine of 200,000,000 IRR" in text
    assert "out of date" in text
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_REVIEW
    # the fine paid, the proposal put back as assessed: now it is issued
    pay(Bill.objects.get(violation=v))
    PermitRequest.objects.filter(pk=req.pk).update(floor_area_m2=200.0)
    req = advance(req, officer, "approve")
    assert req.status == RequestStatus.ISSUED


def test_a_completion_certificate_is_not_issued_with_the_fine_unpaid(plot, staff, citizen):  # noqa: F811
    from permits.certificates import asbuilt_compare
    from tests.permits.asbuilt_case import at_comparison, schedules_loaded
    from violations import services as violation_services

    req = at_comparison(plot, staff, citizen, floors=4)  # one floor beyond the permit
    officer = staff[Role.VIOLATIONS_OFFICER]
    (difference,) = asbuilt_compare(request_id=req.pk, actor=officer).record.differences
    schedules_loaded(req)
    v = violation_services.violation_refer(actor=officer, violation_id=difference.violation_id)
    violation_services.violation_verdict(
        actor=officer, violation_id=v.pk, verdict="fine", fine_irr=v.fine_min_irr, text="Fine for the fourth floor"
    )
    # a fined case no longer blocks the comparison; the fine's bill waits for the certificate's issuance
    req = advance(req, officer)
    assessment_row(req, "renovation", 0)
    req = advance(req, staff[Role.RENOVATION_OFFICER], pay_fees=False)
    assert req.stage == "completion_issuance"
    with pytest.raises(GuardsFailed) as failed:
        advance(req, staff[Role.PERMIT_OFFICER], "approve")
    assert any("Article 100 fine" in f for f in failed.value.failures)
    pay(Bill.objects.get(violation=v))
    assert bills_settled(PermitRequest.objects.get(pk=req.pk)) is None


def test_a_proposal_changed_on_resubmission_makes_the_fee_stages_assess_again(plot, staff, citizen):  # noqa: F811
    """The real path of a changed proposal: returned at issuance, resubmitted bigger, the file goes back to
    the plan stage, passes renovation and executive (their dues do not depend on the proposal and are
    paid) and cannot pass the revenue stage on the old (paid) assessment of the permit fees."""
    req = _walk_to_issuance(plot, staff, citizen)
    transitions.request_transition(
        request_id=req.pk, actor=staff[Role.PERMIT_OFFICER], action="return", version=req.version, note="Bigger?"
    )
    req.refresh_from_db()
    req = services.request_update(request_id=req.pk, actor=citizen, version=req.version, floor_area_m2=240.0)
    transitions.request_transition(request_id=req.pk, actor=citizen, action="resubmit", version=req.version, note="ok")
    req.refresh_from_db()
    assert req.stage == "detailed_plan"
    review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    review.map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])
    req = advance(req, staff[Role.PLANNER])
    req = advance(req, staff[Role.VIOLATIONS_OFFICER])
    req = advance(req, staff[Role.RENOVATION_OFFICER], pay_fees=False)
    req = advance(req, staff[Role.EXECUTIVE_UNIT], pay_fees=False)
    assert req.stage == "revenue"
    with pytest.raises(GuardsFailed, match="out of date"):
        advance(req, staff[Role.REVENUE_OFFICER], pay_fees=False)
    assert "out of date" in bills_settled(req)
