"""The file page every officer and the applicant share, and the actions on it (POST only)."""

from __future__ import annotations

import shapely
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import STAFF_ROLES, Role
from gis_app.errors import DomainError, NotAllowed
from gis_app.references import reference_sign
from maps.selectors import map_page_config
from notifications.selectors import notifications_about
from permits import selectors, services, transitions
from permits.asbuilt_selectors import latest_comparison, permitted_footprint
from permits.certificates import DIFFERENCE_LABELS
from permits.errors import GuardsFailed, StaleForm, TransitionNotAllowed, WorkflowError
from permits.forms import (
    ActionForm,
    CommentForm,
    DocumentForm,
    OwnershipOverrideForm,
    RequestForm,
    TaskForm,
    VerdictForm,
    ViolationForm,
)
from permits.guards import GUARDS
from permits.models import PermitRequest, RequestStatus
from permits.workflow import (
    CERTIFICATE_KINDS,
    OVERRIDE_ROLES,
    Action,
    actions_for,
    earlier_stages,
    request_type,
    stage,
    stages_of,
)
from surveys.models import SurveyBuilding
from violations.models import Violation
from violations.selectors import violations_of
from zoning.compliance.output import feature_collection


def _roles(request: HttpRequest) -> set[Role]:
    return request.user.roles()


def _is_staff(request: HttpRequest) -> bool:
    return bool(_roles(request) & STAFF_ROLES)


def _file(request: HttpRequest, tracking: str) -> PermitRequest:
    """The file if this user may open it; 404 otherwise (nobody learns that someone else's exists)."""
    return get_object_or_404(
        # what every file page reads of the request's own rows, in the one query (the map order is a
        # reverse one-to-one: a LEFT JOIN, None when there is none)
        selectors.requests_visible(user=request.user).select_related(
            "applicant", "filed_by", "file", "parcel", "map_order"
        ),
        tracking_code=selectors.tracking_code_typed(tracking),
    )


CHECK_ROLES = frozenset({Role.PLANNER, Role.PERMIT_OFFICER, Role.MANAGER})  # who may re-run the plan check


ERROR_STATUS = {StaleForm: 409, TransitionNotAllowed: 403, GuardsFailed: 400, WorkflowError: 400, NotAllowed: 403}


def _errors_text(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _shape(geom):
    return None if geom is None else shapely.from_wkb(bytes(geom.wkb))


def _map_config(
    *, parcel=None, report=None, req: PermitRequest | None = None, check=None, violations=None, comparison=None
) -> dict:
    """The file's map: parcel, envelope and setback from the plan check, the footprint, violations; on a
    certificate request the building as built, the permitted footprint and each difference from it."""
    features = []
    if report is not None:
        from zoning.compliance.output import report_data

        features = report_data(report)["geometry"]["features"]
    elif check is not None:
        features = check.record.geometry.get("features", [])
    elif parcel is not None:
        features = feature_collection([("cadastral", _shape(parcel.geom), {})])["features"]
    extra = []
    differences = {}
    if comparison is not None:
        differences = {d.violation_id: d for d in comparison.record.differences}
        extra += _asbuilt_features(comparison)
    if req is not None:
        if req.footprint is not None:
            extra.append(("footprint", _shape(req.footprint), {"area_m2": req.footprint_m2}))
        cases = violations_of(file=req.file) if violations is None else violations
        for v in cases:
            d = differences.get(v.pk)
            if d is None:
                extra.append(("violation", _shape(v.geom), {"area_m2": v.area_m2}))
            else:
                extra.append(("difference", _shape(v.geom), {"area_m2": d.excess_area_m2, "difference": d.kind}))
    features = [
        {
            **f,
            "properties": {
                **f["properties"],
                "kind": "cadastral" if f["properties"]["kind"] == "parcel" else f["properties"]["kind"],
            },
        }
        for f in features
    ] + feature_collection(extra)["features"]
    base = map_page_config()
    return {
        "tiles": base["tiles"],
        "hillshade": base.get("hillshade"),
        "features": {"type": "FeatureCollection", "features": features},
        "labels": {
            "cadastral": _("Cadastral boundary"),
            "envelope": _("Buildable envelope"),
            "setback_strip": _("Setback strip"),
            "chamfer": _("Corner chamfer"),
            "realigned_line": _("Realigned frontage line"),
            "footprint": _("Permitted footprint") if comparison is not None else _("Proposed footprint"),
            "violation": _("Violation"),
            "built": _("Building as built"),
            "difference": _("Built beyond the permit"),
        },
    }


def _asbuilt_features(comparison) -> list:
    """The building as built (its accepted as-built survey) and the permit's footprint, for the map."""
    features = [
        ("built", _shape(b.footprint), {"area_m2": b.area_m2})
        for b in SurveyBuilding.objects.filter(survey_id=comparison.survey_id)
    ]
    footprint = permitted_footprint(comparison.permit)
    if footprint is not None:
        features.append(("footprint", _shape(footprint), {"area_m2": comparison.permit.footprint_m2}))
    return features


def _differences(comparison) -> list:
    """(difference, its label, its violation case) of a comparison, for the page."""
    if comparison is None:
        return []
    ds = comparison.record.differences
    cases = Violation.objects.in_bulk([d.violation_id for d in ds if d.violation_id])
    return [(d, DIFFERENCE_LABELS[d.kind], cases.get(d.violation_id)) for d in ds]


def _file_page(request: HttpRequest, req: PermitRequest, *, status: int = 200, error: str | None = None, **forms):
    roles = _roles(request)
    applicant_side = selectors.is_applicant_side(user=request.user, request=req)
    allowed = actions_for(roles=roles, applicant_side=applicant_side, status=req.status, kind=req.kind, stage=req.stage)
    staff = bool(roles & STAFF_ROLES)
    current = stage(req.stage) if req.stage else None
    done = set(req.tasks.filter(stage=req.stage).values_list("task", flat=True)) if current else set()
    check = selectors.latest_check(request=req)
    survey = selectors.accepted_survey(request=req) if staff or check is not None else None
    violations = list(violations_of(file=req.file))
    certificate = req.kind in CERTIFICATE_KINDS
    comparison = latest_comparison(request=req) if certificate else None
    timeline = []
    passed = True
    for st in stages_of(req.kind):
        if st.code == req.stage and req.status in (RequestStatus.IN_REVIEW, RequestStatus.RETURNED):
            state, passed = "current", False
        elif req.status == RequestStatus.ISSUED:
            state = "done"
        elif req.status == RequestStatus.DRAFT:
            state = "todo"
        else:
            state = "done" if passed and req.stage else "todo"
        timeline.append({"stage": st, "state": state})
    context = {
        "req": req,
        "rtype": request_type(req.kind),
        "applicant_side": applicant_side,
        "staff": staff,
        "error": error,
        "allowed": allowed,
        "Action": Action,
        "stage": current,
        "timeline": timeline,
        "tasks": [{"task": t, "done": t.code in done} for t in (current.tasks if current else ())],
        "can_tick": current is not None and current.role in roles and req.status == RequestStatus.IN_REVIEW,
        "earlier": [stage(c) for c in earlier_stages(req.kind, req.stage)] if req.stage else [],
        "documents": req.documents.select_related("uploaded_by").order_by("kind", "-uploaded_at"),
        "missing": selectors.documents_missing(request=req, upto_stage=req.stage or None),
        "can_upload": selectors.may_add_documents(user=request.user, request=req),
        "document_form": forms.get("document_form") or DocumentForm(),
        "action_form": forms.get("action_form") or ActionForm(initial={"version": req.version}),
        "info_requests": req.info_requests.all(),
        "check": check,
        "check_current": check is not None and selectors.check_is_current(check=check, request=req, survey=survey),
        "check_results": _check_results(check),
        "can_check": bool(roles & CHECK_ROLES) and req.status == RequestStatus.IN_REVIEW,
        "can_override": bool(roles & OVERRIDE_ROLES) and req.status == RequestStatus.IN_REVIEW,
        "can_issue_order": Role.PLANNER in roles
        and req.stage == "detailed_plan"
        and req.status == RequestStatus.IN_REVIEW,
        "order": getattr(req, "map_order", None),
        "survey": survey if staff else None,
        "inspection": selectors.inspection_for(request=req) if staff else None,
        "violations": violations,
        "is_violations_officer": Role.VIOLATIONS_OFFICER in roles,
        "violation_form": forms.get("violation_form") or ViolationForm(),
        "verdict_form": VerdictForm(),
        "comments": (req.comments.all() if staff else req.comments.filter(to_applicant=True)).select_related("author"),
        "comment_form": CommentForm(),
        "ownership": selectors.ownership_facts(request=req) if staff else None,
        "work_for": _work_for(req, roles),
        "ownership_form": forms.get("ownership_form") or OwnershipOverrideForm(),
        "may_override_ownership": Role.CLERK in roles
        and req.stage == "secretariat"
        and req.status == RequestStatus.IN_REVIEW,
        "audit": [
            (
                e,
                AUDIT_LABELS.get(e.action, e.action),
                e.data.get("note", "") if staff or selectors.audit_note_public(e) else "",
            )
            for e in selectors.request_audit(request=req)
        ],
        "notifications": notifications_about(obj=req, recipient=request.user)[:20],
        "map_config": _map_config(
            parcel=req.parcel, req=req, check=check, violations=violations, comparison=comparison
        ),
        "approve_label": request_type(req.kind).approve_label,
        "certificate": certificate,
        "comparison": comparison,
        "differences": _differences(comparison),
        # compared once per accepted survey (a new survey is compared again)
        "can_compare": certificate
        and Role.VIOLATIONS_OFFICER in roles
        and req.stage == "asbuilt_comparison"
        and req.status == RequestStatus.IN_REVIEW
        and GUARDS["asbuilt_compared"](req) is not None,
        # what still stops the stage's own officer, shown above the actions (none when they cannot act)
        "guard_failures": _guard_preview(req)
        if allowed and current and current.role in roles and req.status == RequestStatus.IN_REVIEW
        else [],
    }
    return render(request, "permits/file.html", context, status=status)


def _work_for(req: PermitRequest, roles) -> dict | None:
    """Links for the inspector and the surveyor to record their work as this request's own (a signed
    reference the survey pages check), while the file is in review."""
    inspect, survey = Role.INSPECTOR in roles, Role.SURVEYOR in roles
    if req.status != RequestStatus.IN_REVIEW or not (inspect or survey):
        return None
    token = reference_sign(obj=req, origin="request", file_code=req.file.code)
    return {"inspect": inspect, "survey": survey, "token": token}


def _check_results(check) -> list:
    if check is None:
        return []
    overrides = {o.rule_code: o for o in check.overrides.select_related("officer")}
    return [(r, overrides.get(r.code)) for r in check.record.results]


AUDIT_LABELS = {
    "file.opened": gettext_lazy("property file opened"),
    "request.created": gettext_lazy("draft created"),
    "request.updated": gettext_lazy("proposal changed"),
    "request.submit": gettext_lazy("submitted"),
    "request.advance": gettext_lazy("accepted and sent on"),
    "request.approve": gettext_lazy("approved and issued"),
    "request.return": gettext_lazy("returned to the applicant"),
    "request.resubmit": gettext_lazy("answered and resubmitted"),
    "request.refer": gettext_lazy("referred to an earlier stage"),
    "request.reject": gettext_lazy("rejected"),
    "request.withdraw": gettext_lazy("withdrawn"),
    "request.commented": gettext_lazy("comment added"),
    "document.added": gettext_lazy("document uploaded"),
    "task.done": gettext_lazy("checklist task done"),
    "task.undone": gettext_lazy("checklist task undone"),
    "compliance.checked": gettext_lazy("plan rules checked"),
    "compliance.overridden": gettext_lazy("plan rule overridden"),
    "map_order.issued": gettext_lazy("map preparation order issued"),
    "map_order.withdrawn": gettext_lazy("map preparation order withdrawn (the proposal changed)"),
    "ownership.overridden": gettext_lazy("opened for a non-owner, with the clerk's reason"),
    "violation.recorded": gettext_lazy("violation recorded"),
    "violation.referred": gettext_lazy("referred to the Article 100 commission"),
    "violation.fine": gettext_lazy("commission verdict: fine"),
    "violation.demolition": gettext_lazy("commission verdict: demolition"),
    "violation.appeal": gettext_lazy("verdict appealed"),
    "violation.closed": gettext_lazy("violation case closed"),
    "asbuilt.compared": gettext_lazy("building as built compared with the permit"),
}


def _guard_preview(req: PermitRequest) -> list[str]:
    from permits.guards import guards_failing

    return guards_failing(req, stage(req.stage).guards)


@login_required
@require_GET
def file_page(request: HttpRequest, tracking: str) -> HttpResponse:
    """The applicant's side and staff: the whole file; actions as the stage allows."""
    return _file_page(request, _file(request, tracking))


def _after(request: HttpRequest, req: PermitRequest, call, success: str) -> HttpResponse:
    try:
        call()
    except DomainError as exc:
        req.refresh_from_db()
        status = next((code for kind, code in ERROR_STATUS.items() if type(exc) is kind), None)
        status = status or (403 if isinstance(exc, NotAllowed) else 400)
        return _file_page(request, req, status=status, error=exc.message)
    messages.success(request, success)
    return redirect("permits:file", tracking=req.tracking_code)


def _may(request: HttpRequest, req: PermitRequest, action: Action) -> bool:
    """Whether the action is open to this person on the file now (the service decides in the end)."""
    applicant_side = selectors.is_applicant_side(user=request.user, request=req)
    allowed = actions_for(
        roles=_roles(request), applicant_side=applicant_side, status=req.status, kind=req.kind, stage=req.stage
    )
    return action in allowed


@login_required
@require_POST
def file_act(request: HttpRequest, tracking: str) -> HttpResponse:
    """Any workflow action on the file (the service decides whether this person may do it now)."""
    req = _file(request, tracking)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _file_page(
            request, req, status=400, error=_("The action was not understood; reload the page."), action_form=form
        )
    d = form.cleaned_data
    if d["action"] == Action.REJECT and not d["confirmed"] and _may(request, req, Action.REJECT):
        # Nothing is written yet: the officer sees the rejection and its note, and confirms or goes back.
        if len(d["note"].strip()) < transitions.NOTE_MIN_CHARS:
            return _file_page(
                request,
                req,
                status=400,
                error=_("Say why the request is rejected: the note is required."),
                action_form=form,
            )
        return render(request, "permits/confirm_reject.html", {"req": req, "d": d})
    return _after(
        request,
        req,
        lambda: transitions.request_transition(
            request_id=req.pk,
            actor=request.user,
            action=d["action"],
            version=d["version"],
            note=d["note"],
            note_to_applicant=d["note_to_applicant"],
            to_stage=d["to_stage"] or None,
            documents=tuple(d["documents"]),
        ),
        _("Done: %(action)s.") % {"action": Action(d["action"]).label},
    )


@login_required
@require_POST
def file_update(request: HttpRequest, tracking: str) -> HttpResponse:
    """The applicant: change the proposal of a draft or a returned request."""
    req = _file(request, tracking)
    form = RequestForm(request.POST, parcel=req.parcel)
    version = request.POST.get("version", "")
    if not form.is_valid() or not version.isdigit():
        return _file_page(
            request,
            req,
            status=400,
            error=_("Correct the proposal: ") + _errors_text(form),
        )
    proposal = form.proposal()
    return _after(
        request,
        req,
        lambda: services.request_update(request_id=req.pk, actor=request.user, version=int(version), **proposal),
        _("The proposal was saved."),
    )


@login_required
@require_POST
def document_upload(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _file(request, tracking)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _file_page(request, req, status=400, document_form=form)
    from django import forms as dj_forms

    try:
        services.document_add(
            request_id=req.pk, actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
        )
    except dj_forms.ValidationError as exc:
        form.add_error("file", exc)
        return _file_page(request, req, status=400, document_form=form)
    except WorkflowError as exc:
        return _file_page(request, req, status=403, error=exc.message)
    messages.success(request, _("The document was received."))
    return redirect("permits:file", tracking=req.tracking_code)


@login_required
@require_GET
def document_file(request: HttpRequest, tracking: str, pk: int) -> FileResponse:
    """A document of a file this person may open, by its id (never by a path from the request)."""
    req = _file(request, tracking)
    doc = get_object_or_404(req.documents, pk=pk)
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f'inline; filename="{doc.kind}-{doc.pk}.{doc.file.name.rsplit(".", 1)[-1]}"'
    response["X-Content-Type-Options"] = "nosniff"
    # a private scan (national card, deed): no shared cache and no copy left on disk by the browser
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def task_tick(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _file(request, tracking)
    form = TaskForm(request.POST)
    if not form.is_valid():
        return _file_page(request, req, status=400, error=_("The task was not understood."))
    d = form.cleaned_data
    return _after(
        request,
        req,
        lambda: services.task_set(request_id=req.pk, actor=request.user, task=d["task"], done=d["done"]),
        _("Checklist updated."),
    )


@login_required
@require_POST
def comment_add(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _file(request, tracking)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _file_page(request, req, status=400, error=_("Write the comment."))
    services.comment_add(
        request_id=req.pk,
        actor=request.user,
        body=form.cleaned_data["body"],
        to_applicant=form.cleaned_data["to_applicant"],
    )
    return redirect("permits:file", tracking=req.tracking_code)
