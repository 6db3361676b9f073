"""The officers' review work on a request in review: the plan check and its overrides, the map
preparation order, the secretariat's ownership decision, violations found on the file. None of it is
done on a closed request."""

from __future__ import annotations

import dataclasses
import datetime as dt

import shapely
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from gis_app.audit import audit_record
from permits import selectors
from permits.errors import GuardsFailed, TransitionNotAllowed, WorkflowError
from permits.hooks import MapOrderEvent, map_order_hooks_run
from permits.models import (
    ComplianceCheck,
    MapPreparationOrder,
    OwnershipOverride,
    PermitRequest,
    RequestStatus,
    RuleOverride,
)
from permits.services import request_locked
from permits.workflow import OVERRIDE_ROLES, request_type
from violations.services import violation_record
from zoning.compliance.output import check_record
from zoning.compliance.records import PlanParams
from zoning.compliance.rules import parking_spaces_required
from zoning.compliance.stored import StoredParking, check_record_dump
from zoning.selectors import parcel_compliance


@transaction.atomic
def compliance_check_run(*, request_id: int, actor) -> ComplianceCheck:
    """Run every plan rule on the request's parcel (the measured one when a survey was accepted) and
    store the report with the versions it used."""
    req = PermitRequest.objects.select_for_update().get(pk=request_id)
    _open_for_review(req, _("Checking the plan"))
    survey = selectors.accepted_survey(request=req)
    changes = {}
    if request_type(req.kind).needs_proposal and req.floors:
        changes = {
            "use": req.use or "residential",
            "floors": req.floors,
            "floor_area_m2": req.floor_area_m2 or 0.0,
            "footprint_m2": req.footprint_m2 or 0.0,
            "footprint": shapely.from_wkb(bytes(req.footprint.wkb)) if req.footprint else None,
            "height_m": req.height_m,
        }
    where = {"parcel_id": req.parcel_id}
    if survey is not None:
        where["measured_geom"] = shapely.from_wkb(bytes(survey.geom.wkb))
    report = parcel_compliance(changes=changes or None, **where)
    if report is None:
        raise WorkflowError(_("The request's parcel is no longer in the data."))
    record = check_record(report)
    failed = list(record.failed_rules)
    check = ComplianceCheck.objects.create(
        request=req,
        report=check_record_dump(record),
        passed=not failed,
        failed_rules=failed,
        parcel_version=report.facts.parcel_version_id,
        zones_version=report.facts.zones_version_id,
        streets_version=report.facts.streets_version_id,
        survey_id=survey.pk if survey else None,
        proposal_key=selectors.proposal_key(req),
        checked_by=actor if actor and actor.is_authenticated else None,
    )
    audit_record(actor=actor, action="compliance.checked", obj=req, passed=check.passed, failed=failed, check=check.pk)
    return check


@transaction.atomic
def rule_override(*, request_id: int, actor, rule_code: str, reason: str) -> RuleOverride:
    """An authorised officer lets a failed rule of the latest check pass, with a reason."""
    req = PermitRequest.objects.select_for_update().get(pk=request_id)
    _open_for_review(req, _("Overriding a plan rule"))
    if not actor.roles() & OVERRIDE_ROLES:
        raise TransitionNotAllowed(_("Only a planner or a manager may override a plan check."))
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise WorkflowError(_("Give the reason for the override (at least 10 characters)."))
    check = selectors.latest_check(request=req)
    if check is None or rule_code not in check.failed_rules:
        raise WorkflowError(_("This rule did not fail in the latest check."))
    override_row, created = RuleOverride.objects.get_or_create(
        compliance_check=check, rule_code=rule_code, defaults={"officer": actor, "reason": reason}
    )
    if created:
        audit_record(
            actor=actor, action="compliance.overridden", obj=req, rule=rule_code, reason=reason, check=check.pk
        )
    return override_row


@transaction.atomic
def map_order_issue(*, request_id: int, actor, valid_days: int = 365) -> MapPreparationOrder:
    """The planner's map preparation order from the current, passing plan check (DOMAIN.md contents)."""
    req = PermitRequest.objects.select_for_update().get(pk=request_id)
    if Role.PLANNER not in actor.roles() or req.stage != "detailed_plan" or req.status != RequestStatus.IN_REVIEW:
        raise TransitionNotAllowed(_("The planner issues the map preparation order at the detailed-plan stage."))
    from permits.guards import compliance_passing

    problem = compliance_passing(req)
    if problem:
        raise GuardsFailed([problem])
    check = selectors.latest_check(request=req)
    content = map_order_content(req=req, check=check)
    order, _created = MapPreparationOrder.objects.update_or_create(
        request=req,
        defaults={
            "content": content,
            "issued_by": actor,
            "issued_at": timezone.now(),
            "withdrawn_at": None,
            "valid_until": timezone.localdate() + dt.timedelta(days=valid_days),
        },
    )
    audit_record(actor=actor, action="map_order.issued", obj=req, check=check.pk)
    map_order_hooks_run(MapOrderEvent(order=order, actor=actor))  # e.g. documents issues its paper
    return order


def map_order_content(*, req: PermitRequest, check: ComplianceCheck) -> dict:
    """The order's contents (DOMAIN.md, map preparation order) from the parcel, the owners and the
    check's typed record; parking from the plan's own parameters. Stored with the order as it was issued."""
    record = check.record
    parcel, zone, env = record.parcel, record.zone, record.envelope
    owners = [
        {"name": o.owner.full_name, "share_dang": float(o.share_dang)}
        for o in req.parcel.ownerships.select_related("owner")
    ]
    streets = [
        {
            "name": s.name,
            "existing_width_m": s.existing_width_m,
            "approved_width_m": s.approved_width_m,
            "setback_area_m2": s.setback_area_m2,
            "frontage_after_m": s.frontage_after_m,
        }
        for s in record.streets
    ]
    parking = record.parking or StoredParking(
        space_m2=PlanParams.parking_space_m2, area_per_space=PlanParams.parking_area_per_space
    )
    use = req.use or (zone.land_use if zone else "")
    floor_area = req.floor_area_m2 or env.max_floor_area_m2
    spaces = parking_spaces_required(
        use=use,
        floor_area_m2=floor_area,
        params=PlanParams(parking_space_m2=parking.space_m2, parking_area_per_space=parking.area_per_space),
    )
    return {
        "owners": owners,
        "registry_plate": parcel.registry_plate,
        "renovation_code": parcel.renovation_code,
        "file_code": parcel.file_code,
        "deed_area_m2": parcel.deed_area_m2,
        "area_after_setback_m2": parcel.net_area_m2,
        "land_use": zone.land_use if zone else None,
        "zone": zone.plan_code if zone else None,
        "streets": streets,
        "chamfer_area_m2": parcel.chamfer_area_m2,
        "coverage_pct": zone.coverage_pct if zone else None,
        "density_pct": zone.density_pct if zone else None,
        "placement": "northern band",
        "band_depth_m": env.band_depth_m,
        "max_footprint_m2": env.max_footprint_m2,
        "max_floor_area_m2": env.max_floor_area_m2,
        "max_floors": env.max_floors,
        "max_height_m": zone.max_height_m if zone else None,
        "requested": {"use": req.use, "floors": req.floors, "floor_area_m2": req.floor_area_m2},
        "parking_spaces": spaces if use else None,
        "parking_space_m2": parking.space_m2,
        "overrides": list(check.overrides.values("rule_code", "reason")),
        "plan_versions": dataclasses.asdict(record.versions),
        "check_id": check.pk,
    }


@transaction.atomic
def ownership_override(*, request_id: int, actor, reason: str) -> OwnershipOverride:
    """The clerk opens the file for an applicant who is not a recorded owner, saying why (a power of
    attorney checked, a deed newer than the cadastre); only at the secretariat stage."""
    req = request_locked(request_id, version=None)
    if Role.CLERK not in actor.roles() or req.stage != "secretariat" or req.status != RequestStatus.IN_REVIEW:
        raise TransitionNotAllowed(_("The secretariat's clerk records this while the file is at the secretariat."))
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise WorkflowError(_("Give the reason (at least 10 characters): which document shows the right to apply."))
    facts = selectors.ownership_facts(request=req)
    if facts.applicant_is_owner:
        raise WorkflowError(_("The applicant is a recorded owner; nothing needs to be overridden."))
    row, created = OwnershipOverride.objects.get_or_create(request=req, defaults={"clerk": actor, "reason": reason})
    if created:
        audit_record(
            actor=actor,
            action="ownership.overridden",
            obj=req,
            reason=reason,
            power_of_attorney=facts.power_of_attorney,
            owners=[o.national_id for o in facts.owners],
        )
    return row


# --- violations found while a request is reviewed ----------------------------------------------------


def _open_for_review(req: PermitRequest, what: str) -> None:
    """Stage work (plan checks, orders, violations) is done on a file in review, never on a closed one."""
    if req.status != RequestStatus.IN_REVIEW:
        raise TransitionNotAllowed(
            _("%(what)s: the request is %(status)s, so nothing more can be done on it.")
            % {"what": what, "status": RequestStatus(req.status).label}
        )


def origin_open_for_work(obj) -> str | None:
    """Surveys' origin check: no survey or inspection is recorded or accepted for a closed request."""
    if isinstance(obj, PermitRequest) and obj.status != RequestStatus.IN_REVIEW:
        return _("The request %(code)s is %(status)s; no more survey or inspection is recorded for it.") % {
            "code": obj.tracking_code,
            "status": RequestStatus(obj.status).label,
        }
    return None


def request_violation_record(*, request_id: int, actor, **fields):
    """A violation found while the request is in review, recorded on its property's file."""
    req = PermitRequest.objects.select_related("file").get(pk=request_id)
    _open_for_review(req, _("Recording a violation"))
    return violation_record(actor=actor, file=req.file, source=req.tracking_code, **fields)
