"""Codes typed exactly as the site shows them are found, through every channel: the public tracking
page and the staff inbox (query parameters), the API (a path argument), login, the clerk's pending
search, and the wizard's number fields (a form)."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from gis_app.text import digits_to_persian
from permits.forms import RequestForm, VerdictForm
from permits.selectors import tracking_code_typed
from tests.permits.conftest import PASSWORD, draft

pytestmark = pytest.mark.django_db

LRI, PDI, LRM, RLM = "\u2066", "\u2069", "\u200e", "\u200f"


def _as_shown(code: str) -> list[str]:
    """How a person may type or paste a code the page shows in Persian digits inside <bdi dir=ltr>."""
    fa = digits_to_persian(code)
    return [
        fa,  # typed from the page
        f"{LRI}{fa}{PDI}",  # copied with the isolate marks
        f"{RLM}{fa}{LRM} ",  # copied with direction marks and a blank
        fa.lower(),  # typed in lower case
        fa.replace("-", "–"),  # an en dash from a word processor
        fa.replace("-", " "),  # read aloud in groups
        "".join(c.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩")) for c in fa),  # Arabic-Indic
    ]


def test_tracking_code_typed_every_way_is_the_stored_one():
    for typed in _as_shown("BJ-7QK2M-XR94T-H3"):
        assert tracking_code_typed(typed) == "BJ-7QK2M-XR94T-H3", typed
    assert tracking_code_typed("BJ7QK2MXR94TH3") == "BJ-7QK2M-XR94T-H3"


def test_the_public_tracking_page_finds_the_code_as_shown(client, plot, citizen):
    req = draft(plot, citizen)
    for typed in _as_shown(req.tracking_code):
        page = client.get("/en/files/track/", {"code": typed})
        assert page.status_code == 200, typed
        assert page.context["found"] == req


def test_the_inbox_search_finds_tracking_and_file_codes_as_shown(client, plot, citizen, staff):
    req = draft(plot, citizen)
    client.force_login(staff[Role.CLERK])
    for typed in [*_as_shown(req.tracking_code), *_as_shown(req.file.code)[:4]]:
        page = client.get("/en/files/inbox/", {"q": typed})
        assert page.status_code == 200
        assert [f.pk for f in page.context["found"]] == [req.pk], typed


def test_the_api_and_the_file_page_take_the_code_as_shown(client, plot, citizen):
    req = draft(plot, citizen)
    client.force_login(citizen)
    for typed in [digits_to_persian(req.tracking_code), req.tracking_code.lower(), f"{LRM}{req.tracking_code}"]:
        answer = client.get(f"/api/files/{typed}")
        assert answer.status_code == 200, typed
        assert answer.json()["tracking_code"] == req.tracking_code
        assert client.get(f"/en/files/{typed}/").status_code == 200, typed


@pytest.mark.parametrize(
    "typed",
    ["۰۴۹۹۳۷۰۸۹۹", f"{LRI}۰۴۹۹۳۷۰۸۹۹{PDI}", f"{RLM}0499370899", "٠٤٩٩٣٧٠٨٩٩ ", "０４９９３７０８９９"],
    ids=["persian", "isolated", "rlm", "arabic-indic", "full-width"],
)
def test_login_with_the_national_id_as_typed(client, citizen, typed):
    citizen.username = "0499370899"
    citizen.set_password(PASSWORD)
    citizen.save()
    response = client.post("/en/accounts/login/", {"username": typed, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]


def test_the_pending_search_takes_persian_digits_and_marks(client, staff):
    from accounts.models import User

    waiting = User.objects.create_user(username="0012345679", national_id="0012345679", is_active=False)
    waiting.groups.add(*staff[Role.CITIZEN].groups.all())
    client.force_login(staff[Role.CLERK])
    for typed in ["۰۰۱۲۳", f"{LRI}۰۰۱۲۳{PDI}", "٠٠١٢٣", "۰۰۱-۲۳"]:
        page = client.get("/en/accounts/pending/", {"q": typed})
        assert [u.pk for u in page.context["waiting"]] == [waiting.pk], typed


@pytest.mark.parametrize(
    ("floors", "area", "footprint"),
    [
        ("۳", "۴۰۰٫۵", "۱۳۰٫۲۵"),  # Persian digits and the Persian decimal separator
        ("٣", "٤٠٠٫٥", "١٣٠٫٢٥"),  # Arabic-Indic digits
        (f"{RLM}3", "۴۰۰.۵", "130.25"),  # a mark and a Latin point
        ("3", "۴۰۰٫۵۰", " 130.25 "),
    ],
)
def test_the_wizard_takes_numbers_as_a_persian_keyboard_types_them(floors, area, footprint):
    typed = {"floors": floors, "floor_area_m2": area, "footprint_m2": footprint}
    form = RequestForm({"kind": "building_new", "use": "residential", **typed})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["floors"], form.cleaned_data["floor_area_m2"], form.cleaned_data["footprint_m2"]) == (
        3,
        400.5,
        130.25,
    )


@pytest.mark.parametrize("typed", ["۱٬۵۰۰٬۰۰۰", "1,500,000", "١٬٥٠٠٬٠٠٠", "۱۵۰۰۰۰۰", "1 500 000"])
def test_the_fine_takes_thousands_separators(typed):
    form = VerdictForm({"verdict": "fine", "fine_irr": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["fine_irr"] == 1_500_000


@pytest.mark.parametrize("typed", ["1,50", "۱٫۵", "abc"])
def test_a_fine_that_is_no_whole_number_gets_a_message(typed):
    form = VerdictForm({"verdict": "fine", "fine_irr": typed})
    assert not form.is_valid() and form.errors["fine_irr"]
