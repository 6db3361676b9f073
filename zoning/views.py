from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gis_app.geojson import feature_collection_response
from parcels.selectors import parcels_in_bbox
from zoning.forms import BBoxForm
from zoning.models import LandUse
from zoning.selectors import streets_geojson_rows, zones_geojson_rows


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
