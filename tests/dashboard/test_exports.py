"""CSV and XLSX of every table; text that a spreadsheet would run as a formula stays text."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.roles import Role
from dashboard.exports import Table, cell_safe, table_csv, table_xlsx
from dashboard.models import UnitHead  # noqa: F401 - the app's models are loaded
from tests.dashboard.conftest import V, at, history

ATTACKS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("http://x")']


@pytest.mark.hostile("spreadsheet formula injection")
@pytest.mark.parametrize("text", ATTACKS)
def test_formula_text_is_quoted(text):
    assert cell_safe(text) == "'" + text
    table = Table("t", "t", ("name",), ((text,), (3,), (-4.5,)))
    sheet = openpyxl.load_workbook(io.BytesIO(table_xlsx(table, rtl=True))).active
    assert sheet["A2"].value == "'" + text and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == 3 and sheet["A4"].value == -4.5  # numbers stay numbers
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert rows[1] == ["'" + text]


def test_plain_text_and_numbers_untouched():
    assert cell_safe("منطقه یک") == "منطقه یک"
    assert cell_safe(12) == 12 and cell_safe(None) == ""


@pytest.fixture
def made(plot, people, districts, refreshed):
    officer = people[Role.CLERK]
    officer.first_name, officer.last_name = '=HYPERLINK("http://evil")', ""
    officer.save()
    history(
        plot,
        people[Role.CITIZEN],
        [
            V("secretariat", at(2026, 11, 2), at(2026, 11, 9), "advance", at(2026, 11, 3).date(), officer),
            V("inspection", at(2026, 11, 9)),
        ],
    )
    refreshed()


@pytest.mark.hostile("spreadsheet formula injection")
def test_an_officer_named_like_a_formula(client, people, made):
    client.force_login(people[Role.MANAGER])
    query = "?period=month&year=1405&n=8"
    response = client.get(reverse("dashboard:export", args=["late_by_officer", "xlsx"]) + query)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://evil")'
    assert sheet["C2"].value == 1
    text = client.get(reverse("dashboard:export", args=["late_by_officer", "csv"]) + query).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_every_table_exports(client, people, made):
    client.force_login(people[Role.MANAGER])
    page = client.get(reverse("dashboard:page") + "?period=month&year=1405&n=8").content.decode()
    for name in ("files_now", "stage_times", "decisions", "issued", "late_by_officer", "fees", "violations"):
        assert f'data-testid="export-{name}-xlsx"' in page
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse("dashboard:export", args=[name, fmt]) + "?period=month&year=1405&n=8")
            assert response.status_code == 200, (name, fmt)
    sheet = openpyxl.load_workbook(
        io.BytesIO(
            client.get(
                reverse("dashboard:export", args=["stage_times", "xlsx"]) + "?period=month&year=1405&n=8"
            ).content
        )
    ).active
    assert sheet.sheet_view.rightToLeft
    rows = list(sheet.values)
    assert rows[0][0] == "مرحله" or rows[0][0] == "Stage"
    assert rows[1][1] == 1 and rows[1][4] == 7.0  # the secretariat: one span, 7 days net
