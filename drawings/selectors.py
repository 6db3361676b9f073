"""Reads of drawing checks, and the measures of a placed drawing in PostGIS."""

from __future__ import annotations

import shapely
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from accounts.roles import Role
from accounts.selectors import is_authorised
from drawings.models import DrawingCheck, DrawingOverride, DrawingUpload, UploadStatus
from drawings.records import Drawing, Measures, OrderTerms
from permits import selectors as permit_selectors
from permits.models import MapPreparationOrder, PermitRequest
from permits.workflow import request_type

# Raw SQL: every figure of the placed drawing against the parcel in one round trip (the geometries are
# parameters, not rows): floor areas less deductions, the floors outside the envelope and beyond the
# net parcel (the realigned line), the balconies' depth beyond it with the approved width of the street
# they hang over, each parking slot's sides from its oriented envelope. tests/drawings/test_measures.py
# pins the figures.
_MEASURES_SQL = """
WITH env AS (SELECT ST_GeomFromWKB(%(env)s, %(srid)s) AS g),
net AS (SELECT ST_GeomFromWKB(%(net)s, %(srid)s) AS g),
fl AS (
  SELECT t.n, ST_GeomFromWKB(t.fp, %(srid)s) AS fp, ST_GeomFromWKB(t.ar, %(srid)s) AS ar,
         CASE WHEN t.de IS NULL THEN NULL ELSE ST_GeomFromWKB(t.de, %(srid)s) END AS de
  FROM unnest(%(n)s::int[], %(fp)s::bytea[], %(ar)s::bytea[], %(de)s::bytea[]) AS t(n, fp, ar, de)
),
building AS (SELECT ST_Union(fp) AS g FROM fl),
bal AS (SELECT ST_Union(ST_GeomFromWKB(b, %(srid)s)) AS g FROM unnest(%(bal)s::bytea[]) AS b),
beyond AS (SELECT ST_Difference(bal.g, net.g) AS g FROM bal, net WHERE bal.g IS NOT NULL),
slots AS (
  SELECT o, ST_ExteriorRing(ST_OrientedEnvelope(ST_GeomFromWKB(s, %(srid)s))) AS r
  FROM unnest(%(slots)s::bytea[]) WITH ORDINALITY AS u(s, o)
)
SELECT
  (SELECT json_agg(json_build_array(n, ST_Area(fp), ST_Area(ar) - coalesce(ST_Area(ST_Intersection(de, ar)), 0))
                   ORDER BY n) FROM fl),
  (SELECT ST_Area(ST_Difference(building.g, env.g)) FROM building, env),
  (SELECT ST_Area(ST_Difference(building.g, net.g)) FROM building, net),
  (SELECT max(ST_Distance((dp).geom, net.g)) FROM beyond, net, LATERAL ST_DumpPoints(beyond.g) AS dp
    WHERE NOT ST_IsEmpty(beyond.g)),
  (SELECT s.approved_width_m::float8 FROM zoning_street s, beyond
    WHERE s.version_id = %(sv)s AND NOT ST_IsEmpty(beyond.g) ORDER BY s.geom <-> beyond.g LIMIT 1),
  (SELECT json_agg(json_build_array(ST_Distance(ST_PointN(r, 1), ST_PointN(r, 2)),
                                    ST_Distance(ST_PointN(r, 2), ST_PointN(r, 3))) ORDER BY o) FROM slots)
"""


def _wkb(geom) -> bytes | None:
    return None if geom is None or geom.is_empty else shapely.to_wkb(geom)


def drawing_measures(*, drawing: Drawing, envelope, net, streets_version_id: int | None) -> Measures:
    """The placed drawing measured in PostGIS against the envelope and net parcel (storage CRS)."""
    params = {
        "srid": settings.GIS_STORAGE_SRID,
        "env": _wkb(envelope) or shapely.to_wkb(shapely.Polygon()),
        "net": _wkb(net) or shapely.to_wkb(shapely.Polygon()),
        "n": [f.number for f in drawing.floors],
        "fp": [_wkb(f.footprint) for f in drawing.floors],
        "ar": [_wkb(f.area) for f in drawing.floors],
        "de": [_wkb(f.deduct) for f in drawing.floors],
        "bal": [_wkb(b.geom) for b in drawing.balconies],
        "slots": [_wkb(p) for p in drawing.parking],
        "sv": streets_version_id,
    }
    with connection.cursor() as cur:
        cur.execute(_MEASURES_SQL, params)
        floors, outside, beyond, depth, width, slots = cur.fetchone()
    return Measures(
        floor_areas_m2=tuple((int(n), round(fp, 2), round(net_area, 2)) for n, fp, net_area in floors or ()),
        outside_envelope_m2=round(outside or 0.0, 2),
        beyond_realigned_m2=round(beyond or 0.0, 2),
        projection_depth_m=round(depth or 0.0, 2),
        projection_street_width_m=width,
        slot_sides_m=tuple((round(min(a, b), 2), round(max(a, b), 2)) for a, b in slots or ()),
    )


def order_terms(order: MapPreparationOrder) -> OrderTerms:
    """The figures of an issued map preparation order that a drawing is checked against."""
    c = order.content
    return OrderTerms(
        max_floors=int(c.get("max_floors") or 0),
        max_footprint_m2=float(c.get("max_footprint_m2") or 0.0),
        max_floor_area_m2=float(c.get("max_floor_area_m2") or 0.0),
        max_height_m=c.get("max_height_m"),
        land_use=c.get("land_use"),
        file_code=c.get("file_code") or "",
        renovation_code=c.get("renovation_code") or "",
        zones_version=(c.get("plan_versions") or {}).get("zones"),
        issued_at=order.issued_at.isoformat(),
    )


def needs_drawing_check(request: PermitRequest) -> bool:
    """Building requests (those with a proposal) have their drawings checked at issuance."""
    return request_type(request.kind).needs_proposal


def latest_drawing_check(*, request: PermitRequest) -> DrawingCheck | None:
    return request.drawing_checks.order_by("-uploaded_at", "-id").first()


def latest_drawing_upload(*, request: PermitRequest) -> DrawingUpload | None:
    """The request's last received drawing while it waits or is checked, or when it was refused after
    the last stored check (a checked upload shows as its check)."""
    upload = request.drawing_uploads.select_related("uploaded_by").first()
    if upload is None or upload.status == UploadStatus.DONE:
        return None
    return upload


def drawing_upload_of(*, request: PermitRequest, pk: int) -> DrawingUpload | None:
    return request.drawing_uploads.filter(pk=pk).first()


def drawing_checks_of(*, request: PermitRequest) -> QuerySet[DrawingCheck]:
    return request.drawing_checks.select_related("uploaded_by").order_by("-uploaded_at", "-id")


def drawing_check_current(*, check: DrawingCheck, request: PermitRequest) -> bool:
    """The check was made for the request's current proposal and its map preparation order as issued."""
    order = getattr(request, "map_order", None)
    return (
        order is not None
        and order.withdrawn_at is None
        and check.order_issued_at == order.issued_at
        and check.proposal_key == permit_selectors.proposal_key(request)
    )


def drawing_override_for(*, request: PermitRequest, check: DrawingCheck | None) -> DrawingOverride | None:
    """The permit officer's override of this check (of a request without a drawing when check is None)."""
    return request.drawing_overrides.filter(drawing_check=check).select_related("officer").first()


def may_upload_drawing(*, user, request: PermitRequest) -> bool:
    """The applicant's side: the applicant, the agent who filed, or an engineer the owner authorised."""
    if not user.is_authenticated:
        return False
    if permit_selectors.is_applicant_side(user=user, request=request):
        return True
    return Role.ESERVICES_OFFICE in user.roles() and is_authorised(agent=user, client=request.applicant)


def drawing_request_visible(*, user, tracking: str) -> PermitRequest | None:
    """The request by its tracking code if this user may see its drawings (staff, the applicant's side)."""
    req = permit_selectors.requests_visible(user=user).filter(tracking_code=tracking).first()
    if req is None and user.is_authenticated:
        req = PermitRequest.objects.filter(tracking_code=tracking).first()
        if req is not None and not may_upload_drawing(user=user, request=req):
            req = None
    return req
