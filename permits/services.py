"""Writes for the workflow. Status and stage change only in request_transition: one transaction, a
row lock, the stale-form check, the guards, one audit event, notifications after commit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.roles import STAFF_ROLES, Role
from accounts.selectors import is_authorised
from gis_app.audit import audit_record
from gis_app.errors import DomainError, NotAllowed
from gis_app.geometry import storage_srid
from notifications.services import notify
from parcels.services import property_file_open
from permits import selectors
from permits.documents import document_check
from permits.guards import guards_failing
from permits.hooks import TransitionEvent, transition_hooks_run
from permits.models import (
    Comment,
    ComplianceCheck,
    InfoRequest,
    MapPreparationOrder,
    OwnershipOverride,
    PermitRequest,
    RequestDocument,
    RequestStatus,
    RuleOverride,
    StageTask,
    StageVisit,
    VisitOutcome,
)
from permits.workflow import (
    OVERRIDE_ROLES,
    Action,
    actions_for,
    earlier_stages,
    next_stage,
    request_type,
    stage,
)
from violations.services import violation_record
from zoning.compliance.output import check_record
from zoning.compliance.records import PlanParams
from zoning.compliance.rules import parking_spaces_required
from zoning.compliance.stored import StoredParking, check_record_dump
from zoning.selectors import parcel_compliance


class WorkflowError(DomainError):
    """A refused workflow action; `message` is the translated text for the person who tried."""


class TransitionNotAllowed(WorkflowError, NotAllowed):
    pass


class StaleForm(WorkflowError):
    pass


class GuardsFailed(WorkflowError):
    def __init__(self, failures: list[str]):
        super().__init__(_("The file cannot leave this stage yet: ") + " ".join(failures))
        self.failures = failures


TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by hand


def tracking_code_new() -> str:
    """An unguessable tracking code (about 59 bits), e.g. BJ-7QK2M-XR94T-H3."""
    chars = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(12))
    return f"BJ-{chars[:5]}-{chars[5:10]}-{chars[10:]}"


PROPOSAL_FIELDS = ("use", "floors", "floor_area_m2", "footprint_m2", "height_m", "footprint", "description")


@transaction.atomic
def request_create(*, applicant, filed_by, parcel, kind: str, **proposal) -> PermitRequest:
    """A draft request on a parcel, by the applicant or an authorised agent for them."""
    if filed_by.pk != applicant.pk and not is_authorised(agent=filed_by, client=applicant):
        raise TransitionNotAllowed(_("You have no current authorisation from this client."))
    req = PermitRequest(
        tracking_code=tracking_code_new(),
        kind=request_type(kind).kind,
        applicant=applicant,
        filed_by=filed_by,
        file=property_file_open(parcel=parcel, actor=filed_by),
        parcel=parcel,
    )
    for name, value in proposal.items():
        if name not in PROPOSAL_FIELDS:
            raise TypeError(name)
        setattr(req, name, value)
    _footprint_fill(req)
    req.save()
    audit_record(actor=filed_by, action="request.created", obj=req, kind=kind, file_code=req.file.code)
    return req


def _footprint_fill(req: PermitRequest) -> None:
    if req.footprint is not None:
        if req.footprint.srid != storage_srid():
            req.footprint = req.footprint.transform(storage_srid(), clone=True)
        req.footprint_m2 = round(req.footprint.area, 2)


def _locked(request_id: int, *, version: int | None) -> PermitRequest:
    req = PermitRequest.objects.select_for_update().get(pk=request_id)
    if version is not None and req.version != version:
        raise StaleForm(
            _("This file was changed by someone else while you had it open. Reload the page and try again.")
        )
    return req


@transaction.atomic
def request_update(*, request_id: int, actor, version: int, **proposal) -> PermitRequest:
    """Change a draft's (or a returned request's) proposal."""
    req = _locked(request_id, version=version)
    if not selectors.is_applicant_side(user=actor, request=req):
        raise TransitionNotAllowed(_("Only the applicant may change the request."))
    if req.status not in (RequestStatus.DRAFT, RequestStatus.RETURNED):
        raise TransitionNotAllowed(_("The request can be changed only as a draft or when it was returned to you."))
    for name, value in proposal.items():
        if name not in PROPOSAL_FIELDS:
            raise TypeError(name)
        setattr(req, name, value)
    _footprint_fill(req)
    req.version += 1
    req.save()
    audit_record(actor=actor, action="request.updated", obj=req, fields=sorted(proposal))
    return req


def document_add(*, request_id: int, actor, kind: str, upload) -> RequestDocument:
    """Attach a checked scan; an earlier one of the same kind is kept but marked replaced."""
    checked = document_check(upload)
    doc = RequestDocument(
        kind=kind,
        original_name=(upload.name or "")[-255:],
        content_type=checked.content_type,
        size_bytes=checked.size_bytes,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    try:
        with transaction.atomic():
            req = PermitRequest.objects.select_for_update().get(pk=request_id)
            if not selectors.may_add_documents(user=actor, request=req):
                raise TransitionNotAllowed(
                    _("Documents can be added to a draft, to a returned request, or by the secretariat.")
                )
            doc.request = req
            upload.seek(0)
            doc.file.save(f"scan.{checked.suffix}", ContentFile(upload.read()), save=False)
            if kind != "other":
                req.documents.filter(kind=kind, replaced=False).update(replaced=True)
            doc.save()
            audit_record(actor=actor, action="document.added", obj=req, kind=kind, sha256=checked.sha256)
    except BaseException:
        if doc.file:
            doc.file.delete(save=False)
        raise
    return doc


@transaction.atomic
def task_set(*, request_id: int, actor, task: str, done: bool) -> None:
    """Tick or untick a checklist task of the file's current stage (its officer only)."""
    req = _locked(request_id, version=None)
    st = stage(req.stage) if req.stage else None
    if req.status != RequestStatus.IN_REVIEW or st is None or st.role not in actor.roles():
        raise TransitionNotAllowed(_("Only the officer of the file's current stage may tick its checklist."))
    if task not in {t.code for t in st.tasks}:
        raise TransitionNotAllowed(_("This task is not on the stage's checklist."))
    if done:
        _task, created = StageTask.objects.get_or_create(
            request=req, stage=req.stage, task=task, defaults={"done_by": actor}
        )
    else:
        created = StageTask.objects.filter(request=req, stage=req.stage, task=task).delete()[0] > 0
    if created:
        audit_record(actor=actor, action="task.done" if done else "task.undone", obj=req, stage=req.stage, task=task)


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


@dataclass(frozen=True)
class TransitionResult:
    request: PermitRequest
    from_stage: str
    to_stage: str
    from_status: str
    to_status: str
    rerouted_to: str | None = None


def _enter(req: PermitRequest, code: str) -> None:
    req.stage = code
    req.stage_entered_at = timezone.now()
    req.stage_due_on = selectors.due_date(start=timezone.localdate(), working_days=stage(code).working_days)


def _tasks_missing(req: PermitRequest) -> list[str]:
    done = set(StageTask.objects.filter(request=req, stage=req.stage).values_list("task", flat=True))
    return [str(t.label) for t in stage(req.stage).tasks if t.code not in done]


def _history_write(req: PermitRequest, *, actor, action: str, outcome: str | None, now) -> None:
    """Stage history: close the open visit with its outcome, open one for the stage the file is now at."""
    if outcome is not None:
        visit = StageVisit.objects.select_for_update().filter(request=req, left_at__isnull=True).first()
        if visit is not None:
            visit.left_at, visit.left_by, visit.outcome = now, actor, outcome
            visit.working_days_used = selectors.working_days_between(start=visit.entered_at, end=now)
            visit.save(update_fields=["left_at", "left_by", "outcome", "working_days_used"])
    if req.status == RequestStatus.IN_REVIEW and action in ENTERS_A_STAGE:
        StageVisit.objects.create(
            file_id=req.file_id,
            request=req,
            stage=req.stage,
            entered_at=req.stage_entered_at,
            entered_by=actor,
            entered_on_action=action,
            due_on=req.stage_due_on,
        )


ENTERS_A_STAGE = frozenset({Action.SUBMIT, Action.ADVANCE, Action.REFER, Action.RESUBMIT})
# the visit's outcome for each action that moves the file out of its stage
LEAVES_STAGE = {
    Action.ADVANCE: VisitOutcome.ADVANCED,
    Action.APPROVE: VisitOutcome.APPROVED,
    Action.RETURN: VisitOutcome.RETURNED,
    Action.REFER: VisitOutcome.REFERRED,
    Action.REJECT: VisitOutcome.REJECTED,
}


def request_transition(
    *,
    request_id: int,
    actor,
    action: str,
    version: int,
    note: str = "",
    to_stage: str | None = None,
    documents: tuple[str, ...] = (),
) -> TransitionResult:
    """The one way a file moves: lock, check the version and the actor's right, run the stage's guards,
    change status/stage, write the audit event and the stage history, run the transition hooks; the
    people concerned are notified after commit."""
    action = Action(action)
    note = (note or "").strip()
    with transaction.atomic():
        req = _locked(request_id, version=version)
        applicant_side = selectors.is_applicant_side(user=actor, request=req)
        allowed = actions_for(
            roles=actor.roles(), applicant_side=applicant_side, status=req.status, kind=req.kind, stage=req.stage
        )
        if action not in allowed:
            raise TransitionNotAllowed(_("This action is not open to you on this file at its current stage."))
        before_stage, before_status = req.stage, req.status
        now = timezone.now()
        outcome = LEAVES_STAGE.get(action)
        changed: frozenset[str] = frozenset()
        rerouted_to = None
        if action in (Action.RETURN, Action.REJECT, Action.REFER) and len(note) < 5:
            raise WorkflowError(_("Write what the applicant or the next officer must know (at least 5 characters)."))
        if action == Action.SUBMIT:
            failures = _submit_failures(req)
            if failures:
                raise GuardsFailed(failures)
            req.status = RequestStatus.IN_REVIEW
            req.submitted_at = now
            _enter(req, request_type(req.kind).stages[0])
        elif action in (Action.ADVANCE, Action.APPROVE):
            failures = []
            open_tasks = _tasks_missing(req)
            if open_tasks:
                failures.append(_("Checklist not complete: %(list)s.") % {"list": "; ".join(open_tasks)})
            failures += guards_failing(req, stage(req.stage).guards)
            if failures:
                raise GuardsFailed(failures)
            following = next_stage(req.kind, req.stage)
            if following is None:
                req.status = RequestStatus.ISSUED
                req.closed_at = now
            else:
                _enter(req, following)
        elif action == Action.RETURN:
            req.status = RequestStatus.RETURNED
            InfoRequest.objects.create(
                request=req,
                stage=req.stage,
                message=note,
                documents=list(documents),
                asked_by=actor,
                snapshot=selectors.dependency_snapshot(req),
            )
        elif action == Action.RESUBMIT:
            failures = _submit_failures(req)
            info = req.info_requests.filter(answered_at__isnull=True).first()
            missing = [d for d in (info.documents if info else []) if not _uploaded_since(req, d, info.asked_at)]
            if missing:
                failures.append(_("Upload the documents asked for before resubmitting."))
            if failures:
                raise GuardsFailed(failures)
            if info:
                info.answer, info.answered_at = note, now
                info.save(update_fields=["answer", "answered_at"])
                changed = selectors.dependencies_changed(req, info.snapshot)
            req.status = RequestStatus.IN_REVIEW
            rerouted_to = _reroute_target(req, changed)
            if rerouted_to is not None:
                _invalidate_from(req, rerouted_to, actor=actor, changed=changed)
            _enter(req, rerouted_to or req.stage)
        elif action == Action.REFER:
            if to_stage not in earlier_stages(req.kind, req.stage):
                raise WorkflowError(_("Choose an earlier stage of this request to refer the file to."))
            StageTask.objects.filter(request=req, stage=to_stage).delete()
            _enter(req, to_stage)
        elif action == Action.REJECT:
            req.status = RequestStatus.REJECTED
            req.closed_at = now
        elif action == Action.WITHDRAW:
            if before_status == RequestStatus.IN_REVIEW:
                outcome = VisitOutcome.WITHDRAWN
            req.status = RequestStatus.WITHDRAWN
            req.closed_at = now
        req.version += 1
        req.save()
        audit_record(
            actor=actor,
            action=f"request.{action.value}",
            obj=req,
            from_stage=before_stage,
            to_stage=req.stage,
            from_status=before_status,
            to_status=req.status,
            note=note,
            version=req.version,
            **({"rerouted_to": rerouted_to, "changed": sorted(changed)} if rerouted_to else {}),
        )
        _history_write(req, actor=actor, action=action, outcome=outcome, now=now)
        transition_hooks_run(
            TransitionEvent(
                request=req,
                action=action.value,
                actor=actor,
                from_stage=before_stage,
                to_stage=req.stage,
                from_status=before_status,
                to_status=req.status,
                note=note,
                at=now,
                changed=changed,
            )
        )
        result = TransitionResult(req, before_stage, req.stage, before_status, req.status, rerouted_to)
        transaction.on_commit(lambda: _notify_transition(result, actor=actor, note=note))
    return result


def _reroute_target(req: PermitRequest, changed: frozenset[str]) -> str | None:
    """The earliest stage that depends on something that changed, when it lies before the current stage."""
    deps = request_type(req.kind).depends_on
    stages = request_type(req.kind).stages
    targets = [deps[what] for what in changed if what in deps and deps[what] in stages]
    if not targets:
        return None
    earliest = min(targets, key=stages.index)
    return earliest if stages.index(earliest) < stages.index(req.stage) else None


def _invalidate_from(req: PermitRequest, code: str, *, actor, changed: frozenset[str]) -> None:
    """What the stages from `code` on produced no longer holds: their ticks go, the map preparation order
    is withdrawn (the plan check is out of date by itself: its proposal key no longer matches)."""
    stages = request_type(req.kind).stages
    later = stages[stages.index(code) :]
    StageTask.objects.filter(request=req, stage__in=later).delete()
    order = MapPreparationOrder.objects.filter(request=req, withdrawn_at__isnull=True).first()
    if order is not None and "detailed_plan" in later:
        order.withdrawn_at = timezone.now()
        order.save(update_fields=["withdrawn_at"])
        audit_record(actor=actor, action="map_order.withdrawn", obj=req, changed=sorted(changed))


def _uploaded_since(req: PermitRequest, kind: str, since: dt.datetime) -> bool:
    return req.documents.filter(kind=kind, replaced=False, uploaded_at__gte=since).exists()


def _submit_failures(req: PermitRequest) -> list[str]:
    failures = []
    if request_type(req.kind).needs_proposal and not (req.use and req.floors and req.floor_area_m2):
        failures.append(_("Enter the proposal: use, floors and total floor area."))
    missing = selectors.documents_missing(request=req, upto_stage=None)
    if missing:
        failures.append(_("Documents missing: %(list)s.") % {"list": ", ".join(str(k.label) for k in missing)})
    return failures


def _notify_transition(result: TransitionResult, *, actor, note: str) -> None:
    req = result.request
    with override(settings.LANGUAGE_CODE):  # messages go out in the site's language (Persian)
        status = str(RequestStatus(req.status).label)
        where = str(stage(req.stage).title) if req.stage else ""
        subject = _("Your request %(code)s: %(status)s") % {"code": req.tracking_code, "status": status}
        body = _("Request %(code)s is now: %(status)s%(where)s.") % {
            "code": req.tracking_code,
            "status": status,
            "where": f" ({where})" if where and req.status == RequestStatus.IN_REVIEW else "",
        }
        if req.status == RequestStatus.RETURNED and note:
            body += " " + _("The municipality asks: %(note)s") % {"note": note}
    recipients = {req.applicant}
    if req.filed_by_id != req.applicant_id:
        recipients.add(req.filed_by)
    for person in recipients:
        notify(recipient=person, subject=subject, body=body, about=req)


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
    req = _locked(request_id, version=None)
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


@transaction.atomic
def comment_add(*, request_id: int, actor, body: str, to_applicant: bool) -> Comment:
    """A comment on a file; the applicant's side always writes to the applicant, staff choose."""
    req = PermitRequest.objects.get(pk=request_id)
    staff = bool(actor.roles() & STAFF_ROLES)
    comment = Comment.objects.create(request=req, author=actor, body=body, to_applicant=to_applicant or not staff)
    audit_record(actor=actor, action="request.commented", obj=req)
    return comment
