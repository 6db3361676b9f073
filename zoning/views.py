import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gis_app.api import api_language
from gis_app.geojson import feature_collection_response
from parcels.selectors import parcels_in_bbox, point_in_municipality
from zoning.compliance.output import report_data
from zoning.forms import BBoxForm, BuildableForm
from zoning.models import LandUse
from zoning.selectors import parcel_compliance, streets_geojson_rows, zones_geojson_rows


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """Public: the city map with the detailed-plan zones, streets and (zoomed in) parcels."""
    land_uses = {value: str(label) for value, label in LandUse.choices}
    return render(request, "zoning/map.html", {"land_uses": land_uses})


@require_GET
def zones_layer(request: HttpRequest) -> HttpResponse:
    """Public: the detailed plan is public information."""
    return feature_collection_response(zones_geojson_rows())


@require_GET
def streets_layer(request: HttpRequest) -> HttpResponse:
    """Public: street centrelines with existing and approved widths."""
    return feature_collection_response(streets_geojson_rows())


@require_GET
def parcels_layer(request: HttpRequest) -> HttpResponse:
    """Public: parcel outlines with file code, renovation code and plate (no owner data) in a small box."""
    form = BBoxForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    rows = parcels_in_bbox(bbox_wgs84=form.cleaned_data["bbox"])
    return feature_collection_response(
        {"id": pk, "file_code": fcode, "renovation_code": code, "registry_plate": plate, "geojson": gj}
        for pk, fcode, code, plate, gj in rows
    )


@require_GET
@api_language
def buildable(request: HttpRequest) -> HttpResponse:
    """Public: what the detailed plan allows on a parcel, found by file code or a point (plan rules
    and parcel geometry are public; no owner data is returned)."""
    form = BuildableForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    where = form.parcel_where()
    report = parcel_compliance(changes=form.proposal_changes(), **where)
    if report is None:
        if "file_code" in where:
            message = _("No parcel with this file code in the live data.")
        elif point_in_municipality(lon=where["point"][0], lat=where["point"][1]) is False:
            message = _("This point is outside the municipality.")
        else:
            message = _("No parcel at this point (a street or unregistered land).")
        return JsonResponse({"errors": {"__all__": [{"message": str(message), "code": "not_found"}]}}, status=404)
    # orjson: the answer carries several geometries; the standard encoder is the slowest step here.
    return HttpResponse(orjson.dumps(report_data(report)), content_type="application/json")
