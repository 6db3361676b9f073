"""Issue 16, what is left of "English and Latin digits on Persian pages": a file referred back to an
earlier stage reads right in its history for the applicant and for staff."""

from __future__ import annotations

import re

import pytest

from accounts.roles import Role
from gis_app.text import digits_to_persian
from permits import transitions
from permits.models import PermitRequest
from tests.permits.conftest import at_inspection

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
