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
    """A request of the kind issued on the parcel's file (the certificates' own workflow is stage 9's)."""
    file = property_file_open(parcel=parcel)
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
