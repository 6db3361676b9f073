"""The file page's database work is bounded (N+1 guard): a file with more bills, issued documents,
scans, comments, audit rows and stage visits costs the same number of queries as a smaller one, for
the applicant and for the officers, and no more than the budget measured when the page was tuned."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from documents.services import payment_slip_issue
from fees.billing import bill_create
from fees.payments import payment_record_bank
from permits import services
from permits.models import PermitRequest
from permits.workflow import stage
from tests.documents.issuing import document_keys, signed_in, to_issuance  # noqa: F401 - the fixture
from tests.permits.conftest import citizen, scan, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

# Queries of one file page at the issuance stage (session, user, roles and second factor included).
# A change that adds a query per page must say so here; one that adds a query per row fails below.
# the English copies of the documents add one prefetch (fixed, whatever the file holds)
BUDGET = {"applicant": 23, "permit officer": 47, "revenue officer": 27}


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _grow(req: PermitRequest, staff, citizen) -> None:  # noqa: F811 - the fixture's user
    """More of every row the page lists: paid bills with their payment slips (issued documents), scans,
    comments to the applicant and internal ones, checklist ticks (audit rows)."""
    clerk, officer = staff[Role.CLERK], staff[Role.PERMIT_OFFICER]
    for amount in (1_000_000, 2_000_000, 3_000_000):
        bill = bill_create(file=req.file, kind="permit_fees", amount_irr=amount, request=req, actor=officer)
        payment_slip_issue(bill=bill, actor=citizen)
        # paid, as the walk's own bills are (an unpaid one would stop the officer: another guard's branch)
        payment_record_bank(
            bill_id=bill.bill_id,
            payment_id=bill.payment_id,
            amount_irr=amount,
            reference=f"G{bill.pk:09d}",
            paid_at=timezone.now(),
        )
        payment_slip_issue(bill=bill, actor=citizen)  # the paid slip supersedes the first
    for name in ("drawings.pdf", "other.pdf"):
        services.document_add(request_id=req.pk, actor=clerk, kind=name.removesuffix(".pdf"), upload=scan(name))
    for i in range(3):
        services.comment_add(request_id=req.pk, actor=officer, body=f"To the applicant {'xyz'[i]}", to_applicant=True)
        services.comment_add(request_id=req.pk, actor=officer, body=f"Internal {'xyz'[i]}", to_applicant=False)
        services.comment_add(request_id=req.pk, actor=citizen, body=f"From the applicant {'xyz'[i]}", to_applicant=True)
    for done in (True, False, True, False, True):
        services.task_set(request_id=req.pk, actor=officer, task=stage(req.stage).tasks[0].code, done=done)


def test_the_file_page_does_not_grow_with_the_file(plot, staff, citizen):  # noqa: F811
    req = to_issuance(plot, staff, citizen)  # eight stages walked: visits, audit rows, three fee bills, a check
    url = reverse("permits:file", args=[req.tracking_code])
    viewers = {
        "applicant": signed_in(citizen),
        "permit officer": signed_in(staff[Role.PERMIT_OFFICER]),
        "revenue officer": signed_in(staff[Role.REVENUE_OFFICER]),
    }
    before = {who: _queries(client, url) for who, client in viewers.items()}
    _grow(req, staff, citizen)
    after = {who: _queries(client, url) for who, client in viewers.items()}
    page = viewers["applicant"].get(url).content.decode()
    assert "From the applicant z" in page and "Internal z" not in page  # the rows are there
    for who in viewers:
        assert len(after[who]) == len(before[who]), (who, after[who][len(before[who]) :])
        assert len(after[who]) <= BUDGET[who], (who, len(after[who]))
