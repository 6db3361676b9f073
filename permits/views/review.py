"""The officers' review work on a file (plan check, overrides, ownership, map order, violations) and inboxes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import STAFF_ROLES, Role, require_role
from gis_app.forms import query_value
from gis_app.references import reference_sign
from gis_app.text import InputKind
from permits import certificates, review, selectors
from permits.forms import (
    OverrideForm,
    OwnershipOverrideForm,
    VerdictForm,
    ViolationForm,
)
from permits.views.file import CHECK_ROLES, _after, _errors_text, _file, _file_page
from permits.workflow import STAGES, stage
from violations import services as violation_services
from violations.selectors import violations_of


@login_required
@require_POST
def check_run(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _file(request, tracking)
    require_role(request.user, *CHECK_ROLES)
    return _after(
        request,
        req,
        lambda: review.compliance_check_run(request_id=req.pk, actor=request.user),
        _("The plan rules were checked."),
    )


@login_required
@require_POST
def asbuilt_compare(request: HttpRequest, tracking: str) -> HttpResponse:
    """The violations officer compares the building as built with the issued permit (stage 9)."""
    req = _file(request, tracking)
    require_role(request.user, Role.VIOLATIONS_OFFICER)
    return _after(
        request,
        req,
        lambda: certificates.asbuilt_compare(request_id=req.pk, actor=request.user),
        _("The building as built was compared with the permit."),
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
        lambda: review.rule_override(
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
        lambda: review.ownership_override(request_id=req.pk, actor=request.user, reason=form.cleaned_data["reason"]),
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
            lambda: review.map_order_issue(request_id=req.pk, actor=request.user),
            _("The map preparation order was issued."),
        )
    order = getattr(req, "map_order", None)
    if order is None:
        raise Http404(_("No map preparation order has been issued for this file."))
    return render(request, "permits/map_order.html", {"req": req, "order": order, "c": order.content})


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
        lambda: review.request_violation_record(
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


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Staff: the files waiting at their stages (their district's, when they have one), most urgent
    first, overdue ones marked; search any file by tracking or file code."""
    require_role(request.user, *STAFF_ROLES)
    q = query_value(request.GET, "q", kind=InputKind.CODE, max_chars=40)
    found = selectors.requests_by_code(text=q)[:50] if q else None
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
    roles = request.user.roles()
    survey_queue = None
    if Role.SURVEYOR in roles:
        # each row links to the upload form as this request's own survey (the signed reference the guards check)
        survey_queue = [
            {"req": r, "token": reference_sign(obj=r, origin="request", file_code=r.file.code)}
            for r in selectors.survey_queue(user=request.user)[:300]
        ]
    return render(
        request,
        "permits/inbox.html",
        {
            "queue": queue,
            "q": q,
            "found": found,
            "survey_queue": survey_queue,
            "has_stages": any(s.role in roles for s in STAGES.values()),
        },
    )
