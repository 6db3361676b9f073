from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from gis_app.csp_reports import BadReport, csp_report_parse, csp_violations_log


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Public: what the service does, and links to the map and the login."""
    return render(request, "home.html")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Public: liveness for the load balancer; checks the database answers."""
    with connection.cursor() as cur:
        cur.execute("SELECT PostGIS_Lib_Version()")
        (postgis,) = cur.fetchone()
    return JsonResponse({"status": "ok", "postgis": postgis})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without its token (or from another site) answers 403 with a
    translated page in the site's layout; Django's own page carries an inline style the
    Content-Security-Policy refuses."""
    message = _(
        "The form could not be accepted: it was sent without its security token, or from another site. "
        "Go back, reload the page and send it again."
    )
    return render(request, "refused.html", {"message": message, "status": 403}, status=403)


def _report_refused(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"errors": {"__all__": [{"message": message, "code": code}]}}, status=status)


@csrf_exempt  # browsers post reports without a token; the body is only logged
def csp_report(request: HttpRequest) -> HttpResponse:
    """Public: browsers post Content-Security-Policy violations here (the policy's report-uri); they are
    logged. The body is bounded by RequestBodyLimitMiddleware (REQUEST_BODY_LIMITS["csp_report"])."""
    if request.method != "POST":
        response = _report_refused(_("Violation reports are sent with POST."), "method_not_allowed", 405)
        response["Allow"] = "POST"
        return response
    try:
        violations = csp_report_parse(content_type=request.content_type or "", read_body=lambda: request.body)
    except BadReport as exc:
        return _report_refused(exc.message, exc.code, 400)
    csp_violations_log(violations=violations, client=request.META.get("REMOTE_ADDR", ""))
    return HttpResponse(status=204)


class LogoutView(auth_views.LogoutView):
    """Django's logout, telling the browser to drop what it cached of the signed-in person's pages
    (Clear-Site-Data); the service worker empties its kept pages when it sees the logout go past."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response
