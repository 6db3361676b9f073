"""The dashboard's pages (thin): managers, and unit heads for their own unit and district; the public
transparency page (no login, no personal data)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import exports, monthly, presenting, selectors, services
from dashboard.models import UNIT_ROLES, MonthlySummary
from dashboard.periods import PeriodError, PeriodKind, current, period_from_params
from dashboard.selectors import FileList, FilterError, ReportList
from gis_app.errors import DomainError
from gis_app.jalali import format_date
from gis_app.templatetags.persian import count_text
from gis_app.text import InputKind, normalise_input
from permits.workflow import STAGES, RequestKind

REFRESH_S = 60
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _read(request: HttpRequest):
    """Scope and period from the query string (FilterError/PeriodError for bad values, PermissionDenied)."""
    scope = selectors.scope_for(user=request.user, params=request.GET)
    period = period_from_params(request.GET, today=timezone.localdate())
    return scope, period


def _bad_filter(request: HttpRequest, message: str, *, json_answer: bool = False) -> HttpResponse:
    if json_answer:
        return JsonResponse({"error": message}, status=400)
    return render(request, "dashboard/bad_filter.html", {"error": message}, status=400)


def _filters_context(request: HttpRequest, scope, period) -> dict:
    from parcels.selectors import live_districts

    return {
        "districts": [
            {"number": d.number, "name": _district_name(d) or str(d.number)}
            for d in live_districts().only("number", "name", "name_en")
        ],
        "units": [(r.value, r.label) for r in UNIT_ROLES],
        "period_kinds": [
            (PeriodKind.MONTH.value, _("Month")),
            (PeriodKind.SEASON.value, _("Season")),
            (PeriodKind.YEAR.value, _("Year")),
            (PeriodKind.CUSTOM.value, _("Custom")),
        ],
        "scope": scope,
        "period": period,
        "period_label": _("%(start)s to %(end)s")
        % {"start": format_date(period.start), "end": format_date(period.last_day)},
    }


def _district_name(d) -> str:
    """The district's name in the page's language."""
    return d.name if (translation.get_language() or "fa").startswith("fa") else d.name_en


def _chart(table: presenting.ShownTable) -> list[dict]:
    """Bars of the net median days per stage (widths in % of the longest), the slowest marked."""
    rows = [(row[0].text, row[4], row[5]) for row in table.rows]
    top = max((r[2].value or 0 for r in rows), default=0) or 1
    slowest = max(rows, key=lambda r: r[1].value or -1, default=None)
    return [
        {
            "label": label,
            "median": median,
            "p90": p90,
            "median_pct": round(100 * (median.value or 0) / top, 1),
            "p90_pct": round(100 * (p90.value or 0) / top, 1),
            "slowest": slowest is not None and label == slowest[0] and median.value is not None,
        }
        for label, median, p90 in rows
    ]


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """Managers (and unit heads for their unit and district): the figures for a Jalali period."""
    try:
        scope, period = _read(request)
    except (FilterError, PeriodError) as exc:
        return _bad_filter(request, str(exc))
    figures = presenting.figures(scope=scope, period=period, today=timezone.localdate())
    query = request.GET.urlencode()
    return render(
        request,
        "dashboard/dashboard.html",
        {
            **_filters_context(request, scope, period),
            "figures": figures,
            "chart": _chart(figures.table("stage_times")),
            "before_label": _("%(start)s to %(end)s")
            % {"start": format_date(figures.before.start), "end": format_date(figures.before.last_day)},
            "query": query,
            "refresh_s": REFRESH_S,
            "dash_config": {
                "figures_url": reverse("dashboard:figures") + "?" + query,
                "map_url": reverse("dashboard:map") + "?" + query,
                "refresh_s": REFRESH_S,
                "as_of_label": _("Period figures as of"),
            },
        },
    )


@login_required
@require_GET
def figures_json(request: HttpRequest) -> JsonResponse:
    """The page's figures as {key: text}: the page's script fetches them every REFRESH_S seconds."""
    try:
        scope, period = _read(request)
    except (FilterError, PeriodError) as exc:
        return _bad_filter(request, str(exc), json_answer=True)
    figures = presenting.figures(scope=scope, period=period, today=timezone.localdate())
    as_of = figures.as_of
    return JsonResponse(
        {
            "figures": figures.texts(),
            "as_of": format_date(as_of, with_time=True) if as_of else "",
            "now": format_date(timezone.now(), with_time=True),
        }
    )


@login_required
@require_GET
def map_json(request: HttpRequest) -> JsonResponse:
    """Districts with their figures (choropleths) and the files stuck longest (points), as GeoJSON."""
    try:
        scope, period = _read(request)
    except (FilterError, PeriodError) as exc:
        return _bad_filter(request, str(exc), json_answer=True)
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(d.geometry),
            "properties": {
                "kind": "district",
                "number": d.number,
                "name": _district_name(d),
                "backlog": d.backlog,
                "issued": d.issued,
                "violations": d.violations,
                "median_days": d.net_median_days,
                "label": _district_name(d),
                "texts": {
                    "backlog": count_text(d.backlog),
                    "issued": count_text(d.issued),
                    "violations": count_text(d.violations),
                    "median_days": presenting.days_text(d.net_median_days),
                },
                "href": presenting._files_href(
                    selectors.Scope((d.number,), scope.stages, scope.unit, scope.read_only_head),
                    None,
                    show=FileList.OPEN,
                ),
            },
        }
        for d in selectors.districts_map(scope=scope, period=period)
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            "properties": {
                "kind": "stuck",
                "label": s.stage_title,
                "days": presenting.days_text(s.days),
                "code": s.tracking_code,
                "href": reverse("permits:file", args=[s.tracking_code]),
            },
        }
        for s in selectors.stuck_longest(scope=scope, now=timezone.now())
        if s.lon is not None
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@require_GET
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One table of the dashboard as CSV or XLSX (formula injection escaped)."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    try:
        scope, period = _read(request)
    except (FilterError, PeriodError) as exc:
        return _bad_filter(request, str(exc))
    figures = presenting.figures(scope=scope, period=period, today=timezone.localdate())
    try:
        shown = figures.table(table)
    except StopIteration:
        raise Http404 from None
    data = shown.export()
    body = exports.table_csv(data) if fmt == "csv" else exports.table_xlsx(data, rtl=translation.get_language_bidi())
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{table}-{period.start.isoformat()}.{fmt}"'
    return response


def _kind_label(code: str) -> str:
    from fees.models import BillKind
    from violations.models import ViolationKind

    for choices in (RequestKind, ViolationKind, BillKind):
        if code in choices.values:
            return str(choices(code).label)
    return ""


@login_required
@require_GET
def files_page(request: HttpRequest) -> HttpResponse:
    """The files behind a figure of the dashboard (the same filters), slowest first."""
    try:
        scope, period = _read(request)
        show = request.GET.get("show", "")
        officer_text = request.GET.get("officer", "")
        if officer_text and not (officer_text.isdigit() and len(officer_text) < 12):
            raise FilterError(_("There is no such officer."))
        kind = request.GET.get("kind", "")
        if len(kind) > 40 or "\x00" in kind:
            raise FilterError(_("There is no such list of files."))
        total, rows = selectors.files_behind(
            scope=scope,
            period=period,
            show=show,
            stage=request.GET.get("stage", "")[:40],
            state=request.GET.get("state", "")[:20],
            kind=kind,
            officer=int(officer_text) if officer_text else None,
            today=timezone.localdate(),
        )
    except (FilterError, PeriodError) as exc:
        return _bad_filter(request, str(exc))
    return render(
        request,
        "dashboard/files.html",
        {
            **_filters_context(request, scope, period),
            "total": total,
            "rows": [
                {
                    "row": r,
                    "kind": _kind_label(r.kind),
                    "stage": str(STAGES[r.stage].title) if r.stage in STAGES else "",
                    "days": presenting.days_text(r.days),
                }
                for r in rows
            ],
            "show_period": show != FileList.OPEN
            and not (show == FileList.BILLS and request.GET.get("state") == "unpaid"),
        },
    )


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    """The citizen reports behind a figure of the reports table (the same filters), slowest to close first."""
    from reports.models import ReportStatus
    from reports.routing import Category

    try:
        scope, period = _read(request)
        category = normalise_input(request.GET.get("category", ""), InputKind.CODE)
        state = normalise_input(request.GET.get("state", ""), InputKind.CODE) or ReportList.RECEIVED
        if len(category) > 40 or len(state) > 20:
            raise FilterError(_("There is no such list of reports."))
        total, rows = selectors.reports_behind(scope=scope, period=period, category=category, state=state)
    except (FilterError, PeriodError) as exc:
        return _bad_filter(request, str(exc))
    return render(
        request,
        "dashboard/reports.html",
        {
            **_filters_context(request, scope, period),
            "total": total,
            "category": Category(category).label if category else "",
            "rows": [
                {
                    "row": r,
                    "category": Category(r.category).label,
                    "status": ReportStatus(r.status).label,
                    "days": presenting.days_text(r.days_to_close),
                }
                for r in rows
            ],
        },
    )


@require_GET
def public_page(request: HttpRequest) -> HttpResponse:
    """Transparency (no login, no personal data): permits issued by district on a map and in numbers, and
    the median days to a decision, this year to date against the same days of last year."""
    t = selectors.transparency(today=timezone.localdate())
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(d.geometry),
            "properties": {
                "label": _district_name(d),
                "issued": d.issued_this_year,
                "text": count_text(d.issued_this_year),
            },
        }
        for d in t.districts
    ]
    return render(
        request,
        "dashboard/public.html",
        {
            "t": t,
            "this_days": presenting.days_text(t.decided_this_year.net_median_days),
            "last_days": presenting.days_text(t.decided_last_year.net_median_days),
            "this_label": _("%(start)s to %(end)s")
            % {"start": format_date(t.this_year.start), "end": format_date(t.this_year.last_day)},
            "last_label": _("%(start)s to %(end)s")
            % {"start": format_date(t.last_year.start), "end": format_date(t.last_year.last_day)},
            "map_data": {"type": "FeatureCollection", "features": features},
            "map_labels": {"issued": _("Permits issued this year")},
        },
    )


# --- monthly summaries (signed PDFs through the documents engine) -------------------------------------------


def _summary_reader(request: HttpRequest) -> None:
    """A citizen is told nothing (404); any other person who may not read the dashboard gets 403."""
    if monthly.hidden_from(request.user):
        raise Http404
    if not selectors.is_dashboard_reader(request.user):
        raise PermissionDenied(_("Your role may not do this."))


def _summary(request: HttpRequest, pk: int) -> MonthlySummary:
    _summary_reader(request)
    summary = MonthlySummary.objects.select_related("document").defer("figures", "document__pdf").filter(pk=pk).first()
    if summary is None:
        raise Http404
    if not monthly.may_read(request.user, summary):
        raise PermissionDenied(_("You may see the figures of your own unit and district only."))
    return summary


def _summaries_of(user) -> list[MonthlySummary]:
    return list(monthly.summaries_readable(user).select_related("document").prefetch_related("document__copies")[:60])


@login_required
@require_http_methods(["GET", "POST"])
def monthly_page(request: HttpRequest) -> HttpResponse:
    """The monthly summaries this person may read, and the form that asks for one (of a month that has
    ended; a unit head's always of his unit and district). The summary is made by a job."""
    _summary_reader(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            scope = selectors.scope_for(user=request.user, params=request.POST)
            year, month = monthly.month_parse(request.POST.get("month", ""), today=timezone.localdate())
        except (FilterError, PeriodError) as exc:
            error, status = str(exc), 400
        else:
            services.monthly_summary_request(
                actor=request.user, year=year, month=month, district=scope.district, unit=scope.unit
            )
            messages.success(request, _("The summary is being prepared; it appears below when it is ready."))
            return redirect("dashboard:monthly")
    last_year, last_month = monthly.month_just_ended(timezone.localdate())
    scope = selectors.scope_for(user=request.user, params={})
    return render(
        request,
        "dashboard/monthly.html",
        {
            **_filters_context(request, scope, current(PeriodKind.MONTH, timezone.localdate())),
            "summaries": [
                {"summary": s, "month_name": monthly.MONTH_NAMES[s.month - 1], "scope": _summary_scope_text(s)}
                for s in _summaries_of(request.user)
            ],
            "error": error,
            "month_value": request.POST.get("month", "") if error else f"{last_year}/{last_month:02d}",
        },
        status=status,
    )


def _summary_scope_text(summary: MonthlySummary) -> str:
    from parcels.selectors import live_districts

    name = ""
    if summary.district:
        d = live_districts().filter(number=summary.district).only("name", "name_en").first()
        name = _district_name(d) if d else ""
    return str(monthly.scope_text(district=summary.district, district_name=name, unit=summary.unit))


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _preparing(request: HttpRequest, document, copy=None) -> HttpResponse:
    response = render(request, "documents/preparing.html", {"document": document, "copy": copy}, status=409)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def monthly_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A monthly summary's signed PDF (Persian), for who may read its scope."""
    from documents.selectors import document_pdf

    summary = _summary(request, pk)
    if summary.document is None:
        return render(request, "dashboard/summary_pending.html", {"summary": summary}, status=409)
    pdf = document_pdf(document=summary.document)
    return _pdf_response(pdf, summary.document.serial) if pdf else _preparing(request, summary.document)


@login_required
@require_POST
def monthly_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the summary's English copy (made by a job)."""
    from documents.services import document_copy_request

    summary = _summary(request, pk)
    if summary.document is None:
        return render(request, "dashboard/summary_pending.html", {"summary": summary}, status=409)
    try:
        document_copy_request(document_id=summary.document_id, lang="en", actor=request.user)
    except DomainError as exc:
        return render(request, "refused.html", {"message": str(exc)}, status=409)
    return redirect("dashboard:monthly_copy_pdf", pk=summary.pk)


@login_required
@require_GET
def monthly_copy_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary's English copy, for exactly who may download the Persian one."""
    from documents.selectors import copy_of, copy_pdf

    summary = _summary(request, pk)
    copy = copy_of(document=summary.document, lang="en") if summary.document else None
    if copy is None:
        raise Http404
    pdf = copy_pdf(copy=copy)
    return _pdf_response(pdf, copy.serial) if pdf else _preparing(request, summary.document, copy)
