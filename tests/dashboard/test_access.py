"""Who may read the dashboard: managers everything; a unit head his unit in his district (403 beyond);
citizens, agencies, other staff 403; nobody signed in is sent to log in. The public page needs no login
and shows no personal data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.dashboard.conftest import V, at, history, unit_head

PAGES = ["dashboard:page", "dashboard:figures", "dashboard:map", "dashboard:files"]


def _url(name: str, query: str = "") -> str:
    base = reverse(name)
    params = "show=open" if name == "dashboard:files" else ""
    joined = "&".join(p for p in (params, query) if p)
    return base + ("?" + joined if joined else "")


@pytest.mark.access_matrix
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", [Role.CITIZEN, Role.AGENCY, Role.ESERVICES_OFFICE, Role.CLERK, Role.PERMIT_OFFICER])
def test_not_for_other_roles(client, people, districts, name, role):
    client.force_login(people[role])
    assert client.get(_url(name)).status_code == 403


@pytest.mark.access_matrix
@pytest.mark.parametrize("name", PAGES)
def test_sign_in_first(client, db, name):
    response = client.get(_url(name))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.access_matrix
@pytest.mark.parametrize("name", PAGES)
def test_manager_reads_everything(client, people, districts, name):
    client.force_login(people[Role.MANAGER])
    assert client.get(_url(name, "district=2&unit=planner")).status_code == 200


@pytest.mark.access_matrix
@pytest.mark.parametrize("name", PAGES)
def test_unit_head_own_unit_and_district(client, people, districts, name):
    head = unit_head(people[Role.INSPECTOR], unit="inspector", district=1)
    client.force_login(head)
    assert client.get(_url(name)).status_code == 200
    assert client.get(_url(name, "district=1&unit=inspector")).status_code == 200
    assert client.get(_url(name, "district=2")).status_code == 403
    assert client.get(_url(name, "unit=planner")).status_code == 403
    assert client.get(_url(name, "district=2&unit=inspector")).status_code == 403


@pytest.mark.access_matrix
def test_unit_head_sees_only_his_stages_and_district(client, people, plot, districts, refreshed):
    citizen = people[Role.CITIZEN]
    mine = history(plot, citizen, [V("inspection", at(2026, 11, 3))], district=1)
    other_district = history(plot, citizen, [V("inspection", at(2026, 11, 3))], district=2)
    other_stage = history(plot, citizen, [V("detailed_plan", at(2026, 11, 3))], district=1)
    refreshed()
    client.force_login(unit_head(people[Role.INSPECTOR], unit="inspector", district=1))
    page = client.get(reverse("dashboard:files") + "?show=open").content.decode()
    assert mine.tracking_code in page
    assert other_district.tracking_code not in page and other_stage.tracking_code not in page
    # a stage of another unit, asked for by name
    assert client.get(reverse("dashboard:files") + "?show=open&stage=detailed_plan").status_code == 403
    figures = client.get(reverse("dashboard:figures")).json()["figures"]
    assert "now.inspection.in_review" in figures and "now.detailed_plan.in_review" not in figures


@pytest.mark.access_matrix
def test_a_unit_head_must_be_staff(client, people, districts):
    citizen = unit_head(people[Role.CITIZEN], unit="inspector", district=1)
    client.force_login(citizen)
    assert client.get(reverse("dashboard:page")).status_code == 403


def test_navigation_link(client, people, districts):
    client.force_login(people[Role.MANAGER])
    assert 'data-testid="nav-dashboard"' in client.get(reverse("home")).content.decode()
    client.force_login(people[Role.CLERK])
    assert 'data-testid="nav-dashboard"' not in client.get(reverse("home")).content.decode()
    client.force_login(unit_head(people[Role.PLANNER], unit="planner", district=2))
    assert 'data-testid="nav-dashboard"' in client.get(reverse("home")).content.decode()


def test_public_page_without_login_and_without_personal_data(client, people, plot, districts, refreshed):
    from django.utils import timezone

    citizen = people[Role.CITIZEN]
    citizen.first_name, citizen.last_name = "Maryam", "Secretname"
    citizen.save()
    now = timezone.now()
    req = history(
        plot,
        citizen,
        [V("issuance", now - timezone.timedelta(days=3), now - timezone.timedelta(days=1), "approve")],
        status="issued",
        closed_at=now - timezone.timedelta(days=1),
    )
    refreshed()
    response = client.get(reverse("dashboard:public"))
    assert response.status_code == 200
    page = response.content.decode()
    assert req.tracking_code not in page and req.file.code not in page and "Secretname" not in page
    assert 'data-testid="public-issued">۱<' in page
    # district 1's row: one permit this year, none last year, two days to the decision
    assert 'data-testid="public-district-1"' in page
    row = page.split('data-testid="public-district-1"', 1)[1].split("</tr>", 1)[0]
    assert ">۱<" in row and ">۲<" in row
    assert "منطقه یک" in page


def test_the_refresh_json_carries_every_figure_of_the_page(client, people, plot, districts, refreshed):
    import re

    history(
        plot,
        people[Role.CITIZEN],
        [V("secretariat", at(2026, 11, 2), at(2026, 11, 3), "advance"), V("inspection", at(2026, 11, 3))],
    )
    refreshed()
    client.force_login(people[Role.MANAGER])
    query = "?period=month&year=1405&n=8"
    page = client.get(reverse("dashboard:page") + query).content.decode()
    keys = set(re.findall(r'data-figure="([^"]+)"', page))
    figures = client.get(reverse("dashboard:figures") + query).json()["figures"]
    assert keys and keys <= set(figures)
    # the texts the script writes back are the ones the page shows
    assert f'data-figure="times.secretariat.net_median">{figures["times.secretariat.net_median"]}<' in page
    assert figures["times.secretariat.net_median"] == "۱ روز"


def test_map_json_is_geojson_with_district_figures_and_stuck_points(client, people, plot, districts, refreshed):
    stuck = history(plot, people[Role.CITIZEN], [V("inspection", at(2026, 11, 3))])
    refreshed()
    client.force_login(people[Role.MANAGER])
    data = client.get(reverse("dashboard:map") + "?period=month&year=1405&n=8").json()
    kinds = [f["properties"]["kind"] for f in data["features"]]
    assert kinds.count("district") == 2 and kinds.count("stuck") == 1
    point = next(f for f in data["features"] if f["properties"]["kind"] == "stuck")
    assert point["properties"]["href"] == reverse("permits:file", args=[stuck.tracking_code])
    one = next(f for f in data["features"] if f["properties"].get("number") == 1)
    assert one["properties"]["backlog"] == 1 and one["properties"]["name"] == "منطقه یک"
