from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from gis_app.api import api_language
from gis_app.geometry import WGS84
from gis_app.public import public_db_work
from parcels.forms import ParcelLookupForm
from parcels.selectors import LOOKUP_REFUSALS, parcels_lookup


@require_GET
@api_language
@public_db_work()
def parcel_lookup(request: HttpRequest) -> JsonResponse:
    """Public: find live parcels by file code, postal code, renovation code or plate (no owner data)."""
    form = ParcelLookupForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        parcels = parcels_lookup(code=form.cleaned_data["q"])
    except LOOKUP_REFUSALS as exc:
        return JsonResponse({"errors": {"q": [{"message": str(exc), "code": "invalid"}]}}, status=400)
    results = []
    for p in parcels:
        anchor = p.anchor.transform(WGS84, clone=True)
        results.append(
            {
                "file_code": p.file_code,
                "renovation_code": p.renovation_code,
                "registry_plate": p.registry_plate,
                "area_m2": round(p.geom.area, 2),
                "deed_area_m2": float(p.deed_area_m2) if p.deed_area_m2 is not None else None,
                "lon": round(anchor.x, 6),
                "lat": round(anchor.y, 6),
            }
        )
    return JsonResponse({"results": results})
