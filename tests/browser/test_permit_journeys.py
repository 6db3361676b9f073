"""Browser journeys of the permit workflow: sign-up to the permit-issuance stage with every role in
turn, and a file sent back for a missing document and resubmitted. Headless Chromium, whole stack."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from shapely.geometry import mapping

from accounts.models import User
from accounts.second_factor import second_factor_required
from gis_app.text import digits_to_persian
from parcels.selectors import live_parcels
from permits.models import PermitRequest
from surveys.services import inspection_record, survey_accept, survey_upload
from tests.browser.conftest import second_factor
from tests.permits.conftest import assert_history_matches_audit, fee_data_ready, fees_settled, pdf_bytes
from zoning.selectors import parcel_compliance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-1405"


def staff_user(role: str) -> User:
    user = User.objects.create_user(
        username=f"j-{role}", password=PASSWORD, first_name="کارشناس", last_name=role, is_staff=True
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def login(page, live_url: str, username: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    if second_factor_required(User.objects.get(username=username)):
        second_factor(page, username)  # staff: set up the authenticator the first time, then its code
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()


def a_parcel_that_passes():
    """A sample-city parcel with street access whose most-allowed proposal passes every rule."""
    for parcel in live_parcels().order_by("file_code")[:300]:
        report = parcel_compliance(parcel_id=parcel.pk)
        if report and report.passed and report.facts.streets and len(report.facts.zones) == 1 and report.zone:
            return parcel, report
    raise AssertionError("no passing parcel in the sample city")


def inspect_and_survey(parcel, inspector, surveyor, planner, req) -> None:
    inspection_record(
        parcel=parcel,
        inspector=inspector,
        visited_at=timezone.now() - dt.timedelta(minutes=5),
        checklist={"access": True},
        notes="site visited",
        photos=[],
        origin="request",
        origin_object=req,
    )
    import shapely

    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32640"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "boundary"},
                "geometry": mapping(shapely.from_wkb(bytes(parcel.geom.wkb)).geoms[0]),
            }
        ],
    }
    survey = survey_upload(
        parcel=parcel,
        surveyor=surveyor,
        upload=SimpleUploadedFile("s.geojson", json.dumps(doc).encode()),
        measured_on=timezone.localdate(),
        origin="request",
        origin_object=req,
    )
    survey_accept(survey=survey, planner=planner)


def act_at_stage(page, live_url, tracking: str, username: str, *, before=None) -> None:
    """Log in as the stage's officer, open the file from the inbox, tick the checklist, accept."""
    login(page, live_url, username)
    page.get_by_test_id("nav-inbox").click()
    page.get_by_test_id("inbox").get_by_text(digits_to_persian(tracking)).click()
    if before:
        before()
    open_tasks = page.get_by_test_id("checklist").locator("button[aria-pressed=false]")
    for _ in range(open_tasks.count()):  # each tick reloads the page
        open_tasks.first.click()
    expect(page.get_by_test_id("checklist").locator("button[aria-pressed=false]")).to_have_count(0)
    page.get_by_test_id("act-advance").click()
    expect(page.locator(".messages")).to_contain_text("انجام شد")


def test_a_citizen_signs_up_files_a_permit_and_it_reaches_the_issuance_stage(
    page, live_url, tmp_path, settings, job_worker
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("sample_city_load", verbosity=0)
    call_command("permit_schedules_load", verbosity=0)
    call_command("tariff_load", verbosity=0)
    parcel, report = a_parcel_that_passes()
    roles = [
        "clerk",
        "inspector",
        "surveyor",
        "planner",
        "violations_officer",
        "renovation_officer",
        "executive_unit",
        "revenue_officer",
        "permit_officer",
    ]
    users = {r: staff_user(r) for r in roles}
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. sign-up (Persian digits in the national ID), then the login says the account waits
    page.goto(f"{live_url}/")
    page.get_by_test_id("nav-signup").click()
    page.fill("#id_first_name", "مریم")
    page.fill("#id_last_name", "رضایی")
    page.fill("#id_national_id", "۰۰۱۳۵۴۲۴۱۸")  # wrong check digit
    page.fill("#id_mobile", "09151234567")
    page.fill("#id_password1", "my long pass phrase 1405")
    page.fill("#id_password2", "my long pass phrase 1405")
    page.get_by_test_id("signup").click()
    expect(page.get_by_test_id("error-national_id")).to_be_visible()
    page.fill("#id_national_id", "۰۰۱۳۵۴۲۴۱۹")
    page.fill("#id_password1", "my long pass phrase 1405")
    page.fill("#id_password2", "my long pass phrase 1405")
    page.get_by_test_id("signup").click()
    expect(page.get_by_test_id("signup-done")).to_be_visible()
    page.goto(f"{live_url}/accounts/login/")
    page.fill("#id_username", "0013542419")
    page.fill("#id_password", "my long pass phrase 1405")
    page.click("main button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("احراز هویت")

    # 2. the one in-person step: the clerk activates the account
    login(page, live_url, "j-clerk")
    page.get_by_test_id("nav-pending").click()
    page.get_by_test_id("identity-seen-0013542419").check()
    page.get_by_test_id("activate-0013542419").click()
    expect(page.locator(".messages")).to_contain_text("فعال شد")

    # 3. the citizen files the request from home
    login(page, live_url, "0013542419", "my long pass phrase 1405")
    page.get_by_test_id("nav-my-files").click()
    page.get_by_test_id("new-request").click()
    page.get_by_test_id("parcel-code").fill(digits_to_persian(parcel.file_code))
    page.get_by_test_id("parcel-code").press("Enter")
    expect(page.get_by_test_id("max-floors")).to_have_text(digits_to_persian(str(report.envelope.max_floors)))
    page.wait_for_selector("body[data-survey-map-ready=true]")
    page.select_option("#id_kind", "building_new")
    page.select_option("#id_use", report.zone.land_use)
    page.fill("#id_floors", digits_to_persian(str(report.envelope.max_floors)))
    page.fill("#id_floor_area_m2", str(int(report.envelope.max_floor_area_m2 * 0.9)))
    page.fill("#id_footprint_m2", str(int(report.envelope.max_footprint_m2 * 0.8)))
    page.get_by_test_id("save-draft").click()
    tracking = page.get_by_test_id("tracking-code").inner_text()
    for kind, name in (("deed", "deed.pdf"), ("national_card", "card.pdf")):
        path = tmp_path / name
        path.write_bytes(pdf_bytes())
        page.select_option("#id_kind", kind)
        page.set_input_files("#id_file", str(path))
        page.get_by_test_id("upload-document").click()
        expect(page.locator(".messages")).to_be_visible()
    page.get_by_test_id("act-submit").click()
    expect(page.get_by_test_id("file-stage")).to_have_text("دبیرخانه: مدارک و تشکیل پرونده")
    req = PermitRequest.objects.get(applicant__national_id="0013542419")
    assert digits_to_persian(req.tracking_code) in tracking

    # 4. every stage's officer in turn; the clerk sees the plate and the recorded owners: the applicant
    # is not one of them, so the file opens only with the clerk's recorded reason
    def ownership_check():
        section = page.get_by_test_id("ownership")
        expect(section).to_contain_text(digits_to_persian(parcel.registry_plate.split("/")[0]))
        expect(page.get_by_test_id("ownership-state")).to_contain_text("مالک ثبت‌شده")
        page.fill("#id_reason", "وکالت‌نامه رسمی ۱۲۳۴ از مالک دیده شد")
        page.get_by_test_id("ownership-override").click()
        expect(page.get_by_test_id("ownership-state")).to_contain_text("وکالت‌نامه رسمی")

    act_at_stage(page, live_url, req.tracking_code, "j-clerk", before=ownership_check)
    inspect_and_survey(parcel, users["inspector"], users["surveyor"], users["planner"], req)
    act_at_stage(page, live_url, req.tracking_code, "j-inspector")

    def plan_check():
        page.get_by_test_id("run-check").click()
        expect(page.get_by_test_id("plan-check")).to_contain_text("همه ضوابط رعایت شده")
        page.get_by_test_id("issue-order").click()
        page.get_by_test_id("order-link").click()
        expect(page.get_by_test_id("order-floors")).to_contain_text(digits_to_persian(str(report.envelope.max_floors)))
        page.go_back()
        page.reload()

    act_at_stage(page, live_url, req.tracking_code, "j-planner", before=plan_check)
    act_at_stage(page, live_url, req.tracking_code, "j-violations_officer")
    # the fee stages: assessed, billed and paid at a bank (the online payment has its own journey)
    fee_data_ready(parcel)
    for role in ("renovation_officer", "executive_unit", "revenue_officer"):
        act_at_stage(
            page,
            live_url,
            req.tracking_code,
            f"j-{role}",
            before=lambda role=role: fees_settled(PermitRequest.objects.get(pk=req.pk), users[role]),
        )
    req.refresh_from_db()
    assert (req.status, req.stage) == ("in_review", "issuance")

    # 5. the permit officer has it; the applicant sees the timeline and the whole history
    login(page, live_url, "j-permit_officer")
    page.get_by_test_id("nav-inbox").click()
    expect(page.get_by_test_id("inbox")).to_contain_text(digits_to_persian(req.tracking_code))
    login(page, live_url, "0013542419", "my long pass phrase 1405")
    page.goto(f"{live_url}/files/{req.tracking_code}/")
    expect(page.get_by_test_id("file-stage")).to_have_text("صدور پروانه")
    audit = page.get_by_test_id("audit")
    expect(audit.locator("li")).to_have_count(req_audit_count(req))
    expect(audit).to_contain_text("تأیید و به مرحله بعد فرستاده شد")
    expect(audit).to_contain_text("دستور تهیه نقشه صادر شد")
    expect(page.get_by_test_id("timeline").locator("li.t-done")).to_have_count(7)
    expect(page.get_by_test_id("file-notifications")).to_contain_text("ثبت شد، ارسال نشد")
    assert not errors, errors
    assert_history_matches_audit(req)


def req_audit_count(req) -> int:
    from permits.selectors import request_audit

    return len(request_audit(request=req))


def test_a_file_returned_for_a_missing_document_is_resubmitted(page, live_url, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("sample_city_load", verbosity=0)
    parcel = live_parcels().order_by("file_code").first()
    citizen = User.objects.create_user(
        username="0499370899",
        national_id="0499370899",
        password=PASSWORD,
        first_name="علی",
        last_name="محمدی",
        mobile="09150000000",
    )
    citizen.groups.add(Group.objects.get_or_create(name="citizen")[0])
    staff_user("clerk")
    from permits import services, transitions

    req = services.request_create(applicant=citizen, filed_by=citizen, parcel=parcel, kind="fencing")
    for kind in ("deed", "national_card"):
        services.document_add(
            request_id=req.pk, actor=citizen, kind=kind, upload=SimpleUploadedFile(f"{kind}.pdf", pdf_bytes())
        )
    req.refresh_from_db()
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)

    login(page, live_url, "j-clerk")
    page.goto(f"{live_url}/files/{req.tracking_code}/")
    page.get_by_test_id("note-return").fill("اسکن سند ناقص است؛ همه صفحات را بارگذاری کنید.")
    page.get_by_test_id("ask-deed").check()
    page.get_by_test_id("act-return").click()
    expect(page.get_by_test_id("file-status")).to_contain_text("بازگشت به متقاضی")

    login(page, live_url, "0499370899")
    page.get_by_test_id("nav-my-files").click()
    expect(page.get_by_test_id("notifications")).to_contain_text("اسکن سند ناقص است")
    page.get_by_test_id("my-files").get_by_role("link").first.click()
    expect(page.get_by_test_id("info-requests")).to_contain_text("در انتظار پاسخ شما")
    page.get_by_test_id("note-resubmit").fill("همه صفحات بارگذاری شد.")
    page.get_by_test_id("act-resubmit").click()  # refused: the deed was not uploaded again
    expect(page.get_by_test_id("file-error")).to_contain_text("مدارک خواسته‌شده")
    path = tmp_path / "deed-all.pdf"
    path.write_bytes(pdf_bytes(3))
    page.select_option("#id_kind", "deed")
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("upload-document").click()
    page.get_by_test_id("note-resubmit").fill("همه صفحات بارگذاری شد.")
    page.get_by_test_id("act-resubmit").click()
    expect(page.get_by_test_id("file-status")).to_contain_text("در حال بررسی")
    expect(page.get_by_test_id("info-requests")).to_contain_text("همه صفحات بارگذاری شد.")
    expect(page.get_by_test_id("audit")).to_contain_text("پاسخ داده و دوباره ارسال شد")
    # the deed asked for sends the file back to the secretariat, not elsewhere; the history agrees
    req.refresh_from_db()
    assert (req.status, req.stage) == ("in_review", "secretariat")
    assert_history_matches_audit(req)
