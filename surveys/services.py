"""Writes for surveys and inspections: upload (received, then read, checked, reconciled and stored by a job),
accept, return, inspect."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from gis_app.audit import audit_record
from gis_app.errors import DomainError
from gis_app.geometry import WGS84, storage_srid
from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id
from parcels.models import CityBoundary, Parcel, PropertyFile
from parcels.services import property_file_open
from surveys.measure import DxfLayers, Measured, measured_from_file
from surveys.models import (
    FloorLevelSource,
    Inspection,
    InspectionPhoto,
    Origin,
    Reconciliation,
    Survey,
    SurveyBuilding,
    SurveyPoint,
    SurveyStatus,
    SurveyUpload,
    UploadStatus,
)
from surveys.reconcile import Figures, reconcile
from surveys.selectors import OutsideDem, elevation_at, inspections_version
from surveys.uploads import LIMITS, UploadRefused, upload_format, upload_read
from zoning.compliance.output import check_record
from zoning.compliance.runner import compliance_run
from zoning.compliance.stored import CheckRecord, check_record_dump
from zoning.models import land_use_labels
from zoning.selectors import parcel_facts

FAR_FROM_PARCEL_M = 30.0  # a measured boundary farther than this from the parcel is another parcel


class OriginClosed(DomainError):
    """The request or report the work is for is closed: nothing more is recorded or accepted for it."""


class InspectionStale(DomainError):
    """A report was recorded on the file after the form was drawn (a draft sent late, another device)."""


OriginCheck = Callable[[models.Model], str | None]
_ORIGIN_CHECKS: list[OriginCheck] = []


def register_origin_check(check: OriginCheck) -> None:
    """Apps above surveys (permits, reports) say when work may still be done for one of their objects:
    the check returns None, or the translated reason it may not (registered in AppConfig.ready)."""
    if check not in _ORIGIN_CHECKS:
        _ORIGIN_CHECKS.append(check)


def _origin_open(origin_object) -> None:
    if origin_object is None:
        return
    for check in _ORIGIN_CHECKS:
        message = check(origin_object)
        if message:
            raise OriginClosed(message)


InspectionHook = Callable[[Inspection], None]
_INSPECTION_HOOKS: list[InspectionHook] = []


def on_inspection_recorded(hook: InspectionHook) -> InspectionHook:
    """Apps above surveys (reports) learn of an inspection recorded for one of their objects: the hook
    runs inside inspection_record's transaction, after the audit event (registered in AppConfig.ready)."""
    if hook not in _INSPECTION_HOOKS:
        _INSPECTION_HOOKS.append(hook)
    return hook


def origin_check(origin: str, origin_object) -> None:
    if origin not in Origin.values:
        raise ValueError(f"unknown origin {origin!r}")
    if (origin == Origin.ROUTINE) != (origin_object is None):
        raise ValueError("a request's or report's survey or inspection names it; routine work names none")
    _origin_open(origin_object)


class SurveyNotReviewable(Exception):
    """Only a survey awaiting review can be accepted or returned."""


def upload_bytes(upload: UploadedFile) -> bytes:
    if upload.size is not None and upload.size > LIMITS.file_bytes:
        raise UploadRefused("too_large", limit=LIMITS.file_bytes // (1024 * 1024))
    upload.seek(0)
    data = upload.read(LIMITS.file_bytes + 1)
    if len(data) > LIMITS.file_bytes:
        raise UploadRefused("too_large", limit=LIMITS.file_bytes // (1024 * 1024))
    return data


def _geos(geom: BaseGeometry | None) -> GEOSGeometry | None:
    if geom is None or geom.is_empty:
        return None
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=storage_srid())


def _inside_city(geom: BaseGeometry) -> bool | None:
    version_id = active_version_id(DatasetKind.BOUNDARY)
    if version_id is None:
        return None
    return CityBoundary.objects.filter(version_id=version_id, geom__covers=_geos(geom)).exists()


def survey_measured(
    *,
    parcel: Parcel,
    data: bytes,
    name: str,
    declared_srid: int | None,
    encoding: str | None,
    dxf_layers: DxfLayers | None = None,
) -> Measured:
    """Read a survey file (in the reader process) and check it against the city and the parcel."""
    raw = upload_read(data=data, name=name, encoding=encoding)
    accepted = tuple(settings.GIS_SURVEY_SRIDS)
    args = {"declared_srid": declared_srid, "accepted_srids": accepted, "storage_srid": storage_srid()}
    measured = measured_from_file(raw, dxf_layers=dxf_layers, **args)
    everything = measured.everything()
    if _inside_city(everything) is False:
        try:
            flipped = measured_from_file(raw, dxf_layers=dxf_layers, swap_axes=True, **args)
        except UploadRefused:
            flipped = None
        if flipped is not None and _inside_city(flipped.everything()):
            raise UploadRefused("outside_city_swapped")
        raise UploadRefused("outside_city")
    distance = everything.distance(shapely.from_wkb(bytes(parcel.geom.wkb)))
    if distance > FAR_FROM_PARCEL_M:
        raise UploadRefused("far_from_parcel", distance=f"{distance:.0f}", file_code=parcel.file_code)
    return measured


def survey_reconcile(*, parcel: Parcel, measured: Measured) -> tuple[Figures, CheckRecord]:
    """The measured parcel against the cadastre and the plan (the plan checks re-run on it)."""
    facts = parcel_facts(parcel_id=parcel.id, parcel_version_id=parcel.version_id, measured_geom=measured.boundary)
    report = compliance_run(facts=facts, use_labels=land_use_labels())
    figures = reconcile(
        measured=measured.boundary,
        buildings=[(b.footprint, b.floors) for b in measured.buildings],
        cadastral=shapely.from_wkb(bytes(parcel.geom.wkb)),
        deed_area_m2=float(parcel.deed_area_m2) if parcel.deed_area_m2 is not None else None,
        report=report,
    )
    return figures, check_record(report)


def _floor_level(measured: Measured) -> tuple[float | None, str]:
    if measured.floor_level_m is not None:
        return measured.floor_level_m, FloorLevelSource.MEASURED
    where = measured.boundary.point_on_surface()
    try:
        return elevation_at(point=Point(where.x, where.y, srid=storage_srid())), FloorLevelSource.DEM
    except OutsideDem:
        return None, ""


def _multi(geom: BaseGeometry | None) -> GEOSGeometry | None:
    out = _geos(geom)
    if out is not None and out.geom_type == "Polygon":
        out = MultiPolygon(out, srid=out.srid)
    return out


def survey_upload(
    *,
    parcel: Parcel,
    surveyor,
    upload: UploadedFile,
    measured_on: datetime.date,
    declared_srid: int | None = None,
    encoding: str | None = None,
    dxf_layers: DxfLayers | None = None,
    notes: str = "",
    origin: str = Origin.ROUTINE,
    origin_object=None,
) -> Survey:
    """A surveyor's file for a parcel: read safely, checked, reconciled, stored with its report on the
    parcel's file, for a request or report (`origin_object`) or as routine work.
    Any refusal (UploadRefused) leaves nothing behind: no row, no stored file."""
    origin_check(origin, origin_object)
    data = upload_bytes(upload)
    measured = survey_measured(
        parcel=parcel,
        data=data,
        name=upload.name,
        declared_srid=declared_srid,
        encoding=encoding,
        dxf_layers=dxf_layers,
    )
    return survey_store(
        parcel=parcel,
        surveyor=surveyor,
        data=data,
        name=upload.name,
        measured=measured,
        measured_on=measured_on,
        notes=notes,
        origin=origin,
        origin_object=origin_object,
    )


class _AlreadyStored(Exception):
    """The upload already has its survey: this run's copy is rolled back."""

    def __init__(self, survey):
        super().__init__(survey.pk)
        self.survey = survey


def survey_store(
    *,
    parcel: Parcel,
    surveyor,
    data: bytes,
    name: str,
    measured: Measured,
    measured_on: datetime.date,
    notes: str,
    origin: str = Origin.ROUTINE,
    origin_object=None,
    received: SurveyUpload | None = None,
) -> Survey:
    """Reconcile a read survey and store it with its file and report (and mark the upload it came
    from done, in the same transaction)."""
    figures, compliance = survey_reconcile(parcel=parcel, measured=measured)
    floor_level, floor_source = _floor_level(measured)
    survey = Survey(
        file=property_file_open(parcel=parcel, actor=surveyor),
        parcel=parcel,
        origin=origin,
        origin_object=origin_object,
        surveyor=surveyor,
        measured_on=measured_on,
        source_format=upload_format(name),
        source_name=name[-255:],
        source_sha256=hashlib.sha256(data).hexdigest(),
        source_srid=measured.source_srid,
        geom=_geos(measured.boundary),
        area_m2=measured.boundary.area,
        frontage_m=sum(f["frontage_m"] for f in figures.frontages),
        floor_level_m=floor_level,
        floor_level_source=floor_source,
        notes=notes,
    )
    survey.source_file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            survey.save()
            _store_children(survey=survey, measured=measured, figures=figures, compliance=compliance)
            audit_record(
                actor=surveyor,
                action="survey.uploaded",
                obj=survey,
                file_code=survey.file.code,
                origin=origin,
                sha256=survey.source_sha256,
                source=survey.source_name,
            )
            if received is not None:
                # a reading job run twice (its worker killed, the job retried) stores one survey
                stored = SurveyUpload.objects.select_for_update().only("survey").get(pk=received.pk).survey
                if stored is not None:
                    raise _AlreadyStored(stored)
                received.status = UploadStatus.DONE
                received.survey = survey
                received.finished_at = timezone.now()
                received.save(update_fields=["status", "survey", "finished_at"])
                audit_record(actor=None, action="survey_upload.done", obj=received, survey=survey.pk)
    except _AlreadyStored as already:
        survey.source_file.delete(save=False)
        return already.survey
    except BaseException:
        survey.source_file.delete(save=False)
        raise
    return survey


def _store_children(*, survey: Survey, measured: Measured, figures: Figures, compliance: CheckRecord) -> None:
    SurveyPoint.objects.bulk_create(
        SurveyPoint(survey=survey, point_id=p.point_id, code=p.code, height_m=p.height_m, geom=_geos(p.geom))
        for p in measured.points
    )
    SurveyBuilding.objects.bulk_create(
        SurveyBuilding(survey=survey, footprint=_geos(b.footprint), floors=b.floors, area_m2=b.footprint.area)
        for b in measured.buildings
    )
    versions = compliance.versions
    Reconciliation.objects.create(
        survey=survey,
        cadastral_area_m2=figures.cadastral_area_m2,
        deed_area_m2=figures.deed_area_m2,
        measured_area_m2=figures.measured_area_m2,
        hausdorff_m=figures.deviation.distance_m,
        hausdorff_line=_geos(figures.deviation.line),
        street_land=_multi(figures.street_land),
        street_land_m2=figures.street_land.area if figures.street_land is not None else 0.0,
        street_land_beyond_cadastre_m2=figures.street_land_beyond_cadastre_m2,
        buildings_on_street=_multi(figures.buildings_on_street),
        buildings_on_street_m2=figures.buildings_on_street.area if figures.buildings_on_street is not None else 0.0,
        outside_envelope=_multi(figures.outside_envelope),
        outside_envelope_m2=figures.outside_envelope.area if figures.outside_envelope is not None else 0.0,
        envelope=_multi(figures.envelope),
        frontages=figures.frontages,
        violation_candidates=[c.__dict__ for c in figures.candidates],
        compliance=check_record_dump(compliance),
        parcel_version=versions.parcels,
        zones_version=versions.zones,
        streets_version=versions.streets,
    )


def _locked_for_review(survey: Survey) -> Survey:
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.status != SurveyStatus.SUBMITTED:
        raise SurveyNotReviewable(locked.get_status_display())
    return locked


@transaction.atomic
def survey_accept(*, survey: Survey, planner) -> Survey:
    """The survey becomes the parcel's measured geometry (the cadastral one is kept); an earlier
    accepted survey of the same file is superseded."""
    survey = _locked_for_review(survey)
    _origin_open(survey.origin_object)
    earlier = list(Survey.objects.select_for_update().filter(file_id=survey.file_id, status=SurveyStatus.ACCEPTED))
    for old in earlier:
        old.status = SurveyStatus.SUPERSEDED
        old.save(update_fields=["status"])
        audit_record(actor=planner, action="survey.superseded", obj=old, by_survey=survey.pk)
    survey.status = SurveyStatus.ACCEPTED
    survey.reviewed_by = planner
    survey.reviewed_at = timezone.now()
    survey.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_record(actor=planner, action="survey.accepted", obj=survey, superseded=[s.pk for s in earlier])
    return survey


@transaction.atomic
def survey_return(*, survey: Survey, planner, reason: str) -> Survey:
    """Back to the surveyor with the reason (the file stays on record)."""
    reason = reason.strip()
    if not reason:
        raise ValueError(_("Say why the survey is returned."))
    survey = _locked_for_review(survey)
    survey.status = SurveyStatus.RETURNED
    survey.reviewed_by = planner
    survey.reviewed_at = timezone.now()
    survey.review_reason = reason
    survey.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
    audit_record(actor=planner, action="survey.returned", obj=survey, reason=reason)
    return survey


# --- inspections ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PhotoFacts:
    """What a site photo says about itself (from EXIF when the camera wrote it)."""

    width: int
    height: int
    taken_at: datetime.datetime | None
    lon_lat: tuple[float, float] | None


def inspection_record(
    *,
    parcel: Parcel,
    inspector,
    visited_at: datetime.datetime,
    checklist: dict[str, bool],
    notes: str,
    photos: list[tuple[UploadedFile, PhotoFacts]],
    origin: str = Origin.ROUTINE,
    origin_object=None,
    seen_version: int | None = None,
) -> Inspection:
    """An inspector's site report with its photos, attached to the parcel's file, made for a request or
    report (`origin_object`) or as routine work. With `seen_version` (the file's inspections version the
    form was drawn with) a report recorded on the file since then refuses this one."""
    origin_check(origin, origin_object)
    stored: list[InspectionPhoto] = []
    try:
        with transaction.atomic():
            file = property_file_open(parcel=parcel, actor=inspector)
            if seen_version is not None:
                # the file's row lock orders two reports sent at once: the second sees the first
                PropertyFile.objects.select_for_update().filter(pk=file.pk).first()
                if inspections_version(file_code=file.code) != seen_version:
                    raise InspectionStale(
                        _(
                            "Another inspection report was recorded on this file after this form was opened "
                            "(perhaps sent from another device). Nothing was saved: read the newer report, "
                            "then send yours again if it is still needed."
                        )
                    )
            inspection = Inspection.objects.create(
                file=file,
                parcel=parcel,
                origin=origin,
                origin_object=origin_object,
                inspector=inspector,
                visited_at=visited_at,
                checklist=checklist,
                notes=notes,
            )
            for upload, facts in photos:
                upload.seek(0)
                data = upload.read()
                photo = InspectionPhoto(
                    inspection=inspection,
                    width=facts.width,
                    height=facts.height,
                    taken_at=facts.taken_at,
                    location=None
                    if facts.lon_lat is None
                    else Point(*facts.lon_lat, srid=WGS84).transform(storage_srid(), clone=True),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
                photo.image.save(upload.name, ContentFile(data), save=False)
                stored.append(photo)
                photo.save()
            audit_record(
                actor=inspector,
                action="inspection.recorded",
                obj=inspection,
                file_code=parcel.file_code,
                origin=origin,
                photos=len(stored),
            )
            for hook in _INSPECTION_HOOKS:
                hook(inspection)
    except BaseException:
        for photo in stored:
            photo.image.delete(save=False)
        raise
    return inspection
