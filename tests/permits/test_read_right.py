"""Issue 16, what is left of "English and Latin digits on Persian pages": a file referred back to an
earlier stage reads right in its history for the applicant and for staff, and the plan check's
explanations name land uses as the catalogue does, in the page's language."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from accounts.roles import Role
from gis_app.text import digits_to_persian
from permits import review, transitions
from permits.models import PermitRequest
from tests.permits.conftest import at_inspection, inspect_and_survey, tick_all

pytestmark = pytest.mark.django_db

LATIN_DIGIT = re.compile(r"[0-9]")
TAG = re.compile(r"<[^>]+>")


def _history(html: str) -> str:
    """The HTML of the file's history list."""
    start = html.index('data-testid="audit"')
    return html[start : html.index("</ol>", start)].split(">", 1)[1]


def _referred(plot, citizen, staff) -> PermitRequest:
    """A file the inspector referred back to the secretariat, the note (with a number and the file's
    code in it, as officers write them) shown to the applicant."""
    req = at_inspection(plot, citizen, staff)
    note = f"سند صفحه 2 خوانا نیست؛ پرونده {req.file.code} را دوباره ببینید"
    transitions.request_transition(
        request_id=req.pk,
        actor=staff[Role.INSPECTOR],
        action="refer",
        version=req.version,
        to_stage="secretariat",
        note=note,
        note_to_applicant=True,
    )
    return PermitRequest.objects.get(pk=req.pk)


@pytest.mark.parametrize("viewer", ["applicant", "clerk"])
def test_a_referred_file_names_its_stages_and_writes_persian_digits_in_its_history(
    client, plot, citizen, staff, viewer
):
    req = _referred(plot, citizen, staff)
    assert (req.stage, req.status) == ("secretariat", "in_review")
    client.force_login(citizen if viewer == "applicant" else staff[Role.CLERK])

    html = _history(client.get(f"/files/{req.tracking_code}/").content.decode())
    history = TAG.sub("", html)
    assert "به مرحله پیشین ارجاع شد (بازدید و نقشه‌برداری ← دبیرخانه: مدارک" in history, history
    assert "صفحه ۲ خوانا" in history, history
    assert not LATIN_DIGIT.search(history), history
    # the file code in the note is isolated left to right, as the page shows codes
    assert '<bdi dir="ltr" class="code">' + digits_to_persian(req.file.code) + "</bdi>" in html, html
    assert "secretariat" not in history and "inspection" not in history

    html = _history(client.get(f"/en/files/{req.tracking_code}/").content.decode())
    history = TAG.sub("", html)
    assert "referred to an earlier stage (Inspection and survey → Secretariat: documents and file)" in history
    assert "secretariat" not in history and "inspection" not in history
    assert f'<bdi dir="ltr" class="code">{req.file.code}</bdi>' in html, html


# --- plan-check explanations name land uses as the catalogue does ----------------------------------------


@pytest.fixture
def checked(plot, citizen, staff) -> PermitRequest:
    """A file at the detailed-plan stage with its plan check run."""
    req = at_inspection(plot, citizen, staff)
    inspect_and_survey(plot, staff, req)
    tick_all(req, staff[Role.INSPECTOR])
    req.refresh_from_db()
    transitions.request_transition(
        request_id=req.pk, actor=staff[Role.INSPECTOR], action="advance", version=req.version
    )
    review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    return PermitRequest.objects.get(pk=req.pk)


def _plan_table(html: str) -> str:
    plan = html[html.index('data-testid="plan-check"') :]
    return plan[: plan.index("</table>")]


def _land_use_row(html: str) -> str:
    rows = _plan_table(html).split("<tr")
    row = next(r for r in rows if ("Land use" in r or "کاربری" in r) and "<td" in r)
    return TAG.sub("", "<tr" + row)


def test_the_land_use_explanation_names_uses_from_the_catalogue_in_the_pages_language(client, checked, staff):
    client.force_login(staff[Role.PLANNER])
    with translation.override("en"):
        residential_en = translation.gettext("Residential")
    with translation.override("fa"):
        residential_fa = translation.gettext("Residential")
    assert residential_en == "Residential" and residential_fa != residential_en

    row = _land_use_row(client.get(f"/en/files/{checked.tracking_code}/").content.decode())
    assert f"({residential_en})" in row, row
    assert "residential" not in row and not re.search(r"[\u0600-\u06ff]", row), row
    assert "land_use" not in row and "passed" not in row and "passes" in row, row

    html = client.get(f"/files/{checked.tracking_code}/").content.decode()
    row = _land_use_row(html)
    assert f"({residential_fa})" in row, row
    assert not re.search(r"[a-z]{3,}", row), row  # no use's code (the zone's plan code is upper case)
    # the whole table: rule names and results in words, figures in Persian digits, codes isolated
    body = _plan_table(html).split("</thead>", 1)[1]
    table = TAG.sub("", re.sub(r'<bdi dir="ltr" class="code">.*?</bdi>', "", body))
    assert not re.search(r"[A-Za-z0-9]", table), table


def test_the_map_orders_use_lines_name_the_use_and_isolate_the_zone(client, checked, staff, citizen):
    """The order's requested-use line was scrambled by an English word (the use's code) in Persian."""
    review.map_order_issue(request_id=checked.pk, actor=staff[Role.PLANNER])
    client.force_login(citizen)
    for prefix, lang in (("", "fa"), ("/en", "en")):
        with translation.override(lang):
            residential = translation.gettext("Residential")
        html = client.get(f"{prefix}/files/{checked.tracking_code}/order/").content.decode()
        for label in ("Land use and zone", "Requested"):
            with translation.override(lang):
                shown = translation.gettext(label)
            line = html.split(f"<dt>{shown}</dt><dd>", 1)[1].split("</dd>", 1)[0]
            assert line.startswith(residential), line
            outside_codes = TAG.sub("", re.sub(r"<bdi[^>]*>.*?</bdi>", "", line))
            assert "residential" not in outside_codes, line
            if lang == "fa":
                assert not re.search(r"[A-Za-z0-9]", outside_codes), line
        zone = "R121" if lang == "en" else digits_to_persian("R121")
        assert f'<bdi dir="ltr" class="code">{zone}</bdi>' in html
