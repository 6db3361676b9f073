"""Pages of stage 2: surveyors upload, planners review, inspectors report from the site."""

from __future__ import annotations

from urllib.parse import urlencode

import shapely
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import STAFF_ROLES, Role, require_role
from gis_app.templatetags.persian import date_input_text
from maps.selectors import map_page_config
from parcels.filecodes import InvalidFileCode, file_code_parse
from surveys.forms import INSPECTION_CHECKLIST, InspectionForm, SurveyReturnForm, SurveyUploadForm
from surveys.intake import survey_upload_queue
from surveys.models import SurveyStatus, UploadStatus
from surveys.selectors import (
    REVIEWER_ROLES,
    inspections_version,
    inspections_visible,
    survey_audit,
    survey_uploads_visible,
    surveys_visible,
)
from surveys.services import (
    InspectionStale,
    OriginClosed,
    SurveyNotReviewable,
    inspection_record,
    survey_accept,
    survey_return,
)
from surveys.uploads import LIMITS, UploadRefused, refusal_message
from zoning.compliance.output import feature_collection


@login_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    """Staff who work with surveys: the surveys they may open (a surveyor's own; all for reviewers)."""
    require_role(request.user, Role.SURVEYOR, Role.INSPECTOR, *REVIEWER_ROLES)
    surveys = surveys_visible(user=request.user).select_related("surveyor", "reconciliation")[:200]
    inspections = inspections_visible(user=request.user).select_related("inspector")[:100]
    uploads = survey_uploads_visible(user=request.user).exclude(status=UploadStatus.DONE).select_related("surveyor")
    return render(
        request,
        "surveys/list.html",
        {
            "surveys": surveys,
            "inspections": inspections,
            "uploads": [(u, _refusal(u)) for u in uploads[:30]],
            "can_upload": Role.SURVEYOR in request.user.roles(),
            "can_inspect": Role.INSPECTOR in request.user.roles(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_new(request: HttpRequest) -> HttpResponse:
    """Surveyors: upload a field survey of a parcel; the file is checked, kept and read by a job
    (safely, in the reader process), and the answer is the upload's progress page at once."""
    require_role(request.user, Role.SURVEYOR)
    if request.method == "POST":
        form = SurveyUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                received = survey_upload_queue(
                    parcel=data["file_code"],
                    surveyor=request.user,
                    upload=data["file"],
                    measured_on=data["measured_on"],
                    declared_srid=data["crs"],
                    encoding=data["encoding"] or None,
                    dxf_layers=form.dxf_layers(),
                    notes=data["notes"],
                    **form.origin(),
                )
            except UploadRefused as refusal:
                form.add_error("file", refusal.message)
            except OriginClosed as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("surveys:upload", pk=received.pk)
        status = 400
    else:
        form = SurveyUploadForm(
            initial={
                "file_code": request.GET.get("file_code", "")[:40],
                "made_for": request.GET.get("for", "")[:600],
                "measured_on": _today_jalali(),
            }
        )
        status = 200
    return render(request, "surveys/new.html", {"form": form, "limits": LIMITS}, status=status)


def _visible_upload(request: HttpRequest, pk: int):
    return get_object_or_404(survey_uploads_visible(user=request.user).select_related("survey"), pk=pk)


def _refusal(received) -> str:
    return refusal_message(received.refusal_code, received.refusal_params) if received.refusal_code else ""


@login_required
@require_GET
def survey_upload_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The surveyor who uploaded and reviewers: the reading's progress (the page asks again until it
    ends), then the survey's page; a refusal says why, as the form did."""
    received = _visible_upload(request, pk)
    if received.status == UploadStatus.DONE:
        return redirect("surveys:detail", pk=received.survey_id)
    return render(
        request,
        "surveys/upload.html",
        {
            "upload": received,
            "waiting": received.status in (UploadStatus.QUEUED, UploadStatus.READING),
            "refusal": _refusal(received),
            "steps": [(s, s.label) for s in (UploadStatus.QUEUED, UploadStatus.READING, UploadStatus.DONE)],
        },
    )


@login_required
@require_GET
def survey_upload_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Who may see the upload: its state, for the progress page's script."""
    received = _visible_upload(request, pk)
    return JsonResponse(
        {
            "status": received.status,
            "label": str(received.get_status_display()),
            "survey_url": "" if received.survey_id is None else reverse("surveys:detail", args=[received.survey_id]),
        },
        headers={"Cache-Control": "no-store"},
    )


def _today_jalali() -> str:
    """Today, pre-filled as a person types it on this page (Persian digits on a Persian page)."""
    return date_input_text(timezone.localdate())


def _visible_survey(request: HttpRequest, pk: int):
    return get_object_or_404(surveys_visible(user=request.user).select_related("surveyor", "reviewed_by"), pk=pk)


def _survey_map(survey) -> dict:
    """The reconciliation drawn on the map: cadastral and measured boundaries, street land,
    buildings, envelope, the largest deviation and the surveyed points (GeoJSON, lon/lat)."""
    rec = survey.reconciliation
    shape = lambda g: None if g is None else shapely.from_wkb(bytes(g.wkb))  # noqa: E731
    items = [
        ("cadastral", shape(survey.parcel.geom), {}),
        ("envelope", shape(rec.envelope), {}),
        ("street_land", shape(rec.street_land), {"area_m2": round(rec.street_land_m2, 2)}),
        ("measured", shape(survey.geom), {"area_m2": round(survey.area_m2, 2)}),
        *(
            ("building", shape(b.footprint), {"floors": b.floors, "area_m2": round(b.area_m2, 2)})
            for b in survey.buildings.all()
        ),
        ("outside_envelope", shape(rec.outside_envelope), {"area_m2": round(rec.outside_envelope_m2, 2)}),
        ("on_street", shape(rec.buildings_on_street), {"area_m2": round(rec.buildings_on_street_m2, 2)}),
        ("deviation", shape(rec.hausdorff_line), {"distance_m": round(rec.hausdorff_m, 2)}),
        *(("point", shape(p.geom), {"id": p.point_id, "code": p.code}) for p in survey.points.all()),
    ]
    return feature_collection(items)


AUDIT_LABELS = {
    "survey.uploaded": gettext_lazy("uploaded by the surveyor"),
    "survey.accepted": gettext_lazy("accepted"),
    "survey.returned": gettext_lazy("returned to the surveyor"),
    "survey.superseded": gettext_lazy("superseded by a later survey"),
}


def _display(text: str, lang: str) -> str:
    """A rule's explanation in the page's language (the template shows it with `fa_message`: its
    numbers in the page's digits, its codes isolated)."""
    return text


def _map_labels() -> dict:
    return {
        "cadastral": _("Cadastral boundary"),
        "measured": _("Measured boundary"),
        "envelope": _("Buildable envelope"),
        "street_land": _("Approved street land"),
        "building": _("Measured building"),
        "outside_envelope": _("Building outside the envelope"),
        "on_street": _("Building on street land"),
        "deviation": _("Largest deviation"),
        "point": _("Surveyed point"),
    }


@login_required
@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The surveyor who made it and reviewers: figures, map, plan checks, review actions, audit trail."""
    survey = _visible_survey(request, pk)
    rec = survey.reconciliation
    can_review = Role.PLANNER in request.user.roles() and survey.status == SurveyStatus.SUBMITTED
    lang = "fa" if (request.LANGUAGE_CODE or "fa").startswith("fa") else "en"
    return render(
        request,
        "surveys/detail.html",
        {
            "survey": survey,
            "rec": rec,
            "candidates": [{**c, "text": _display(c[lang], lang)} for c in rec.violation_candidates],
            "results": [
                {"status": r.status, "text": _display(getattr(r.explanation, lang), lang)}
                for r in rec.compliance_record.results
            ],
            "audit": [
                (e, AUDIT_LABELS.get(e.action, e.action)) for e in survey_audit(survey=survey).select_related("actor")
            ],
            "can_review": can_review,
            **_file_link(request, survey),
            "return_form": SurveyReturnForm(),
            "survey_map": {**map_page_config(), "features": _survey_map(survey), "labels": _map_labels()},
        },
    )


def _file_link(request: HttpRequest, survey) -> dict:
    """The permit file the survey was made for (else the search for its property's requests), for
    those who may open files: staff see every file, anyone else none."""
    if not request.user.roles() & STAFF_ROLES:
        return {"file_url": "", "file_tracking": ""}
    tracking = getattr(survey.origin_object, "tracking_code", "") if survey.origin_id else ""
    if tracking:
        return {"file_url": reverse("permits:file", args=[tracking]), "file_tracking": tracking}
    return {"file_url": reverse("permits:inbox") + "?" + urlencode({"q": survey.file_code}), "file_tracking": ""}


def _review(request: HttpRequest, pk: int, act, done: str) -> HttpResponse:
    """Run a planner's review action on a survey they may see; say what happened on its page."""
    require_role(request.user, Role.PLANNER)
    survey = _visible_survey(request, pk)
    try:
        act(survey)
    except SurveyNotReviewable as exc:
        messages.error(request, _("This survey is no longer awaiting review (%(status)s).") % {"status": exc})
    except OriginClosed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("surveys:detail", pk=pk)


@login_required
@require_POST
def survey_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Planners: accept the survey as the parcel's measured geometry."""
    return _review(
        request,
        pk,
        lambda survey: survey_accept(survey=survey, planner=request.user),
        _("The survey was accepted as the parcel's measured geometry."),
    )


@login_required
@require_POST
def survey_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Planners: return the survey to the surveyor with a reason."""
    form = SurveyReturnForm(request.POST)
    if not form.is_valid():
        require_role(request.user, Role.PLANNER)
        _visible_survey(request, pk)
        messages.error(request, _("Say why the survey is returned."))
        return redirect("surveys:detail", pk=pk)
    return _review(
        request,
        pk,
        lambda survey: survey_return(survey=survey, planner=request.user, reason=form.cleaned_data["reason"]),
        _("The survey was returned to the surveyor."),
    )


@login_required
@require_GET
def survey_source(request: HttpRequest, pk: int) -> HttpResponse:
    """Who may open the survey: the file as uploaded (by its stored name, never a requested path)."""
    survey = _visible_survey(request, pk)
    return FileResponse(survey.source_file.open("rb"), as_attachment=True, filename=survey.source_name)


# --- inspections ------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    """Inspectors, on a phone at the site: checklist, notes and photos."""
    require_role(request.user, Role.INSPECTOR)
    if request.method == "POST":
        form = InspectionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = inspection_record(
                    parcel=data["file_code"],
                    inspector=request.user,
                    visited_at=data["visited_at"],
                    checklist=form.checklist(),
                    notes=data["notes"],
                    photos=data["photos"],
                    seen_version=data["version"],
                    **form.origin(),
                )
            except OriginClosed as exc:
                form.add_error(None, exc.message)
            except InspectionStale as exc:
                form.add_error(None, exc.message)
                # sent again from this page, it is sent knowing the newer report
                form.data = form.data.copy()
                form.data["version"] = str(inspections_version(file_code=data["file_code"].file_code))
            else:
                messages.success(request, _("The inspection report was saved."))
                return redirect("surveys:inspection", pk=inspection.pk)
        status = 400
    else:
        now = timezone.localtime()
        file_code = request.GET.get("file_code", "")[:40]
        form = InspectionForm(
            initial={
                "file_code": file_code,
                "version": _inspections_version(file_code),
                "made_for": request.GET.get("for", "")[:600],
                "visited_on": _today_jalali(),
                # an <input type="time"> takes only ASCII HH:MM (the browser shows it in the page's digits)
                "visited_time": now.strftime("%H:%M"),
            }
        )
        status = 200
    return render(request, "surveys/inspection_new.html", {"form": form}, status=status)


def _inspections_version(file_code: str) -> int | None:
    """The version of the inspections of the file the form is opened for (None without a valid code)."""
    try:
        code = file_code_parse(file_code)
    except InvalidFileCode:
        return None
    return inspections_version(file_code=str(code))


@login_required
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspector who wrote it and reviewers: the report with its photos and where they were taken."""
    inspection = get_object_or_404(inspections_visible(user=request.user).select_related("inspector"), pk=pk)
    labels = dict(INSPECTION_CHECKLIST)
    return render(
        request,
        "surveys/inspection.html",
        {
            "inspection": inspection,
            "checklist": [(labels.get(key, key), value) for key, value in inspection.checklist.items()],
            "photos": inspection.photos.all(),
        },
    )


@login_required
@require_GET
def inspection_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    """A photo of a report, for those who may open the report."""
    inspection = get_object_or_404(inspections_visible(user=request.user), pk=pk)
    item = inspection.photos.filter(pk=photo).first()
    if item is None:
        raise Http404
    content_type = "image/png" if item.image.name.endswith(".png") else "image/jpeg"
    response = FileResponse(item.image.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
