"""Who may open which reports page, the pages in English, and the figures the dashboard reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from reports import services
from reports.models import Outcome
from reports.selectors import inspection_cases, report_figures, unit_queue
from tests.reports.conftest import IN_STREET, ON_PARCEL, lon_lat, photo
from tests.surveys.conftest import user_with


def _report(point=ON_PARCEL, category="construction", phone="09150000001"):
    lon, lat = lon_lat(*point)
    return services.report_submit(category=category, lon=lon, lat=lat, description="", phone=phone)


@pytest.mark.access_matrix
def test_pages_by_role(client, plot, reporter):
    report = _report()
    detail = reverse("reports:detail", args=[report.pk])
    expected = {
        # role: (queue, inspections, detail)
        Role.CITIZEN: (404, 403, 404),
        Role.INSPECTOR: (200, 200, 200),
        Role.EXECUTIVE_UNIT: (200, 403, 404),
        Role.MANAGER: (200, 403, 200),
        Role.VIOLATIONS_OFFICER: (200, 403, 404),  # not before an inspection was recorded
    }
    for role, (queue, inspections, page) in expected.items():
        client.force_login(user_with(role.value, f"t-{role.value}"))
        got = (
            client.get(reverse("reports:queue")).status_code,
            client.get(reverse("reports:inspections")).status_code,
            client.get(detail).status_code,
        )
        assert got == (queue, inspections, page), role
    client.logout()
    assert client.get(reverse("reports:new"))["Location"] == reverse("reports:phone")
    assert client.get(reverse("reports:queue")).status_code == 302  # to the login page
    assert client.get(reverse("reports:status", args=[report.tracking_code])).status_code == 200
    assert client.get(reverse("reports:new")).status_code == 302
    # state changes only by POST
    client.force_login(user_with(Role.INSPECTOR.value, "t-insp2"))
    assert client.get(reverse("reports:close", args=[report.pk])).status_code == 405


def test_pages_in_english(client, plot, reporter):
    report = _report()
    client.force_login(reporter)
    status = reverse("reports:status", args=[report.tracking_code])
    for url in (reverse("reports:new"), reverse("reports:track"), reverse("reports:mine")):
        english = "/en" + url
        answer = client.get(english)
        assert answer.status_code == 200, english
        assert 'lang="en"' in answer.content.decode()
    page = client.get("/en" + status).content.decode()
    assert "Sent to the responsible unit" in page and "Unauthorised construction" in page


def test_queues_and_figures_for_the_dashboard(plot):
    inspector = user_with(Role.INSPECTOR.value, "t-insp")
    executive = user_with(Role.EXECUTIVE_UNIT.value, "t-exec")
    construction = _report()
    debris = _report(IN_STREET, "debris", phone="09150000002")
    assert list(inspection_cases(user=inspector)) == [construction]
    assert list(unit_queue(user=executive)) == [debris]
    services.report_close(
        report=debris,
        actor=executive,
        outcome=Outcome.RESOLVED,
        evidence=services.Evidence(note="جمع شد", photos=[(photo(), _facts())]),
    )
    now = timezone.now()
    figures = {f.category: f for f in report_figures(start=now - dt.timedelta(days=1), end=now + dt.timedelta(days=1))}
    assert figures["construction"].received == 1 and figures["construction"].closed == 0
    assert figures["debris"].received == 1 and figures["debris"].closed == 1 and figures["debris"].closed_in_time == 1
    assert figures["debris"].median_days_to_close == 0.0
    assert figures["street_damage"].received == 0 and figures["street_damage"].median_days_to_close is None
    assert unit_queue(user=executive).count() == 0


def _facts():
    from surveys.forms import photo_facts

    return photo_facts(photo())
