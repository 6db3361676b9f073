"""Stage 9's journey in a browser (issue 20, "Done when"): a building permit is issued on the plot; the
surveyor uploads an as-built survey with one floor too many for the completion request; the violations
officer compares the building with the permit and sees the difference on the file's map; the completion
certificate is refused while it is open; the commission fines it, the owner pays the fine through the
sandbox PSP (a real process); the certificate is issued, and its QR, read back from the printed page
(pdftoppm + zbarimg), opens the verification page: valid. Screenshots at 1200 and 390 px."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from documents.models import IssuedDocument
from fees.models import Bill
from permits import transitions
from permits.models import PermitRequest
from surveys.models import Survey
from surveys.services import inspection_record
from tests.browser.test_document_journey import photograph, qr_codes
from tests.browser.test_permit_journeys import login
from tests.conftest import wait_for
from tests.documents.issuing import document_keys  # noqa: F401 - the fixture
from tests.fees.conftest import psp, psp_sandbox_process  # noqa: F401 - fixtures
from tests.fees.test_billing import assessment_row
from tests.permits import conftest as permit_fixtures
from tests.permits.asbuilt_case import asbuilt_features, certificate_request, permit_issued, schedules_loaded
from tests.permits.conftest import PASSWORD, advance, tick_all
from tests.surveys import conftest as survey_fixtures
from tests.surveys.conftest import geojson

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# the fixtures of the permit and survey tests, under their own names
plot, citizen, staff = survey_fixtures.plot, permit_fixtures.citizen, permit_fixtures.staff


def _move(req: PermitRequest, officer) -> PermitRequest:
    tick_all(PermitRequest.objects.get(pk=req.pk), officer)
    req = PermitRequest.objects.get(pk=req.pk)
    transitions.request_transition(request_id=req.pk, actor=officer, action="advance", version=req.version)
    return PermitRequest.objects.get(pk=req.pk)


def test_an_extra_floor_is_fined_paid_and_the_completion_certificate_verified(
    page,
    live_url,
    settings,
    tmp_path,
    job_worker,
    psp,  # noqa: F811
    plot,
    staff,
    citizen,
):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    permit = permit_issued(plot, staff, citizen)
    assert permit.status == "issued"
    req = advance(certificate_request(plot, citizen, "completion"), staff[Role.CLERK])
    assert req.stage == "asbuilt_survey"
    file_url = f"{live_url}/files/{req.tracking_code}/"

    # 1. the surveyor uploads the as-built survey for the request: four floors where the permit gave three
    survey_file = tmp_path / "asbuilt.geojson"
    survey_file.write_bytes(geojson(asbuilt_features(floors=4)))
    login(page, live_url, staff[Role.SURVEYOR].username, PASSWORD)
    page.goto(file_url)
    expect(page.get_by_test_id("file-stage")).to_contain_text("بازدید و نقشه‌برداری وضع موجود")
    page.get_by_test_id("survey-for-request").click()
    page.set_input_files("#id_file", str(survey_file))
    page.get_by_test_id("survey-submit").click()
    page.wait_for_selector("body[data-survey-map-ready=true]", timeout=90_000)
    survey = Survey.objects.get(origin_id=req.pk)
    assert survey.buildings.get().floors == 4

    # the planner accepts it; the inspector's visit is recorded and the file goes to the comparison
    login(page, live_url, staff[Role.PLANNER].username, PASSWORD)
    page.goto(f"{live_url}/surveys/{survey.pk}/")
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("survey-status")).to_contain_text("پذیرفته")
    inspection_record(
        parcel=plot,
        inspector=staff[Role.INSPECTOR],
        visited_at=timezone.now() - dt.timedelta(minutes=1),
        checklist={"access": True},
        notes="چهار طبقه ساخته شده است",
        photos=[],
        origin="request",
        origin_object=req,
    )
    req = _move(req, staff[Role.INSPECTOR])
    assert req.stage == "asbuilt_comparison"

    # 2. the violations officer compares the building with the permit: one difference, on the map
    login(page, live_url, staff[Role.VIOLATIONS_OFFICER].username, PASSWORD)
    page.goto(file_url)
    page.get_by_test_id("asbuilt-compare").click()
    expect(page.locator(".messages")).to_contain_text("مقایسه شد")
    row = page.get_by_test_id("difference-floors")
    expect(row).to_contain_text("طبقات مازاد بر پروانه")
    expect(row).to_contain_text("۴")
    page.wait_for_selector("body[data-survey-map-ready=true]")
    expect(page.get_by_test_id("map-legend")).to_contain_text("ساخت مازاد بر پروانه")
    expect(page.locator("#survey-map path.leaflet-interactive")).not_to_have_count(0)
    photograph(page, "certificate-difference")

    req = _move(req, staff[Role.VIOLATIONS_OFFICER])
    assessment_row(req, "renovation", 0)  # the renovation dues are current: nothing due
    req = _move(req, staff[Role.RENOVATION_OFFICER])
    assert req.stage == "completion_issuance"

    # 3. the permit officer cannot issue the certificate while the difference is open
    tick_all(req, staff[Role.PERMIT_OFFICER])
    login(page, live_url, staff[Role.PERMIT_OFFICER].username, PASSWORD)
    page.goto(file_url)
    expect(page.get_by_test_id("guard-failures")).to_contain_text("طبقات مازاد بر پروانه")
    expect(page.get_by_test_id("act-approve")).to_have_text("صدور گواهی پایان کار")
    page.get_by_test_id("act-approve").click()
    expect(page.get_by_test_id("file-error")).to_contain_text("طبقات مازاد بر پروانه")
    assert PermitRequest.objects.get(pk=req.pk).status == "in_review"

    # 4. the commission fines it (the violations officer records the referral and the verdict)
    schedules_loaded(req)
    login(page, live_url, staff[Role.VIOLATIONS_OFFICER].username, PASSWORD)
    page.goto(file_url)
    page.locator("form[action$='/refer/'] button").click()
    expect(page.get_by_test_id("violations")).to_contain_text("کمیسیون")
    case = req.file.violations.get()
    assert case.status == "referred" and case.fine_min_irr
    page.select_option("#id_verdict", "fine")
    page.fill("#id_fine_irr", str(case.fine_min_irr))
    page.fill("#id_text", "جریمه طبقه چهارم طبق تبصره ۲ ماده صد")
    page.locator("form[action$='/verdict/'] button").click()
    bill = wait_for(lambda: Bill.objects.filter(violation=case).first(), what="the fine's bill")

    # 5. the owner pays the fine online through the PSP
    login(page, live_url, citizen.username, PASSWORD)
    page.goto(f"{live_url}/fees/bills/{bill.pk}/")
    page.get_by_test_id("pay-online").locator("button").click()
    expect(page.locator("#pay")).to_be_visible()
    assert page.url.startswith(psp.url)
    page.locator("#pay").click()
    expect(page.get_by_test_id("payment-paid")).to_be_visible(timeout=15_000)
    bill.refresh_from_db()
    case.refresh_from_db()
    assert (bill.status, case.status) == ("paid", "closed")

    # 6. the certificate is issued; the worker renders and signs it
    login(page, live_url, staff[Role.PERMIT_OFFICER].username, PASSWORD)
    page.goto(file_url)
    expect(page.get_by_test_id("guard-failures")).to_have_count(0)
    page.get_by_test_id("act-approve").click()
    expect(page.locator(".messages")).to_contain_text("انجام شد")
    cert = IssuedDocument.objects.get(request=req, kind="completion_certificate")
    assert cert.serial.startswith("CC-") and cert.key_fields["floors"] == 4
    wait_for(
        lambda: IssuedDocument.objects.filter(pk=cert.pk, render_state__in=["ready", "failed"]).exists(),
        timeout=90,
        what="the certificate's PDF",
    )
    cert.refresh_from_db()
    assert cert.render_state == "ready", cert.render_error

    # 7. the owner downloads it; its QR, read from the printed page, says valid
    login(page, live_url, citizen.username, PASSWORD)
    page.goto(file_url)
    row = page.locator(f"[data-testid=issued-document][data-serial='{cert.serial}']")
    with page.expect_download() as download:
        row.get_by_test_id("document-download").click()
    pdf = Path(settings.MEDIA_ROOT).parent / "completion.pdf"
    download.value.save_as(pdf)
    codes = qr_codes(pdf)
    assert codes == [cert.qr_payload]
    page.context.clear_cookies()
    page.goto(codes[0].replace(settings.DOCUMENTS_PUBLIC_BASE_URL, live_url))
    expect(page.get_by_test_id("verify-outcome")).to_have_attribute("data-outcome", "valid")
    photograph(page, "certificate-verify-valid")
    assert not errors, errors
