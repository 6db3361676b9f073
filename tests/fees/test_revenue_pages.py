"""The fee officers' pages: who may open them, the assessments to review with the button that assesses
and bills (on the file's version), the bills filters, payments, refunds, reconciliation results and the
exemption with its reason and confirmation. Bad input answers 4xx with the reason, never 500."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.roles import STAFF_ROLES, Role
from fees import billing
from fees.models import Assessment, Bill, Payment, Reconciliation, Refund
from gis_app.templatetags.persian import money_text
from permits.models import PermitRequest
from tests.fees.test_billing import assessment_row, fee_data, fined, pay  # noqa: F401 - fixtures
from tests.permits.conftest import citizen, staff, staff_member, submitted  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

LISTS = ["fees:assessments", "fees:bills", "fees:payments", "fees:refunds", "fees:reconciliations"]
REVENUE_ONLY = {"fees:payments", "fees:refunds", "fees:reconciliations"}


def at_stage(req: PermitRequest, code: str) -> PermitRequest:
    """Set up: the file waiting at a fee stage (the walk through stages 1-4 is the workflow tests')."""
    PermitRequest.objects.filter(pk=req.pk).update(stage=code)
    return PermitRequest.objects.get(pk=req.pk)


def signed_in(client, user):
    if user.roles() & STAFF_ROLES:
        staff_member(user)
    client.force_login(user)
    return client


def url(name: str, lang: str = "fa", **kwargs) -> str:
    with translation.override("fa"):  # the Persian path; English adds /en
        path = reverse(name, kwargs=kwargs or None)
    return f"/en{path}" if lang == "en" else path


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("name", LISTS)
def test_the_revenue_officer_opens_every_page_in_both_languages(client, plot, staff, citizen, name, lang):  # noqa: F811
    req = at_stage(submitted(plot, citizen), "revenue")
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 240_000_000), actor=None)
    payment = pay(bill)
    Refund.objects.create(file=req.file, bill=bill, amount_irr=5_000_000, reason="Reassessed lower")
    Reconciliation.objects.create(
        psp="sandbox",
        settlement_date=dt.date(2026, 11, 29),
        file_sha256="0" * 64,
        rows=3,
        matched=1,
        findings=[
            {"kind": "amount_mismatch", "row": 2, "order_id": payment.order_id, "amount_irr": 17_000},
            {"kind": "orphan", "row": 3},
            {"kind": "something_new"},
            "not a finding",
        ],
    )
    response = signed_in(client, staff[Role.REVENUE_OFFICER]).get(url(name, lang))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{lang}"' in html
    if lang == "fa":
        assert "ریال" in html or name == "fees:reconciliations"
    # people never see internal codes or enum values (option values of the filters are no text)
    text = re.sub(r"<[^>]*>", " ", html)
    for code in ("amount_mismatch", "something_new", "permit_fees", "refund_due"):
        assert code not in text
    if lang == "fa":  # and every status and kind in Persian
        assert not re.search(r"(?i)\b(?:paid|unpaid|bank|online|orphan)\b", text)


@pytest.mark.parametrize("role", [Role.RENOVATION_OFFICER, Role.EXECUTIVE_UNIT])
def test_stage_officers_see_their_stage_only(client, plot, staff, citizen, role):  # noqa: F811
    req = at_stage(submitted(plot, citizen), "revenue")
    billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 9_000_000), actor=None)
    signed_in(client, staff[role])
    page = client.get(url("fees:assessments"))
    assert page.status_code == 200 and req.tracking_code not in page.content.decode()
    bills = client.get(url("fees:bills"))
    assert bills.status_code == 200 and 'data-testid="bill-row"' not in bills.content.decode()
    for name in REVENUE_ONLY:
        assert client.get(url(name)).status_code == 403


@pytest.mark.parametrize("role", [Role.PLANNER, Role.SURVEYOR, Role.PERMIT_OFFICER, Role.CITIZEN, Role.AGENCY])
@pytest.mark.parametrize("name", LISTS)
def test_other_roles_are_refused(client, staff, role, name):  # noqa: F811
    signed_in(client, staff[role])
    assert client.get(url(name)).status_code == 403


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_is_sent_to_the_login(client, name):
    response = client.get(url(name))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_assessments_page_shows_the_lines_and_the_button_assesses_and_bills(client, plot, staff, citizen):  # noqa: F811
    req = at_stage(submitted(plot, citizen), "revenue")
    officer = staff[Role.REVENUE_OFFICER]
    signed_in(client, officer)
    page = client.get(url("fees:assessments")).content.decode()
    assert req.tracking_code in page.replace("\u200c", "") or "assessment-row" in page
    response = client.post(url("fees:assess", tracking=req.tracking_code), {"version": req.version})
    assert response.status_code == 302
    a = Assessment.objects.get(request=req, stage="revenue")
    bill = Bill.objects.get(assessment=a)
    assert a.total_irr > 0 and bill.amount_irr == a.total_irr // 1000 * 1000
    page = client.get(url("fees:assessments")).content.decode()
    first = a.record.lines[0]
    with translation.override("fa"):
        assert first.title_fa in page and money_text(first.amount_irr) in page
    en = client.get(url("fees:assessments", "en")).content.decode()
    with translation.override("en"):
        assert first.title_en in en and money_text(first.amount_irr) in en
    # the same again: the current assessment and its bill stand
    client.post(url("fees:assess", tracking=req.tracking_code), {"version": req.version})
    assert Bill.objects.filter(request=req).count() == 1


def test_a_stale_page_is_refused_and_nothing_is_assessed(client, plot, staff, citizen):  # noqa: F811
    req = at_stage(submitted(plot, citizen), "revenue")
    signed_in(client, staff[Role.REVENUE_OFFICER])
    for version in (req.version - 1, req.version + 1, "۹۹"):
        response = client.post(url("fees:assess", tracking=req.tracking_code), {"version": version})
        assert response.status_code == 409 and 'data-testid="fees-error"' in response.content.decode()
    assert not Assessment.objects.exists()


@pytest.mark.hostile("bad form input (fees: assess)")
@pytest.mark.parametrize("version", ["", "abc", "-1", "0", "1.5", "9" * 30, "1e3", "<script>"])
def test_a_bad_version_is_refused_with_the_reason(client, plot, staff, citizen, version):  # noqa: F811
    req = at_stage(submitted(plot, citizen), "revenue")
    signed_in(client, staff[Role.REVENUE_OFFICER])
    response = client.post(url("fees:assess", tracking=req.tracking_code, lang="en"), {"version": version})
    assert response.status_code == 400
    assert "reload" in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_button_is_refused_off_stage_to_other_officers_and_for_unknown_files(client, plot, staff, citizen):  # noqa: F811
    req = at_stage(submitted(plot, citizen), "revenue")
    signed_in(client, staff[Role.RENOVATION_OFFICER])
    assert client.post(url("fees:assess", tracking=req.tracking_code), {"version": req.version}).status_code == 403
    signed_in(client, staff[Role.PLANNER])
    assert client.post(url("fees:assess", tracking=req.tracking_code), {"version": req.version}).status_code == 403
    signed_in(client, staff[Role.REVENUE_OFFICER])
    for tracking in ("BJ-22222-22222-22", "nothing", "%D8%A7"):
        assert client.post(f"/fees/assessments/{tracking}/assess/", {"version": 1}).status_code == 404
    at_stage(req, "secretariat")
    response = client.post(url("fees:assess", tracking=req.tracking_code), {"version": req.version})
    assert response.status_code == 400 and not Assessment.objects.exists()
    assert client.get(url("fees:assess", tracking=req.tracking_code)).status_code == 405


@pytest.mark.hostile("bad query parameter (fees: bill filters)")
@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"kind": "bogus"},
        {"status": "PAID"},
        {"kind": "' OR 1=1 --"},
        {"status": "<script>alert(1)</script>"},
        {"kind": "x" * 5000},
        {"status": "paid", "kind": "nope"},
    ],
)
def test_bad_bill_filters_answer_400_with_the_reason(client, staff, query):  # noqa: F811
    signed_in(client, staff[Role.REVENUE_OFFICER])
    response = client.get(url("fees:bills", "en"), query)
    assert response.status_code == 400
    assert "from the list" in response.content.decode()
    assert "<script>alert" not in response.content.decode()


def test_bill_filters_filter(client, plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    paid = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 7_000_000), actor=None)
    pay(paid)
    unpaid = billing.bill_for_assessment(assessment=assessment_row(req, "renovation", 3_000_000), actor=None)
    signed_in(client, staff[Role.REVENUE_OFFICER])
    for query, shown, hidden in (
        ({"status": "paid"}, paid, unpaid),
        ({"status": "unpaid"}, unpaid, paid),
        ({"kind": "renovation"}, unpaid, paid),
        ({"kind": "permit_fees", "status": "paid"}, paid, unpaid),
    ):
        html = client.get(url("fees:bills", "en"), query).content.decode()
        assert f"/fees/bills/{shown.pk}/" in html
        assert f"/fees/bills/{hidden.pk}/" not in html


@pytest.mark.hostile("bad query parameter (fees: payment filter)")
@pytest.mark.parametrize("status", ["bogus", "PAID", "1", "paid'--"])
def test_bad_payment_filter_answers_400(client, staff, status):  # noqa: F811
    signed_in(client, staff[Role.REVENUE_OFFICER])
    response = client.get(url("fees:payments", "en"), {"status": status})
    assert response.status_code == 400 and "from the list" in response.content.decode()


def test_payments_list_shows_reversals(client, plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 7_000_000), actor=None)
    Payment.objects.create(bill=bill, channel="online", order_id=77, amount_irr=7_000_000, status="reversed")
    signed_in(client, staff[Role.REVENUE_OFFICER])
    html = client.get(url("fees:payments", "en"), {"status": "reversed"}).content.decode()
    assert "Reversed: the money went back to the payer" in html


# --- exemption ---------------------------------------------------------------------------------------------


def test_an_exemption_asks_for_the_reason_then_a_confirmation(client, plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 7_000_000), actor=None)
    signed_in(client, staff[Role.REVENUE_OFFICER])
    target = url("fees:bill_exempt", pk=bill.pk)
    assert client.get(target).status_code == 200
    page = client.post(target, {"reason": "Council resolution 12"})
    assert page.status_code == 200 and 'data-testid="exempt-confirm"' in page.content.decode()
    bill.refresh_from_db()
    assert bill.status == "unpaid"
    done = client.post(target, {"reason": "Council resolution 12", "confirmed": "on"})
    assert done.status_code == 302
    bill.refresh_from_db()
    assert (bill.status, bill.exemption_reason) == ("exempted", "Council resolution 12")
    # once exempted it cannot be exempted again: the reason, not a 500
    again = client.post(url("fees:bill_exempt", "en", pk=bill.pk), {"reason": "again please", "confirmed": "on"})
    assert again.status_code == 400 and "Only an unpaid bill" in again.content.decode()


@pytest.mark.hostile("bad form input (fees: exemption)")
@pytest.mark.parametrize("reason", ["", "   ", "abc", "x" * 2001])
@pytest.mark.parametrize("confirmed", ["", "on"])
def test_an_exemption_without_a_reason_is_refused(client, plot, staff, citizen, reason, confirmed):  # noqa: F811
    req = submitted(plot, citizen)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 7_000_000), actor=None)
    signed_in(client, staff[Role.REVENUE_OFFICER])
    response = client.post(url("fees:bill_exempt", "en", pk=bill.pk), {"reason": reason, "confirmed": confirmed})
    assert response.status_code == 400 and "reason" in response.content.decode()
    bill.refresh_from_db()
    assert bill.status == "unpaid"


@pytest.mark.parametrize(
    ("role", "status"), [(Role.RENOVATION_OFFICER, 404), (Role.MANAGER, 403), (Role.PLANNER, 404), (Role.AGENCY, 404)]
)
def test_only_the_revenue_officer_may_exempt(client, plot, staff, citizen, role, status):  # noqa: F811
    req = submitted(plot, citizen)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 7_000_000), actor=None)
    signed_in(client, staff[role])
    target = url("fees:bill_exempt", pk=bill.pk)
    assert client.get(target).status_code == status
    assert client.post(target, {"reason": "Council resolution 12", "confirmed": "on"}).status_code == status
    bill.refresh_from_db()
    assert bill.status == "unpaid"


def test_the_applicant_may_not_exempt_his_own_bill(client, plot, staff, citizen):  # noqa: F811
    req = submitted(plot, citizen)
    bill = billing.bill_for_assessment(assessment=assessment_row(req, "revenue", 7_000_000), actor=None)
    signed_in(client, citizen)
    target = url("fees:bill_exempt", pk=bill.pk)
    assert client.post(target, {"reason": "I would rather not pay", "confirmed": "on"}).status_code == 403
    bill.refresh_from_db()
    assert bill.status == "unpaid"
