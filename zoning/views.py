import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from gis_app.api import api_language
from gis_app.public import public_db_work
from zoning.compliance.output import report_data
from zoning.forms import ParcelQueryForm, ProposalForm
from zoning.selectors import parcel_compliance


@require_GET
@api_language
@public_db_work()
def buildable(request: HttpRequest) -> HttpResponse:
    """Public: what the detailed plan allows on a parcel, found by file code or a point (plan rules
    and parcel geometry are public; no owner data is returned)."""
    query = ParcelQueryForm(request.GET)
    proposal = ProposalForm(request.GET) if ProposalForm.asked(request.GET) else None
    forms = [form for form in (query, proposal) if form is not None]
    if not all([form.is_valid() for form in forms]):  # every form checked: all the errors at once
        return JsonResponse(
            {"errors": {k: v for form in forms for k, v in form.errors.get_json_data().items()}}, status=400
        )
    where = query.parcel_where()
    report = parcel_compliance(changes=proposal.changes() if proposal else None, **where)
    if report is None:
        message = query.not_found_message()
        return JsonResponse({"errors": {"__all__": [{"message": message, "code": "not_found"}]}}, status=404)
    # orjson: the answer carries several geometries; the standard encoder is the slowest step here.
    return HttpResponse(orjson.dumps(report_data(report)), content_type="application/json")
