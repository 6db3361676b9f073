"""Citizen reports on the dashboard against a hand-made set whose counts and medians are worked out by
hand (Aban 1405 = 2026-10-23 .. 2026-11-21; Mehr 1405 before it): by category, in the period and
district filters, a unit head's unit and district only, the previous period, the refresh JSON, the
exports and the reports behind each figure."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import openpyxl
import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from accounts.roles import Role
from dashboard import presenting, selectors
from dashboard.periods import jalali_month
from dashboard.selectors import ReportList, Scope
from reports.models import Outcome, Report, ReportStatus
from reports.selectors import report_figures
from tests.dashboard.conftest import E0, N0, SRID, at, unit_head

ABAN = jalali_month(1405, 8)
ALL = Scope(None, None, "", False)
D1 = Scope((1,), None, "", False)
TODAY = dt.date(2026, 11, 30)
ABAN_Q = "period=month&year=1405&n=8"
_n = itertools.count(1)


def report(category, received, *, closed=None, due=None, district=1, unit="inspector", status=None):
    """A report received (and closed) at these local times; status and times written as they stand."""
    r = Report.objects.create(
        tracking_code=f"R{next(_n):07d}",
        category=category,
        location=Point(E0, N0, srid=SRID),
        district=district,
        phone="09120000000",
        unit=unit,
        due_on=due,
        status=status or (ReportStatus.CLOSED if closed else ReportStatus.ROUTED),
        closed_at=closed,
        outcome=Outcome.RESOLVED if closed else "",
        close_note="done" if closed else "",
    )
    Report.objects.filter(pk=r.pk).update(received_at=received)  # received_at is set on creation
    r.refresh_from_db()
    return r


@pytest.fixture
def made(db, districts):
    d = dt.date
    return {
        # district 1, construction (the inspectors): 2, 5 and 1 days; one still open
        "r1": report("construction", at(2026, 11, 1), closed=at(2026, 11, 3), due=d(2026, 11, 5)),
        "r2": report("construction", at(2026, 11, 2), closed=at(2026, 11, 7), due=d(2026, 11, 6)),  # late
        "r3": report("construction", at(2026, 11, 4), closed=at(2026, 11, 5), due=d(2026, 11, 9)),
        "r4": report("construction", at(2026, 11, 5), due=d(2026, 11, 12)),
        # district 2, construction: 10 days, late
        "r5": report("construction", at(2026, 11, 3), closed=at(2026, 11, 13), due=d(2026, 11, 10), district=2),
        # district 1, debris (the executive unit): closed at 01:00 Tehran on the 10th (the 9th in UTC)
        # with the 9th as its due date: late by the city's calendar
        "r6": report(
            "debris",
            at(2026, 11, 8, 1),
            closed=at(2026, 11, 10, 1),
            due=d(2026, 11, 9),
            unit="executive_unit",
        ),
        # reopened by the reporter: received, not closed
        "r7": report(
            "debris", at(2026, 11, 9), due=d(2026, 11, 12), unit="executive_unit", status=ReportStatus.REOPENED
        ),
        # Mehr (the period before): 4 days
        "r8": report("construction", at(2026, 10, 10), closed=at(2026, 10, 14), due=d(2026, 10, 15)),
        # Azar (after): not counted
        "r9": report("construction", at(2026, 11, 25), closed=at(2026, 11, 26), due=d(2026, 11, 30)),
    }


def _link(r: Report) -> str:
    """A report's row links to its page (the code is shown in Persian digits)."""
    return 'href="' + reverse("reports:detail", args=[r.pk]) + '"'


def _by(scope, period=ABAN):
    return {c.category: c for c in selectors.report_categories(scope=scope, period=period)}


def test_by_category_in_the_whole_city(made):
    c = _by(ALL)
    con, deb = c["construction"], c["debris"]
    assert (con.received, con.closed, con.closed_in_time) == (5, 4, 2)
    assert con.median_days_to_close == 3.5  # 1, 2, 5, 10 -> (2 + 5) / 2
    assert (deb.received, deb.closed, deb.closed_in_time) == (2, 1, 0)
    assert deb.median_days_to_close == 2.0
    assert c["dangerous"].received == 0 and c["dangerous"].median_days_to_close is None
    assert [f.category for f in selectors.report_categories(scope=ALL, period=ABAN)][:2] == ["construction", "debris"]


def test_the_same_figures_as_the_reports_app(made):
    start, end = selectors._bounds(ABAN)
    assert report_figures(start=start, end=end) == selectors.report_categories(scope=ALL, period=ABAN)
    assert report_figures(start=start, end=end, district=2) == selectors.report_categories(
        scope=Scope((2,), None, "", False), period=ABAN
    )


def test_one_district_and_one_unit(made):
    con = _by(D1)["construction"]
    assert (con.received, con.closed, con.closed_in_time, con.median_days_to_close) == (4, 3, 2, 2.0)
    inspectors = _by(Scope((1,), None, "inspector", True))
    assert inspectors["construction"].received == 4
    assert inspectors["debris"].received == 0  # the executive unit's
    assert _by(Scope(None, None, "executive_unit", False))["debris"].received == 2


def test_the_period_before(made):
    before = _by(ALL, jalali_month(1405, 7))["construction"]
    assert (before.received, before.closed, before.median_days_to_close) == (1, 1, 4.0)
    texts = presenting.figures(scope=ALL, period=ABAN, today=TODAY).texts()
    assert texts["reports.construction.median"] == "۳٫۵ روز"
    assert texts["reports.construction.median.before"] == "۴ روز"
    assert texts["reports.construction.received"] == "۵" and texts["reports.construction.received.before"] == "۱"


def test_the_reports_behind_a_figure(made):
    total, rows = selectors.reports_behind(scope=ALL, period=ABAN, category="construction", state=ReportList.CLOSED)
    assert total == 4
    assert [r.tracking_code for r in rows] == [made[k].tracking_code for k in ("r5", "r2", "r1", "r3")]
    assert rows[0].days_to_close == 10.0
    total, rows = selectors.reports_behind(scope=D1, period=ABAN, category="construction", state=ReportList.IN_TIME)
    assert total == 2 and {r.tracking_code for r in rows} == {made["r1"].tracking_code, made["r3"].tracking_code}
    total, rows = selectors.reports_behind(scope=ALL, period=ABAN)
    assert total == 7 and rows[-1].days_to_close is None  # the open ones last
    total, _ = selectors.reports_behind(scope=ALL, period=ABAN, category="debris", state=ReportList.IN_TIME)
    assert total == 0


def test_every_figure_links_to_its_reports(client, people, made):
    client.force_login(people[Role.MANAGER])
    figures = presenting.figures(scope=ALL, period=ABAN, today=TODAY)
    table = figures.table("reports")
    assert all(c.href for row in table.rows for c in row[1:])
    received = table.rows[0][1]
    assert received.key == "reports.construction.received" and "state=received" in received.href
    page = client.get(received.href).content.decode()
    assert page.count('data-testid="dashboard-report-row"') == 5
    assert _link(made["r5"]) in page and _link(made["r6"]) not in page
    dashboard = client.get(reverse("dashboard:page") + "?" + ABAN_Q).content.decode()
    assert 'data-testid="table-reports"' in dashboard and 'data-figure="reports.debris.in_time"' in dashboard


def test_the_refresh_json_has_the_reports(client, people, made):
    client.force_login(people[Role.MANAGER])
    figures = client.get(reverse("dashboard:figures") + "?" + ABAN_Q + "&district=1").json()["figures"]
    assert figures["reports.construction.received"] == "۴"
    assert figures["reports.construction.in_time"] == "۲"
    assert figures["reports.construction.median"] == "۲ روز"


@pytest.mark.access_matrix
def test_a_unit_head_sees_his_unit_and_district_only(client, people, made):
    client.force_login(unit_head(people[Role.INSPECTOR], unit="inspector", district=1))
    figures = client.get(reverse("dashboard:figures") + "?" + ABAN_Q).json()["figures"]
    assert figures["reports.construction.received"] == "۴" and figures["reports.debris.received"] == "۰"
    page = client.get(reverse("dashboard:reports") + "?" + ABAN_Q).content.decode()
    assert _link(made["r1"]) in page
    assert _link(made["r5"]) not in page and _link(made["r6"]) not in page
    assert client.get(reverse("dashboard:reports") + "?" + ABAN_Q + "&district=2").status_code == 403
    assert client.get(reverse("dashboard:reports") + "?unit=executive_unit").status_code in (400, 403)


@pytest.mark.access_matrix
@pytest.mark.parametrize("role", [Role.CITIZEN, Role.AGENCY, Role.CLERK, Role.INSPECTOR])
def test_the_reports_list_is_not_for_others(client, people, made, role):
    client.force_login(people[role])
    assert client.get(reverse("dashboard:reports") + "?" + ABAN_Q).status_code == 403


@pytest.mark.access_matrix
def test_the_reports_list_needs_a_sign_in(client, made):
    response = client.get(reverse("dashboard:reports"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_reports_table_exports(client, people, made):
    client.force_login(people[Role.MANAGER])
    url = reverse("dashboard:export", args=["reports", "xlsx"]) + "?" + ABAN_Q
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
    rows = list(sheet.values)
    assert len(rows) == 1 + 6  # the header and one row a category
    assert rows[1][1:5] == (5, 4, 2, 3.5) and rows[1][5:] == (1, 4.0)
    text = client.get(reverse("dashboard:export", args=["reports", "csv"]) + "?" + ABAN_Q).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[2][1:5] == ["2", "1", "0", "2.0"]
