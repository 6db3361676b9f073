"""The drawing check's pages: the check of a request (map, rules, upload, override), the stored
drawing, the published layer convention and the DXF template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import STAFF_ROLES, Role
from drawings import intake, selectors, services
from drawings.convention import CONVENTION, PLAN_INFO_KEYS, template_dxf
from drawings.forms import DrawingOverrideForm, DrawingUploadForm
from drawings.messages import refusal_message
from drawings.models import DrawingCheck, UploadStatus
from drawings.records import DrawingRefused
from drawings.uploads import LIMITS
from gis_app.errors import DomainError, NotAllowed
from maps.selectors import map_page_config
from permits import selectors as permit_selectors
from permits.forms import ActionForm
from permits.models import PermitRequest, RequestStatus

RULE_LABELS = {
    "drawing_envelope": gettext_lazy("Inside the buildable envelope"),
    "drawing_realigned_line": gettext_lazy("Nothing built beyond the realigned line"),
    "drawing_coverage": gettext_lazy("Coverage"),
    "drawing_floors": gettext_lazy("Floors and height"),
    "drawing_floor_area": gettext_lazy("Floor area per floor and in total"),
    "drawing_parking_count": gettext_lazy("Parking spaces"),
    "drawing_parking_size": gettext_lazy("Parking space size"),
    "drawing_projection": gettext_lazy("Projections over the street"),
    "drawing_declared": gettext_lazy("Use, units and codes as declared"),
    "drawing_dimensions": gettext_lazy("Dimensions measured from the geometry"),
}
STATUS_LABELS = {
    "passed": gettext_lazy("passed"),
    "failed": gettext_lazy("failed"),
    "not_applicable": gettext_lazy("not applicable"),
}


def _request(request: HttpRequest, tracking: str) -> PermitRequest:
    """The request if this person may see its drawings (staff, the applicant's side); 404 otherwise."""
    req = selectors.drawing_request_visible(user=request.user, tracking=permit_selectors.tracking_code_typed(tracking))
    if req is None or not selectors.needs_drawing_check(req):
        raise Http404
    return req


# Raw SQL: the shapes of one check in lon/lat for the map, transformed and rounded in the database.
_MAP_SQL = """
SELECT kind, floor, ST_AsGeoJSON(ST_Transform(geom, 4326), 7)::json FROM drawings_drawingshape
WHERE drawing_id = %s ORDER BY floor NULLS FIRST, kind, id
"""


def _map_features(check: DrawingCheck, req: PermitRequest, max_floors: int | None) -> dict:
    features = []
    plan = permit_selectors.latest_check(request=req)
    if plan is not None:
        for f in plan.record.geometry.get("features", []):
            if f["properties"].get("kind") in ("envelope", "realigned_line", "setback_strip", "cadastral", "measured"):
                features.append(f)
    with connection.cursor() as cur:
        cur.execute(_MAP_SQL, [check.pk])
        for kind, floor, geometry in cur.fetchall():
            over = floor is not None and max_floors is not None and floor > max_floors and kind == "footprint"
            features.append(
                {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {"kind": "excess_floor" if over else kind, "floor": floor},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _map_labels() -> dict:
    return {
        "envelope": _("Buildable envelope"),
        "realigned_line": _("Realigned line (plan)"),
        "setback_strip": _("Setback strip"),
        "measured": _("Measured boundary"),
        "cadastral": _("Cadastral boundary"),
        "footprint": _("Floor outline"),
        "excess_floor": _("Floor beyond the order's maximum"),
        "area": _("Floor area"),
        "deduct": _("Deduction (void, shaft)"),
        "balcony": _("Balcony"),
        "parking": _("Parking space"),
        "realignment": _("Realigned line as drawn"),
        "floor": _("Floor"),
    }


def _page(
    request: HttpRequest,
    req: PermitRequest,
    *,
    status: int = 200,
    error: str = "",
    upload_form=None,
    override_form=None,
):
    roles = request.user.roles()
    check = selectors.latest_drawing_check(request=req)
    upload = selectors.latest_drawing_upload(request=req)
    order = getattr(req, "map_order", None)
    terms = selectors.order_terms(order) if order else None
    lang = "fa" if (request.LANGUAGE_CODE or "fa").startswith("fa") else "en"
    may_upload = selectors.may_upload_drawing(user=request.user, request=req)
    try:
        services.drawing_open_for(req)
        open_for_drawings = True
    except DrawingRefused:
        open_for_drawings = False
    officer = Role.PERMIT_OFFICER in roles and req.status == RequestStatus.IN_REVIEW and req.stage == "issuance"
    context = {
        "req": req,
        "check": check,
        "order": order,
        "terms": terms,
        "error": error,
        "current": check is not None and selectors.drawing_check_current(check=check, request=req),
        "override": selectors.drawing_override_for(request=req, check=check),
        "guard": services.drawing_check_passing(req),
        "history": selectors.drawing_checks_of(request=req)[:10],
        "can_upload": may_upload and open_for_drawings,
        "officer": officer,
        "staff": bool(roles & STAFF_ROLES),
        "upload_form": upload_form or DrawingUploadForm(),
        "override_form": override_form or DrawingOverrideForm(),
        "return_form": ActionForm(initial={"action": "return", "version": req.version}),
        "limit_mb": LIMITS.file_bytes // (1024 * 1024),
        "upload": upload,
        "waiting": upload is not None and upload.status in (UploadStatus.QUEUED, UploadStatus.READING),
        "refusal": refusal_message(upload.refusal_code, upload.refusal_params)
        if upload and upload.refusal_code
        else "",
        "steps": [(s, s.label) for s in (UploadStatus.QUEUED, UploadStatus.READING, UploadStatus.DONE)],
    }
    if check is not None:
        context["results"] = [
            {
                "code": r["code"],
                "label": RULE_LABELS.get(r["code"], r["code"]),
                "status": r["status"],
                "status_label": STATUS_LABELS.get(r["status"], ""),
                "text": r[f"explanation_{lang}"],
                "plan_version": r["plan_version"],
            }
            for r in check.results
        ]
        context["altered"] = [d for d in check.dimensions if d.get("altered")]
        context["floors"] = sorted({s.floor for s in check.shapes.all() if s.floor is not None})
        context["drawing_map"] = {
            **map_page_config(),
            "features": _map_features(check, req, terms.max_floors if terms else None),
            "labels": _map_labels(),
        }
    return render(request, "drawings/check.html", context, status=status)


@login_required
@require_GET
def drawing_page(request: HttpRequest, tracking: str) -> HttpResponse:
    """The drawing check of a building request: staff and the applicant's side (engineer by authorisation)."""
    return _page(request, _request(request, tracking))


@login_required
@require_POST
def drawing_upload(request: HttpRequest, tracking: str) -> HttpResponse:
    """The engineer (or the applicant) sends a drawing: the checks that need no parsing here, then the
    file is kept and a job reads, places and checks it; the answer is the check page at once, which
    shows the drawing being checked until the job has ended. Refused drawings leave nothing stored."""
    req = _request(request, tracking)
    form = DrawingUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, req, status=400, upload_form=form, error=_("Choose the DXF drawing to send."))
    upload = form.cleaned_data["drawing"]
    try:
        if upload.size > LIMITS.file_bytes:
            raise DrawingRefused("too_large", limit=LIMITS.file_bytes // (1024 * 1024))
        intake.drawing_upload_queue(request_id=req.pk, actor=request.user, data=upload.read(), name=upload.name or "")
    except DrawingRefused as refusal:
        return _page(request, req, status=400, error=refusal.message)
    except DomainError as exc:
        return _page(request, req, status=403 if isinstance(exc, NotAllowed) else 400, error=exc.message)
    messages.success(request, _("The drawing was received; it is being read, placed on the parcel and checked."))
    return redirect("drawings:check", tracking=req.tracking_code)


@login_required
@require_GET
def drawing_upload_status(request: HttpRequest, tracking: str, pk: int) -> JsonResponse:
    """Who may see the request's drawings: a received drawing's state, for the check page's script."""
    req = _request(request, tracking)
    upload = selectors.drawing_upload_of(request=req, pk=pk)
    if upload is None:
        raise Http404
    return JsonResponse(
        {
            "status": upload.status,
            "label": str(upload.get_status_display()),
            "next_url": reverse("drawings:check", args=[req.tracking_code])
            if upload.status == UploadStatus.DONE
            else "",
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_POST
def drawing_override(request: HttpRequest, tracking: str) -> HttpResponse:
    """The permit officer's override of the drawing check, with a reason (audited)."""
    req = _request(request, tracking)
    form = DrawingOverrideForm(request.POST)
    if not form.is_valid():
        return _page(request, req, status=400, override_form=form, error=_("Give the reason for the override."))
    try:
        services.drawing_override(request_id=req.pk, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _page(request, req, status=403 if isinstance(exc, NotAllowed) else 400, error=exc.message)
    messages.success(request, _("The drawing check was overridden; the reason is on the file's record."))
    return redirect("drawings:check", tracking=req.tracking_code)


@login_required
@require_GET
def drawing_file(request: HttpRequest, tracking: str, pk: int) -> FileResponse:
    """A stored drawing of a request this person may see, by its id."""
    req = _request(request, tracking)
    check = get_object_or_404(req.drawing_checks, pk=pk)
    response = FileResponse(check.file.open("rb"), content_type="application/dxf", as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="drawing-{check.pk}.dxf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def convention_page(request: HttpRequest) -> HttpResponse:
    """The published layer convention (public)."""
    return render(
        request,
        "drawings/convention.html",
        {
            "convention": CONVENTION,
            "keys": PLAN_INFO_KEYS,
            "limits": LIMITS,
            "limit_mb": LIMITS.file_bytes // (1024 * 1024),
        },
    )


@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    """The DXF template with every layer of the convention (public)."""
    response = HttpResponse(template_dxf(), content_type="application/dxf")
    response["Content-Disposition"] = 'attachment; filename="drawing-template.dxf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
