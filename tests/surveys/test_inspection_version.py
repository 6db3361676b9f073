"""The inspection report form's version (issue 16 item 5): a report kept as a draft on the inspector's
phone and sent later meets a report recorded on the file meanwhile instead of going in blind."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Inspection
from surveys.selectors import inspections_version
from surveys.services import inspection_record
from tests.surveys.conftest import user_with


def report(plot, **extra):
    return {
        "file_code": plot.file_code,
        "visited_on": "1405/09/01",
        "visited_time": "10:30",
        "check_site_matches_map": "on",
        "notes": "گزارش از پیش‌نویس",
        **extra,
    }


def drawn_version(client, plot) -> str:
    html = client.get(reverse("surveys:inspection_new") + f"?file_code={plot.file_code}").content.decode()
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_the_form_opened_for_a_file_carries_its_inspections_version(client, plot):
    inspector = user_with("inspector")
    client.force_login(inspector)
    assert drawn_version(client, plot) == "0"
    first = inspection_record(
        parcel=plot, inspector=inspector, visited_at=timezone.now(), checklist={}, notes="", photos=[]
    )
    assert inspections_version(file_code=plot.file_code) == first.pk
    assert drawn_version(client, plot) == str(first.pk)


def test_a_report_drawn_with_the_current_version_is_saved(client, plot):
    client.force_login(user_with("inspector"))
    version = drawn_version(client, plot)
    response = client.post(reverse("surveys:inspection_new"), report(plot, version=version))
    assert response.status_code == 302 and Inspection.objects.count() == 1


@pytest.mark.parametrize("language", ["fa", "en"])
def test_a_late_draft_meets_the_newer_report_and_saves_nothing(client, plot, language):
    inspector = user_with("inspector")
    client.force_login(inspector)
    version = drawn_version(client, plot)
    newer = inspection_record(
        parcel=plot, inspector=inspector, visited_at=timezone.now(), checklist={}, notes="", photos=[]
    )
    prefix = "/en" if language == "en" else ""
    response = client.post(prefix + "/surveys/inspections/new/", report(plot, version=version))
    html = response.content.decode()
    assert response.status_code == 400
    assert list(Inspection.objects.values_list("pk", flat=True)) == [newer.pk]
    expected = "after this form was opened" if language == "en" else "پس از باز شدن این فرم"
    assert expected in html
    # the form drawn again carries the newer version: sent from this page, it is sent knowingly
    assert f'name="version" value="{newer.pk}"' in html
    again = client.post(prefix + "/surveys/inspections/new/", report(plot, version=str(newer.pk)))
    assert again.status_code == 302 and Inspection.objects.count() == 2


def test_a_form_without_a_version_is_not_checked(client, plot):
    inspector = user_with("inspector")
    client.force_login(inspector)
    inspection_record(parcel=plot, inspector=inspector, visited_at=timezone.now(), checklist={}, notes="", photos=[])
    response = client.post(reverse("surveys:inspection_new"), report(plot))  # a code typed on a blank form
    assert response.status_code == 302 and Inspection.objects.count() == 2
