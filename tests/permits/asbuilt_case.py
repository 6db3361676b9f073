"""A file for the certificate tests: a building permit issued on the survey tests' plot (3 floors over a
drawn 8 m × 14 m footprint), then a completion or no-violation request on the same file walked to the
as-built comparison with an as-built survey of the building the test says was built."""

from __future__ import annotations

import datetime as dt

import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from accounts.roles import Role
from parcels.models import PropertyFile
from permits import services, transitions
from permits.models import PermitRequest
from surveys.services import inspection_record, survey_accept, survey_upload
from tests.documents.conftest import to_issuance
from tests.permits.conftest import advance, with_documents
from tests.surveys.conftest import FLOOR_SHOT, MEASURED, box, feature, geojson

FOOTPRINT = box(1, 14, 9, 28)  # 112 m², behind the realigned line (y = 6), in the northern band
FLOORS = 3


def permit_issued(parcel, staff, citizen) -> PermitRequest:
    """The building permit issued on the plot: 3 floors, 336 m², the drawn footprint, 10.5 m high."""
    from django.contrib.gis.geos import GEOSGeometry

    req = to_issuance(
        parcel,
        staff,
        citizen,
        floors=FLOORS,
        floor_area_m2=336.0,
        footprint=GEOSGeometry(FOOTPRINT.wkt, srid=32640),
        height_m=10.5,
    )
    req = with_documents(req, staff[Role.PERMIT_OFFICER], kinds=("drawings",))
    return advance(req, staff[Role.PERMIT_OFFICER], "approve")


def asbuilt_features(*, building=FOOTPRINT, floors: int = FLOORS, roof_m: float | None = None) -> list[dict]:
    """The as-built survey: the measured boundary, the building with its floors, the floor-level shot and,
    when given, a roof shot `roof_m` above it."""
    x, y, z = FLOOR_SHOT
    features = [
        feature("boundary", MEASURED),
        feature("building", building, floors=floors),
        feature("point", shapely.Point(x, y), point_id="FL1", code="FL", height=z),
    ]
    if roof_m is not None:
        features.append(feature("point", shapely.Point(x, y - 8), point_id="RF1", code="RF", height=z + roof_m))
    return features


def certificate_request(parcel, citizen, kind: str = "completion", *, filed_by=None) -> PermitRequest:
    """A certificate request on the plot's file with its documents, submitted."""
    filed_by = filed_by or citizen
    req = services.request_create(applicant=citizen, filed_by=filed_by, parcel=parcel, kind=kind)
    kinds = ["deed", "national_card"]
    if kind == "completion":
        kinds.append("supervisor_report")
    if filed_by != citizen:
        kinds.append("power_of_attorney")
    req = with_documents(req, filed_by, kinds=kinds)
    transitions.request_transition(request_id=req.pk, actor=filed_by, action="submit", version=req.version)
    return PermitRequest.objects.get(pk=req.pk)


def asbuilt_surveyed(parcel, staff, req: PermitRequest, **built) -> PermitRequest:
    """The inspector's visit and the surveyor's as-built survey (accepted), made for the request; the
    inspector sends the file on to the comparison."""
    inspection_record(
        parcel=parcel,
        inspector=staff[Role.INSPECTOR],
        visited_at=timezone.now() - dt.timedelta(minutes=1),
        checklist={"access": True},
        notes="built",
        photos=[],
        origin="request",
        origin_object=req,
    )
    survey = survey_upload(
        parcel=parcel,
        surveyor=staff[Role.SURVEYOR],
        upload=SimpleUploadedFile("asbuilt.geojson", geojson(asbuilt_features(**built))),
        measured_on=dt.date(2026, 11, 20),
        origin="request",
        origin_object=req,
    )
    survey_accept(survey=survey, planner=staff[Role.PLANNER])
    return advance(req, staff[Role.INSPECTOR])


def at_comparison(parcel, staff, citizen, kind: str = "completion", **built) -> PermitRequest:
    """A permit issued, then a certificate request walked to the as-built comparison."""
    permit_issued(parcel, staff, citizen)
    req = advance(certificate_request(parcel, citizen, kind), staff[Role.CLERK])
    req = asbuilt_surveyed(parcel, staff, req, **built)
    assert req.stage == "asbuilt_comparison"
    return req


def schedules_loaded(req: PermitRequest) -> None:
    """The council's transaction values (the commission's fine ranges) and a district on the file."""
    call_command("permit_schedules_load", verbosity=0)
    PropertyFile.objects.filter(pk=req.file_id).update(district=1)
