"""Reads for inquiries: the facts each rule needs (from permits, violations, fees, parcels, zoning),
the excavation's buffer check in PostGIS, and who sees which inquiries, webhooks and deliveries."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.roles import Role
from documents.models import DocumentKind, DocumentStatus, IssuedDocument
from fees.models import Bill, BillStatus
from fees.selectors import fines_unpaid
from gis_app.models import DatasetKind, DatasetVersion
from gis_app.selectors import active_version_id
from inquiries.models import (
    Agency,
    ApiRequestLog,
    Inquiry,
    InquiryKind,
    InquiryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from parcels.models import CityBoundary, PropertyFile
from permits.models import PermitRequest, RequestStatus
from permits.workflow import RequestKind
from violations.selectors import open_violations

# the unit that answers an inquiry a rule could not decide, by kind
ANSWERING_ROLE = {InquiryKind.EXCAVATION: Role.EXECUTIVE_UNIT, InquiryKind.UTILITY: Role.PERMIT_OFFICER}


def agency_of(user) -> Agency | None:
    """The agency a signed-in agency member works for (None for anyone else)."""
    if not user.is_authenticated or Role.AGENCY not in user.roles():
        return None
    membership = getattr(user, "agency_membership", None)
    return membership.agency if membership is not None and membership.agency.active else None


def inquiries_of(*, agency: Agency) -> QuerySet[Inquiry]:
    """An agency's own inquiries, newest first (the only ones it may see)."""
    return Inquiry.objects.filter(agency=agency).order_by("-created_at", "-id")


def inquiry_of(*, agency: Agency, public_id) -> Inquiry | None:
    """One of the agency's inquiries by its public id; None for another agency's (the caller answers 404)."""
    return inquiries_of(agency=agency).filter(public_id=public_id).first()


def inbox(*, user) -> QuerySet[Inquiry]:
    """Inquiries waiting for the user's unit, oldest due first."""
    roles = {r.value for r in user.roles()}
    if Role.MANAGER.value in roles:
        qs = Inquiry.objects.filter(status=InquiryStatus.PENDING)
    else:
        qs = Inquiry.objects.filter(status=InquiryStatus.PENDING, answering_role__in=roles)
    return qs.select_related("agency").order_by("due_on", "created_at")


def may_answer(*, user, inquiry: Inquiry) -> bool:
    roles = {r.value for r in user.roles()}
    return inquiry.status == InquiryStatus.PENDING and inquiry.answering_role in roles


def webhooks_of(*, agency: Agency) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(agency=agency, cancelled_at__isnull=True).select_related("inquiry")


def deliveries_of(*, agency: Agency | None = None, subscription: WebhookSubscription | None = None):
    """Delivery history of one subscription, of an agency, or (staff) all, newest first."""
    qs = WebhookDelivery.objects.select_related("subscription", "subscription__agency")
    if subscription is not None:
        qs = qs.filter(subscription=subscription)
    if agency is not None:
        qs = qs.filter(subscription__agency=agency)
    return qs.order_by("-created_at", "-id")


def api_log(*, agency: Agency) -> QuerySet[ApiRequestLog]:
    return ApiRequestLog.objects.filter(agency=agency).order_by("-at", "-id")


# --- the facts of a file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    """What the municipality's records say about a file, for the bank, notary and utility rules."""

    valid_permit: bool
    permit_issued_on: dt.date | None
    completion: bool
    no_violation_until: dt.date | None
    dues_paid: bool
    open_violation: bool


BUILDING_PERMITS = (RequestKind.BUILDING_NEW, RequestKind.BUILDING_EXTENSION)


def certificates_in_force(*, file: PropertyFile, today: dt.date) -> tuple[bool, dt.date | None]:
    """The file's certificates as the municipality issued them (documents: signed, with serials): whether a
    valid completion certificate is on file, and the date a valid no-violation certificate runs to (the
    latest, if it has not run out)."""
    valid = IssuedDocument.objects.filter(file=file, status=DocumentStatus.VALID)
    completion = valid.filter(kind=DocumentKind.COMPLETION_CERTIFICATE).exists()
    until = max(
        (
            dt.date.fromisoformat(fields["valid_until"])
            for fields in valid.filter(kind=DocumentKind.NO_VIOLATION_CERTIFICATE).values_list("key_fields", flat=True)
            if fields.get("valid_until")
        ),
        default=None,
    )
    return completion, until if until is not None and until >= today else None


def file_facts(*, file: PropertyFile | None, today: dt.date | None = None) -> FileFacts:
    """The permits and certificates issued on the file, its unpaid bills and fines, its open cases."""
    if file is None:
        return FileFacts(False, None, False, None, True, False)
    today = today or timezone.localdate()
    issued = list(
        PermitRequest.objects.filter(file=file, status=RequestStatus.ISSUED)
        .order_by("-closed_at")
        .values_list("kind", "closed_at")
    )
    permit_on = next((at for kind, at in issued if kind in BUILDING_PERMITS and at), None)
    valid_days = settings.INQUIRY_PERMIT_VALID_DAYS
    permit_date = timezone.localtime(permit_on).date() if permit_on else None
    valid_permit = permit_date is not None and permit_date + dt.timedelta(days=valid_days) >= today
    completion, nv_until = certificates_in_force(file=file, today=today)
    unpaid = Bill.objects.filter(file=file, status=BillStatus.UNPAID).exists() or fines_unpaid(file=file).exists()
    return FileFacts(
        valid_permit=valid_permit,
        permit_issued_on=permit_date,
        completion=completion,
        no_violation_until=nv_until,
        dues_paid=not unpaid,
        open_violation=open_violations(file=file).exists(),
    )


def data_versions() -> dict[str, int | None]:
    """The live dataset versions an answer is decided on (stored with it)."""
    kinds = (DatasetKind.PARCELS, DatasetKind.STREETS)
    live = dict(DatasetVersion.objects.filter(kind__in=kinds, is_active=True).values_list("kind", "id"))
    return {kind.value: live.get(kind) for kind in kinds}


# --- the excavation's buffer check -------------------------------------------------------------------


@dataclass(frozen=True)
class Crossing:
    """What lies within the check distance of an excavation (storage CRS, metres)."""

    length_m: float
    trench_area_m2: float
    parcel_ids: tuple[int, ...]
    streets: tuple[tuple[str, float, str], ...]  # name, approved width, hierarchy
    paving: tuple[tuple[str, dt.date], ...]
    open_excavations: tuple[str, ...]


def within_city(*, geom: GEOSGeometry) -> bool | None:
    """Whether the geometry lies within the live city limits (None when no boundary is live)."""
    version_id = active_version_id(DatasetKind.BOUNDARY)
    if version_id is None:
        return None
    return CityBoundary.objects.filter(version_id=version_id, geom__contains=geom).exists()


# Raw SQL: the four GiST-indexed ST_DWithin of the buffer check in ONE round trip (the ORM needs four
# statements and two look-ups of the live versions, about four times the time at 1M parcels). The live
# versions come from subselects: run-time partition pruning keeps the parcels to the live partition.
# Pinned by tests/inquiries/test_excavation.py.
_CROSSING_SQL = """
WITH g AS (SELECT ST_GeomFromEWKB(%(ewkb)s) AS geom),
     pv AS (SELECT id FROM gis_app_datasetversion WHERE kind = 'parcels' AND is_active),
     sv AS (SELECT id FROM gis_app_datasetversion WHERE kind = 'streets' AND is_active)
SELECT
  (SELECT coalesce(array_agg(id), '{}') FROM (
     SELECT p.id FROM parcels_parcel p, g WHERE p.version_id = (SELECT id FROM pv)
       AND ST_DWithin(p.geom, g.geom, %(d)s) LIMIT %(max)s) s),
  (SELECT coalesce(json_agg(json_build_array(s.name, s.approved_width_m, s.hierarchy)), '[]')
     FROM zoning_street s, g WHERE s.version_id = (SELECT id FROM sv) AND ST_DWithin(s.geom, g.geom, %(d)s)),
  (SELECT coalesce(json_agg(json_build_array(r.street_name, r.paved_on) ORDER BY r.paved_on DESC), '[]')
     FROM inquiries_pavingrecord r, g WHERE r.paved_on >= %(since)s AND ST_DWithin(r.geom, g.geom, %(d)s)),
  (SELECT coalesce(array_agg(public_id::text), '{}') FROM (
     SELECT q.public_id FROM inquiries_inquiry q, g WHERE q.kind = 'excavation' AND q.works_until >= %(today)s
       AND ST_DWithin(q.geom, g.geom, %(d)s) AND q.id <> %(exclude)s LIMIT 20) o)
"""


def excavation_crossing(*, geom: GEOSGeometry, today: dt.date | None = None, exclude=None) -> Crossing:
    """The buffer check: parcels, streets (approved widths), recently paved segments and other open
    excavations within INQUIRY_CHECK_DISTANCE_M of the trench; each a GiST-indexed ST_DWithin."""
    today = today or timezone.localdate()
    params = {
        "ewkb": bytes(geom.ewkb),
        "d": settings.INQUIRY_CHECK_DISTANCE_M,
        "max": settings.INQUIRY_PARCELS_LISTED_MAX,
        "since": today - dt.timedelta(days=settings.INQUIRY_PAVING_PROTECTED_DAYS),
        "today": today,
        "exclude": exclude or 0,
    }
    with connection.cursor() as cur:
        cur.execute(_CROSSING_SQL, params)
        parcel_ids, streets, paving, others = cur.fetchone()
    trench = geom if geom.geom_type == "Polygon" else geom.buffer(settings.INQUIRY_TRENCH_WIDTH_M / 2)
    return Crossing(
        length_m=round(geom.length, 2),
        trench_area_m2=round(trench.area, 2),
        parcel_ids=tuple(parcel_ids),
        streets=tuple((name, float(width), hierarchy) for name, width, hierarchy in _json(streets)),
        paving=tuple((name, dt.date.fromisoformat(on)) for name, on in _json(paving)),
        open_excavations=tuple(others),
    )


def _json(value):
    return json.loads(value) if isinstance(value, str) else value
