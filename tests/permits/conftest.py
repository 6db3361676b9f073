"""Permit requests on the hand-computed plot of the survey tests, with users by role and scans."""

from __future__ import annotations

import io

import pytest
from django.contrib.gis.geos import MultiPolygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from accounts.roles import Role
from permits import services, transitions
from permits.models import PermitRequest
from surveys.services import inspection_record, survey_accept, survey_upload
from tests.surveys.conftest import geojson, good_features, plot, user_with  # noqa: F401 - fixtures

PASSWORD = "pw-for-tests-only"


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, format="PNG")
    return out.getvalue()


def scan(name: str = "deed.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data)


@pytest.fixture
def staff(db):
    """One user per role, by role."""
    return {role: user_with(role.value, f"t-{role.value}") for role in Role}


@pytest.fixture
def citizen(staff, plot):  # noqa: F811 - the fixture
    """The plot's recorded owner (six dang), signed up as a citizen."""
    from parcels.models import Owner, Ownership

    user = staff[Role.CITIZEN]
    user.national_id = "0499370899"
    user.mobile = "09151234567"
    user.email = "owner@example.org"
    user.first_name, user.last_name = "Maryam", "Testowner"
    user.save()
    owner = Owner.objects.create(national_id=user.national_id, full_name="مریم آزمون‌مالک")
    Ownership.objects.create(parcel=plot, owner=owner, share_dang=6)
    return user


def another_owner(parcel, n: int):
    """A further citizen recorded as an owner of the parcel (a request of a type is open once per
    applicant and property, so tests that need many open files file them for many owners)."""
    from parcels.models import Owner, Ownership

    national_id = f"9{n:09d}"
    user = user_with(Role.CITIZEN.value, f"t-owner-{n}")
    user.national_id = national_id
    user.save(update_fields=["national_id"])
    owner = Owner.objects.create(national_id=national_id, full_name=f"Owner {n}")
    Ownership.objects.create(parcel=parcel, owner=owner, share_dang=1)
    return user


def draft(parcel, applicant, **proposal) -> PermitRequest:
    values = {"use": "residential", "floors": 3, "floor_area_m2": 400.0, "footprint_m2": 130.0} | proposal
    return services.request_create(
        applicant=applicant, filed_by=applicant, parcel=parcel, kind="building_new", **values
    )


def with_documents(req: PermitRequest, user, kinds=("deed", "national_card")) -> PermitRequest:
    for kind in kinds:
        services.document_add(request_id=req.pk, actor=user, kind=kind, upload=scan(f"{kind}.pdf"))
    return PermitRequest.objects.get(pk=req.pk)


def submitted(parcel, citizen) -> PermitRequest:
    req = with_documents(draft(parcel, citizen), citizen)
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    return PermitRequest.objects.get(pk=req.pk)


def staff_member(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def at_inspection(plot, citizen, staff) -> PermitRequest:  # noqa: F811 - the fixture
    """A submitted request the clerk has sent on to stage 2 (inspection and survey)."""
    return advance(submitted(plot, citizen), staff[Role.CLERK])


def tick_all(req: PermitRequest, officer) -> None:
    from permits.workflow import stage

    for task in stage(req.stage).tasks:
        services.task_set(request_id=req.pk, actor=officer, task=task.code, done=True)


FEE_STAGES = ("renovation", "executive", "revenue")


def fee_data_ready(parcel) -> None:
    """The example tariff books, and a regional value zone under the parcel when it lies in none (the
    test plots are drawn in a corner of the city the sample value zones do not cover)."""
    from django.core.management import call_command

    from fees.models import TariffBook
    from gis_app.models import DatasetKind, DatasetVersion
    from parcels.models import ValueZone
    from tests.surveys.conftest import _live

    if not TariffBook.objects.exists():
        call_command("tariff_load", verbosity=0)
    version = DatasetVersion.objects.filter(kind=DatasetKind.VALUE_ZONES, is_active=True).first()
    if version is None:
        version = _live(DatasetKind.VALUE_ZONES)
    if not ValueZone.objects.filter(version=version, geom__intersects=parcel.geom).exists():
        ValueZone.objects.create(
            version=version,
            geom=MultiPolygon(parcel.geom.envelope.buffer(50).envelope, srid=parcel.geom.srid),
            code="VT",
            name="پهنه آزمون",
            land_unit_price_irr=5_000_000,
            building_unit_price_irr=12_000_000,
            valuation_year=1405,
        )


def fees_settled(req: PermitRequest, officer) -> None:
    """At a fee stage: the stage's officer assesses and bills the file, and the bill is paid at a bank."""
    from fees.billing import stage_assess_and_bill
    from fees.payments import payment_record_bank

    fee_data_ready(req.parcel)
    _, bill = stage_assess_and_bill(request_id=req.pk, version=req.version, actor=officer)
    if bill is not None and bill.status == "unpaid":
        payment_record_bank(
            bill_id=bill.bill_id,
            payment_id=bill.payment_id,
            amount_irr=bill.amount_irr,
            reference=f"T{bill.pk:09d}",
            paid_at=timezone.now(),
        )


def drawing_check_settled(req: PermitRequest, officer) -> None:
    """At issuance, for a test not about drawings: the permit officer overrides a missing drawing check
    with a reason (the drawing tests send real drawings: tests/drawings)."""
    from drawings.models import DrawingOverride
    from drawings.services import drawing_check_passing, drawing_override

    if drawing_check_passing(req) is not None and not DrawingOverride.objects.filter(request=req).exists():
        drawing_override(request_id=req.pk, actor=officer, reason="Drawings checked on paper for this test.")


def advance(req: PermitRequest, officer, action: str = "advance", *, pay_fees: bool = True) -> PermitRequest:
    """The officer ticks the stage's tasks and moves on; at a fee stage the file is first assessed, billed
    and its bill paid at a bank (pay_fees=False leaves the fees as the test made them)."""
    req = PermitRequest.objects.get(pk=req.pk)
    if pay_fees and req.stage in FEE_STAGES and action == "advance":
        fees_settled(req, officer)
        req = PermitRequest.objects.get(pk=req.pk)
    tick_all(req, officer)
    if action == "approve" and req.stage == "issuance":
        drawing_check_settled(req, officer)
    transitions.request_transition(request_id=req.pk, actor=officer, action=action, version=req.version)
    return PermitRequest.objects.get(pk=req.pk)


def inspect_and_survey(parcel, staff, req: PermitRequest) -> None:
    """The inspector's report and an accepted survey of the plot, both made for the request."""
    import datetime as dt

    from django.utils import timezone

    inspection_record(
        parcel=parcel,
        inspector=staff[Role.INSPECTOR],
        visited_at=timezone.now() - dt.timedelta(minutes=1),
        checklist={"access": True},
        notes="ok",
        photos=[],
        origin="request",
        origin_object=req,
    )
    survey = survey_upload(
        parcel=parcel,
        surveyor=staff[Role.SURVEYOR],
        upload=SimpleUploadedFile("s.geojson", geojson(good_features())),
        measured_on=dt.date(2026, 11, 1),
        declared_srid=None,
        origin="request",
        origin_object=req,
    )
    survey_accept(survey=survey, planner=staff[Role.PLANNER])


ENTERS_A_STAGE = {"submit", "advance", "refer", "resubmit"}


def assert_history_matches_audit(req: PermitRequest) -> None:
    """The stage history (StageVisit rows) tells the same story as the audit trail: a visit opened by
    every transition that put the file at a stage, closed by the next one that took it away."""
    from gis_app.audit import audit_trail

    events = [e for e in audit_trail(req) if e.action.startswith("request.") and "to_status" in e.data]
    visits = list(req.stage_visits.order_by("entered_at", "id"))
    opened = [
        (e.data["to_stage"], e.action.split(".", 1)[1])
        for e in events
        if e.data["to_status"] == "in_review" and e.action.split(".", 1)[1] in ENTERS_A_STAGE
    ]
    assert [(v.stage, v.entered_on_action) for v in visits] == opened
    closed = [e.action.split(".", 1)[1] for e in events if e.data["from_status"] == "in_review"]
    assert [v.outcome for v in visits if v.left_at is not None] == closed
    assert sum(v.left_at is None for v in visits) == (1 if req.status == "in_review" else 0)
    for v in visits:
        assert v.file_id == req.file_id and v.due_on is not None
        assert v.left_at is None or (v.left_at >= v.entered_at and v.working_days_used is not None)
