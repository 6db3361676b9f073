"""The monthly summary (issue 21, item 3) through the documents engine: the figures of a hand-made Aban
1405 (2026-10-23 .. 2026-11-21) beside Mehr, the signed PDF (MS serial, PAdES against the demo CA, the QR
that decodes and verifies) in Persian and its English copy, who may get it, the bad months and districts,
and the periodic job for the month just ended."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from dashboard import monthly
from dashboard.models import MonthlySummary
from dashboard.periods import PeriodError, jalali_month
from dashboard.services import monthly_summaries_due, monthly_summary_request
from documents.models import DocumentCopy, DocumentStatus, IssuedDocument, RenderState
from documents.pades import validate_pdf
from tests.conftest import Client, run_jobs_here, wait_for
from tests.dashboard.conftest import V, at, history, unit_head
from tests.documents.conftest import pdf_png, pdf_text, qr_payloads, screenshots_dir
from tests.documents.issuing import document_keys  # noqa: F401 - the fixture

TODAY = dt.date(2026, 11, 30)  # 1405/09/09


@pytest.fixture
def aban(plot, people, districts, refreshed):
    """Aban: a fencing permit issued in district 1 (10 days, no wait) and a request rejected in district 2
    (6 days gross, 2 net); Mehr: one building permit issued in district 1. One file still in review."""
    citizen = people[Role.CITIZEN]
    history(
        plot,
        citizen,
        [
            V("secretariat", at(2026, 11, 2), at(2026, 11, 3), "advance"),
            V("inspection", at(2026, 11, 3), at(2026, 11, 8), "advance"),
            V("issuance", at(2026, 11, 8), at(2026, 11, 12), "approve"),
        ],
        kind="fencing",
        status="issued",
        closed_at=at(2026, 11, 12),
    )
    history(
        plot,
        citizen,
        [
            V("secretariat", at(2026, 11, 1), at(2026, 11, 2), "return"),
            V("secretariat", at(2026, 11, 6), at(2026, 11, 7), "reject"),
        ],
        district=2,
        status="rejected",
        closed_at=at(2026, 11, 7),
    )
    history(
        plot,
        citizen,
        [
            V("secretariat", at(2026, 10, 1), at(2026, 10, 2), "advance"),
            V("issuance", at(2026, 10, 2), at(2026, 10, 5), "approve"),
        ],
        status="issued",
        closed_at=at(2026, 10, 5),
    )
    history(plot, citizen, [V("inspection", at(2026, 11, 20), due_on=dt.date(2026, 11, 22))])
    refreshed()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _make(client, **data) -> MonthlySummary:
    response = client.post(reverse("dashboard:monthly"), {"month": "1405/08", **data})
    assert response.status_code == 302, response.content.decode()[:500]
    summary = MonthlySummary.objects.latest("pk")
    assert summary.document is None  # nothing made in the request: a job does it
    run_jobs_here()
    summary.refresh_from_db()
    assert summary.document is not None and summary.document.render_state == RenderState.READY
    return summary


def test_the_figures_of_the_month_beside_the_month_before(aban, document_keys):  # noqa: F811

    figures = monthly.summary_figures(
        scope=monthly.summary_scope(district=None, unit=""), period=jalali_month(1405, 8), today=TODAY
    )
    now, before = figures["decisions"]["now"], figures["decisions"]["before"]
    assert (now["decided"], now["issued"], now["rejected"]) == (2, 1, 1)
    assert (before["decided"], before["issued"]) == (1, 1)
    assert now["gross_median_days"] == 8.0 and now["net_median_days"] == 6.0
    assert now["within_legal_share"] == 0.5 and now["within_council_share"] == 1.0
    assert figures["issued"]["now"]["fencing"] == 1 and figures["issued"]["before"]["building_new"] == 1
    stages = {s["stage"]: s for s in figures["stages_now"]}
    assert stages["inspection"]["in_review"] == 1 and stages["inspection"]["overdue"] == 1
    by_district = {d["number"]: d for d in figures["districts"]}
    assert by_district[1]["issued"] == 1 and by_district[2]["issued"] == 0 and by_district[1]["wkt"]
    assert monthly.headline(figures) == {"decided": 2, "issued": 1, "collected_irr": 0, "violations": 0, "reports": 0}
    # district 2 only: the rejected request
    only_2 = monthly.summary_figures(
        scope=monthly.summary_scope(district=2, unit=""), period=jalali_month(1405, 8), today=TODAY
    )
    assert (only_2["decisions"]["now"]["decided"], only_2["decisions"]["now"]["rejected"]) == (1, 1)


def test_a_manager_gets_the_signed_summary_in_persian_and_in_english(aban, people, document_keys, tmp_path):  # noqa: F811
    manager = people[Role.MANAGER]
    client = _signed_in(manager)
    summary = _make(client)
    document = summary.document
    assert document.serial == "MS-1405-000001" and document.subject_ref == f"MS{summary.pk}"
    assert document.key_fields["period"] == "1405-08"
    assert (document.key_fields["decided"], document.key_fields["issued"]) == (2, 1)
    page = client.get(reverse("dashboard:monthly")).content.decode()
    main = page[page.index("<main") :]
    assert reverse("dashboard:monthly_pdf", args=[summary.pk]) in page, main[:3000]

    response = client.get(reverse("dashboard:monthly_pdf", args=[summary.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    pdf = response.content
    assert validate_pdf(pdf).intact and validate_pdf(pdf).trusted
    text = pdf_text(pdf, tmp_path)
    assert "MS-1405-000001" in text and "آبان" in text and "1405" in text
    assert "شهرسازی و صدور پروانه" in text and "منطقه یک" in text and "کل شهر" in text
    png = pdf_png(pdf, screenshots_dir() / "monthly_summary_fa.png")
    (url,) = qr_payloads(png)
    assert url == document.qr_payload
    parts = urlsplit(url)
    verify = Client().get(parts.path + "?" + parts.query)
    assert verify.status_code == 200 and 'data-outcome="valid"' in verify.content.decode()

    # the English copy: requested by the same reader, made by a job, its own signature and QR
    response = client.post(reverse("dashboard:monthly_copy", args=[summary.pk]))
    assert response.status_code == 302
    copy_url = reverse("dashboard:monthly_copy_pdf", args=[summary.pk])
    assert response["Location"] == copy_url
    assert client.get(copy_url).status_code == 409  # being prepared
    run_jobs_here()
    response = client.get(copy_url)
    assert response.status_code == 200
    english = response.content
    assert validate_pdf(english).intact and validate_pdf(english).trusted
    text = pdf_text(english, tmp_path)
    assert "MS-1405-000001-EN" in text and "Monthly summary" in text and "Aban 1405" in text
    assert "Requests decided" in text and "Copy in English" in text
    png = pdf_png(english, screenshots_dir() / "monthly_summary_en.png")
    (url,) = qr_payloads(png)
    copy = DocumentCopy.objects.get(document=document, lang="en")
    assert url == copy.qr_payload and "c=en" in url and "/en/documents/verify/MS-1405-000001" in url
    parts = urlsplit(url)
    body = Client().get(parts.path + "?" + parts.query).content.decode()
    assert 'data-outcome="valid"' in body and 'data-testid="verify-copy"' in body and "Requests decided" in body


@pytest.mark.access_matrix
@pytest.mark.hostile("access")
def test_who_may_get_a_summary(aban, people, document_keys):  # noqa: F811
    manager = people[Role.MANAGER]
    city = _make(_signed_in(manager))
    district_1 = _make(_signed_in(manager), district="1", unit="inspector")
    own_head = unit_head(people[Role.INSPECTOR], unit="inspector", district=1)
    other_head = unit_head(people[Role.PLANNER], unit="inspector", district=2)
    for name in ("dashboard:monthly_pdf", "dashboard:monthly_copy_pdf"):
        if name == "dashboard:monthly_copy_pdf":
            _signed_in(manager).post(reverse("dashboard:monthly_copy", args=[district_1.pk]))
            _signed_in(manager).post(reverse("dashboard:monthly_copy", args=[city.pk]))
            run_jobs_here()
        own = reverse(name, args=[district_1.pk])
        assert _signed_in(own_head).get(own).status_code == 200
        assert _signed_in(own_head).get(reverse(name, args=[city.pk])).status_code == 403  # beyond his scope
        assert _signed_in(other_head).get(own).status_code == 403  # another district's head
        assert _signed_in(people[Role.CITIZEN]).get(own).status_code == 404
        assert _signed_in(people[Role.AGENCY]).get(own).status_code == 403
        assert _signed_in(people[Role.CLERK]).get(own).status_code == 403
        assert Client().get(own).status_code == 302  # to sign in
    # the documents' own download keeps to the same readers (a unit head of another district gets nothing)
    serial = district_1.document.serial
    assert _signed_in(own_head).get(reverse("documents:download", args=[serial])).status_code == 200
    assert _signed_in(other_head).get(reverse("documents:download", args=[serial])).status_code == 404
    assert _signed_in(people[Role.CLERK]).get(reverse("documents:download", args=[serial])).status_code == 404
    assert _signed_in(other_head).post(reverse("documents:copy", args=[serial, "en"])).status_code == 404
    # a unit head asks only for his own unit and district
    head = _signed_in(own_head)
    assert head.post(reverse("dashboard:monthly"), {"month": "1405/08", "district": "2"}).status_code == 403
    assert head.post(reverse("dashboard:monthly"), {"month": "1405/08", "unit": "planner"}).status_code == 403
    assert head.post(reverse("dashboard:monthly"), {"month": "1405/08"}).status_code == 302
    mine = MonthlySummary.objects.latest("pk")
    assert (mine.district, mine.unit) == (1, "inspector")
    # the list shows a head only his scope's summaries
    page = head.get(reverse("dashboard:monthly")).content.decode()
    assert f'data-pk="{district_1.pk}"' in page and f'data-pk="{city.pk}"' not in page
    assert _signed_in(people[Role.CITIZEN]).get(reverse("dashboard:monthly")).status_code == 404
    assert _signed_in(people[Role.AGENCY]).post(reverse("dashboard:monthly"), {"month": "1405/08"}).status_code == 403
    assert _signed_in(manager).get(reverse("dashboard:monthly_pdf", args=[999999])).status_code == 404


BAD_MONTHS = [
    ("1405/13", "1 to 12"),
    ("1405/00", "1 to 12"),
    ("1405/0", "1 to 12"),
    ("14O5/08", "year/month"),
    ("1405/08/01", "year/month"),
    ("1405", "year/month"),
    ("", "year/month"),
    ("abc", "year/month"),
    ("1405/08'--", "year/month"),
    ("1405/-8", "year/month"),
    ("99999/01", "year/month"),
    ("1405/08\x00", "not allowed"),
    ("1389/12", "outside the years"),
    ("1405/09", "not over yet"),  # this month
    ("1406/01", "not over yet"),  # a future month
    ("1499/12", "not over yet"),
]


@pytest.mark.hostile("bad_input")
@pytest.mark.parametrize(("raw", "message"), BAD_MONTHS)
def test_a_month_that_names_no_ended_month_is_refused_with_a_message(raw, message):
    with translation.override("en"), pytest.raises(PeriodError) as caught:
        monthly.month_parse(raw, today=TODAY)
    assert message in str(caught.value)


def test_a_month_in_persian_digits_or_with_a_dash_is_read():
    assert monthly.month_parse("۱۴۰۵/۰۸", today=TODAY) == (1405, 8)
    assert monthly.month_parse("1405-8", today=TODAY) == (1405, 8)
    assert monthly.month_parse(" 1404/12 ", today=TODAY) == (1404, 12)
    assert monthly.month_just_ended(TODAY) == (1405, 8)
    assert monthly.month_just_ended(dt.date(2026, 3, 25)) == (1404, 12)  # 1405/01/05


@pytest.mark.hostile("bad_input")
def test_bad_months_and_districts_on_the_page_answer_400_and_nothing_is_asked(people, districts, document_keys):  # noqa: F811
    client = _signed_in(people[Role.MANAGER])
    url = reverse("dashboard:monthly")
    for data in (
        {"month": "1405/13"},
        {"month": "1405/9"},
        {"month": "۱۴۰۵/۱۵"},
        {"month": "<script>alert(1)</script>"},
        {"month": "1405/08", "district": "abc"},
        {"month": "1405/08", "district": "-1"},
        {"month": "1405/08", "district": "0"},
        {"month": "1405/08", "district": "1000"},
        {"month": "1405/08", "district": "1 OR 1=1"},
        {"month": "1405/08", "district": "1\x00"},
        {"month": "1405/08", "unit": "nobody"},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        body = response.content.decode()
        assert "<script>alert" not in body
        # a NUL byte is refused before the view by the site's own guard (issue 17), with its page
        assert 'data-testid="summary-error"' in body or "\x00" in "".join(data.values()), data
    assert client.put(url).status_code == 405
    assert not MonthlySummary.objects.exists()


def test_the_periodic_job_makes_the_month_just_ended_once(aban, document_keys):  # noqa: F811
    made = monthly_summaries_due(today=TODAY)
    assert sorted((s.year, s.month, s.district or 0) for s in made) == [(1405, 8, 0), (1405, 8, 1), (1405, 8, 2)]
    assert monthly_summaries_due(today=TODAY) == []  # a rerun adds none
    run_jobs_here()
    serials = sorted(IssuedDocument.objects.filter(kind="monthly_summary").values_list("serial", flat=True))
    assert serials == ["MS-1405-000001", "MS-1405-000002", "MS-1405-000003"]
    assert not IssuedDocument.objects.filter(kind="monthly_summary").exclude(render_state=RenderState.READY).exists()
    # the same month and scope made again supersedes the older summary's document
    again = monthly_summary_request(actor=None, year=1405, month=8, district=None, unit="")
    run_jobs_here()
    again.refresh_from_db()
    city = MonthlySummary.objects.filter(district=None).order_by("pk").first()
    city.document.refresh_from_db()
    assert city.document.status == DocumentStatus.SUPERSEDED and again.document.supersedes_id == city.document_id


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_the_summary_and_its_pdf(job_worker, plot, people, districts):
    """The request only records and enqueues; the worker reads the figures, issues the document and its
    signing job makes the PDF (the worker signs with its own demo key and certificate)."""
    history(
        plot,
        people[Role.CITIZEN],
        [
            V("secretariat", at(2026, 11, 2), at(2026, 11, 3), "advance"),
            V("issuance", at(2026, 11, 3), at(2026, 11, 5), "approve"),
        ],
        status="issued",
        closed_at=at(2026, 11, 5),
    )
    client = _signed_in(people[Role.MANAGER])
    assert client.post(reverse("dashboard:monthly"), {"month": "1405/08", "district": "1"}).status_code == 302
    summary = MonthlySummary.objects.get()

    def made():
        summary.refresh_from_db()
        return (
            summary.document_id
            and IssuedDocument.objects.filter(pk=summary.document_id, render_state=RenderState.READY).exists()
        )

    wait_for(made, timeout=90, what="the summary and its PDF")
    assert summary.document.key_fields["issued"] == 1 and summary.document.key_fields["district"] == 1
    response = client.get(reverse("dashboard:monthly_pdf", args=[summary.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
