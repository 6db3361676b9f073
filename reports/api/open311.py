"""The Open311 GeoReport v2 API (https://wiki.open311.org/GeoReport_v2), so existing 137 apps and
clients can file and read citizen reports: services list, service definition, POST a request, GET
requests and one request, in JSON or XML by the URL's suffix (.json / .xml, as the spec says).

Who may do what (our decision, documented in the OpenAPI schema):
- The services and their definitions are public.
- POST needs the `api_key` issued to a client application (setting OPEN311_API_KEYS): a 137 app
  confirms its users' numbers itself. The reporter's mobile `phone` is required: at most 20 reports a
  minute from one number (more answer 429), and the closing SMS goes to it. People without such an
  app use the web form, which confirms the number with a one-time code.
- GET requests: anyone with a request's id (its unguessable tracking code) sees its status, never
  who sent it; listing by date, category or status needs an api_key.
Every error is the spec's list of {code, description}, in the requested format."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from gis_app.errors import DomainError
from gis_app.geometry import WGS84
from reports import services
from reports.api.serializers import (
    RequestCreatedSerializer,
    RequestPostSerializer,
    RequestSerializer,
    ServiceDefinitionSerializer,
    ServiceSerializer,
)
from reports.models import Outcome, Report, ReportStatus
from reports.routing import DESCRIPTIONS, ROUTES, Category

LIST_LIMIT = 1000
LIST_DAYS = 90


class Open311XMLRenderer(BaseRenderer):
    """GeoReport v2's XML: a root element named by the view (services, service_requests...) holding one
    element per item; errors as <errors><error>."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        view = context.get("view")
        if response is not None and response.status_code >= 400:
            root_name, item_name = "errors", "error"
        else:
            root_name, item_name = getattr(view, "xml_root", "items"), getattr(view, "xml_item", "item")
        root = ET.Element(root_name)
        items = data if isinstance(data, list) else [data]
        if root_name == item_name:  # a single document (the service definition)
            root = self._element(root_name, items[0] if items else {})
        else:
            for item in items:
                root.append(self._element(item_name, item))
        return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")

    def _element(self, name: str, value) -> ET.Element:
        element = ET.Element(name)
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(child, list):
                    holder = ET.SubElement(element, key)
                    for item in child:
                        holder.append(self._element(key.rstrip("s") or "item", item))
                else:
                    element.append(self._element(key, child))
        elif value is None:
            pass
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        else:
            element.text = str(value)
        return element


def _errors(code: int, *descriptions: str) -> Response:
    return Response([{"code": code, "description": str(d)} for d in descriptions], status=code)


def edge_refusal(request, status: int, message: str) -> HttpResponse:
    """The site's edge refusals (a NUL or control character, a body too large) under /open311/, written
    as the spec's error list in the format the path asks for (gis_app.middleware calls it)."""
    errors = [{"code": status, "description": message}]
    if request.path_info.endswith(".xml"):
        body = Open311XMLRenderer().render(errors, renderer_context={"response": HttpResponse(status=status)})
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(errors, status=status, safe=False)


@csrf_exempt
def not_found(request, *args, **kwargs) -> HttpResponse:
    return edge_refusal(request, 404, _("There is no such GeoReport v2 resource."))


class Open311View(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, Open311XMLRenderer]

    def get_format_suffix(self, **kwargs):
        return kwargs.get("fmt")

    def handle_exception(self, exc):
        # the spec's error list, whatever went wrong at the edge (a bad method, a bad body)
        if isinstance(exc, exceptions.APIException):
            detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
            return _errors(exc.status_code, detail)
        return super().handle_exception(exc)


FORMAT = OpenApiParameter(
    "fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["json", "xml"], description="The answer's format"
)
# drf-spectacular keeps a list serializer's array only on 2xx answers (ENABLE_LIST_MECHANICS_ON_NON_2XX,
# which would also turn the agency API's single error objects into arrays); GeoReport v2's errors are a
# list, so their schema is written out: an array of {code, description}.
ERRORS = OpenApiResponse(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
            "required": ["code", "description"],
        },
    },
    description="GeoReport v2 errors: [{code, description}]",
)


def _service(category: Category) -> dict:
    return {
        "service_code": category.value,
        "service_name": str(category.label),
        "description": str(DESCRIPTIONS[category]),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": str(Role(ROUTES[category].unit).label),
    }


class ServiceList(Open311View):
    xml_root, xml_item = "services", "service"

    @extend_schema(
        operation_id="open311_services",
        summary="Open311: the services (report categories)",
        parameters=[FORMAT],
        responses={200: ServiceSerializer(many=True), 400: ERRORS, 404: ERRORS},
        tags=["Open311"],
    )
    def get(self, request, fmt: str = "json"):
        return Response([_service(c) for c in Category])


class ServiceDefinition(Open311View):
    xml_root = xml_item = "service_definition"

    @extend_schema(
        operation_id="open311_service_definition",
        summary="Open311: a service's definition (no extra attributes are asked)",
        parameters=[FORMAT, OpenApiParameter("service_code", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: ServiceDefinitionSerializer, 400: ERRORS, 404: ERRORS},
        tags=["Open311"],
    )
    def get(self, request, service_code: str, fmt: str = "json"):
        if service_code not in Category.values:
            return _errors(404, _("No service has this code."))
        return Response({"service_code": service_code, "attributes": []})


def _open311(report: Report) -> dict:
    point = report.location.transform(WGS84, clone=True)
    closed = report.status == ReportStatus.CLOSED
    stamps = [
        t
        for t in (report.received_at, report.routed_at, report.in_progress_at, report.closed_at, report.reopened_at)
        if t
    ]
    expected = None
    if report.due_on and not closed:
        expected = timezone.make_aware(dt.datetime.combine(report.due_on, dt.time(23, 59)))
    return {
        "service_request_id": report.tracking_code,
        "status": "closed" if closed else "open",
        "status_notes": report.close_note if closed else str(ReportStatus(report.status).label),
        "service_name": str(Category(report.category).label),
        "service_code": report.category,
        "description": report.description,
        "agency_responsible": str(Role(report.unit).label),
        "service_notice": str(Outcome(report.outcome).label) if report.outcome and closed else "",
        "requested_datetime": report.received_at,
        "updated_datetime": max(stamps),
        "expected_datetime": expected,
        "address": "",
        "address_id": report.file.code if report.file_id else "",
        "zipcode": "",
        "lat": round(point.y, 6),
        "long": round(point.x, 6),
        "media_url": "",
    }


def _valid_key(request) -> bool:
    key = request.data.get("api_key") if request.method == "POST" else request.query_params.get("api_key")
    return bool(key) and key in services.open311_keys()


def _field_errors(errors: dict) -> list[str]:
    out = []
    for field, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            out.append(f"{field}: {message}")
    return out


class RequestList(Open311View):
    xml_root, xml_item = "service_requests", "request"

    @extend_schema(
        operation_id="open311_requests",
        summary="Open311: requests by id (anyone), or by date, service and status (with an api_key)",
        parameters=[
            FORMAT,
            OpenApiParameter(
                "service_request_id", OpenApiTypes.STR, description="Comma-separated ids (tracking codes)"
            ),
            OpenApiParameter("api_key", OpenApiTypes.STR, description="Needed to list without ids"),
            OpenApiParameter("service_code", OpenApiTypes.STR),
            OpenApiParameter("start_date", OpenApiTypes.DATETIME),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME),
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "closed"]),
        ],
        responses={200: RequestSerializer(many=True), 400: ERRORS, 403: ERRORS, 404: ERRORS},
        tags=["Open311"],
    )
    def get(self, request, fmt: str = "json"):
        params = request.query_params
        ids = [i.strip().upper() for i in params.get("service_request_id", "").split(",") if i.strip()][:100]
        if ids:
            return Response([_open311(r) for r in Report.objects.filter(tracking_code__in=ids)])
        if not _valid_key(request):
            return _errors(403, _("Listing requests needs an api_key; a single request is read by its id."))
        qs: QuerySet[Report] = Report.objects.select_related("file")
        problems = []
        start = end = None
        for name in ("start_date", "end_date"):
            if params.get(name):
                value = parse_datetime(params[name][:40])
                if value is None:
                    problems.append(_("%(name)s is not a date and time (W3C format).") % {"name": name})
                elif timezone.is_naive(value):
                    value = timezone.make_aware(value)
                if name == "start_date":
                    start = value
                else:
                    end = value
        code = params.get("service_code", "")
        if code and code not in Category.values:
            problems.append(_("service_code: no service has this code."))
        state = params.get("status", "")
        if state and state not in ("open", "closed"):
            problems.append(_("status: open or closed."))
        if problems:
            return _errors(400, *problems)
        end = end or timezone.now()
        start = start or end - dt.timedelta(days=LIST_DAYS)
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
        if code:
            qs = qs.filter(category=code)
        if state == "closed":
            qs = qs.filter(status=ReportStatus.CLOSED)
        elif state == "open":
            qs = qs.exclude(status=ReportStatus.CLOSED)
        return Response([_open311(r) for r in qs.order_by("-received_at")[:LIST_LIMIT]])

    @extend_schema(
        operation_id="open311_request_create",
        summary="Open311: file a request (needs an api_key and the reporter's mobile number)",
        parameters=[FORMAT],
        request={"application/x-www-form-urlencoded": RequestPostSerializer, "application/json": RequestPostSerializer},
        responses={201: RequestCreatedSerializer(many=True), 400: ERRORS, 403: ERRORS, 404: ERRORS, 429: ERRORS},
        tags=["Open311"],
    )
    def post(self, request, fmt: str = "json"):
        serializer = RequestPostSerializer(data=request.data)
        if not serializer.is_valid():
            return _errors(400, *_field_errors(serializer.errors))
        if not _valid_key(request):
            return _errors(403, _("api_key: this key is not one we issued."))
        data = serializer.validated_data
        try:
            report = services.report_submit(
                category=data["service_code"],
                lon=data["long"],
                lat=data["lat"],
                description=data.get("description", ""),
                phone=data["phone"],
                via="open311",
            )
        except services.Throttled as exc:
            return _errors(429, exc.message)
        except DomainError as exc:
            return _errors(400, exc.message)
        notice = _("Received; follow it with its id (the tracking code).")
        return Response(
            [{"service_request_id": report.tracking_code, "service_notice": notice, "account_id": None}],
            status=status.HTTP_201_CREATED,
        )


class RequestDetail(Open311View):
    xml_root, xml_item = "service_requests", "request"

    @extend_schema(
        operation_id="open311_request",
        summary="Open311: one request's status by its id (tracking code)",
        parameters=[FORMAT, OpenApiParameter("service_request_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: RequestSerializer(many=True), 400: ERRORS, 404: ERRORS},
        tags=["Open311"],
    )
    def get(self, request, service_request_id: str, fmt: str = "json"):
        report = Report.objects.select_related("file").filter(tracking_code=service_request_id.upper()[:20]).first()
        if report is None:
            return _errors(404, _("No request has this id."))
        return Response([_open311(report)])


# The group is not named "format": drf-spectacular leaves ".{format}" URLs out of the schema (as DRF's
# suffix duplicates); the views pass it to content negotiation themselves (get_format_suffix).
SUFFIX = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    re_path(r"^open311/v2/services" + SUFFIX, ServiceList.as_view(), name="open311-services"),
    re_path(
        r"^open311/v2/services/(?P<service_code>[a-z_]{1,30})" + SUFFIX,
        ServiceDefinition.as_view(),
        name="open311-service",
    ),
    re_path(r"^open311/v2/requests" + SUFFIX, RequestList.as_view(), name="open311-requests"),
    re_path(
        r"^open311/v2/requests/(?P<service_request_id>[A-Za-z0-9-]{1,30})" + SUFFIX,
        RequestDetail.as_view(),
        name="open311-request",
    ),
    # anything else under /open311/ (an unknown format, a malformed id or service code) is the spec's
    # error list with 404, not the site's HTML page: a client parses every answer it gets
    re_path(r"^open311/", not_found),
]
