import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gis_app.api import api_language
from parcels.selectors import point_in_municipality
from zoning.compliance.output import report_data
from zoning.forms import BuildableForm
from zoning.selectors import parcel_compliance


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
