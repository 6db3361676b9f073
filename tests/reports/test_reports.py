"""Citizen reports end to end without a browser: report at a point, routing, the inspection case and the
violation it leads to ("closed, violation recorded"), closing with evidence, reopening once, the
anonymous reporter's SMS code, and who sees what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from gis_app.models import AuditEvent
from notifications.models import Notification
from reports import services
from reports.models import Outcome, PhoneCode, Report, ReportStatus
from surveys.models import Inspection
from tests.conftest import run_jobs_here
from tests.reports.conftest import IN_STREET, ON_PARCEL, lon_lat, photo
from tests.surveys.conftest import user_with
from violations.models import Violation


def post_report(client, point=ON_PARCEL, category="construction", photos=(), **extra):
    lon, lat = lon_lat(*point)
    data = {"category": category, "lon": f"{lon:.7f}", "lat": f"{lat:.7f}", "description": "ساخت بدون پروانه"}
    data.update(extra)
    if photos:
        data["photos"] = list(photos)
    return client.post(reverse("reports:new"), data)


def test_a_citizen_reports_construction_and_the_chain_closes_it_with_the_violation(client, plot, reporter):
    client.force_login(reporter)
    response = post_report(client, photos=[photo()])
    assert response.status_code == 302
    report = Report.objects.get()
    assert re.fullmatch(r"BJ-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{2}", report.tracking_code)
    assert response["Location"] == reverse("reports:status", args=[report.tracking_code])
    assert report.status == ReportStatus.ROUTED and report.unit == Role.INSPECTOR
    assert report.parcel_id == plot.pk and report.file.code == plot.file_code
    assert report.due_on > timezone.localdate() and report.routed_at and report.phone == reporter.mobile
    assert report.photos.count() == 1
    assert {"report.received", "report.routed"} <= set(AuditEvent.objects.values_list("action", flat=True))

    # the inspector's queue has the case, with a link to the inspection form made for the report
    inspector = user_with(Role.INSPECTOR.value, "t-insp")
    client.force_login(inspector)
    queue = client.get(reverse("reports:inspections"))
    assert queue.status_code == 200
    ((case, url),) = queue.context["cases"]
    assert case == report
    form = client.get(url)
    token = form.context["form"].initial["made_for"]
    answer = client.post(
        reverse("surveys:inspection_new"),
        {
            "file_code": plot.file_code,
            "visited_on": "1405/09/01",
            "visited_time": "10:30",
            "check_construction_in_progress": "on",
            "notes": "ساخت طبقه سوم بدون پروانه",
            "made_for": token,
        },
    )
    assert answer.status_code == 302, answer.context["form"].errors
    report.refresh_from_db()
    inspection = Inspection.objects.get()
    assert inspection.origin == "citizen_report" and inspection.origin_object == report
    assert report.inspection == inspection and report.status == ReportStatus.IN_PROGRESS
    assert not client.get(reverse("reports:inspections")).context["cases"]

    # the violations officer records the violation from the report: it closes, and the reporter is told
    officer = user_with(Role.VIOLATIONS_OFFICER.value, "t-vo")
    client.force_login(officer)
    answer = client.post(
        reverse("reports:violation", args=[report.pk]),
        {"kind": "no_permit_within_rules", "description": "طبقه سوم بدون پروانه"},
    )
    assert answer.status_code == 302
    report.refresh_from_db()
    violation = Violation.objects.get()
    assert report.status == ReportStatus.CLOSED and report.outcome == Outcome.VIOLATION_RECORDED
    assert report.violation == violation and violation.file == report.file
    assert Notification.objects.filter(recipient=reporter, about_id=report.pk).exists()

    client.force_login(reporter)
    page = client.get(reverse("reports:status", args=[report.tracking_code])).content.decode()
    assert "بسته شد، تخلف ثبت شد" in page and 'data-testid="chain-violation"' in page


def test_a_violation_recorded_elsewhere_on_the_file_closes_the_inspected_report(plot, reporter):
    from violations.services import violation_record

    lon, lat = lon_lat(*ON_PARCEL)
    report = services.report_submit(
        category="construction", lon=lon, lat=lat, description="", phone="09150000001", reporter=reporter
    )
    untouched = services.report_submit(category="construction", lon=lon, lat=lat, description="", phone="09150000002")
    from surveys.services import inspection_record

    inspection_record(
        parcel=plot,
        inspector=user_with("inspector"),
        visited_at=timezone.now(),
        checklist={},
        notes="",
        photos=[],
        origin="citizen_report",
        origin_object=report,
    )
    violation_record(actor=user_with("violations_officer"), file=report.file, kind="against_plan", geom=plot.geom)
    report.refresh_from_db()
    untouched.refresh_from_db()
    assert report.outcome == Outcome.VIOLATION_RECORDED
    assert untouched.status == ReportStatus.ROUTED  # not inspected: not answered by this violation


def test_debris_in_the_street_goes_to_the_executive_unit_and_closes_with_evidence(client, plot, reporter):
    client.force_login(reporter)
    assert post_report(client, point=IN_STREET, category="debris").status_code == 302
    report = Report.objects.get()
    assert report.unit == Role.EXECUTIVE_UNIT and report.parcel_id is None and report.file_id is None
    executive = user_with(Role.EXECUTIVE_UNIT.value, "t-exec")
    inspector = user_with(Role.INSPECTOR.value, "t-insp")
    client.force_login(inspector)
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404  # another unit's
    client.force_login(executive)
    url = reverse("reports:close", args=[report.pk])
    # no note, no evidence, a made-up outcome: refused with a message each time
    for data, text in (
        ({"outcome": "resolved", "note": ""}, "note"),
        ({"outcome": "resolved", "note": "جمع شد"}, "مدرک"),
        ({"outcome": "violation_recorded", "note": "x", "photos": [photo()]}, "outcome"),
        ({"outcome": "nonsense", "note": "x"}, "outcome"),
    ):
        answer = client.post(url, data)
        assert answer.status_code == 400, data
        form = answer.context["close_form"]
        assert text in form.errors or text in " ".join(form.non_field_errors()), (data, form.errors)
    report.refresh_from_db()
    assert report.status == ReportStatus.ROUTED
    assert client.post(url, {"outcome": "resolved", "note": "نخاله‌ها جمع شد", "photos": [photo()]}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.photos.filter(kind="evidence").count() == 1

    # the reporter reopens once, not twice
    client.force_login(reporter)
    reopen = reverse("reports:reopen", args=[report.tracking_code])
    assert client.post(reopen, {"reason": "هنوز هست"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.REOPENED
    client.force_login(executive)
    client.post(url, {"outcome": "resolved", "note": "دوباره جمع شد", "photos": [photo()]})
    client.force_login(reporter)
    answer = client.post(reopen, {"reason": "باز هم هست"})
    assert answer.status_code == 400
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED


@pytest.mark.hostile("reading another's report (reports)")
def test_a_citizen_sees_only_their_own_reports_and_the_tracking_code_shows_only_the_status(client, plot, reporter):
    lon, lat = lon_lat(*ON_PARCEL)
    report = services.report_submit(
        category="construction",
        lon=lon,
        lat=lat,
        description="همسایه‌ام آقای الف",
        phone="09159998877",
        photos=[(photo(), _facts())],
    )
    client.force_login(reporter)
    for url in (
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:photo", args=[report.pk, report.photos.get().pk]),
        reverse("reports:detail", args=[report.pk + 1000]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("reports:close", args=[report.pk]), {"outcome": "resolved", "note": "x"}).status_code == 404
    )
    assert client.post(reverse("reports:reopen", args=[report.tracking_code]), {"reason": "x"}).status_code == 404
    assert not client.get(reverse("reports:mine")).context["reports"]
    page = client.get(reverse("reports:status", args=[report.tracking_code])).content.decode()
    assert "همسایه‌ام" not in page and "09159998877" not in page and "۰۹۱۵۹۹۹۸۸۷۷" not in page
    assert "reopen-form" not in page
    # typed with Persian digits and lower case, the code still finds it; a wrong or odd code does not
    typed = report.tracking_code.lower().replace("2", "۲")
    assert client.get(reverse("reports:track"), {"code": typed}).status_code == 302
    for bad in ("BJ-AAAAA-AAAAA-AA", "' OR 1=1 --", "x" * 200, "<script>"):
        assert client.get(reverse("reports:track"), {"code": bad}).status_code in (400, 404), bad
    assert client.get(reverse("reports:status", args=["BJ-AAAAA-AAAAA-AA"])).status_code == 404


def _facts():
    from surveys.forms import photo_facts

    return photo_facts(photo())


def test_an_anonymous_visitor_confirms_a_number_by_sms_then_reports(client, plot, gateway):
    assert client.get(reverse("reports:new"))["Location"] == reverse("reports:phone")
    assert client.post(reverse("reports:phone"), {"step": "phone", "mobile": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}).status_code == 302
    run_jobs_here()
    (sms,) = gateway.received
    assert sms["to"] == "09123456789" and sms["channel"] == "sms"
    code = re.search(r"\d{6}", sms["body"]).group()
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(reverse("reports:phone"), {"step": "code", "code": wrong}).status_code == 400
    assert client.post(reverse("reports:phone"), {"step": "code", "code": code}).status_code == 302
    assert post_report(client, category="dangerous").status_code == 302
    report = Report.objects.get()
    assert report.reporter is None and report.phone == "09123456789"
    # closed: the anonymous reporter gets an SMS at the confirmed number
    inspector = user_with(Role.INSPECTOR.value, "t-insp")
    services.report_close(
        report=report,
        actor=inspector,
        outcome=Outcome.NO_PROBLEM,
        evidence=services.Evidence(note="خطری نیست", photos=[(photo(), _facts())]),
    )
    run_jobs_here()
    assert gateway.received[-1]["to"] == "09123456789" and report.tracking_code in gateway.received[-1]["body"]
    # the same session may reopen it (the number is confirmed in it)
    assert (
        client.post(reverse("reports:reopen", args=[report.tracking_code]), {"reason": "ترک بزرگ‌تر شد"}).status_code
        == 302
    )


@pytest.mark.hostile("one-time code guessing (reports)")
def test_codes_expire_allow_few_tries_and_few_are_sent(client, plot, gateway):
    for bad in ("0912345678", "08123456789", "abc", "", "+98912345678999"):
        answer = client.post(reverse("reports:phone"), {"step": "phone", "mobile": bad})
        assert answer.status_code == 400 and answer.context["phone_form"].errors, bad
    client.post(reverse("reports:phone"), {"step": "phone", "mobile": "09123456789"})
    for bad in ("12345", "abcdef", "1234567"):
        assert client.post(reverse("reports:phone"), {"step": "code", "code": bad}).status_code == 400
    for _ in range(services.CODE_ATTEMPTS):
        services.phone_code_confirm(phone="09123456789", code="999999")
    latest = PhoneCode.objects.get()
    assert latest.attempts == services.CODE_ATTEMPTS
    run_jobs_here()
    real = re.search(r"\d{6}", gateway.received[0]["body"]).group()
    assert not services.phone_code_confirm(phone="09123456789", code=real)  # too many tries
    PhoneCode.objects.update(attempts=0, created_at=timezone.now() - dt.timedelta(minutes=11))
    assert not services.phone_code_confirm(phone="09123456789", code=real)  # expired
    for _ in range(services.CODES_PER_HOUR - 1):
        services.phone_code_send(phone="09123456789")
    answer = client.post(reverse("reports:phone"), {"step": "phone", "mobile": "09123456789"})
    assert answer.status_code == 429


def test_the_file_page_shows_the_reports_on_the_property(client, plot, citizen, staff):
    from tests.permits.conftest import at_inspection as request_at_inspection

    at_inspection = request_at_inspection(plot, citizen, staff)
    lon, lat = lon_lat(*ON_PARCEL)
    report = services.report_submit(category="construction", lon=lon, lat=lat, description="", phone="09150000003")
    assert report.file == at_inspection.file
    url = reverse("permits:file", args=[at_inspection.tracking_code])
    client.force_login(staff[Role.INSPECTOR])
    page = client.get(url).content.decode()
    assert 'data-testid="file-report"' in page and reverse("reports:detail", args=[report.pk]) in page
    client.force_login(at_inspection.applicant)
    page = client.get(url).content.decode()
    assert 'data-testid="file-report"' in page and reverse("reports:detail", args=[report.pk]) not in page
