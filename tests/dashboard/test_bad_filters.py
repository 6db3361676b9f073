"""Bad filters on every dashboard address answer 400 with a translated message (a page, or JSON for the
JSON addresses), never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role

BAD = [
    "district=abc",
    "district=0",
    "district=-1",
    "district=1000",
    "district=1%00",
    "district=۱۲۳۴۵۶۷۸۹",
    "unit=nobody",
    "unit=manager",
    "unit=%00",
    "period=month&year=1405&n=13",
    "period=custom&from=1405/08/40&to=1405/08/01",
    "period=custom&from=0001-01-01&to=9999-12-31",
    "period=custom&from=1404/01/01&to=1405/01/02&district=%00",
    "period=%00",
]


def says_why(response) -> bool:
    """The dashboard's own message, or (a NUL) the site's edge refusing the character first."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return bool(body.get("error") or body.get("message") or body.get("detail"))
    page = response.content.decode()
    return 'data-testid="filter-error"' in page or 'data-testid="refused"' in page


@pytest.fixture
def manager(client, people, districts):
    client.force_login(people[Role.MANAGER])
    return client


@pytest.mark.hostile("dashboard filters")
@pytest.mark.parametrize("query", BAD)
def test_pages_answer_400_with_a_message(manager, query):
    for name in ("dashboard:page", "dashboard:files", "dashboard:reports"):
        url = reverse(name) + "?" + query + ("&show=open" if name == "dashboard:files" else "")
        response = manager.get(url)
        assert response.status_code == 400, url
        assert says_why(response), url
    for table in ("stage_times", "reports"):
        export = manager.get(reverse("dashboard:export", args=[table, "csv"]) + "?" + query)
        assert export.status_code == 400


@pytest.mark.hostile("dashboard filters")
@pytest.mark.parametrize("query", BAD)
def test_json_answers_400_with_a_message(manager, query):
    for name in ("dashboard:figures", "dashboard:map"):
        response = manager.get(reverse(name) + "?" + query)
        assert response.status_code == 400
        assert says_why(response)


@pytest.mark.hostile("dashboard file lists")
@pytest.mark.parametrize(
    "query",
    [
        "show=",
        "show=everything",
        "show=open&stage=nowhere",
        "show=open&stage=%00",
        "show=late&officer=abc",
        "show=late&officer=99999999999999999999999",
        "show=decided&kind=" + "x" * 100,
        "show=violations&kind=%00",
    ],
)
def test_bad_file_lists(manager, query):
    response = manager.get(reverse("dashboard:files") + "?" + query)
    assert response.status_code == 400
    assert says_why(response)


@pytest.mark.hostile("dashboard report lists")
@pytest.mark.parametrize(
    "query",
    [
        "category=nothing",
        "category=%00",
        "category=construction%00",
        "category=" + "x" * 100,
        "category=<script>",
        "state=everything",
        "state=%00",
        "state=closed&category=CONSTRUCTION'--",
        "state=" + "y" * 100,
    ],
)
def test_bad_report_lists(manager, query):
    response = manager.get(reverse("dashboard:reports") + "?" + query)
    assert response.status_code == 400
    assert says_why(response)


@pytest.mark.hostile("dashboard exports")
@pytest.mark.parametrize("path", ["nothing.csv", "stage_times.pdf", "stage_times.xlsx.exe", "..%2Fsettings.csv"])
def test_unknown_exports_are_404(manager, path):
    assert manager.get("/dashboard/export/" + path).status_code == 404


def test_the_message_is_persian(manager):
    page = manager.get(reverse("dashboard:page") + "?district=abc").content.decode()
    assert "منطقه باید شماره یک منطقه باشد." in page
