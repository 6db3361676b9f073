"""The agency's Persian pages (the same inquiries from a browser) and who may open them."""

from __future__ import annotations

import json

import pytest

from inquiries.models import ApiToken, Inquiry
from tests.conftest import Client
from tests.inquiries.conftest import ACROSS_STREET, line_geojson
from tests.surveys.conftest import SRID, user_with


def signed_in(user) -> Client:
    web = Client()
    web.force_login(user)
    return web


def test_an_agency_files_and_reads_an_inquiry_in_persian(plot, agencies):
    web = signed_in(agencies["notary"].members.get().user)
    page = web.get("/agency/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="fa"' in html and 'dir="rtl"' in html
    # only its own kinds are offered
    assert 'value="notary"' in html and 'value="excavation"' not in html
    r = web.post("/agency/new/", {"kind": "notary", "property": plot.file_code, "purpose": "فروش ملک"})
    assert r.status_code == 302
    detail = web.get(r["Location"]).content.decode()
    assert "انجام معامله بلامانع نیست" in detail  # not cleared
    assert "گواهی پایان کار یا عدم خلاف معتبری وجود ندارد." in detail
    assert "not_cleared" not in detail and "no_certificate" not in detail  # no internal codes
    assert '<bdi dir="ltr" class="code">' in detail
    home = web.get("/agency/").content.decode()
    assert home.count('data-testid="inquiry-row"') == 1


def test_an_excavation_from_the_page(plot, agencies):
    web = signed_in(agencies["water"].members.get().user)
    body = {
        "kind": "excavation",
        "property": plot.file_code,
        "purpose": "انشعاب آب",
        "geometry": json.dumps(line_geojson(*ACROSS_STREET)),
        "crs": str(SRID),
    }
    r = web.post("/agency/new/", body)
    assert r.status_code == 302
    detail = web.get(r["Location"]).content.decode()
    assert "حفاری مجاز است" in detail and 'data-testid="conditions"' in detail


@pytest.mark.hostile("inquiry_pages")
@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "notary", "property": "", "purpose": "x"},
        {"kind": "excavation", "property": "x", "purpose": "x"},  # outside its scope
        {"kind": "notary", "property": "no such code", "purpose": "x"},
        {"kind": "notary", "property": "۱۲۳۴۵۶۷۸۹۰", "purpose": "x"},
    ],
)
def test_bad_forms_are_400_with_a_message(plot, agencies, fields):
    web = signed_in(agencies["notary"].members.get().user)
    r = web.post("/agency/new/", fields)
    assert r.status_code == 400
    assert 'role="alert"' in r.content.decode()
    assert not Inquiry.objects.exists()


@pytest.mark.hostile("inquiry_pages")
def test_bad_geojson_from_the_page(plot, agencies):
    web = signed_in(agencies["water"].members.get().user)
    for text in ("{not json", json.dumps({"type": "GeometryCollection", "geometries": []})):
        body = {"kind": "excavation", "property": plot.file_code, "purpose": "x", "geometry": text, "crs": str(SRID)}
        r = web.post("/agency/new/", body)
        assert r.status_code == 400 and 'role="alert"' in r.content.decode()


@pytest.mark.access_matrix
@pytest.mark.parametrize("role", ["citizen", "clerk", "executive_unit"])
def test_agency_pages_are_for_agency_members(agencies, role):
    web = signed_in(user_with(role, f"x-{role}"))
    for url in ("/agency/", "/agency/new/", "/agency/tokens/", "/agency/webhooks/"):
        assert web.get(url).status_code == 403, url
    # an agency-role account that belongs to no agency
    web = signed_in(user_with("agency", "loose-agency"))
    assert web.get("/agency/").status_code == 403


def test_tokens_issued_shown_once_and_revoked(agencies):
    web = signed_in(agencies["bank"].members.get().user)
    page = web.post("/agency/tokens/", {"name": "core banking"}).content.decode()
    raw = page.split('data-testid="new-token">', 1)[1].split("<", 1)[0]
    token = ApiToken.objects.get(agency=agencies["bank"])
    assert raw.startswith(f"bjn_{token.prefix}_") and raw not in web.get("/agency/tokens/").content.decode()
    # another agency cannot revoke it
    other = signed_in(agencies["notary"].members.get().user)
    assert other.post(f"/agency/tokens/{token.pk}/revoke/").status_code == 404
    assert web.post(f"/agency/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_staff_delivery_history_is_for_managers_and_the_executive_unit(db):
    assert signed_in(user_with("manager", "m-1")).get("/agency/deliveries/").status_code == 200
    assert signed_in(user_with("executive_unit", "e-1")).get("/agency/deliveries/").status_code == 200
    assert signed_in(user_with("clerk", "c-1")).get("/agency/deliveries/").status_code == 403
