"""Pages of citizen reports: report a problem at a point (signed in, or with a confirmed mobile number),
follow it by tracking code and reopen it once; the units' queue, the inspector's queue of inspection
cases (on a phone), and a report's page for its unit with closing and the violation it led to.
State changes only by POST; a citizen sees only their own reports (404 for others)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import STAFF_ROLES, Role, require_role
from gis_app.errors import DomainError, NotAllowed
from gis_app.references import reference_sign
from maps.selectors import map_page_config
from reports import selectors, services
from reports.forms import CloseForm, PhoneCodeForm, PhoneForm, ReopenForm, ReportForm, TrackForm, ViolationForm
from reports.models import Outcome, PhotoKind, Report, ReportStatus
from reports.routing import DESCRIPTIONS, Category
from surveys.models import Origin
from violations.services import violation_record

PHONE_SESSION = "reports.phone"
PHONE_VALID_S = 2 * 3600  # a confirmed number stays usable for reporting for two hours


def _confirmed_phone(request: HttpRequest) -> str | None:
    """The reporter's mobile number: a signed-in citizen's own, or one confirmed by code in this session."""
    if request.user.is_authenticated and request.user.mobile:
        return request.user.mobile
    held = request.session.get(PHONE_SESSION)
    if held and time.time() - held.get("at", 0) < PHONE_VALID_S:
        return held.get("phone")
    return None


def _map_config() -> dict:
    return {"tiles": map_page_config()["tiles"]}


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """Anyone: a problem at a point on the map, with photos (anonymous visitors confirm a mobile number first)."""
    phone = _confirmed_phone(request)
    if phone is None:
        return redirect("reports:phone")
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_submit(
                    category=data["category"],
                    lon=data["lon"],
                    lat=data["lat"],
                    description=data["description"],
                    photos=data["photos"],
                    phone=phone,
                    reporter=request.user,
                )
            except services.Throttled as exc:
                form.add_error(None, exc.message)
                status = 429
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                request.session.setdefault("reports.mine", [])
                request.session["reports.mine"] = [*request.session["reports.mine"], report.tracking_code][-20:]
                messages.success(request, _("Your report was received. Keep its tracking code to follow it."))
                return redirect("reports:status", code=report.tracking_code)
        else:
            status = 400
    else:
        form = ReportForm()
    return render(
        request,
        "reports/new.html",
        {
            "form": form,
            "phone": phone,
            "map_config": _map_config(),
            "categories": [(c.value, c.label, DESCRIPTIONS[c]) for c in Category],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def report_phone(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors: a mobile number, then the one-time code sent to it by SMS."""
    if _confirmed_phone(request):
        return redirect("reports:new")
    pending = request.session.get("reports.phone_pending")
    phone_form, code_form, status = PhoneForm(), None, 200
    if pending:
        code_form = PhoneCodeForm()
    if request.method == "POST":
        if request.POST.get("step") == "code" and pending:
            code_form = PhoneCodeForm(request.POST)
            if code_form.is_valid():
                if services.phone_code_confirm(phone=pending, code=code_form.cleaned_data["code"]):
                    request.session.cycle_key()
                    request.session[PHONE_SESSION] = {"phone": pending, "at": time.time()}
                    request.session.pop("reports.phone_pending", None)
                    return redirect("reports:new")
                code_form.add_error("code", _("This code is wrong or has expired. Ask for a new one."))
            status = 400
        else:
            phone_form = PhoneForm(request.POST)
            if phone_form.is_valid():
                try:
                    services.phone_code_send(phone=phone_form.cleaned_data["mobile"])
                except services.Throttled as exc:
                    phone_form.add_error(None, exc.message)
                    status = 429
                else:
                    request.session["reports.phone_pending"] = phone_form.cleaned_data["mobile"]
                    messages.info(request, _("A code was sent by SMS to your mobile number."))
                    return redirect("reports:phone")
            else:
                status = 400
    return render(
        request,
        "reports/phone.html",
        {"phone_form": phone_form, "code_form": code_form, "pending": pending},
        status=status,
    )


def _is_reporter(request: HttpRequest, report: Report) -> bool:
    if request.user.is_authenticated and report.reporter_id == request.user.pk:
        return True
    return report.reporter_id is None and _confirmed_phone(request) == report.phone


@require_GET
def report_track(request: HttpRequest) -> HttpResponse:
    """Anyone: follow a report by its tracking code."""
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        report = selectors.report_by_tracking_code(code=form.cleaned_data["code"])
        if report is not None:
            return redirect("reports:status", code=report.tracking_code)
        form.add_error("code", _("No report has this tracking code."))
        return render(request, "reports/track.html", {"form": form}, status=404)
    return render(request, "reports/track.html", {"form": form}, status=400 if form.is_bound else 200)


def _status_context(request: HttpRequest, report: Report, **extra) -> dict:
    steps = [
        (ReportStatus.RECEIVED.label, report.received_at),
        (ReportStatus.ROUTED.label, report.routed_at),
        (ReportStatus.IN_PROGRESS.label, report.in_progress_at),
        (ReportStatus.CLOSED.label if report.status != ReportStatus.REOPENED else _("Closed before"), report.closed_at),
    ]
    if report.reopened_at:
        steps.append((ReportStatus.REOPENED.label, report.reopened_at))
    return {
        "report": report,
        "steps": steps,
        "is_reporter": _is_reporter(request, report),
        "reopen_form": extra.get("reopen_form") or ReopenForm(),
        "violation_recorded": report.outcome == Outcome.VIOLATION_RECORDED,
        **extra,
    }


@require_GET
def report_status(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone with the tracking code: the status only (no personal data, no photos)."""
    report = selectors.report_by_tracking_code(code=code)
    if report is None:
        raise Http404
    return render(request, "reports/status.html", _status_context(request, report))


@require_POST
def report_reopen(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter (signed in, or with the confirmed number): reopen a closed report once."""
    report = selectors.report_by_tracking_code(code=code)
    if report is None or not _is_reporter(request, report):
        raise Http404
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.report_reopen(report=report, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The report was reopened and sent back to its unit."))
            return redirect("reports:status", code=report.tracking_code)
    report.refresh_from_db()
    return render(request, "reports/status.html", _status_context(request, report, reopen_form=form), status=400)


@login_required
@require_GET
def report_mine(request: HttpRequest) -> HttpResponse:
    """A signed-in citizen's own reports."""
    return render(request, "reports/mine.html", {"reports": selectors.reports_of(user=request.user)[:200]})


@login_required
@require_GET
def report_queue(request: HttpRequest) -> HttpResponse:
    """Staff: the open reports of their unit, the most overdue first."""
    if not request.user.roles() & STAFF_ROLES:
        raise NotAllowedPage
    return render(request, "reports/queue.html", {"reports": selectors.unit_queue(user=request.user)[:300]})


class NotAllowedPage(Http404):
    """A page of the back office asked for by someone outside it."""


@login_required
@require_GET
def inspection_queue(request: HttpRequest) -> HttpResponse:
    """Inspectors, on a phone: the inspection cases citizen reports opened, each with a link to the
    inspection form made for the report."""
    require_role(request.user, Role.INSPECTOR)
    cases = []
    for report in selectors.inspection_cases(user=request.user).select_related("parcel")[:200]:
        token = reference_sign(obj=report, origin=Origin.CITIZEN_REPORT, file_code=report.parcel.file_code)
        query = "?" + urlencode({"file_code": report.parcel.file_code, "for": token})
        cases.append((report, reverse("surveys:inspection_new") + query))
    return render(request, "reports/inspections.html", {"cases": cases})


def _visible(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(
        selectors.reports_visible(user=request.user).select_related("inspection", "violation", "file"), pk=pk
    )


def _detail(request: HttpRequest, report: Report, *, status: int = 200, **forms) -> HttpResponse:
    roles = request.user.roles()
    may_handle = (report.unit in roles or Role.MANAGER in roles) and report.status != ReportStatus.CLOSED
    context = {
        "report": report,
        "location": report.location.transform(4326, clone=True),
        "photos": report.photos.filter(kind=PhotoKind.REPORT),
        "evidence": report.photos.filter(kind=PhotoKind.EVIDENCE),
        "may_handle": may_handle,
        "may_start": may_handle and report.status in (ReportStatus.ROUTED, ReportStatus.REOPENED),
        "close_form": forms.get("close_form") or CloseForm(),
        "may_record_violation": Role.VIOLATIONS_OFFICER in roles
        and report.file_id is not None
        and report.status != ReportStatus.CLOSED,
        "violation_form": forms.get("violation_form") or ViolationForm(),
        "error": forms.get("error"),
        "staff": bool(roles & STAFF_ROLES),
    }
    return render(request, "reports/detail.html", context, status=status)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's unit, managers and its own reporter: the whole report and its chain."""
    return _detail(request, _visible(request, pk))


@login_required
@require_POST
def report_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    try:
        services.report_start(report=report, actor=request.user)
    except NotAllowed as exc:
        return _detail(request, report, status=403, error=exc.message)
    messages.success(request, _("The report is marked as being handled."))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def report_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's unit: close it with a note and evidence."""
    report = _visible(request, pk)
    form = CloseForm(request.POST, request.FILES)
    if form.is_valid():
        evidence = services.Evidence(note=form.cleaned_data["note"], photos=form.cleaned_data["photos"])
        try:
            services.report_close(
                report=report, actor=request.user, outcome=form.cleaned_data["outcome"], evidence=evidence
            )
        except NotAllowed as exc:
            return _detail(request, report, status=403, error=exc.message, close_form=form)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The report was closed; the reporter is told."))
            return redirect("reports:detail", pk=report.pk)
    return _detail(request, report, status=400, close_form=form)


@login_required
@require_POST
def report_violation_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The violations officer: record the violation the report's inspection found on the parcel's file
    (its shape: the parcel's); the report closes as "violation recorded"."""
    require_role(request.user, Role.VIOLATIONS_OFFICER)
    report = _visible(request, pk)
    form = ViolationForm(request.POST)
    if form.is_valid() and report.file_id and report.parcel_id:
        try:
            violation_record(
                actor=request.user,
                file=report.file,
                kind=form.cleaned_data["kind"],
                geom=report.parcel.geom,
                description=form.cleaned_data["description"],
                source=report.tracking_code,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The violation was recorded on the file; the report is closed."))
            return redirect("reports:detail", pk=report.pk)
    elif form.is_valid():
        form.add_error(None, _("This report is not on a parcel; no violation can be recorded from it."))
    return _detail(request, report, status=400, violation_form=form)


@login_required
@require_GET
def report_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    """A photo of a report, for those who may open the report."""
    report = _visible(request, pk)
    item = report.photos.filter(pk=photo).first()
    if item is None:
        raise Http404
    content_type = "image/png" if item.image.name.endswith(".png") else "image/jpeg"
    response = FileResponse(item.image.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
