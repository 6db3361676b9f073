"""Every path that finds a parcel by a typed code answers a malformed or mistyped code with a message
(400 and the reason), never a 500: the request wizard (GET and POST), the parcel lookup API, "find my
property", "what may I build here", the survey form, tracking and the staff searches."""

from __future__ import annotations

import pytest

from accounts.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.hostile("malformed codes (item 3)")]

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _wrong_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def bad_file_codes(code: str) -> dict[str, str]:
    """Each malformed or mistyped file code, by what is wrong with it."""
    return {
        "wrong check character": _wrong_check(code),
        "swapped neighbours": code[:5] + code[6] + code[5] + code[7:],
        "wrong check, Persian digits": _wrong_check(code).translate(PERSIAN),
        "short cell": "40N-5291-4147-007-3",
        "zone 99": "99N-5291-41476-007-3",
        "sequence 000": "40N-5291-41476-000-3",
        "too long": code + "-1234567890" * 8,
        "letters for digits": "40N-52O1-41476-007-3",
    }


# Codes that are no code a parcel is found by (or a postal code that cannot exist).
NOT_CODES = {
    "renovation code, six parts": "1-2-15-20-0-0",
    "renovation code, nine parts": "1-2-15-20-0-0-0-0-0",
    "plate, double slash": "1452//23",
    "plate, no minor": "1452/",
    "postal code with 0 in the first five": "0000000000",
}


def test_the_wizard_answers_every_malformed_code_with_a_message(client, plot, citizen):
    client.force_login(citizen)
    for what, code in bad_file_codes(plot.file_code).items():
        for method in ("get", "post"):
            response = getattr(client, method)("/en/files/new/", {"code": code, "kind": "building_new"})
            assert response.status_code == 400, (what, method)
            assert response.context["lookup_error"], (what, method)
            assert 'data-testid="lookup-error"' in response.content.decode(), what
    for what, code in NOT_CODES.items():
        response = client.get("/en/files/new/", {"code": code})
        assert response.status_code in (400, 404), what
        assert response.context["lookup_error"], what
    # Persian digits and spaces for dashes are what people type: the parcel is found.
    typed = plot.file_code.translate(PERSIAN).replace("-", " ")
    found = client.get("/en/files/new/", {"code": typed})
    assert found.status_code == 200 and found.context["parcel"] == plot
    if plot.renovation_code:
        renovation = client.get("/en/files/new/", {"code": plot.renovation_code.translate(PERSIAN)})
        assert renovation.status_code == 200 and renovation.context["parcel"] == plot


def test_every_lookup_api_answers_malformed_codes_with_a_message(client, plot):
    paths = [("/api/parcels/lookup", "q"), ("/api/find", "q"), ("/api/buildable", "file_code")]
    for what, code in bad_file_codes(plot.file_code).items():
        for url, field in paths:
            response = client.get(url, {field: code})
            assert response.status_code == 400, (url, what)
            errors = response.json()["errors"]
            assert any(e["message"] for field_errors in errors.values() for e in field_errors), (url, what)
    for what, code in NOT_CODES.items():
        response = client.get("/api/parcels/lookup", {"q": code})
        if response.status_code == 200:
            assert response.json()["results"] == [], what
        else:
            assert response.status_code == 400 and response.json()["errors"]["q"][0]["message"], what


def test_the_survey_form_and_the_staff_searches_answer_malformed_codes(client, plot, staff):
    client.force_login(staff[Role.SURVEYOR])
    for what, code in bad_file_codes(plot.file_code).items():
        response = client.post("/en/surveys/new/", {"file_code": code, "method": "total_station"})
        assert response.status_code == 400, what
        assert response.context["form"].errors.get("file_code"), what
    client.force_login(staff[Role.CLERK])
    for code in [*bad_file_codes(plot.file_code).values(), *NOT_CODES.values()]:
        assert client.get("/en/files/inbox/", {"q": code}).status_code == 200
        assert client.get("/en/accounts/pending/", {"q": code}).status_code == 200
        assert client.get("/en/files/track/", {"code": code}).status_code == 404
