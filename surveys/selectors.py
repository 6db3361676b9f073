"""Reads for surveys: elevations sampled from the district's DEM, who sees which survey, measured parcels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import rasterio
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.db import models
from django.db.models import QuerySet

from accounts.roles import Role
from gis_app.audit import audit_trail
from gis_app.geometry import storage_srid
from parcels.models import PropertyFile
from surveys.models import Inspection, Survey, SurveyStatus, SurveyUpload


class OutsideDem(ValueError):
    """The point lies outside the elevation model or on a cell without data."""


def elevation_at(*, point: Point, dem_path: Path | None = None) -> float:
    """Ground elevation (m above sea level) at a point, from the DEM GeoTIFF (nearest cell)."""
    path = dem_path or settings.GIS_DEM_PATH
    if point.srid != storage_srid():
        point = point.transform(storage_srid(), clone=True)
    with rasterio.open(path) as dem:
        if dem.crs.to_epsg() != storage_srid():
            raise OutsideDem(f"DEM is in EPSG:{dem.crs.to_epsg()}, expected EPSG:{storage_srid()}")
        row, col = dem.index(point.x, point.y)
        if not (0 <= row < dem.height and 0 <= col < dem.width):
            raise OutsideDem("point outside the elevation model")
        value = dem.read(1, window=((row, row + 1), (col, col + 1)))[0, 0]
        if dem.nodata is not None and value == dem.nodata:
            raise OutsideDem("no elevation at this point")
    return float(value)


# --- who sees which survey and inspection ---------------------------------------------------------
# Reviewers see every survey and inspection; a surveyor or inspector sees the ones they made.
# Citizens and agencies see none here (the workflow shows a citizen their own file's outcome).
REVIEWER_ROLES = frozenset({Role.PLANNER, Role.MANAGER, Role.VIOLATIONS_OFFICER, Role.CLERK, Role.PERMIT_OFFICER})


def _roles(user) -> set:
    return user.roles() if user.is_authenticated else set()


# Apps above surveys (permits) say which files are on an inspector's desk: a query of PropertyFile ids
# for a user (registered in AppConfig.ready, as the origin checks are).
InspectorFiles = Callable[[object], QuerySet]
_INSPECTOR_FILES: list[InspectorFiles] = []


def register_inspector_files(source: InspectorFiles) -> None:
    """Add a source of the files an inspector is working on (their surveys become readable to them)."""
    if source not in _INSPECTOR_FILES:
        _INSPECTOR_FILES.append(source)


def _files_inspected_by(user) -> models.Q:
    """The files an inspector has reported on or has waiting at his stage."""
    files = models.Q(file__in=Inspection.objects.filter(inspector=user).values("file_id"))
    for source in _INSPECTOR_FILES:
        files |= models.Q(file__in=source(user))
    return files


def surveys_visible(*, user):
    """The surveys this user may open, newest first: reviewers all; a surveyor their own; an inspector
    the surveys of the files he inspects (read-only: only planners review)."""
    roles = _roles(user)
    if roles & REVIEWER_ROLES:
        return Survey.objects.all()
    allowed = models.Q(pk__in=[])
    if Role.SURVEYOR in roles or Role.INSPECTOR in roles:
        allowed |= models.Q(surveyor=user)
    if Role.INSPECTOR in roles:
        allowed |= _files_inspected_by(user)
    return Survey.objects.filter(allowed)


def survey_uploads_visible(*, user):
    """The uploaded survey files this user may follow: their own (a surveyor), all (reviewers)."""
    roles = _roles(user)
    if roles & REVIEWER_ROLES:
        return SurveyUpload.objects.all()
    if Role.SURVEYOR in roles:
        return SurveyUpload.objects.filter(surveyor=user)
    return SurveyUpload.objects.none()


def inspections_visible(*, user):
    """The inspection reports this user may open, newest first."""
    roles = _roles(user)
    if roles & REVIEWER_ROLES or Role.SURVEYOR in roles:
        return Inspection.objects.all()
    if Role.INSPECTOR in roles:
        return Inspection.objects.filter(inspector=user)
    return Inspection.objects.none()


def measured_parcel(*, file: PropertyFile) -> Survey | None:
    """The accepted survey of a file: the parcel's measured geometry (the cadastral one is kept)."""
    return Survey.objects.filter(file=file, status=SurveyStatus.ACCEPTED).first()


def _made_for(qs, obj: models.Model):
    return qs.filter(origin_type=ContentType.objects.get_for_model(obj), origin_id=obj.pk)


def inspections_for(*, obj: models.Model) -> QuerySet[Inspection]:
    """The inspections made for this request or report (never another's on the same parcel), newest first."""
    return _made_for(Inspection.objects.all(), obj).order_by("-visited_at", "-id")


def accepted_survey_for(*, obj: models.Model) -> Survey | None:
    """The accepted survey measured for this request or report, if it is still the file's accepted one."""
    return _made_for(Survey.objects.filter(status=SurveyStatus.ACCEPTED), obj).first()


def survey_audit(*, survey: Survey):
    """The survey's audit trail, oldest first."""
    return audit_trail(survey).select_related("actor")


def inspections_version(*, file_code: str) -> int:
    """The version of a file's inspection reports: the id of the newest one recorded on it (0 for none).
    A report form carries the version it was drawn with; a report sent later (a draft kept offline)
    meets a newer one instead of ignoring it."""
    newest = Inspection.objects.filter(file__code=file_code).aggregate(newest=models.Max("id"))["newest"]
    return newest or 0
