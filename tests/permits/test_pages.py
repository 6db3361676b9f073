"""The workflow's pages through the whole Django stack: sign-up and activation, the wizard, the file
page and its actions, inboxes, tracking, the API; bad input gets a message and changes nothing."""

from __future__ import annotations

import json

import pytest

from accounts.models import User
from accounts.roles import Role
from gis_app.audit import audit_trail
from permits.models import PermitRequest, RequestDocument, RequestStatus
from tests.permits.conftest import PASSWORD, draft, pdf_bytes, png_bytes, submitted, tick_all, with_documents
from tests.surveys.conftest import E0, N0

pytestmark = pytest.mark.django_db


def signup_data(**changes) -> dict:
    return {
        "first_name": "مریم",
        "last_name": "رضایی",
        "national_id": "۰۰۱۳۵۴۲۴۱۹",  # Persian digits are accepted
        "mobile": "۰۹۱۵۱۲۳۴۵۶۷",
        "email": "",
        "password1": "a long enough pass phrase",
        "password2": "a long enough pass phrase",
    } | changes


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"national_id": "0013542418"}, "national_id", "check digit"),
        ({"national_id": "1111111111"}, "national_id", "check digit"),
        ({"national_id": "12345"}, "national_id", "check digit"),
        ({"mobile": "0915123"}, "mobile", "11 digits"),
        ({"mobile": "08151234567"}, "mobile", "11 digits"),
        ({"password2": "something else entirely"}, "password2", "differ"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"first_name": ""}, "first_name", "required"),
    ],
)
def test_signup_refuses_bad_input_and_keeps_nothing(client, changes, field, message):
    response = client.post("/en/accounts/signup/", signup_data(**changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists()


def test_signup_then_login_waits_for_the_identity_check_then_the_clerk_activates(client, staff):
    response = client.post("/en/accounts/signup/", signup_data())
    assert response.status_code == 200
    user = User.objects.get(national_id="0013542419")
    assert user.username == "0013542419" and user.mobile == "09151234567" and not user.is_active
    assert client.post("/en/accounts/signup/", signup_data()).status_code == 400  # once only
    response = client.post("/en/accounts/login/", {"username": "0013542419", "password": "a long enough pass phrase"})
    assert "waiting for the one identity check" in response.content.decode()
    # a citizen cannot activate anyone; the clerk must confirm having seen the card
    client.force_login(staff[Role.CITIZEN])
    assert client.post(f"/en/accounts/pending/{user.pk}/activate/", {"identity_seen": "on"}).status_code == 403
    client.force_login(staff[Role.CLERK])
    assert "0013542419" in client.get("/en/accounts/pending/").content.decode()
    client.post(f"/en/accounts/pending/{user.pk}/activate/")
    user.refresh_from_db()
    assert not user.is_active
    client.post(f"/en/accounts/pending/{user.pk}/activate/", {"identity_seen": "on"})
    user.refresh_from_db()
    assert user.is_active
    # the attempt while waiting was a failed sign-in (audited by the login throttle), then the activation
    assert [e.action for e in audit_trail(user)] == ["account.signed_up", "login.failed", "account.activated"]
    client.logout()
    response = client.post("/en/accounts/login/", {"username": "0013542419", "password": "a long enough pass phrase"})
    assert response.status_code == 302


def test_wizard_finds_the_parcel_shows_the_precheck_and_saves_a_draft(client, plot, citizen):
    client.force_login(citizen)
    assert client.get("/en/files/new/?code=XX-nothing").status_code in (400, 404)
    page = client.get(f"/en/files/new/?code={plot.file_code}")
    assert page.status_code == 200 and page.context["report"].envelope.max_floors == 3
    bad = client.post(
        "/en/files/new/", {"code": plot.file_code, "kind": "building_new", "use": "residential", "floors": "0"}
    )
    assert bad.status_code == 400 and not PermitRequest.objects.exists()
    outside = {"type": "Polygon", "coordinates": [[[57.0, 37.0], [57.001, 37.0], [57.001, 37.001], [57.0, 37.0]]]}
    bad = client.post(
        "/en/files/new/",
        {
            "code": plot.file_code,
            "kind": "building_new",
            "use": "residential",
            "floors": "3",
            "floor_area_m2": "400",
            "footprint": json.dumps(outside),
        },
    )
    assert bad.status_code == 400 and "outside the parcel" in bad.content.decode()
    bad = client.post(
        "/en/files/new/",
        {
            "code": plot.file_code,
            "kind": "building_new",
            "use": "residential",
            "floors": "3",
            "floor_area_m2": "400",
            "footprint": "{not json",
        },
    )
    assert bad.status_code == 400 and "not a polygon" in bad.content.decode()
    from django.contrib.gis.geos import Polygon

    inside = Polygon.from_bbox((E0 + 1, N0 + 10, E0 + 9, N0 + 25))
    inside.srid = 32640
    inside.transform(4326)
    ok = client.post(
        "/en/files/new/",
        {
            "code": plot.file_code,
            "kind": "building_new",
            "use": "residential",
            "floors": "۳",
            "floor_area_m2": "۳۶۰",
            "footprint": inside.json,
        },
    )
    req = PermitRequest.objects.get()
    assert ok.status_code == 302 and ok["Location"].endswith(f"/files/{req.tracking_code}/")
    assert req.floors == 3 and req.floor_area_m2 == 360 and abs(req.footprint_m2 - 120) < 0.5
    assert client.get(ok["Location"]).status_code == 200


def test_documents_are_checked_by_content(client, plot, citizen):
    req = draft(plot, citizen)
    client.force_login(citizen)
    url = f"/en/files/{req.tracking_code}/documents/"
    from django.core.files.uploadedfile import SimpleUploadedFile as F

    cases = [
        (F("deed.pdf", b"MZ\x90\x00 this is an exe"), "not a PDF, JPEG or PNG"),
        (F("deed.pdf", b"%PDF-1.4 garbage without structure"), "not a readable PDF"),
        (F("deed.pdf", pdf_bytes(101)), "more than 100 pages"),
        (F("deed.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"), "not a readable JPEG"),
        (F("deed.pdf", b""), "empty"),
    ]
    for upload, message in cases:
        response = client.post(url, {"kind": "deed", "file": upload})
        assert response.status_code == 400, message
        assert message in response.content.decode(), message
    assert not RequestDocument.objects.exists()
    # a PDF with a script is accepted as an inert copy (tests/permits/test_documents.py tries the variants)
    js = _pdf_with_javascript()
    assert client.post(url, {"kind": "deed", "file": F("deed.pdf", js)}).status_code == 302
    with RequestDocument.objects.get().file.open("rb") as fh:
        assert b"app.alert" not in fh.read()
    assert client.post(url, {"kind": "national_card", "file": F("card.png", png_bytes())}).status_code == 302
    doc = RequestDocument.objects.get(kind="national_card")
    assert doc.content_type == "image/png" and doc.file.name.endswith(".png") and "card" not in doc.file.name
    assert client.get(f"/en/files/{req.tracking_code}/documents/{doc.pk}/").status_code == 200


def _pdf_with_javascript() -> bytes:
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi');")}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_other_citizens_and_anonymous_get_404_everywhere(client, plot, citizen, staff):
    req = with_documents(draft(plot, citizen), citizen)
    doc = req.documents.first()
    stranger = User.objects.create_user(username="0499370899x", password=PASSWORD)
    from django.contrib.auth.models import Group

    stranger.groups.add(Group.objects.get_or_create(name="citizen")[0])
    client.force_login(stranger)
    for url in (
        f"/en/files/{req.tracking_code}/",
        f"/en/files/{req.tracking_code}/documents/{doc.pk}/",
        f"/en/files/{req.tracking_code}/order/",
        f"/api/files/{req.tracking_code}",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/en/files/{req.tracking_code}/act/",
        f"/en/files/{req.tracking_code}/documents/",
        f"/en/files/{req.tracking_code}/comments/",
    ):
        assert client.post(url, {"action": "withdraw", "version": req.version, "body": "x"}).status_code == 404, url
    assert client.get("/api/files/").json() == {"files": []}
    assert client.get("/en/files/inbox/").status_code == 403
    req.refresh_from_db()
    assert req.status == RequestStatus.DRAFT
    client.logout()
    assert client.get(f"/en/files/{req.tracking_code}/").status_code == 302  # to the login
    assert client.get("/api/files/").status_code == 401
    # the tracking code alone shows the status and nothing else
    page = client.get(f"/en/files/track/?code={req.tracking_code}")
    assert (
        page.status_code == 200 and "Draft" in page.content.decode() and citizen.last_name not in page.content.decode()
    )
    assert client.get("/en/files/track/?code=BJ-AAAAA-AAAAA-AA").status_code == 404


def test_the_officer_acts_from_the_file_page_and_a_stale_form_gets_a_conflict(client, plot, citizen, staff):
    req = submitted(plot, citizen)
    clerk = staff[Role.CLERK]
    client.force_login(clerk)
    inbox = client.get("/en/files/inbox/")
    assert [row["req"].pk for row in inbox.context["queue"]] == [req.pk]
    base = f"/en/files/{req.tracking_code}/"
    blocked = client.post(base + "act/", {"action": "advance", "version": req.version})
    assert blocked.status_code == 400 and "Checklist not complete" in blocked.content.decode()
    tick_all(req, clerk)
    req.refresh_from_db()
    old = req.version
    assert client.post(base + "act/", {"action": "advance", "version": old}).status_code == 302
    again = client.post(base + "act/", {"action": "advance", "version": old})
    assert again.status_code == 409 and "changed by someone else" in again.content.decode()
    req.refresh_from_db()
    assert req.stage == "inspection" and req.version == old + 1
    # the citizen sees the timeline and the history; the clerk can no longer act
    assert client.post(base + "act/", {"action": "return", "version": req.version, "note": "x" * 10}).status_code == 403
    client.force_login(citizen)
    page = client.get(base)
    assert page.status_code == 200
    assert [t["state"] for t in page.context["timeline"]][:3] == ["done", "current", "todo"]
    assert client.get("/api/files/").json()["files"][0]["stage"] == "inspection"
