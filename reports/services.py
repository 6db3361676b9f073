"""Writes for citizen reports: submit (checked, throttled, routed), start, close, reopen; the one-time
codes that confirm an anonymous reporter's mobile number; the hooks that follow the inspection and
the violation a construction report leads to. Every state change is audited in its transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from gis_app.audit import audit_record
from gis_app.errors import DomainError, NotAllowed
from gis_app.geometry import WGS84, storage_srid
from notifications.services import notify
from parcels.selectors import district_for_geometry, live_parcels, point_in_municipality
from parcels.services import property_file_open
from permits.selectors import due_date
from permits.services import tracking_code_new
from reports import tasks
from reports.models import OPEN_REPORT_STATUSES, Outcome, PhoneCode, PhotoKind, Report, ReportPhoto, ReportStatus
from reports.routing import Category, route_for
from surveys.models import Inspection
from surveys.services import PhotoFacts
from violations.hooks import RecordedEvent

RATE_PER_MINUTE = 20  # reports from one mobile number in a minute; more are throttled
CODE_TTL = dt.timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODES_PER_HOUR = 5


class ReportRefused(DomainError):
    """A report that cannot be taken (outside the city, unknown category...)."""


class OutsideCity(ReportRefused):
    """The point is not inside the city limits."""


class Throttled(ReportRefused):
    """Too many reports from one mobile number in the last minute."""


class ReportStateError(DomainError):
    """The report is not in a state that allows this action."""


@dataclass(frozen=True)
class Evidence:
    """What an officer closes a report with: a note and a photo, or a linked record (inspection or violation)."""

    note: str
    photos: list[tuple[UploadedFile, PhotoFacts]]


def _phone_lock(phone: str) -> None:
    # one transaction at a time per number, so twenty-one reports sent at once cannot all pass the count
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x137, zlib.crc32(phone.encode()) & 0x7FFFFFFF])


def _store_photos(report: Report, photos: list[tuple[UploadedFile, PhotoFacts]], kind: str) -> list[ReportPhoto]:
    stored = []
    for upload, facts in photos:
        upload.seek(0)
        data = upload.read()
        photo = ReportPhoto(
            report=report, kind=kind, width=facts.width, height=facts.height, sha256=hashlib.sha256(data).hexdigest()
        )
        photo.image.save(upload.name, ContentFile(data), save=False)
        photo.save()
        stored.append(photo)
    return stored


def report_submit(
    *,
    category: str,
    lon: float,
    lat: float,
    description: str,
    phone: str,
    photos: list[tuple[UploadedFile, PhotoFacts]] = (),
    reporter=None,
    via: str = "web",
) -> Report:
    """Take a citizen's report at a lon/lat point: inside the city, at most RATE_PER_MINUTE a minute from
    one number; routed to its category's unit with a due date; the parcel and file under the point."""
    if category not in Category.values:
        raise ReportRefused(_("Choose one of the listed categories."))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise OutsideCity(_("The point is not inside the city of Bojnord. Put the marker on the place of the problem."))
    inside = point_in_municipality(lon=lon, lat=lat)
    if not inside:
        raise OutsideCity(_("The point is not inside the city of Bojnord. Put the marker on the place of the problem."))
    point = Point(lon, lat, srid=WGS84).transform(storage_srid(), clone=True)
    route = route_for(category)
    stored: list[ReportPhoto] = []
    try:
        with transaction.atomic():
            _phone_lock(phone)
            since = timezone.now() - dt.timedelta(minutes=1)
            if Report.objects.filter(phone=phone, received_at__gte=since).count() >= RATE_PER_MINUTE:
                raise Throttled(
                    _("Too many reports from this mobile number in the last minute. Wait a minute and send it again.")
                )
            parcel = live_parcels().filter(geom__intersects=point).first()
            file = None
            if parcel is not None:
                file = property_file_open(parcel=parcel, actor=reporter) if route.opens_inspection else None
            report = Report.objects.create(
                tracking_code=tracking_code_new(),
                category=category,
                description=description,
                location=point,
                parcel=parcel,
                file=file,
                district=district_for_geometry(geom=point),
                reporter=reporter if reporter is not None and reporter.is_authenticated else None,
                phone=phone,
                via=via,
                unit=route.unit.value,
            )
            stored = _store_photos(report, list(photos), PhotoKind.REPORT)
            audit_record(
                actor=reporter, action="report.received", obj=report, category=category, via=via, photos=len(stored)
            )
            now = timezone.now()
            report.status = ReportStatus.ROUTED
            report.routed_at = now
            report.due_on = due_date(start=timezone.localdate(), working_days=route.working_days)
            report.save(update_fields=["status", "routed_at", "due_on"])
            audit_record(
                actor=None,
                action="report.routed",
                obj=report,
                unit=report.unit,
                due_on=report.due_on.isoformat(),
                inspection_case=route.opens_inspection and parcel is not None,
            )
    except BaseException:
        for photo in stored:
            photo.image.delete(save=False)
        raise
    return report


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


def _may_handle(actor, report: Report) -> None:
    roles = actor.roles() if actor is not None and actor.is_authenticated else set()
    if report.unit not in roles and Role.MANAGER not in roles:
        raise NotAllowed(_("This report is handled by another unit."))


@transaction.atomic
def report_start(*, report: Report, actor=None) -> Report:
    """The unit has started handling the report (an officer, or an inspection recorded for it)."""
    report = _locked(report)
    if actor is not None:
        _may_handle(actor, report)
    if report.status not in (ReportStatus.ROUTED, ReportStatus.REOPENED):
        return report
    report.status = ReportStatus.IN_PROGRESS
    report.in_progress_at = timezone.now()
    report.save(update_fields=["status", "in_progress_at"])
    audit_record(actor=actor, action="report.in_progress", obj=report)
    return report


def _closed_message(report: Report) -> tuple[str, str]:
    subject = _("Your report %(code)s is closed") % {"code": report.tracking_code}
    body = _("Your report %(code)s was closed: %(outcome)s. %(note)s") % {
        "code": report.tracking_code,
        "outcome": Outcome(report.outcome).label,
        "note": report.close_note,
    }
    return subject, body


def _tell_closed(report: Report) -> None:
    subject, body = _closed_message(report)
    if report.reporter is not None:
        notify(recipient=report.reporter, subject=subject, body=body, about=report)
    else:
        tasks.sms_send.defer(phone=report.phone, body=body, reference=f"report-{report.pk}-closed")


def _close(report: Report, *, actor, outcome: str, note: str) -> Report:
    report.status = ReportStatus.CLOSED
    report.outcome = outcome
    report.close_note = note
    report.closed_at = timezone.now()
    report.closed_by = actor if actor is not None and actor.is_authenticated else None
    report.save(update_fields=["status", "outcome", "close_note", "closed_at", "closed_by", "inspection", "violation"])
    audit_record(
        actor=actor,
        action="report.closed",
        obj=report,
        outcome=outcome,
        inspection=report.inspection_id,
        violation=report.violation_id,
    )
    _tell_closed(report)
    return report


@transaction.atomic
def report_close(*, report: Report, actor, outcome: str, evidence: Evidence) -> Report:
    """Close a report with a note and evidence: a photo, or the inspection or violation linked to it."""
    report = _locked(report)
    _may_handle(actor, report)
    if report.status not in OPEN_REPORT_STATUSES:
        raise ReportStateError(_("This report is already closed."))
    if outcome not in Outcome.values or (outcome == Outcome.VIOLATION_RECORDED and report.violation_id is None):
        raise ReportStateError(_("Choose how the report was closed."))
    note = evidence.note.strip()
    if not note:
        raise ReportStateError(_("Write a closing note."))
    if not evidence.photos and report.inspection_id is None and report.violation_id is None:
        raise ReportStateError(
            _("Closing needs evidence: a photo, or an inspection or violation linked to the report.")
        )
    _store_photos(report, list(evidence.photos), PhotoKind.EVIDENCE)
    return _close(report, actor=actor, outcome=outcome, note=note)


@transaction.atomic
def report_reopen(*, report: Report, reason: str, actor=None) -> Report:
    """The reporter reopens a closed report, once; it goes back to its unit with a new due date."""
    report = _locked(report)
    if report.status != ReportStatus.CLOSED:
        raise ReportStateError(_("Only a closed report can be reopened."))
    if report.reopened_at is not None:
        raise ReportStateError(_("This report was reopened once already; it cannot be reopened again."))
    reason = reason.strip()
    if not reason:
        raise ReportStateError(_("Say why the problem is not solved."))
    report.status = ReportStatus.REOPENED
    report.reopened_at = timezone.now()
    report.reopen_reason = reason
    report.due_on = due_date(start=timezone.localdate(), working_days=route_for(report.category).working_days)
    report.save(update_fields=["status", "reopened_at", "reopen_reason", "due_on"])
    audit_record(actor=actor, action="report.reopened", obj=report)
    return report


# -- the chain: inspection made for a report, violation recorded after it ------------------------------


def origin_open_for_work(obj) -> str | None:
    """Surveys' origin check: no inspection is recorded for a closed report."""
    if isinstance(obj, Report) and obj.status not in OPEN_REPORT_STATUSES:
        return _("The report %(code)s is closed; no more inspection is recorded for it.") % {"code": obj.tracking_code}
    return None


def inspection_recorded(inspection: Inspection) -> None:
    """Surveys' hook: an inspection made for a report links to it, and the report is being handled."""
    report = inspection.origin_object
    if not isinstance(report, Report):
        return
    report = _locked(report)
    report.inspection = inspection
    report.file = report.file or inspection.file
    report.save(update_fields=["inspection", "file"])
    audit_record(actor=inspection.inspector, action="report.inspected", obj=report, inspection=inspection.pk)
    report_start(report=report)


def violation_recorded(event: RecordedEvent) -> None:
    """Violations' hook: the open reports this violation answers close as "violation recorded": the one
    named as its source, and the file's inspected construction reports."""
    violation = event.violation
    answers = Q(inspection__isnull=False, category__in=_INSPECTED_CATEGORIES)
    if event.source:
        answers |= Q(tracking_code=event.source)
    answered = Report.objects.select_for_update().filter(
        answers, file_id=violation.file_id, status__in=OPEN_REPORT_STATUSES
    )
    for report in list(answered):
        report.violation = violation
        _close(
            report,
            actor=event.actor,
            outcome=Outcome.VIOLATION_RECORDED,
            note=str(VIOLATION_NOTE),
        )


VIOLATION_NOTE = gettext_lazy(
    "The inspection found a violation; it is recorded on the property's file and follows the Article 100 procedure."
)
_INSPECTED_CATEGORIES = [c for c in Category.values if route_for(c).opens_inspection]


# -- confirming an anonymous reporter's mobile number -----------------------------------------------------


def phone_code_send(*, phone: str) -> PhoneCode:
    """Send a one-time code to a mobile number by SMS (a job through the notification gateway)."""
    with transaction.atomic():
        _phone_lock(phone)
        hour_ago = timezone.now() - dt.timedelta(hours=1)
        if PhoneCode.objects.filter(phone=phone, created_at__gte=hour_ago).count() >= CODES_PER_HOUR:
            raise Throttled(_("Too many codes were sent to this number in the last hour. Try again later."))
        code = f"{secrets.randbelow(10**6):06d}"
        sent = PhoneCode.objects.create(phone=phone, code_hash=make_password(code))
        body = _("Your Bojnord municipality confirmation code: %(code)s") % {"code": code}
        tasks.sms_send.defer(phone=phone, body=body, reference=f"phone-code-{sent.pk}")
    return sent


@transaction.atomic
def phone_code_confirm(*, phone: str, code: str) -> bool:
    """Whether `code` is the latest unexpired code sent to the number (few tries; each try counts)."""
    latest = PhoneCode.objects.select_for_update().filter(phone=phone, confirmed_at__isnull=True).first()
    if latest is None or latest.created_at < timezone.now() - CODE_TTL or latest.attempts >= CODE_ATTEMPTS:
        return False
    latest.attempts += 1
    if check_password(code, latest.code_hash):
        latest.confirmed_at = timezone.now()
    latest.save(update_fields=["attempts", "confirmed_at"])
    return latest.confirmed_at is not None


def open311_keys() -> frozenset[str]:
    """The api_keys of the Open311 clients allowed to post reports (setting OPEN311_API_KEYS)."""
    return frozenset(getattr(settings, "OPEN311_API_KEYS", ()))
