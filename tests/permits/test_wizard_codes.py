"""The request wizard opened from the map (`/files/new/?code=…`) answers every code a person may type:
a malformed one with a message (never a 500), the right one in any of the ways the site shows or a
keyboard types it with the parcel chosen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _wrong_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def malformed(code: str) -> dict[str, str]:
    return {
        "wrong check character": _wrong_check(code),
        "wrong check character, Persian digits": _wrong_check(code).translate(PERSIAN),
        "too short": code[:8],
        "one part missing": "-".join(code.split("-")[:-1]),
        "letters": "abcdefgh",
        "letters in the cell": code[:4] + "ABCD" + code[8:],
        "Persian letters": "چهل-ان-پنج",
        "punctuation only": "----",
        "too long": code + "9" * 40,
    }


def accepted(code: str) -> dict[str, str]:
    return {
        "as displayed": code,
        "Persian digits": code.translate(PERSIAN),
        "Arabic-Indic digits": code.translate(ARABIC_INDIC),
        "lower case, spaces for dashes": code.lower().replace("-", " "),
        "Persian digits, surrounding spaces": f"  {code.translate(PERSIAN)}  ",
        "en dashes": code.replace("-", "–"),
    }


@pytest.mark.parametrize("lang", ["", "/en"])
def test_malformed_codes_answer_a_message_never_a_500(client, plot, citizen, lang):
    client.force_login(citizen)
    for what, code in malformed(plot.file_code).items():
        response = client.get(f"{lang}/files/new/", {"code": code})
        assert response.status_code == 400, what
        assert response.context["lookup_error"], what
        assert response.context["parcel"] is None, what
        assert 'data-testid="lookup-error"' in response.content.decode(), what


def test_the_code_as_people_type_it_opens_the_wizard_on_the_parcel(client, plot, citizen):
    client.force_login(citizen)
    for what, code in accepted(plot.file_code).items():
        response = client.get("/files/new/", {"code": code})
        assert response.status_code == 200, what
        assert response.context["parcel"] == plot, what
        assert response.context["lookup_error"] is None, what
