"""Writes for the workflow. Status and stage change only in request_transition: one transaction, a
row lock, the stale-form check, the guards, one audit event, notifications after commit."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.roles import STAFF_ROLES, Role
from gis_app.audit import audit_record
from gis_app.geometry import storage_srid
from notifications.services import notify
from permits import selectors
from permits.article100 import fine_range
from permits.documents import document_check
from permits.guards import guards_failing
from permits.models import (
    Comment,
    ComplianceCheck,
    InfoRequest,
    MapPreparationOrder,
    PermitRequest,
    RequestDocument,
    RequestStatus,
    RuleOverride,
    StageTask,
    TransactionValue,
    Violation,
    ViolationStatus,
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
from zoning.compliance.output import report_data
from zoning.selectors import parcel_compliance


class WorkflowError(Exception):
    """A refused workflow action; `message` is the translated text for the person who tried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(WorkflowError):
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


def _district(parcel) -> int | None:
    head = (parcel.renovation_code or "").split("-")[0]
    return int(head) if head.isdigit() else None


PROPOSAL_FIELDS = ("use", "floors", "floor_area_m2", "footprint_m2", "height_m", "footprint", "description")


@transaction.atomic
def request_create(*, applicant, filed_by, parcel, kind: str, **proposal) -> PermitRequest:
    """A draft request on a parcel, by the applicant or an authorised agent for them."""
    if filed_by.pk != applicant.pk and not selectors.clients_of(agent=filed_by).filter(client=applicant).exists():
        raise TransitionNotAllowed(_("You have no current authorisation from this client."))
    req = PermitRequest(
        tracking_code=tracking_code_new(),
        kind=request_type(kind).kind,
        applicant=applicant,
        filed_by=filed_by,
        parcel=parcel,
        file_code=parcel.file_code,
        district=_district(parcel),
    )
    for name, value in proposal.items():
        if name not in PROPOSAL_FIELDS:
            raise TypeError(name)
        setattr(req, name, value)
    _footprint_fill(req)
    req.save()
    audit_record(actor=filed_by, action="request.created", obj=req, kind=kind, file_code=req.file_code)
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
    data = report_data(report)
    failed = [r.code for r in report.results if r.status == "failed"]
    check = ComplianceCheck.objects.create(
        request=req,
        report=data,
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


def _enter(req: PermitRequest, code: str) -> None:
    req.stage = code
    req.stage_entered_at = timezone.now()
    req.stage_due_on = selectors.due_date(start=timezone.localdate(), working_days=stage(code).working_days)


def _tasks_missing(req: PermitRequest) -> list[str]:
    done = set(StageTask.objects.filter(request=req, stage=req.stage).values_list("task", flat=True))
    return [str(t.label) for t in stage(req.stage).tasks if t.code not in done]


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
    change status/stage, write the audit event; the people concerned are notified after commit."""
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
                request=req, stage=req.stage, message=note, documents=list(documents), asked_by=actor
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
            req.status = RequestStatus.IN_REVIEW
            _enter(req, req.stage)
        elif action == Action.REFER:
            if to_stage not in earlier_stages(req.kind, req.stage):
                raise WorkflowError(_("Choose an earlier stage of this request to refer the file to."))
            StageTask.objects.filter(request=req, stage=to_stage).delete()
            _enter(req, to_stage)
        elif action == Action.REJECT:
            req.status = RequestStatus.REJECTED
            req.closed_at = now
        elif action == Action.WITHDRAW:
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
        )
        result = TransitionResult(req, before_stage, req.stage, before_status, req.status)
        # in the transaction: the messages and their delivery jobs commit with the change, or not at all
        _notify_transition(result, actor=actor, note=note)
    return result


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
            "valid_until": timezone.localdate() + dt.timedelta(days=valid_days),
        },
    )
    audit_record(actor=actor, action="map_order.issued", obj=req, check=check.pk)
    return order


def map_order_content(*, req: PermitRequest, check: ComplianceCheck) -> dict:
    """The order's contents (DOMAIN.md, map preparation order) from the parcel, the owners and the check."""
    report = check.report
    parcel, zone, env = report["parcel"], report.get("zone") or {}, report.get("envelope") or {}
    owners = [
        {"name": o.owner.full_name, "share_dang": float(o.share_dang)}
        for o in req.parcel.ownerships.select_related("owner")
    ]
    streets = [
        {
            "name": s.get("name"),
            "existing_width_m": s.get("existing_width_m"),
            "approved_width_m": s.get("approved_width_m"),
            "setback_area_m2": s.get("setback_area_m2"),
            "frontage_after_m": s.get("frontage_after_m"),
        }
        for s in report.get("streets", [])
    ]
    parking_m2 = 25
    floor_area = env.get("max_floor_area_m2")
    return {
        "owners": owners,
        "registry_plate": parcel.get("registry_plate"),
        "renovation_code": parcel.get("renovation_code"),
        "file_code": parcel.get("file_code"),
        "deed_area_m2": parcel.get("deed_area_m2"),
        "area_after_setback_m2": parcel.get("net_area_m2"),
        "land_use": zone.get("land_use"),
        "zone": zone.get("plan_code"),
        "streets": streets,
        "chamfer_area_m2": parcel.get("chamfer_area_m2"),
        "coverage_pct": zone.get("coverage_pct"),
        "density_pct": zone.get("density_pct"),
        "placement": "northern band",
        "band_depth_m": env.get("band_depth_m"),
        "max_footprint_m2": env.get("max_footprint_m2"),
        "max_floor_area_m2": floor_area,
        "max_floors": env.get("max_floors"),
        "max_height_m": zone.get("max_height_m"),
        "requested": {"use": req.use, "floors": req.floors, "floor_area_m2": req.floor_area_m2},
        "parking_spaces": max(1, round((req.floor_area_m2 or floor_area or 0) / 100)) if req.use else None,
        "parking_space_m2": parking_m2,
        "overrides": list(check.overrides.values("rule_code", "reason")),
        "plan_versions": report.get("versions"),
        "check_id": check.pk,
    }


# --- violations and Article 100 -----------------------------------------------------------------


def _violation_officer(actor) -> None:
    if Role.VIOLATIONS_OFFICER not in actor.roles():
        raise TransitionNotAllowed(_("Only the violations officer records violations and the commission's verdicts."))


@transaction.atomic
def violation_record(
    *, actor, request_id: int, kind: str, geom: GEOSGeometry, parking_spaces: int = 0, description: str = ""
) -> Violation:
    """Record a violation on a file with its geometry (drawn, or taken from the survey)."""
    _violation_officer(actor)
    req = PermitRequest.objects.select_for_update().get(pk=request_id)
    if geom.srid is None:
        raise WorkflowError(_("The violation's geometry has no coordinate system."))
    if geom.srid != storage_srid():
        geom = geom.transform(storage_srid(), clone=True)
    if isinstance(geom, Polygon):
        geom = MultiPolygon(geom, srid=geom.srid)
    if not isinstance(geom, MultiPolygon) or geom.empty or not geom.valid or geom.area < 0.01:
        raise WorkflowError(_("Draw the violation as a valid polygon of some area."))
    v = Violation.objects.create(
        request=req,
        file_code=req.file_code,
        kind=kind,
        geom=geom,
        area_m2=round(geom.area, 2),
        parking_spaces=parking_spaces,
        description=description,
        recorded_by=actor,
    )
    audit_record(actor=actor, action="violation.recorded", obj=req, violation=v.pk, kind=kind, area_m2=v.area_m2)
    return v


def transaction_value(*, district: int | None, use_class: str, year: int) -> TransactionValue | None:
    return (
        TransactionValue.objects.filter(district=district or 1, use_class=use_class, year__lte=year)
        .order_by("-year")
        .first()
    )


@transaction.atomic
def violation_refer(*, actor, violation_id: int) -> Violation:
    """Refer the case to the Article 100 commission with the fine range computed from the schedule."""
    _violation_officer(actor)
    v = Violation.objects.select_for_update().get(pk=violation_id)
    if v.status != ViolationStatus.OPEN:
        raise TransitionNotAllowed(_("Only a recorded case can be referred."))
    from gis_app.jalali import to_jalali

    use_class = "commercial" if v.kind == "extra_area_commercial" else "residential"
    tv = transaction_value(
        district=v.request.district if v.request else None,
        use_class=use_class,
        year=to_jalali(timezone.localdate()).year,
    )
    if tv is None:
        raise WorkflowError(
            _("No transaction value is recorded for this district and use; the schedule must be loaded.")
        )
    rng = fine_range(
        kind=v.kind,
        area_m2=v.area_m2,
        value_irr_m2=tv.value_irr_m2,
        goodwill_irr_m2=tv.goodwill_irr_m2,
        parking_spaces=v.parking_spaces,
    )
    v.transaction_value_irr_m2 = tv.value_irr_m2
    v.fine_min_irr, v.fine_max_irr = rng.min_irr, rng.max_irr
    v.status = ViolationStatus.REFERRED
    v.referred_at = timezone.now()
    v.save()
    audit_record(
        actor=actor,
        action="violation.referred",
        obj=v.request,
        violation=v.pk,
        note=rng.note,
        outcome=rng.outcome,
        fine_min_irr=rng.min_irr,
        fine_max_irr=rng.max_irr,
        basis=rng.basis,
    )
    return v


VERDICTS = ("fine", "demolition", "appeal", "closed")


@transaction.atomic
def violation_verdict(
    *, actor, violation_id: int, verdict: str, fine_irr: int | None = None, text: str = ""
) -> Violation:
    """Record the commission's verdict: a fine (within the range), demolition, or an appeal; or close a
    case whose fine was paid or whose encroaching part was removed."""
    _violation_officer(actor)
    v = Violation.objects.select_for_update().get(pk=violation_id)
    text = (text or "").strip()
    if verdict not in VERDICTS:
        raise WorkflowError(_("Unknown verdict."))
    if verdict == "closed":
        if v.status not in (ViolationStatus.FINED, ViolationStatus.DEMOLITION):
            raise TransitionNotAllowed(_("Only a decided case can be closed."))
        v.status = ViolationStatus.CLOSED
    else:
        if v.status not in (ViolationStatus.REFERRED, ViolationStatus.APPEALED):
            raise TransitionNotAllowed(_("The commission decides only cases referred to it."))
        if not text:
            raise WorkflowError(_("Enter the verdict's text as the commission wrote it."))
        if verdict == "appeal":
            if v.status == ViolationStatus.APPEALED:
                raise TransitionNotAllowed(_("The review commission's ruling is final; it cannot be appealed again."))
            v.status = ViolationStatus.APPEALED
        elif verdict == "fine":
            if fine_irr is None or v.fine_min_irr is None:
                raise WorkflowError(_("This case has no fine range (its note orders demolition)."))
            if not v.fine_min_irr <= fine_irr <= v.fine_max_irr:
                raise WorkflowError(_("The fine must lie within the computed range."))
            v.status, v.verdict_fine_irr = ViolationStatus.FINED, fine_irr
        else:
            v.status = ViolationStatus.DEMOLITION
        v.verdict_text = text
        v.decided_at = timezone.now()
    v.save()
    audit_record(
        actor=actor, action=f"violation.{verdict}", obj=v.request, violation=v.pk, fine_irr=fine_irr, text=text
    )
    return v


@transaction.atomic
def comment_add(*, request_id: int, actor, body: str, to_applicant: bool) -> Comment:
    """A comment on a file; the applicant's side always writes to the applicant, staff choose."""
    req = PermitRequest.objects.get(pk=request_id)
    staff = bool(actor.roles() & STAFF_ROLES)
    comment = Comment.objects.create(request=req, author=actor, body=body, to_applicant=to_applicant or not staff)
    audit_record(actor=actor, action="request.commented", obj=req)
    return comment


# --- agents' authorisations -------------------------------------------------------------------


@transaction.atomic
def authorisation_grant(*, client, agent, valid_until: dt.date):
    """The client lets an e-services office or engineer file and follow requests for them."""
    from permits.models import Authorisation

    if client.pk == agent.pk:
        raise WorkflowError(_("You cannot authorise yourself."))
    Authorisation.objects.filter(client=client, agent=agent, revoked_at__isnull=True).update(revoked_at=timezone.now())
    grant = Authorisation.objects.create(client=client, agent=agent, valid_until=valid_until)
    audit_record(actor=client, action="authorisation.granted", obj=grant, agent=agent.username, until=str(valid_until))
    return grant


@transaction.atomic
def authorisation_revoke(*, client, grant_id: int) -> None:
    from permits.models import Authorisation

    grant = Authorisation.objects.select_for_update().get(pk=grant_id, client=client)
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    audit_record(actor=client, action="authorisation.revoked", obj=grant)
