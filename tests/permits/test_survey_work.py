"""Issue 16, "Staff screens": the surveyor's queue of files waiting for a survey, the survey page's link to
its file, and the inspector reading the surveys of the files he inspects (and no others)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.permits.conftest import at_inspection, inspect_and_survey, staff_member

pytestmark = pytest.mark.django_db


# --- the surveyor's queue ------------------------------------------------------------------------------


def test_the_surveyor_sees_the_files_waiting_for_a_survey_with_the_upload_link(client, plot, citizen, staff):
    req = at_inspection(plot, citizen, staff)
    client.force_login(staff_member(staff[Role.SURVEYOR]))
    page = client.get(reverse("permits:inbox"))
    assert page.status_code == 200
    rows = page.context["survey_queue"]
    assert [r["req"].pk for r in rows] == [req.pk]
    html = page.content.decode()
    assert 'data-testid="survey-upload-for"' in html
    assert f"{reverse('surveys:new')}?file_code={req.file.code}" in html.replace("&amp;", "&")
    # the upload form opened from the queue records the survey as this request's own
    form = client.get(html.split('data-testid="survey-upload-for" href="')[1].split('"')[0].replace("&amp;", "&"))
    assert form.status_code == 200 and form.context["form"].initial["made_for"] == rows[0]["token"]


def test_the_survey_queue_leaves_out_files_surveyed_or_at_other_stages(client, plot, citizen, staff):
    req = at_inspection(plot, citizen, staff)
    inspect_and_survey(plot, staff, req)  # an accepted survey made for the request
    client.force_login(staff_member(staff[Role.SURVEYOR]))
    page = client.get(reverse("permits:inbox"))
    assert page.context["survey_queue"] == []
    assert 'data-testid="empty-row"' in page.content.decode()


def test_other_roles_have_no_survey_queue(client, plot, citizen, staff):
    at_inspection(plot, citizen, staff)
    client.force_login(staff_member(staff[Role.PLANNER]))
    page = client.get(reverse("permits:inbox"))
    assert page.context["survey_queue"] is None
    assert 'data-testid="survey-queue"' not in page.content.decode()


# --- the survey page: its file, and who may read it ------------------------------------------------------


def test_the_survey_page_links_the_file_it_was_made_for(client, plot, citizen, staff):
    req = at_inspection(plot, citizen, staff)
    inspect_and_survey(plot, staff, req)
    survey = req.file.surveys.get()
    client.force_login(staff_member(staff[Role.PLANNER]))
    page = client.get(reverse("surveys:detail", args=[survey.pk])).content.decode()
    assert f'href="{reverse("permits:file", args=[req.tracking_code])}"' in page


def test_the_inspector_reads_the_survey_of_the_file_he_inspects(client, plot, citizen, staff):
    req = at_inspection(plot, citizen, staff)
    inspect_and_survey(plot, staff, req)
    survey = req.file.surveys.get()
    client.force_login(staff_member(staff[Role.INSPECTOR]))
    page = client.get(reverse("surveys:detail", args=[survey.pk]))
    assert page.status_code == 200
    assert page.context["can_review"] is False  # read-only: only planners accept or return
    assert client.post(reverse("surveys:accept", args=[survey.pk])).status_code == 403
    # the file page's link to the survey now leads somewhere
    file_page = client.get(reverse("permits:file", args=[req.tracking_code])).content.decode()
    assert reverse("surveys:detail", args=[survey.pk]) in file_page


def test_an_inspector_with_no_part_in_the_file_still_gets_404(client, plot, citizen, staff):
    from accounts.models import User
    from tests.surveys.conftest import user_with

    req = at_inspection(plot, citizen, staff)
    inspect_and_survey(plot, staff, req)
    survey = req.file.surveys.get()
    # another district's inspector: the file is not on his desk and he has not reported on it
    other: User = user_with(Role.INSPECTOR.value, "t-inspector-elsewhere")
    req.file.district = 1
    req.file.save(update_fields=["district"])
    other.district = 2
    other.save(update_fields=["district"])
    client.force_login(staff_member(other))
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 404
    # a surveyor who did not make it and a citizen: refused as before
    client.force_login(staff_member(user_with(Role.SURVEYOR.value, "t-surveyor-2")))
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 404
    client.force_login(citizen)
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 404


def test_an_inspector_with_the_file_waiting_at_his_stage_reads_its_survey(client, plot, citizen, staff):
    """Before he has reported: the file at stage 2 is on his desk, and its checklist asks about the survey."""
    from tests.surveys.conftest import user_with

    req = at_inspection(plot, citizen, staff)
    inspect_and_survey(plot, staff, req)  # the report is by staff[INSPECTOR], not by this one
    survey = req.file.surveys.get()
    colleague = staff_member(user_with(Role.INSPECTOR.value, "t-inspector-colleague"))
    client.force_login(colleague)
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 200
