"""Issue 16, "Staff screens": the timeline marks the current stage, an empty list keeps its table and
says so in one row, and a rejection asks for a confirmation and its note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import STAFF_ROLES, Role
from permits.models import PermitRequest, RequestStatus
from tests.permits.conftest import at_inspection, staff_member, submitted

pytestmark = pytest.mark.django_db


# --- the timeline's current stage ---------------------------------------------------------------------


def test_the_timeline_marks_the_current_stage(client, plot, citizen, staff):
    req = at_inspection(plot, citizen, staff)
    client.force_login(citizen)
    html = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    current = html.split('data-testid="timeline-current"')
    assert len(current) == 2  # exactly one
    item = current[0].rsplit("<li", 1)[1] + current[1].split("</li>", 1)[0]
    assert 'class="t-current"' in item and 'aria-current="step"' in item
    assert "current-mark" in item and "مرحله کنونی" in item
    assert "بازدید" in item  # stage 2, inspection and survey


# --- empty lists keep their table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url_name", "table"),
    [
        (Role.CITIZEN, "permits:mine", "my-files"),
        (Role.CLERK, "permits:inbox", "inbox"),
        (Role.SURVEYOR, "permits:inbox", "survey-queue"),
        (Role.CLERK, "accounts:pending", "pending"),
        (Role.MANAGER, "accounts:locked", "locked"),
        (Role.MANAGER, "deliveries", "delivery-trouble"),
        (Role.PLANNER, "surveys:list", "surveys"),
    ],
)
def test_an_empty_list_keeps_its_head_and_says_nothing_is_there(client, staff, role, url_name, table):
    client.force_login(staff_member(staff[role]) if role in STAFF_ROLES else staff[role])
    html = client.get(reverse(url_name)).content.decode()
    part = html.split(f'data-testid="{table}"', 1)[1].split("</table>", 1)[0]
    assert "<thead>" in part and "<th>" in part
    assert part.count("<tr") == 2 and 'class="empty-row"' in part  # the head's row and one "nothing" row


# --- the rejection asks for a confirmation --------------------------------------------------------------


def test_reject_asks_for_confirmation_and_needs_the_note(client, plot, citizen, staff):
    req = submitted(plot, citizen)
    client.force_login(staff_member(staff[Role.CLERK]))
    url = reverse("permits:act", args=[req.tracking_code])
    # without a note: refused, nothing changes
    response = client.post(url, {"action": "reject", "version": req.version, "note": ""})
    assert response.status_code == 400
    # with a note: the confirmation page, nothing changes yet
    response = client.post(url, {"action": "reject", "version": req.version, "note": "سند جعلی است"})
    assert response.status_code == 200 and 'data-testid="confirm-reject"' in response.content.decode()
    assert PermitRequest.objects.get(pk=req.pk).status == RequestStatus.IN_REVIEW
    # confirmed: rejected
    response = client.post(url, {"action": "reject", "version": req.version, "note": "سند جعلی است", "confirmed": "on"})
    assert response.status_code == 302
    assert PermitRequest.objects.get(pk=req.pk).status == RequestStatus.REJECTED


def test_no_confirmation_page_for_someone_who_may_not_reject(client, plot, citizen, staff):
    req = submitted(plot, citizen)
    client.force_login(citizen)
    url = reverse("permits:act", args=[req.tracking_code])
    response = client.post(url, {"action": "reject", "version": req.version, "note": "I reject it myself"})
    assert response.status_code == 403 and 'data-testid="confirm-reject"' not in response.content.decode()
    assert PermitRequest.objects.get(pk=req.pk).status == RequestStatus.IN_REVIEW


def test_the_reject_note_field_is_required_in_the_form(client, plot, citizen, staff):
    req = submitted(plot, citizen)
    client.force_login(staff_member(staff[Role.CLERK]))
    html = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    reject_form = html.split('class="stacked action-reject"', 1)[1].split("</form>", 1)[0]
    assert 'data-testid="note-reject"' in reject_form and "required" in reject_form
