"""Writes of drawing checks: a drawing read, placed, checked and stored; the permit officer's override.

drawing_submit is the checking job's work (drawings.intake; the web request only receives the file).
Nothing is stored for a refused drawing: the bytes are read in the locked-down child, sorted by the
convention, placed on the parcel and measured before the one transaction that stores the file, the
check, its shapes and the audit event.
"""

from __future__ import annotations

import dataclasses
import hashlib

import shapely
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Role
from drawings import selectors
from drawings.checks import drawing_checks
from drawings.models import DrawingCheck, DrawingOverride, DrawingShape, DrawingUpload, ShapeKind
from drawings.parse import drawing_parse
from drawings.placement import drawing_place, placement_find
from drawings.records import Drawing, DrawingRefused, DrawingReport, Placement
from drawings.uploads import LIMITS, DrawingLimits, drawing_read
from gis_app.audit import audit_record
from permits import selectors as permit_selectors
from permits.errors import TransitionNotAllowed, WorkflowError
from permits.models import PermitRequest, RequestStatus
from surveys.selectors import accepted_survey_for
from zoning.compliance.records import Proposal
from zoning.compliance.runner import compliance_run
from zoning.models import land_use_labels
from zoning.selectors import parcel_facts

OPEN_STATUSES = (RequestStatus.IN_REVIEW, RequestStatus.RETURNED)


@dataclasses.dataclass(frozen=True)
class CheckedDrawing:
    """A drawing read, placed and checked (not yet stored)."""

    drawing: Drawing  # placed, storage CRS
    placement: Placement
    report: DrawingReport
    versions: tuple[int, int | None, int | None]  # parcels, zones, streets


def _geos(geom):
    from django.conf import settings
    from django.contrib.gis.geos import GEOSGeometry

    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=settings.GIS_STORAGE_SRID)


def drawing_open_for(req: PermitRequest) -> None:
    """A drawing may be sent for a building request with an issued order, at issuance or returned from it."""
    if not selectors.needs_drawing_check(req):
        raise DrawingRefused("not_building")
    if req.status not in OPEN_STATUSES:
        raise DrawingRefused("closed", status=RequestStatus(req.status).label)
    if req.stage != "issuance":
        raise DrawingRefused("not_at_issuance")
    order = getattr(req, "map_order", None)
    if order is None or order.withdrawn_at is not None:
        raise DrawingRefused("no_order")


def drawing_check(*, req: PermitRequest, data: bytes, name: str, limits: DrawingLimits = LIMITS) -> CheckedDrawing:
    """Read, place and check a drawing for a request (nothing stored); DrawingRefused with its reason."""
    drawing = drawing_parse(drawing_read(data=data, name=name, limits=limits))
    survey = accepted_survey_for(obj=req)
    where = {"parcel_id": req.parcel_id}
    if survey is not None:
        where["measured_geom"] = shapely.from_wkb(bytes(survey.geom.wkb))
    facts = parcel_facts(**where)
    if facts is None:
        raise WorkflowError(_("The request's parcel is no longer in the data."))
    placement = placement_find(
        plot=drawing.plot, parcel=facts.geom, target="measured" if survey is not None else "cadastral"
    )
    placed = drawing_place(drawing, placement)
    counted = placed.counted_floors
    ground = shapely.union_all([f.footprint for f in placed.floors])
    proposal = Proposal(
        use=req.use or placed.info.use or "residential",
        floors=len(counted),
        floor_area_m2=sum(f.area.area for f in counted),
        footprint_m2=max((f.footprint.area for f in placed.floors), default=0.0),
        footprint=ground,
        height_m=placed.height_m,
    )
    plan = compliance_run(facts=facts, use_labels=land_use_labels(), proposal=proposal)
    measures = selectors.drawing_measures(
        drawing=placed, envelope=plan.envelope.geom, net=facts.net, streets_version_id=facts.streets_version_id
    )
    report = drawing_checks(
        drawing=placed,
        measures=measures,
        order=selectors.order_terms(req.map_order),
        params=facts.params,
        request_use=req.use,
    )
    return CheckedDrawing(
        placed, placement, report, (facts.parcel_version_id, facts.zones_version_id, facts.streets_version_id)
    )


def _shapes(drawing: Drawing):
    for f in drawing.floors:
        yield ShapeKind.FOOTPRINT, f.number, f.footprint
        if not f.area.equals(f.footprint):
            yield ShapeKind.AREA, f.number, f.area
        if f.deduct is not None:
            yield ShapeKind.DEDUCT, f.number, f.deduct
    for b in drawing.balconies:
        yield ShapeKind.BALCONY, b.floor, b.geom
    for p in drawing.parking:
        yield ShapeKind.PARKING, None, p
    if drawing.realignment is not None:
        yield ShapeKind.REALIGNMENT, None, drawing.realignment


def drawing_submit(
    *,
    request_id: int,
    actor,
    data: bytes,
    name: str,
    limits: DrawingLimits = LIMITS,
    upload: DrawingUpload | None = None,
) -> DrawingCheck:
    """A drawing sent by the engineer (or the applicant) read, placed, checked, then stored with its
    results (the checking job's work, drawings.intake; `upload` is the received file it came in)."""
    req = PermitRequest.objects.select_related("map_order").get(pk=request_id)
    if not selectors.may_upload_drawing(user=actor, request=req):
        raise TransitionNotAllowed(_("Only the applicant or an engineer they authorised sends the drawings."))
    drawing_open_for(req)
    checked = drawing_check(req=req, data=data, name=name, limits=limits)
    with transaction.atomic():
        req = PermitRequest.objects.select_for_update().get(pk=request_id)
        drawing_open_for(req)  # the file may have moved while the drawing was read
        report, placed = checked.report, checked.drawing
        digest = hashlib.sha256(data).hexdigest()
        row = DrawingCheck(
            request=req,
            original_name=name[:255],
            size_bytes=len(data),
            sha256=digest,
            uploaded_by=actor,
            proposal_key=permit_selectors.proposal_key(req),
            order_issued_at=req.map_order.issued_at,
            placement=dataclasses.asdict(checked.placement),
            residual_m=checked.placement.residual_m,
            plan_info=dataclasses.asdict(placed.info),
            results=[dataclasses.asdict(r) for r in report.results],
            passed=report.passed,
            failed_rules=list(report.failed),
            dimensions=[{**dataclasses.asdict(d), "altered": d.altered} for d in placed.dimensions],
            ignored_layers=list(placed.ignored_layers),
            floors=len(placed.counted_floors),
            parcel_version=checked.versions[0],
            zones_version=checked.versions[1],
            streets_version=checked.versions[2],
            plot=_geos(placed.plot),
        )
        row.file.save(f"{digest[:16]}.dxf", ContentFile(data), save=False)
        row.save()
        if upload is not None:  # the job marks it done once its copy of the file is gone (drawings.intake)
            DrawingUpload.objects.filter(pk=upload.pk).update(drawing_check=row)
        DrawingShape.objects.bulk_create(
            DrawingShape(drawing=row, kind=kind, floor=floor, geom=_geos(geom)) for kind, floor, geom in _shapes(placed)
        )
        audit_record(
            actor=actor,
            action="drawing.checked",
            obj=req,
            drawing=row.pk,
            passed=row.passed,
            failed=row.failed_rules,
            residual_m=row.residual_m,
        )
    return row


@transaction.atomic
def drawing_override(*, request_id: int, actor, reason: str) -> DrawingOverride:
    """The permit officer lets issuance go ahead without a passing drawing check, saying why (audited;
    the check it overrides is kept as it was)."""
    req = PermitRequest.objects.select_for_update().get(pk=request_id)
    if Role.PERMIT_OFFICER not in actor.roles():
        raise TransitionNotAllowed(_("Only the permit officer overrides the drawing check."))
    if req.status != RequestStatus.IN_REVIEW or req.stage != "issuance":
        raise TransitionNotAllowed(_("The drawing check is overridden while the file is at the permit-issuance stage."))
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise WorkflowError(_("Give the reason (at least 10 characters) for issuing without a passing drawing check."))
    check = selectors.latest_drawing_check(request=req)
    if check is not None and check.passed and selectors.drawing_check_current(check=check, request=req):
        raise WorkflowError(_("The current drawing passes every check; nothing needs to be overridden."))
    row = DrawingOverride.objects.create(request=req, drawing_check=check, officer=actor, reason=reason)
    audit_record(actor=actor, action="drawing.overridden", obj=req, drawing=check.pk if check else None, reason=reason)
    return row


def drawing_check_passing(req: PermitRequest) -> str | None:
    """The issuance guard: a passing drawing check for the current proposal and order, or an override."""
    if not selectors.needs_drawing_check(req):
        return None
    check = selectors.latest_drawing_check(request=req)
    if selectors.drawing_override_for(request=req, check=check) is not None:
        return None
    if check is None:
        return _("No drawing has been checked for this request: the engineer sends the DXF drawing.")
    if not selectors.drawing_check_current(check=check, request=req):
        return _("The drawing was checked against an earlier proposal or map preparation order; send it again.")
    if not check.passed:
        return _("The drawing fails %(count)s checks; return it to the engineer or override with a reason.") % {
            "count": len(check.failed_rules)
        }
    return None
