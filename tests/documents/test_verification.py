"""The signed QR and the public verification page: forged, truncated and re-signed payloads, a serial of
another kind or year, a retired key used after its end, revoked and superseded documents; the published
keys; the offline command; the scan log (coarse origin only) and the rate limit."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from documents import qrsign, services
from documents.models import IssuedDocument, VerificationScan
from documents.selectors import payload_verify
from gis_app.text import digits_to_persian
from tests.documents.issuing import content, document_keys  # noqa: F401 - the fixture
from tests.permits.conftest import citizen, draft, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def req(plot, citizen):  # noqa: F811 - fixtures
    return draft(plot, citizen)


def _issue(req, officer, kind="building_permit", supersedes=None) -> IssuedDocument:
    with transaction.atomic():
        return services.document_record(
            kind=kind,
            content=content(req.file.code, kind),
            subject={"file_id": req.file_id, "request": req},
            actor=officer,
            supersedes=supersedes,
        )


@pytest.fixture
def permit(req, staff):  # noqa: F811 - fixtures
    return _issue(req, staff[Role.PERMIT_OFFICER])


def _parts(document) -> tuple[str, str, str]:
    url = urlsplit(document.qr_payload)
    query = parse_qs(url.query)
    return url.path.rsplit("/", 1)[-1], query["k"][0], query["s"][0]


def _page(client, serial, k=None, s=None, **extra):
    params = {key: value for key, value in (("k", k), ("s", s)) if value is not None}
    return client.get("/documents/verify/" + quote(serial, safe=""), params, **extra)


def test_a_genuine_scan_shows_the_municipalitys_record(permit, client):
    serial, k, s = _parts(permit)
    assert qrsign.payload_parse(permit.qr_payload).serial == permit.serial
    response = _page(client, serial, k, s)
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'data-outcome="valid"' in body and "معتبر" in body
    assert digits_to_persian(permit.key_fields["file_code"]) in body
    at = body.find("مریم آزمون")
    assert at < 0 and "م••• آ•••• م•••" in body  # the holder masked
    scan = VerificationScan.objects.get()
    assert (scan.outcome, scan.document_id, scan.origin) == ("valid", permit.pk, "127.0.0.0/24")


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


@pytest.mark.hostile("forged_qr")
def test_forged_truncated_and_malformed_payloads_are_not_issued_by_us(permit, client):
    serial, k, s = _parts(permit)
    variants = [
        (serial, k, _flip(s, 0)),  # one character of the signature changed
        (serial, k, _flip(s, len(s) - 2)),
        (serial, k, s[:-1]),  # truncated signature
        (serial, k, s[: len(s) // 2]),
        (serial, k, s + "AA"),  # too long
        (serial, k, s[:10] + "+" + s[11:]),  # not base64url
        (serial, k, ""),
        (serial, None, s),  # no key id
        (serial, k, None),  # no signature (a typed address)
        (serial, "k20200101-ffffff", s),  # a key we never had
        (serial, k + "x", s),
        (serial[:-1] + ("1" if serial[-1] != "1" else "2"), k, s),  # another number
        ("BP-1405-00001", k, s),  # truncated serial
        ("bp-1405-000001", k, s),
        ("ZZ-1405-000001", k, s),
        ("BP-1405-000001%00", k, s),
        ("<script>alert(1)</script>", k, s),
        ("x" * 300, k, s),
    ]
    for serial_v, k_v, s_v in variants:
        response = _page(client, serial_v, k_v, s_v)
        body = response.content.decode()
        assert response.status_code in (400, 404), (serial_v, k_v, s_v, response.status_code)
        if response.status_code == 404 and "/" not in serial_v:  # (a slash leaves the page's address)
            assert 'data-outcome="not_issued"' in body and "توسط این شهرداری صادر نشده" in body
        assert "<script>alert(1)</script>" not in body
    assert VerificationScan.objects.filter(outcome="valid").count() == 0


@pytest.mark.hostile("forged_qr")
def test_a_payload_re_signed_with_another_key_is_not_ours(permit):
    serial, k, _ = _parts(permit)
    stranger = Ed25519PrivateKey.generate()
    forged = qrsign.b64url(stranger.sign(qrsign.canonical_json(permit.key_fields)))
    assert payload_verify(serial=serial, key_id=k, signature=forged).outcome == "not_issued"
    # and our own key over edited fields (more floors) does not match our record
    _, private = qrsign.signing_key(day=permit.issued_on)
    edited = permit.key_fields | {"floors": 9}
    resigned = qrsign.b64url(private.sign(qrsign.canonical_json(edited)))
    assert payload_verify(serial=serial, key_id=k, signature=resigned).outcome == "not_issued"


@pytest.mark.hostile("forged_qr")
def test_a_signature_moved_to_a_serial_of_another_kind_or_year_is_not_ours(req, staff, permit):  # noqa: F811
    fencing = _issue(req, staff[Role.PERMIT_OFFICER], kind="fencing_permit")
    _, k, s = _parts(permit)
    assert fencing.sequence == permit.sequence  # each kind counts on its own
    other_kind = fencing.serial
    assert other_kind.split("-")[2] == permit.serial.split("-")[2]
    assert payload_verify(serial=other_kind, key_id=k, signature=s).outcome == "not_issued"
    prefix, year, number = permit.serial.split("-")
    other_year = f"{prefix}-{int(year) - 1}-{number}"
    assert payload_verify(serial=other_year, key_id=k, signature=s).outcome == "not_issued"


@pytest.mark.hostile("retired_key")
def test_a_retired_key_verifies_its_old_documents_but_not_one_signed_after_its_end(req, staff, permit, document_keys):  # noqa: F811
    old_key = permit.key_id
    today = timezone.localdate()
    new = qrsign.key_rotate(today=today)
    assert new.key_id != old_key
    keys = {k.key_id: k for k in qrsign.published_keys()}
    assert keys[old_key].valid_until == today - dt.timedelta(days=1)
    # the permit issued before the rotation (dated today, but the key's period ended yesterday) stays
    # verifiable only if it was issued within the period: move it into the period as a real old one
    IssuedDocument.objects.filter(pk=permit.pk).update(issued_on=today - dt.timedelta(days=3))
    permit.refresh_from_db()
    fields = permit.key_fields | {"issued_on": permit.issued_on.isoformat()}
    stolen = serialization.load_pem_private_key((document_keys / f"{old_key}.pem").read_bytes(), password=None)
    old_sig = qrsign.b64url(stolen.sign(qrsign.canonical_json(fields)))
    IssuedDocument.objects.filter(pk=permit.pk).update(key_fields=fields, signature=old_sig)
    assert payload_verify(serial=permit.serial, key_id=old_key, signature=old_sig).outcome == "valid"
    # a new document signed today with the retired key (someone kept it): not ours
    later = _issue(req, staff[Role.PERMIT_OFFICER])
    assert later.key_id == new.key_id
    forged_sig = qrsign.b64url(stolen.sign(qrsign.canonical_json(later.key_fields)))
    IssuedDocument.objects.filter(pk=later.pk).update(key_id=old_key, signature=forged_sig)
    assert payload_verify(serial=later.serial, key_id=old_key, signature=forged_sig).outcome == "not_issued"
    # the published keys say so
    published = Client().get("/.well-known/document-keys.json").json()["keys"]
    assert {(k["kid"], k["valid_until"]) for k in published} >= {(old_key, keys[old_key].valid_until.isoformat())}
    assert all(k["alg"] == "Ed25519" and len(qrsign.b64url_decode(k["public_key"])) == 32 for k in published)


def test_a_revoked_document_scanned_says_revoked_with_reason_and_date(permit, staff, client):  # noqa: F811
    services.document_revoke(document_id=permit.pk, actor=staff[Role.PERMIT_OFFICER], reason="صدور بر پایه نقشه نادرست")
    serial, k, s = _parts(permit)
    body = _page(client, serial, k, s).content.decode()
    assert 'data-outcome="revoked"' in body and "صدور بر پایه نقشه نادرست" in body
    assert VerificationScan.objects.get().outcome == "revoked"


@pytest.mark.hostile("revocation")
def test_revocation_needs_a_reason_a_confirmation_and_a_permit_officer(permit, staff, citizen):  # noqa: F811
    from tests.documents.issuing import signed_in

    url = reverse("documents:revoke", args=[permit.serial])
    officer = signed_in(staff[Role.PERMIT_OFFICER])
    for data in ({}, {"reason": "short", "confirm": "on"}, {"reason": "a long enough reason"}, {"reason": " " * 40}):
        response = officer.post(url, data)
        body = response.content.decode()
        assert response.status_code == 400, data
        assert 'role="alert"' in body, (data, body[body.find("<main") :][:1500])
    assert IssuedDocument.objects.get(pk=permit.pk).status == "valid"
    assert signed_in(citizen).post(url, {"reason": "a long enough reason", "confirm": "on"}).status_code == 404
    assert signed_in(staff[Role.PLANNER]).get(url).status_code == 404
    response = officer.post(url, {"reason": "a long enough reason", "confirm": "on"})
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.status == "revoked" and permit.revoked_by == staff[Role.PERMIT_OFFICER]
    # revoking twice is refused with a message, not a 500
    response = officer.post(url, {"reason": "a long enough reason", "confirm": "on"})
    assert response.status_code == 400


def test_scans_are_rate_limited_per_network(permit, client, settings):
    settings.DOCUMENT_VERIFY_SCANS_PER_MINUTE = 3
    serial, k, s = _parts(permit)
    codes = [_page(client, serial, k, s, REMOTE_ADDR="198.51.100.7").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert _page(client, serial, k, s, REMOTE_ADDR="198.51.100.99").status_code == 429  # same /24
    assert _page(client, serial, k, s, REMOTE_ADDR="203.0.113.5").status_code == 200  # another network
    origins = set(VerificationScan.objects.values_list("origin", flat=True))
    assert origins == {"198.51.100.0/24", "203.0.113.0/24"}  # never the full address


def test_coarse_origin():
    assert services.coarse_origin("192.0.2.77") == "192.0.2.0/24"
    assert services.coarse_origin("2001:db8:1:2::5") == "2001:db8:1::/48"
    assert services.coarse_origin("::ffff:192.0.2.77") == "192.0.2.0/24"
    assert services.coarse_origin("garbage") == "unknown"


def test_document_verify_command_verifies_offline_with_exit_codes(permit, staff, tmp_path, capsys):  # noqa: F811
    call_command("document_verify", permit.qr_payload)
    assert permit.serial in capsys.readouterr().out
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [k.as_json() for k in qrsign.published_keys()]}))
    call_command("document_verify", permit.qr_payload, "--keys", str(keys))
    serial, k, s = _parts(permit)
    for payload in (
        permit.qr_payload[:-3],
        permit.qr_payload.replace(serial, serial[:-1] + "9"),
        "https://evil.example/documents/verify/" + serial + "?k=" + k + "&s=" + _flip(s, 3),
        "not a url",
    ):
        with pytest.raises(SystemExit) as done:
            call_command("document_verify", payload)
        assert done.value.code == 2, payload
    empty = tmp_path / "none.json"
    empty.write_text(json.dumps({"keys": []}))
    with pytest.raises(SystemExit) as done:
        call_command("document_verify", permit.qr_payload, "--keys", str(empty))
    assert done.value.code == 2
    services.document_revoke(document_id=permit.pk, actor=staff[Role.PERMIT_OFFICER], reason="withdrawn by the court")
    with pytest.raises(SystemExit) as done:
        call_command("document_verify", permit.qr_payload)
    assert done.value.code == 1


def test_a_scan_after_the_revocation_shows_it_at_once_though_the_valid_page_was_drawn(permit, staff, client):  # noqa: F811
    square = [[57.33, 37.47], [57.3302, 37.47], [57.3302, 37.4702], [57.33, 37.4702], [57.33, 37.47]]
    IssuedDocument.objects.filter(pk=permit.pk).update(footprint_geojson={"type": "Polygon", "coordinates": [square]})
    serial, k, s = _parts(permit)
    for _ in range(2):  # the second scan is answered from the record drawn by the first
        body = _page(client, serial, k, s).content.decode()
        assert 'data-outcome="valid"' in body and 'data-testid="verify-map"' in body
    services.document_revoke(document_id=permit.pk, actor=staff[Role.PERMIT_OFFICER], reason="صدور بر پایه نقشه نادرست")
    body = _page(client, serial, k, s).content.decode()
    assert 'data-outcome="revoked"' in body and "صدور بر پایه نقشه نادرست" in body
    assert 'data-outcome="valid"' not in body
    assert 'data-testid="verify-map"' in body and "document-map-footprint" in body
    outcomes = list(VerificationScan.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes[:3] == ["valid", "valid", "revoked"]


def test_a_superseded_document_scanned_after_a_valid_scan_names_its_successor(req, staff, permit, client):  # noqa: F811
    serial, k, s = _parts(permit)
    assert 'data-outcome="valid"' in _page(client, serial, k, s).content.decode()
    newer = _issue(req, staff[Role.PERMIT_OFFICER], supersedes=permit)
    permit.refresh_from_db()
    assert permit.status == "superseded"
    body = _page(client, serial, k, s).content.decode()
    assert 'data-outcome="superseded"' in body and digits_to_persian(newer.serial) in body.replace("\u2066", "")


@pytest.mark.hostile("scan_flood")
def test_the_rate_limit_slides_over_the_minute_and_counts_refused_and_forged_scans(permit, client, settings):
    from documents.models import ScanWindow

    settings.DOCUMENT_VERIFY_SCANS_PER_MINUTE = 3
    serial, k, s = _parts(permit)
    # a flood in the minute before this one still counts (the window is the last 60 s, not the clock's minute)
    minute = timezone.now().replace(second=0, microsecond=0)
    ScanWindow.objects.create(origin="192.0.2.0/24", minute=minute - dt.timedelta(minutes=1), scans=10**6)
    assert _page(client, serial, k, s, REMOTE_ADDR="192.0.2.1").status_code == 429
    # forged and unknown payloads count as much as genuine ones; refused scans keep no document
    for variant in ((serial, k, _flip(s, 5)), ("BP-1405-999999", k, s), (serial, k, None)):
        assert _page(client, *variant, REMOTE_ADDR="198.51.100.7").status_code == 404
    response = _page(client, serial, k, s, REMOTE_ADDR="198.51.100.8")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert 'data-testid="refused"' in response.content.decode()
    refused = VerificationScan.objects.filter(outcome="refused")
    assert refused.count() == 2 and not refused.filter(document__isnull=False).exists()
    # counters no check reads any more are deleted when an origin's new minute begins
    ScanWindow.objects.create(origin="203.0.113.0/24", minute=minute - dt.timedelta(minutes=5), scans=7)
    assert _page(client, serial, k, s, REMOTE_ADDR="233.252.0.1").status_code == 200
    assert not ScanWindow.objects.filter(minute__lt=minute - dt.timedelta(minutes=2)).exists()
