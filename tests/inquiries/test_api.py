"""The agency API: answers of each kind, scopes, tokens, another agency's inquiry, the request log."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from fees.billing import bill_create
from inquiries import services
from inquiries.models import ApiRequestLog, ApiToken, Inquiry
from parcels.services import property_file_open
from tests.inquiries.conftest import api_get, api_post, auth, issued
from tests.surveys.conftest import user_with

URL = "/api/v1/inquiries/"


def ask(client, token, plot, kind="notary", **extra):
    return api_post(client, URL, token, {"kind": kind, "purpose": "فروش ملک", "property": plot.file_code, **extra})


def test_notary_not_cleared_without_a_certificate(client, plot, tokens):
    r = ask(client, tokens["notary"], plot)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "answered"
    assert body["answer"]["outcome"] == "not_cleared"
    assert body["answer"]["facts"]["reasons"] == ["no_certificate"]
    assert body["answer"]["data_versions"]["parcels"] == plot.version_id
    # only what the purpose needs: no owner, no address
    assert "owner" not in r.content.decode() and "address" not in body


def test_notary_cleared_with_completion_and_paid_dues(client, plot, tokens):
    citizen = user_with("citizen", "owner-1")
    issued(plot, "completion", citizen)
    r = ask(client, tokens["notary"], plot)
    answer = r.json()["answer"]
    assert answer["outcome"] == "cleared", answer
    assert answer["facts"]["certificate"] == "completion"
    assert answer["facts"]["dues_paid"] is True and answer["facts"]["open_violation"] is False
    # an unpaid bill on the file stops the clearance
    bill_create(file=property_file_open(parcel=plot), kind="renovation", amount_irr=28_000_000)
    again = ask(client, tokens["notary"], plot).json()["answer"]
    assert again["outcome"] == "not_cleared" and again["facts"]["reasons"] == ["dues_unpaid"]


def test_bank_answer_stage_of_construction(client, plot, tokens):
    citizen = user_with("citizen", "owner-2")
    assert ask(client, tokens["bank"], plot, kind="bank").json()["answer"]["facts"]["construction_stage"] == "no_permit"
    issued(plot, "building_new", citizen)
    facts = ask(client, tokens["bank"], plot, kind="bank").json()["answer"]["facts"]
    assert facts["valid_permit"] is True and facts["completion_certificate"] is False
    assert facts["construction_stage"] == "under_construction"
    assert facts["permit_issued_on"] == timezone.localdate().isoformat()


def test_utility_without_records_goes_to_the_permit_unit(client, plot, tokens):
    r = ask(client, tokens["water"], plot, kind="utility", unit="1-2-15-20-0-0-1")
    body = r.json()
    assert body["status"] == "pending" and body["answer"] is None
    assert body["answer_due_on"] > timezone.localdate().isoformat()
    inquiry = Inquiry.objects.get(public_id=body["id"])
    assert inquiry.answering_role == "permit_officer"


@pytest.mark.hostile("scope")
@pytest.mark.parametrize(
    "agency,kind", [("bank", "notary"), ("notary", "bank"), ("notary", "excavation"), ("bank", "utility")]
)
def test_a_token_may_not_ask_outside_its_scope(client, plot, tokens, agency, kind):
    r = ask(client, tokens[agency], plot, kind=kind, geometry={"type": "LineString", "coordinates": []}, crs=4326)
    assert r.status_code == 403
    assert r.json()["detail"] == gettext("This agency may not file this kind of inquiry.")
    assert not Inquiry.objects.exists()


@pytest.mark.hostile("idor")
def test_an_agency_never_sees_another_agencys_inquiry(client, plot, tokens, agencies):
    mine = ask(client, tokens["notary"], plot).json()["id"]
    assert api_get(client, f"{URL}{mine}/", tokens["notary"]).status_code == 200
    assert api_get(client, f"{URL}{mine}/", tokens["bank"]).status_code == 404
    assert api_get(client, f"{URL}{uuid.uuid4()}/", tokens["bank"]).status_code == 404
    assert api_get(client, f"{URL}not-a-uuid/", tokens["bank"]).status_code == 404
    assert api_get(client, URL, tokens["bank"]).json()["count"] == 0
    # nor subscribes to it
    r = api_post(client, "/api/v1/webhooks/", tokens["bank"], {"url": "https://bank.example/hook", "inquiry": mine})
    assert r.status_code == 400


@pytest.mark.hostile("credentials")
@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer bjn_deadbeef_wrong",
        "Bearer a b",
        "Token something",
        "Bearer bjn__",
        "Bearer " + "x" * 5000,
        "Bearer bjn_' OR 1=1 --_x",
    ],
)
def test_missing_or_unknown_tokens_are_401(client, tokens, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    r = client.get(URL, **extra)
    assert r.status_code == 401
    assert r.json()["detail"]


@pytest.mark.hostile("credentials")
def test_revoked_expired_and_rotated_tokens(client, plot, agencies, tokens):
    raw = tokens["notary"]
    token = ApiToken.objects.get(prefix=raw.split("_", 2)[1])
    assert api_get(client, URL, raw).status_code == 200
    # rotation: the new token works, the old one for the grace period only
    r = api_post(client, "/api/v1/token/rotate/", raw, {})
    assert r.status_code == 201
    new = r.json()["token"]
    assert api_get(client, URL, new).status_code == 200
    assert api_get(client, URL, raw).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_get(client, URL, raw).status_code == 401
    assert api_post(client, "/api/v1/token/rotate/", raw, {}).status_code == 401
    # revocation is immediate
    services.token_revoke(token=ApiToken.objects.get(prefix=new.split("_", 2)[1]), actor=None)
    r = api_get(client, URL, new)
    assert r.status_code == 401 and r.json()["detail"] == gettext("The token is unknown, revoked or expired.")
    # an agency switched off loses every token
    raw_bank = services.token_issue(agency=agencies["bank"], actor=None)[1]
    agencies["bank"].active = False
    agencies["bank"].save()
    assert api_get(client, URL, raw_bank).status_code == 401
    # only the digest is stored
    assert not ApiToken.objects.filter(digest=raw).exists() and raw not in str(list(ApiToken.objects.values()))


def test_every_request_is_logged_with_agency_purpose_and_answer(client, plot, tokens, agencies):
    ask(client, tokens["notary"], plot)
    client.get(URL)  # no token
    rows = list(ApiRequestLog.objects.order_by("id"))
    assert rows[0].agency == agencies["notary"] and rows[0].purpose == "فروش ملک"
    assert rows[0].outcome == "not_cleared" and rows[0].status_code == 201 and rows[0].inquiry is not None
    assert rows[1].agency is None and rows[1].status_code == 401


@pytest.mark.hostile("rate_limit")
def test_rate_limits_per_agency(client, plot, tokens, monkeypatch):
    from django.core.cache import cache

    from inquiries.api.throttles import AgencyRateThrottle

    monkeypatch.setattr(AgencyRateThrottle, "THROTTLE_RATES", {"agency": "100/min", "agency_file": "2/min"})
    cache.clear()
    codes = [ask(client, tokens["notary"], plot).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    # another agency has its own budget; reading is not filing
    assert ask(client, tokens["bank"], plot, kind="bank").status_code == 201
    assert client.get(URL, **auth(tokens["notary"])).status_code == 200
    cache.clear()


@pytest.mark.hostile("bad_input")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "notary"},
        {"kind": "mortgage", "purpose": "x", "property": "40N"},
        {"kind": "notary", "purpose": "", "property": "x"},
        {"kind": "notary", "purpose": "x", "property": "no such code"},
        {"kind": "notary", "purpose": "x", "property": "1234567890"},
        {"kind": "notary", "purpose": "x", "property": "40N-0000-00000-000-0"},
        {"kind": "notary", "purpose": "x" * 501, "property": "1-2-15-20-0-0-0"},
        {"kind": "notary", "purpose": "   ", "property": "1-2-15-20-0-0-0"},
        {"kind": ["notary"], "purpose": {"a": 1}, "property": 5},
    ],
)
def test_bad_inquiries_get_a_clear_400(client, plot, tokens, body):
    r = api_post(client, URL, tokens["notary"], body)
    assert r.status_code == 400, r.content
    assert r.json()
    assert not Inquiry.objects.exists()


@pytest.mark.hostile("bad_input")
def test_malformed_json_is_400(client, tokens):
    r = client.post(URL, "{not json", content_type="application/json", **auth(tokens["notary"]))
    assert r.status_code == 400
    r = client.post(URL, '{"kind": NaN}', content_type="application/json", **auth(tokens["notary"]))
    assert r.status_code == 400
