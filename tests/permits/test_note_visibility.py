"""Staff hand-over notes stay with the staff: every note has a visibility (internal or to the
applicant), internal by default for staff; the applicant's file page shows only what is for them."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from gis_app.audit import audit_trail
from permits import transitions
from permits.models import PermitRequest
from tests.permits.conftest import advance, scan, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.hostile("internal notes shown to the applicant (item 8)")]


def _act(client, req: PermitRequest, **data):
    req.refresh_from_db()
    return client.post(f"/en/files/{req.tracking_code}/act/", {"version": req.version, **data})


def test_refer_and_reject_notes_and_internal_comments_stay_internal_a_return_note_does_not(
    client, plot, citizen, staff
):
    from permits import services

    req = submitted(plot, citizen)
    clerk, manager = staff[Role.CLERK], staff[Role.MANAGER]
    # a return note is what the applicant is asked for: theirs
    transitions.request_transition(
        request_id=req.pk, actor=clerk, action="return", version=req.version, note="RETURN-NOTE upload the deed."
    )
    req.refresh_from_db()
    services.document_add(request_id=req.pk, actor=citizen, kind="deed", upload=scan("deed2.pdf"))
    transitions.request_transition(
        request_id=req.pk, actor=citizen, action="resubmit", version=req.version, note="RESUBMIT-NOTE done."
    )
    req = advance(req, clerk)
    # a hand-over note with a refer (through the page, box not ticked), and an internal comment
    client.force_login(manager)
    assert (
        _act(client, req, action="refer", to_stage="secretariat", note="REFER-NOTE owner looks dodgy").status_code
        == 302
    )
    client.force_login(clerk)
    comment = client.post(f"/en/files/{req.tracking_code}/comments/", {"body": "INTERNAL-COMMENT check the heirs"})
    assert comment.status_code == 302
    public = client.post(
        f"/en/files/{req.tracking_code}/comments/", {"body": "PUBLIC-COMMENT we are on it", "to_applicant": "on"}
    )
    assert public.status_code == 302
    # a refer note the officer chose to show
    req = advance(req, clerk)
    client.force_login(manager)
    shown = _act(
        client, req, action="refer", to_stage="secretariat", note="SHOWN-REFER-NOTE a new check", note_to_applicant="on"
    )
    assert shown.status_code == 302

    events = {e.action: e for e in audit_trail(req)}
    assert events["request.return"].data["note_to_applicant"] is True
    assert events["request.resubmit"].data["note_to_applicant"] is True
    refer_notes = {e.data["note"]: e.data["note_to_applicant"] for e in audit_trail(req) if e.action == "request.refer"}
    assert refer_notes == {"REFER-NOTE owner looks dodgy": False, "SHOWN-REFER-NOTE a new check": True}

    client.force_login(citizen)
    page = client.get(f"/en/files/{req.tracking_code}/").content.decode()
    for secret in ("REFER-NOTE owner", "INTERNAL-COMMENT", "check the heirs", "looks dodgy"):
        assert secret not in page, secret
    for theirs in ("RETURN-NOTE", "RESUBMIT-NOTE", "PUBLIC-COMMENT", "SHOWN-REFER-NOTE"):
        assert theirs in page, theirs

    client.force_login(clerk)
    page = client.get(f"/en/files/{req.tracking_code}/").content.decode()
    for everything in ("REFER-NOTE owner", "INTERNAL-COMMENT", "RETURN-NOTE", "SHOWN-REFER-NOTE"):
        assert everything in page, everything


def test_a_reject_note_is_internal_unless_ticked(client, plot, citizen, staff):
    req = submitted(plot, citizen)
    transitions.request_transition(
        request_id=req.pk, actor=staff[Role.MANAGER], action="reject", version=req.version, note="REJECT-NOTE internal"
    )
    client.force_login(citizen)
    assert "REJECT-NOTE" not in client.get(f"/en/files/{req.tracking_code}/").content.decode()


def test_old_audit_rows_without_a_visibility_show_only_the_applicants_notes(plot, citizen, staff):
    from gis_app.models import AuditEvent
    from permits.selectors import audit_note_public

    old = [
        AuditEvent(action="request.refer", data={"note": "x"}),
        AuditEvent(action="request.reject", data={"note": "x"}),
        AuditEvent(action="request.advance", data={"note": "x"}),
        AuditEvent(action="request.return", data={"note": "x"}),
        AuditEvent(action="request.resubmit", data={"note": "x"}),
    ]
    assert [audit_note_public(e) for e in old] == [False, False, False, True, True]
