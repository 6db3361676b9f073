"""Workflow pages: the citizen's files and wizard, the file page every officer shares, staff inboxes,
actions by POST only, the public status look-up by tracking code. Views check who may do what; the
services check it again inside their transaction."""

from __future__ import annotations

import shapely
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import STAFF_ROLES, Role, require_role
from accounts.selectors import authorisations_given, clients_of
from accounts.services import authorisation_grant
from accounts.services import authorisation_revoke as authorisation_revoke_service
from gis_app.errors import DomainError, NotAllowed
from gis_app.references import reference_sign
from maps.selectors import map_page_config
from notifications.selectors import notifications_about, notifications_of
from parcels.selectors import LookupNotUnderstood, parcels_lookup
from permits import selectors, services
from permits.forms import (
    ActionForm,
    AuthorisationForm,
    ClientForm,
    CommentForm,
    DocumentForm,
    OverrideForm,
    OwnershipOverrideForm,
    RequestForm,
    TaskForm,
    VerdictForm,
    ViolationForm,
)
from permits.models import PermitRequest, RequestStatus
from permits.services import GuardsFailed, StaleForm, TransitionNotAllowed, WorkflowError
from permits.workflow import OVERRIDE_ROLES, Action, actions_for, earlier_stages, request_type, stage, stages_of
from violations import services as violation_services
from violations.selectors import violations_of
from zoning.compliance.output import feature_collection
from zoning.selectors import parcel_compliance


def _roles(request: HttpRequest) -> set[Role]:
    return request.user.roles()


def _is_staff(request: HttpRequest) -> bool:
    return bool(_roles(request) & STAFF_ROLES)


def _file(request: HttpRequest, tracking: str) -> PermitRequest:
    """The file if this user may open it; 404 otherwise (nobody learns that someone else's exists)."""
    return get_object_or_404(
        selectors.requests_visible(user=request.user).select_related("applicant", "filed_by"), tracking_code=tracking
    )


CHECK_ROLES = frozenset({Role.PLANNER, Role.PERMIT_OFFICER, Role.MANAGER})  # who may re-run the plan check
ERROR_STATUS = {StaleForm: 409, TransitionNotAllowed: 403, GuardsFailed: 400, WorkflowError: 400, NotAllowed: 403}


# --- the applicant's side -----------------------------------------------------------------------


@login_required
@require_GET
def my_files(request: HttpRequest) -> HttpResponse:
    """Citizens and agents: their files, their properties, the messages sent to them."""
    files = selectors.requests_visible(user=request.user)
    if _is_staff(request):
        files = files.filter(Q(applicant=request.user) | Q(filed_by=request.user))
    return render(
        request,
        "permits/my_files.html",
        {
            "files": files.order_by("-created_at")[:200],
            "properties": selectors.my_properties(user=request.user)[:50],
            "notifications": notifications_of(recipient=request.user)[:30],
            "authorisations": authorisations_given(client=request.user),
            "clients": clients_of(agent=request.user).select_related("client"),
            "authorise_form": AuthorisationForm(),
            "is_agent": Role.ESERVICES_OFFICE in _roles(request),
        },
    )


def _may_file(request: HttpRequest) -> None:
    if not _roles(request) & {Role.CITIZEN, Role.ESERVICES_OFFICE}:
        raise PermissionDenied(_("Requests are filed by citizens and by e-services offices for their clients."))


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """The wizard: find the parcel (file code, renovation code, or from the map), see what the plan
    allows there, choose the request and enter the proposal; saved as a draft for the documents."""
    _may_file(request)
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:40]
    parcel, matches, lookup_error, report = None, [], None, None
    if code:
        try:
            matches = parcels_lookup(code=code)
        except LookupNotUnderstood as exc:
            lookup_error = str(exc)
        else:
            if not matches:
                lookup_error = _("No parcel in the live data has this code.")
            elif len(matches) == 1:
                parcel = matches[0]
                report = parcel_compliance(parcel_id=parcel.pk)
    is_agent = Role.ESERVICES_OFFICE in _roles(request)
    form = RequestForm(request.POST or None, parcel=parcel)
    client_form = ClientForm(request.POST or None, agent=request.user) if is_agent else None
    if request.method == "POST" and parcel is not None:
        valid = form.is_valid() & (client_form is None or client_form.is_valid())
        if valid:
            applicant = client_form.cleaned_data["client_national_id"] if client_form else request.user
            try:
                req = services.request_create(
                    applicant=applicant,
                    filed_by=request.user,
                    parcel=parcel,
                    kind=form.cleaned_data["kind"],
                    **form.proposal(),
                )
            except WorkflowError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Draft saved. Add the scanned documents, then submit."))
                return redirect("permits:file", tracking=req.tracking_code)
    context = {
        "code": code,
        "parcel": parcel,
        "matches": matches if len(matches) > 1 else [],
        "lookup_error": lookup_error,
        "report": report,
        "form": form,
        "client_form": client_form,
        "map_config": _map_config(parcel=parcel, report=report) if parcel else None,
    }
    status = 400 if request.method == "POST" else (404 if code and not parcel and not matches else 200)
    return render(request, "permits/new.html", context, status=status)


@login_required
@require_POST
def authorise(request: HttpRequest) -> HttpResponse:
    """Citizens: authorise an e-services office or engineer to file and follow for them."""
    form = AuthorisationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("permits:mine")
    try:
        authorisation_grant(
            client=request.user,
            agent=form.cleaned_data["agent_username"],
            valid_until=form.cleaned_data["valid_until"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("permits:mine")
    messages.success(request, _("The authorisation was recorded."))
    return redirect("permits:mine")


@login_required
@require_POST
def authorisation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(authorisations_given(client=request.user), pk=pk)
    authorisation_revoke_service(client=request.user, grant_id=grant.pk)
    messages.success(request, _("The authorisation was revoked."))
    return redirect("permits:mine")


# --- the file page -------------------------------------------------------------------------------


def _shape(geom):
    return None if geom is None else shapely.from_wkb(bytes(geom.wkb))


def _map_config(*, parcel=None, report=None, req: PermitRequest | None = None, check=None) -> dict:
    """The file's map: parcel, envelope and setback from the plan check, the footprint, violations."""
    features = []
    if report is not None:
        from zoning.compliance.output import report_data

        features = report_data(report)["geometry"]["features"]
    elif check is not None:
        features = check.record.geometry.get("features", [])
    elif parcel is not None:
        features = feature_collection([("cadastral", _shape(parcel.geom), {})])["features"]
    extra = []
    if req is not None:
        if req.footprint is not None:
            extra.append(("footprint", _shape(req.footprint), {"area_m2": req.footprint_m2}))
        extra += [("violation", _shape(v.geom), {"area_m2": v.area_m2}) for v in violations_of(file=req.file)]
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
            "footprint": _("Proposed footprint"),
            "violation": _("Violation"),
        },
    }


def _file_page(request: HttpRequest, req: PermitRequest, *, status: int = 200, error: str | None = None, **forms):
    roles = _roles(request)
    applicant_side = selectors.is_applicant_side(user=request.user, request=req)
    allowed = actions_for(roles=roles, applicant_side=applicant_side, status=req.status, kind=req.kind, stage=req.stage)
    staff = bool(roles & STAFF_ROLES)
    current = stage(req.stage) if req.stage else None
    done = set(req.tasks.filter(stage=req.stage).values_list("task", flat=True)) if current else set()
    check = selectors.latest_check(request=req)
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
        "check_current": check is not None and selectors.check_is_current(check=check, request=req),
        "check_results": _check_results(check),
        "can_check": bool(roles & CHECK_ROLES) and req.status == RequestStatus.IN_REVIEW,
        "can_override": bool(roles & OVERRIDE_ROLES) and req.status == RequestStatus.IN_REVIEW,
        "can_issue_order": Role.PLANNER in roles
        and req.stage == "detailed_plan"
        and req.status == RequestStatus.IN_REVIEW,
        "order": getattr(req, "map_order", None),
        "survey": selectors.accepted_survey(request=req) if staff else None,
        "inspection": selectors.inspection_for(request=req) if staff else None,
        "violations": violations_of(file=req.file),
        "is_violations_officer": Role.VIOLATIONS_OFFICER in roles,
        "violation_form": forms.get("violation_form") or ViolationForm(),
        "verdict_form": VerdictForm(),
        "comments": req.comments.select_related("author") if staff else req.comments.filter(to_applicant=True),
        "comment_form": CommentForm(),
        "ownership": selectors.ownership_facts(request=req) if staff else None,
        "work_for": _work_for(req, roles),
        "ownership_form": forms.get("ownership_form") or OwnershipOverrideForm(),
        "may_override_ownership": Role.CLERK in roles
        and req.stage == "secretariat"
        and req.status == RequestStatus.IN_REVIEW,
        "audit": [(e, AUDIT_LABELS.get(e.action, e.action)) for e in selectors.request_audit(request=req)],
        "notifications": notifications_about(obj=req, recipient=request.user)[:20],
        "map_config": _map_config(parcel=req.parcel, req=req, check=check),
        "guard_failures": _guard_preview(req) if current and current.role in roles else [],
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
    return _after(
        request,
        req,
        lambda: services.request_transition(
            request_id=req.pk,
            actor=request.user,
            action=d["action"],
            version=d["version"],
            note=d["note"],
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
def check_run(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _file(request, tracking)
    require_role(request.user, *CHECK_ROLES)
    return _after(
        request,
        req,
        lambda: services.compliance_check_run(request_id=req.pk, actor=request.user),
        _("The plan rules were checked."),
    )


@login_required
@require_POST
def check_override(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _file(request, tracking)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _file_page(
            request, req, status=400, error=_("Give the reason for the override (at least 10 characters).")
        )
    d = form.cleaned_data
    return _after(
        request,
        req,
        lambda: services.rule_override(
            request_id=req.pk, actor=request.user, rule_code=d["rule_code"], reason=d["reason"]
        ),
        _("The override was recorded."),
    )


@login_required
@require_POST
def ownership_override(request: HttpRequest, tracking: str) -> HttpResponse:
    """The clerk opens the file for an applicant who is not a recorded owner, with the reason."""
    req = _file(request, tracking)
    form = OwnershipOverrideForm(request.POST)
    if not form.is_valid():
        return _file_page(request, req, status=400, error=_errors_text(form), ownership_form=form)
    return _after(
        request,
        req,
        lambda: services.ownership_override(request_id=req.pk, actor=request.user, reason=form.cleaned_data["reason"]),
        _("The reason was recorded; the file can be opened."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def map_order(request: HttpRequest, tracking: str) -> HttpResponse:
    """The map preparation order as a page (GET); the planner issues it (POST)."""
    req = _file(request, tracking)
    if request.method == "POST":
        return _after(
            request,
            req,
            lambda: services.map_order_issue(request_id=req.pk, actor=request.user),
            _("The map preparation order was issued."),
        )
    order = getattr(req, "map_order", None)
    if order is None:
        raise Http404(_("No map preparation order has been issued for this file."))
    return render(request, "permits/map_order.html", {"req": req, "order": order, "c": order.content})


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


@login_required
@require_POST
def violation_new(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _file(request, tracking)
    form = ViolationForm(request.POST)
    if not form.is_valid():
        return _file_page(request, req, status=400, violation_form=form)
    d = form.cleaned_data
    geom = d["geom"]
    if geom is None:
        survey = selectors.accepted_survey(request=req)
        rec = getattr(survey, "reconciliation", None) if survey else None
        geom = rec.buildings_on_street if rec is not None and rec.buildings_on_street else None
        if geom is None or geom.empty:
            form.add_error(
                "from_survey", _("The accepted survey shows no building on street land; draw the violation.")
            )
            return _file_page(request, req, status=400, violation_form=form)
    return _after(
        request,
        req,
        lambda: services.request_violation_record(
            actor=request.user,
            request_id=req.pk,
            kind=d["kind"],
            geom=geom,
            parking_spaces=d["parking_spaces"] or 0,
            description=d["description"],
        ),
        _("The violation was recorded."),
    )


@login_required
@require_POST
def violation_refer(request: HttpRequest, tracking: str, pk: int) -> HttpResponse:
    req = _file(request, tracking)
    v = get_object_or_404(violations_of(file=req.file), pk=pk)
    return _after(
        request,
        req,
        lambda: violation_services.violation_refer(actor=request.user, violation_id=v.pk),
        _("The case was referred to the Article 100 commission."),
    )


@login_required
@require_POST
def violation_verdict(request: HttpRequest, tracking: str, pk: int) -> HttpResponse:
    req = _file(request, tracking)
    v = get_object_or_404(violations_of(file=req.file), pk=pk)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return _file_page(request, req, status=400, error=_errors_text(form))
    d = form.cleaned_data
    return _after(
        request,
        req,
        lambda: violation_services.violation_verdict(
            actor=request.user, violation_id=v.pk, verdict=d["verdict"], fine_irr=d["fine_irr"], text=d["text"]
        ),
        _("The verdict was recorded."),
    )


# --- staff ---------------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Staff: the files waiting at their stages (their district's, when they have one), most urgent
    first, overdue ones marked; search any file by tracking or file code."""
    require_role(request.user, *STAFF_ROLES)
    q = request.GET.get("q", "").strip()[:40]
    found = None
    if q:
        found = PermitRequest.objects.filter(Q(tracking_code__iexact=q) | Q(file__code__iexact=q.upper()))[:50]
    today = timezone.localdate()
    queue = [
        {
            "req": r,
            "stage": stage(r.stage),
            "overdue": r.stage_due_on is not None and r.stage_due_on < today,
            "days_left": selectors.working_days_left(due=r.stage_due_on, today=today),
        }
        for r in selectors.inbox(user=request.user).select_related("applicant")[:300]
    ]
    return render(request, "permits/inbox.html", {"queue": queue, "q": q, "found": found})


# --- public and API --------------------------------------------------------------------------------


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """Public: with the tracking code alone, a person sees the status and stage, nothing else."""
    code = request.GET.get("code", "").strip().upper()[:20]
    found = PermitRequest.objects.filter(tracking_code=code).first() if code else None
    status = 404 if code and found is None else 200
    return render(request, "permits/track.html", {"code": code, "found": found, "searched": bool(code)}, status=status)


def _errors_text(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _unauthenticated() -> JsonResponse:
    return JsonResponse(
        {"errors": {"__all__": [{"message": _("Sign in first."), "code": "unauthenticated"}]}}, status=401
    )


def _file_json(req: PermitRequest) -> dict:
    return {
        "tracking_code": req.tracking_code,
        "kind": req.kind,
        "status": req.status,
        "stage": req.stage or None,
        "file_code": req.file.code,
        "submitted_at": req.submitted_at.isoformat() if req.submitted_at else None,
        "stage_due_on": req.stage_due_on.isoformat() if req.stage_due_on else None,
        "version": req.version,
    }


@require_GET
def api_files(request: HttpRequest) -> JsonResponse:
    """API (signed-in): the files this person may open."""
    if not request.user.is_authenticated:
        return _unauthenticated()
    files = selectors.requests_visible(user=request.user).order_by("-created_at")[:200]
    return JsonResponse({"files": [_file_json(r) for r in files]})


@require_GET
def api_file(request: HttpRequest, tracking: str) -> JsonResponse:
    """API (signed-in): one file, 404 when it is not this person's to see."""
    if not request.user.is_authenticated:
        return _unauthenticated()
    req = selectors.requests_visible(user=request.user).filter(tracking_code=tracking).first()
    if req is None:
        return JsonResponse({"errors": {"__all__": [{"message": _("No such file."), "code": "not_found"}]}}, status=404)
    return JsonResponse(_file_json(req))
