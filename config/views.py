from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


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
