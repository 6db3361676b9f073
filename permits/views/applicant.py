"""The applicant's side: my files, the request wizard, authorisations, the public status and the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role
from accounts.selectors import authorisations_given, clients_of
from accounts.services import authorisation_grant
from accounts.services import authorisation_revoke as authorisation_revoke_service
from gis_app.errors import DomainError
from gis_app.forms import query_value
from gis_app.templatetags.persian import fa_digits
from gis_app.text import InputKind
from notifications.selectors import notifications_of
from parcels.selectors import LOOKUP_REFUSALS, parcels_lookup
from permits import selectors, services
from permits.errors import DuplicateRequest, WorkflowError
from permits.forms import (
    AuthorisationForm,
    ClientForm,
    RequestForm,
)
from permits.models import PermitRequest
from permits.views.file import _is_staff, _map_config, _roles
from zoning.selectors import parcel_compliance


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


CODE_MAX_CHARS = 40  # the longest code a parcel is found by is a file code (20 characters)


def _may_file(request: HttpRequest) -> None:
    if not _roles(request) & {Role.CITIZEN, Role.ESERVICES_OFFICE}:
        raise PermissionDenied(_("Requests are filed by citizens and by e-services offices for their clients."))


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """The wizard: find the parcel (file code, renovation code, or from the map), see what the plan
    allows there, choose the request and enter the proposal; saved as a draft for the documents."""
    _may_file(request)
    code = query_value(request.POST, "code", kind=InputKind.CODE, max_chars=200) or query_value(
        request.GET, "code", kind=InputKind.CODE, max_chars=200
    )
    parcel, matches, lookup_error, report, duplicate = None, [], None, None, None
    malformed = False
    if len(code) > CODE_MAX_CHARS:
        code, malformed = code[:CODE_MAX_CHARS], True
        lookup_error = _("A code is at most %(n)s characters long.") % {"n": fa_digits(CODE_MAX_CHARS)}
    elif code:
        try:
            matches = parcels_lookup(code=code)
        except LOOKUP_REFUSALS as exc:
            malformed = True
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
            except DuplicateRequest as exc:
                form.add_error(None, exc.message)
                duplicate = exc.open_request
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
        "duplicate": duplicate,
        "map_config": _map_config(parcel=parcel, report=report) if parcel else None,
    }
    status = 400 if request.method == "POST" or malformed else (404 if code and not parcel and not matches else 200)
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


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """Public: with the tracking code alone, a person sees the status and stage, nothing else."""
    code = selectors.tracking_code_typed(query_value(request.GET, "code", kind=InputKind.CODE, max_chars=40))[:20]
    found = PermitRequest.objects.filter(tracking_code=code).first() if code else None
    status = 404 if code and found is None else 200
    return render(request, "permits/track.html", {"code": code, "found": found, "searched": bool(code)}, status=status)


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
    files = selectors.requests_visible(user=request.user).select_related("file").order_by("-created_at")[:200]
    return JsonResponse({"files": [_file_json(r) for r in files]})


@require_GET
def api_file(request: HttpRequest, tracking: str) -> JsonResponse:
    """API (signed-in): one file, 404 when it is not this person's to see."""
    if not request.user.is_authenticated:
        return _unauthenticated()
    visible = selectors.requests_visible(user=request.user)
    req = visible.filter(tracking_code=selectors.tracking_code_typed(tracking)).first()
    if req is None:
        return JsonResponse({"errors": {"__all__": [{"message": _("No such file."), "code": "not_found"}]}}, status=404)
    return JsonResponse(_file_json(req))
