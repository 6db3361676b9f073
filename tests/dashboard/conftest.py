"""Hand-made stage histories for the dashboard's figures (the dashboard only reads them; the permit
workflow's own tests cover how the transitions write them), two districts, users by role, unit heads."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.utils import timezone

from accounts.roles import Role
from dashboard.models import UnitHead
from dashboard.services import figures_refresh
from parcels.models import District, PropertyFile
from permits.models import PermitRequest, StageVisit
from tests.surveys.conftest import E0, N0, SRID, _live, plot, user_with  # noqa: F401 - fixtures

TZ = timezone.get_fixed_timezone(210)  # Asia/Tehran, +03:30 (no daylight saving since 2022)
_codes = itertools.count(1)


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    """A Gregorian local time in Tehran."""
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def square(x0: float, y0: float, size: float) -> MultiPolygon:
    wkt = f"POLYGON(({x0} {y0},{x0 + size} {y0},{x0 + size} {y0 + size},{x0} {y0 + size},{x0} {y0}))"
    return MultiPolygon(GEOSGeometry(wkt, srid=SRID), srid=SRID)


@pytest.fixture
def districts(plot):  # noqa: F811 - the fixture
    """District 1 around the plot, district 2 beside it."""
    version = _live("districts")
    District.objects.create(version=version, number=1, name="منطقه یک", geom=square(E0 - 500, N0 - 500, 1000))
    District.objects.create(version=version, number=2, name="منطقه دو", geom=square(E0 + 500, N0 - 500, 1000))
    return version


@pytest.fixture
def people(db):
    """One user per role (staff roles are staff), by role."""
    users = {role: user_with(role.value, f"d-{role.value}") for role in Role}
    for role, user in users.items():
        if role not in (Role.CITIZEN, Role.AGENCY, Role.ESERVICES_OFFICE):
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    return users


def unit_head(user, *, unit: str = "inspector", district: int = 1):
    UnitHead.objects.create(user=user, unit=unit, district=district)
    return user


@dataclass(frozen=True)
class V:
    """One visit: stage, entered, left (None: still there), outcome, due date, who moved it on."""

    stage: str
    entered: dt.datetime
    left: dt.datetime | None = None
    outcome: str = ""
    due_on: dt.date | None = None
    left_by: object = None


def file_in(plot, district: int | None, n: int) -> PropertyFile:  # noqa: F811 - the fixture's value
    return PropertyFile.objects.create(code=f"DASH-{n:05d}", parcel=plot, district=district)


def history(
    plot,  # noqa: F811 - the fixture's value
    applicant,
    visits: list[V],
    *,
    district: int | None = 1,
    status: str = "in_review",
    kind: str = "building_new",
    closed_at: dt.datetime | None = None,
) -> PermitRequest:
    """A request whose stage history is exactly `visits` (its current stage is the last visit's)."""
    n = next(_codes)
    f = file_in(plot, district, n)
    last = visits[-1]
    req = PermitRequest.objects.create(
        tracking_code=f"DT{n:06d}",
        kind=kind,
        status=status,
        stage=last.stage,
        applicant=applicant,
        filed_by=applicant,
        file=f,
        parcel=plot,
        submitted_at=visits[0].entered,
        stage_entered_at=last.entered,
        stage_due_on=last.due_on or (last.entered + dt.timedelta(days=5)).date(),
        closed_at=closed_at,
    )
    for v in visits:
        StageVisit.objects.create(
            file=f,
            request=req,
            stage=v.stage,
            entered_at=v.entered,
            entered_by=applicant,
            entered_on_action="advance",
            due_on=v.due_on or (v.entered + dt.timedelta(days=5)).date(),
            left_at=v.left,
            left_by=(v.left_by or applicant) if v.left else None,
            outcome=v.outcome,
        )
    return req


@pytest.fixture
def refreshed():
    """Call after making a history: the period figures read the materialised views."""
    return figures_refresh
