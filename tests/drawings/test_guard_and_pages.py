"""The issuance guard, the permit officer's override, who sees and sends drawings, and the pages."""

from __future__ import annotations

import datetime as dt

import ezdxf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from accounts.services import authorisation_grant
from drawings.models import DrawingCheck, DrawingOverride, DrawingUpload
from drawings.services import drawing_check_passing, drawing_override, drawing_submit
from gis_app.audit import audit_trail
from permits import transitions
from permits.errors import GuardsFailed, TransitionNotAllowed, WorkflowError
from permits.models import PermitRequest
from tests.conftest import run_jobs_here
from tests.drawings.conftest import Spec, drawing, slot
from tests.permits.conftest import tick_all
from tests.surveys.conftest import user_with

pytestmark = pytest.mark.django_db


def approve(req, officer):
    req = PermitRequest.objects.get(pk=req.pk)
    tick_all(req, officer)
    with translation.override("en"):
        transitions.request_transition(request_id=req.pk, actor=officer, action="approve", version=req.version)
    return PermitRequest.objects.get(pk=req.pk)


def test_issuance_needs_a_passing_drawing(issuance, staff):
    officer = staff[Role.PERMIT_OFFICER]
    with pytest.raises(GuardsFailed, match="No drawing has been checked"):
        approve(issuance, officer)
    bad = drawing_submit(
        request_id=issuance.pk, actor=issuance.applicant, data=drawing(Spec(floors=4)), name="four.dxf"
    )
    assert bad.failed_rules == ["drawing_floors", "drawing_floor_area", "drawing_parking_count"]
    with pytest.raises(GuardsFailed, match="fails 3 checks"):
        approve(issuance, officer)
    good = drawing_submit(request_id=issuance.pk, actor=issuance.applicant, data=drawing(), name="three.dxf")
    assert good.passed and drawing_check_passing(issuance) is None
    assert approve(issuance, officer).status == "issued"
    actions = [e.action for e in audit_trail(issuance) if e.action.startswith("drawing.")]
    assert actions == ["drawing.checked", "drawing.checked"]


def test_a_changed_proposal_makes_the_check_stale(issuance, staff):
    drawing_submit(request_id=issuance.pk, actor=issuance.applicant, data=drawing(), name="d.dxf")
    PermitRequest.objects.filter(pk=issuance.pk).update(floor_area_m2=400.0)  # the proposal changed
    req = PermitRequest.objects.get(pk=issuance.pk)
    with translation.override("en"):
        assert "earlier proposal" in drawing_check_passing(req)


def test_the_balcony_over_a_12_m_street(issuance):
    # the realigned line is at drawing y = 3; a balcony 1.2 m beyond it passes, 1.5 m fails
    def send(depth):
        spec = Spec(
            footprint=((0, 3), (10, 3), (10, 17), (0, 17)), slots=[slot(i * 2.5, 3) for i in range(4)] + [slot(0, 8)]
        )
        spec.balconies = {2: ((2, 3 - depth), (8, 3 - depth), (8, 3), (2, 3))}
        return drawing_submit(request_id=issuance.pk, actor=issuance.applicant, data=drawing(spec), name="b.dxf")

    ok, over = send(1.2), send(1.5)
    result = {c.pk: next(r for r in c.results if r["code"] == "drawing_projection") for c in (ok, over)}
    assert result[ok.pk]["status"] == "passed" and result[ok.pk]["measured"] == 1.2
    assert result[over.pk]["status"] == "failed" and result[over.pk]["required"] == 1.2
    assert "1.50" in result[over.pk]["explanation_en"] and "1.50" in result[over.pk]["explanation_fa"]


def test_parking_slots_too_few_and_too_small(issuance):
    spec = Spec(slots=[slot(0, 12, w=2.4), slot(2.5, 12), slot(5, 12)])
    check = drawing_submit(request_id=issuance.pk, actor=issuance.applicant, data=drawing(spec), name="p.dxf")
    results = {r["code"]: r for r in check.results}
    assert results["drawing_parking_count"]["measured"] == 3 and results["drawing_parking_count"]["required"] == 5
    assert (
        results["drawing_parking_size"]["status"] == "failed" and "2.40" in results["drawing_parking_size"]["measured"]
    )
    for r in check.results:
        assert r["plan_version"] is not None and r["explanation_fa"] and r["explanation_en"]


@pytest.mark.hostile("override")
@pytest.mark.parametrize("reason", ["", "   ", "short", "۱۲۳"])
def test_the_override_needs_a_reason_and_the_permit_officer(issuance, staff, reason):
    with pytest.raises(WorkflowError):
        drawing_override(request_id=issuance.pk, actor=staff[Role.PERMIT_OFFICER], reason=reason)
    with pytest.raises(TransitionNotAllowed):
        drawing_override(request_id=issuance.pk, actor=staff[Role.PLANNER], reason="a long enough reason")
    assert not DrawingOverride.objects.exists()


def test_the_override_lets_issuance_go_ahead_and_is_audited(issuance, staff):
    officer = staff[Role.PERMIT_OFFICER]
    bad = drawing_submit(request_id=issuance.pk, actor=issuance.applicant, data=drawing(Spec(floors=4)), name="4.dxf")
    drawing_override(request_id=issuance.pk, actor=officer, reason="The commission allowed a fourth floor.")
    assert approve(issuance, officer).status == "issued"
    event = next(e for e in audit_trail(issuance) if e.action == "drawing.overridden")
    assert event.data["drawing"] == bad.pk and "fourth floor" in event.data["reason"]
    assert DrawingCheck.objects.get(pk=bad.pk).passed is False  # the check is kept as it was


@pytest.mark.access_matrix
def test_who_may_see_and_send(client, issuance, staff, citizen):
    url = reverse("drawings:check", args=[issuance.tracking_code])
    other = user_with("citizen", "someone-else")
    engineer = user_with("eservices_office", "engineer")
    stranger_engineer = user_with("eservices_office", "engineer-2")
    authorisation_grant(client=citizen, agent=engineer, valid_until=timezone.localdate() + dt.timedelta(days=30))
    expected = {other: 404, stranger_engineer: 404, engineer: 200, citizen: 200, staff[Role.PERMIT_OFFICER]: 200}
    for user, status in expected.items():
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    client.logout()
    assert client.get(url).status_code == 302
    # the officer may not send the engineer's drawing; the authorised engineer may
    client.force_login(staff[Role.PERMIT_OFFICER])
    upload = reverse("drawings:upload", args=[issuance.tracking_code])
    response = client.post(upload, {"drawing": SimpleUploadedFile("d.dxf", drawing())})
    assert response.status_code == 403 and not DrawingCheck.objects.exists() and not DrawingUpload.objects.exists()
    client.force_login(engineer)
    response = client.post(upload, {"drawing": SimpleUploadedFile("d.dxf", drawing())})
    assert response.status_code == 302
    received = DrawingUpload.objects.get()
    status = reverse("drawings:upload_status", args=[issuance.tracking_code, received.pk])
    assert client.get(status).json()["status"] == "queued"
    client.force_login(other)
    assert client.get(status).status_code == 404  # another citizen may not follow it
    client.force_login(engineer)
    assert "drawings.check_upload" in run_jobs_here()  # (with the notifications the walk deferred)
    check = DrawingCheck.objects.get()
    assert check.uploaded_by == engineer and check.passed
    page = client.get(url)
    assert page.status_code == 200 and b'data-testid="drawing-map"' in page.content
    assert client.get(reverse("drawings:file", args=[issuance.tracking_code, check.pk])).status_code == 200
    client.force_login(other)
    assert client.get(reverse("drawings:file", args=[issuance.tracking_code, check.pk])).status_code == 404


@pytest.mark.hostile("drawing upload page")
@pytest.mark.parametrize(
    ("name", "data", "text"),
    [
        ("d.dxf", b"AC1032" + bytes(300), "DWG"),
        ("d.dxf", b"", "empty"),
        ("d.pdf", b"%PDF-1.4", "DXF"),
    ],
)
def test_a_refused_upload_shows_its_reason_and_stores_nothing(client, issuance, name, data, text):
    client.force_login(issuance.applicant)
    upload = reverse("drawings:upload", args=[issuance.tracking_code])
    response = client.post(upload, {"drawing": SimpleUploadedFile(name, data)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b'data-testid="refusal-message"' in response.content or b"submitted file is empty" in response.content
    assert not DrawingCheck.objects.exists() and not DrawingUpload.objects.exists()


def test_the_convention_page_and_template_in_both_languages(client):
    fa = client.get(reverse("drawings:convention"))
    assert fa.status_code == 200 and "محدوده_زمین" in fa.content.decode() and "PLOT_BOUNDARY" in fa.content.decode()
    en = client.get("/en/drawings/convention/")
    assert en.status_code == 200 and "Layer convention" in en.content.decode()
    template = client.get(reverse("drawings:template"))
    assert template.status_code == 200 and template["Content-Disposition"].startswith("attachment")
    doc = ezdxf.read(__import__("io").StringIO(template.content.decode()))
    assert {"PLAN_INFO", "PLOT_BOUNDARY", "STREET_REALIGNMENT", "FLR_1_FOOTPRINT", "HEIGHT", "PARKING_SLOT"} <= {
        layer.dxf.name for layer in doc.layers
    }


def test_the_downloaded_template_passes_on_the_test_plot(client, issuance):
    """The template is drawn for a 10 × 26 m plot like the test's measured one: it is a working example."""
    data = client.get(reverse("drawings:template")).content
    check = drawing_submit(request_id=issuance.pk, actor=issuance.applicant, data=data, name="template.dxf")
    assert check.passed, check.failed_rules


def test_a_fencing_request_needs_no_drawing(issuance):
    PermitRequest.objects.filter(pk=issuance.pk).update(kind="fencing")
    assert drawing_check_passing(PermitRequest.objects.get(pk=issuance.pk)) is None
