"""Agencies with members and tokens, on the hand-computed plot of the survey tests (a 10 m × 25 m parcel
north of an 8 m street along y = 0, in a 2 km city), and an excavation line across that street."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiLineString
from django.utils import timezone

from accounts.roles import Role
from inquiries import services
from inquiries.models import Agency, AgencyMember, PavingRecord
from parcels.services import property_file_open
from permits.models import PermitRequest
from permits.services import tracking_code_new
from tests.surveys.conftest import E0, N0, SRID, plot, user_with  # noqa: F401 - fixtures


def agency_with_member(kind: str, name: str) -> Agency:
    agency = Agency.objects.create(name=name, kind=kind)
    AgencyMember.objects.create(user=user_with(Role.AGENCY.value, f"agency-{kind}-{agency.pk}"), agency=agency)
    return agency


@pytest.fixture
def agencies(db):
    return {
        kind: agency_with_member(kind, name)
        for kind, name in (
            ("notary", "دفترخانه ۱۲ بجنورد"),
            ("bank", "بانک ملی شعبه مرکزی"),
            ("water", "آبفای بجنورد"),
            ("gas", "گاز خراسان شمالی"),
        )
    }


@pytest.fixture
def tokens(agencies):
    return {kind: services.token_issue(agency=a, actor=None)[1] for kind, a in agencies.items()}


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api_post(client, path: str, token: str, body: dict, **extra):
    return client.post(path, body, content_type="application/json", **auth(token), **extra)


def api_get(client, path: str, token: str):
    return client.get(path, **auth(token))


def line_geojson(*points: tuple[float, float]) -> dict:
    """A LineString in plot coordinates (metres from E0, N0), in the storage CRS."""
    return {"type": "LineString", "coordinates": [[E0 + x, N0 + y] for x, y in points]}


# across the street in front of the plot (street edges at y = ±4; the plot starts at y = 4)
ACROSS_STREET = ((5, 3.5), (5, -6))


def paved(days_ago: int, *, name: str = "خیابان آزمون") -> PavingRecord:
    line = GEOSGeometry(f"LINESTRING({E0 - 50} {N0}, {E0 + 60} {N0})", srid=SRID)
    return PavingRecord.objects.create(
        street_name=name,
        geom=MultiLineString(line, srid=SRID),
        width_m=8,
        paved_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )


def issued(parcel, kind: str, applicant) -> PermitRequest:
    """A request of the kind issued on the parcel's file; a certificate request with its signed document
    (the certificates' own workflow is stage 9's: tests/permits/test_certificates.py)."""
    file = property_file_open(parcel=parcel)
    req = _issued_request(parcel, kind, applicant, file)
    if kind in ("completion", "no_violation"):
        certificate_document(req)
    return req


def certificate_document(req: PermitRequest, *, valid_until: dt.date | None = None):
    """The certificate document of an issued certificate request, recorded as the issuance hook records it."""
    from django.db import transaction

    from documents.content import CERTIFICATE_OF_REQUEST, CertificateContent, no_violation_valid_until
    from documents.services import document_record

    kind = CERTIFICATE_OF_REQUEST[req.kind]
    if kind == "no_violation_certificate" and valid_until is None:
        valid_until = no_violation_valid_until(timezone.localdate())
    content = CertificateContent(
        kind=kind,
        file_code=req.file.code,
        holder_name="مالک آزمون",
        parcel_map=None,
        footprint_geojson=None,
        tracking_code=req.tracking_code,
        valid_until=valid_until,
    )
    with transaction.atomic():
        return document_record(kind=kind, content=content, subject={"file_id": req.file_id, "request": req}, actor=None)


def _issued_request(parcel, kind: str, applicant, file) -> PermitRequest:
    return PermitRequest.objects.create(
        tracking_code=tracking_code_new(),
        kind=kind,
        status="issued",
        applicant=applicant,
        filed_by=applicant,
        file=file,
        parcel=parcel,
        closed_at=timezone.now(),
    )
