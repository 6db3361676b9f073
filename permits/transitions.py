"""The one way a request moves (DESIGN.md §3-4): one transaction, a row lock, the stale-form check, the
actor's right, the stage's guards, one audit event, the stage history, the registered transition hooks;
notifications after commit. A resubmission that changed what later stages depended on goes back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from gis_app.audit import audit_record
from gis_app.templatetags.persian import separator_text
from notifications.services import notify
from permits import selectors
from permits.errors import GuardsFailed, TransitionNotAllowed, WorkflowError
from permits.guards import guards_failing
from permits.hooks import TransitionEvent, transition_hooks_run
from permits.models import (
    InfoRequest,
    MapPreparationOrder,
    PermitRequest,
    RequestStatus,
    StageTask,
    StageVisit,
    VisitOutcome,
)
from permits.services import request_locked
from permits.workflow import Action, actions_for, earlier_stages, next_stage, request_type, stage


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


NOTE_MIN_CHARS = 5  # a return, rejection or referral says why in at least this many characters


def request_transition(
    *,
    request_id: int,
    actor,
    action: str,
    version: int,
    note: str = "",
    note_to_applicant: bool = False,
    to_stage: str | None = None,
    documents: tuple[str, ...] = (),
) -> TransitionResult:
    """The one way a file moves: lock, check the version and the actor's right, run the stage's guards,
    change status/stage, write the audit event and the stage history, run the transition hooks; the
    people concerned are notified after commit."""
    action = Action(action)
    note = (note or "").strip()
    with transaction.atomic():
        req = request_locked(request_id, version=version)
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
        if action in (Action.RETURN, Action.REJECT, Action.REFER) and len(note) < NOTE_MIN_CHARS:
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
                failures.append(_("Checklist not complete: %(list)s.") % {"list": separator_text().join(open_tasks)})
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
            note_to_applicant=bool(note)
            and note_for_applicant(action, applicant_side=applicant_side, ticked=note_to_applicant),
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
        # in the transaction: the messages and their delivery jobs commit with the change, or not at all
        _notify_transition(result, actor=actor, note=note)
    return result


def note_for_applicant(action: Action, *, applicant_side: bool, ticked: bool) -> bool:
    """Whether a transition's note is shown to the applicant: the applicant side's own notes and a
    return's (what the applicant is asked for) always; a staff note only when the officer ticked it."""
    return applicant_side or action == Action.RETURN or ticked


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
        failures.append(
            _("Documents missing: %(list)s.") % {"list": separator_text().join(str(k.label) for k in missing)}
        )
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
