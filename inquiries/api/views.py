"""The agency API (thin views): each checks the agency's token and scope, calls one service or
selector, and is logged (agency, purpose, answer). Another agency's inquiry or webhook is a 404."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_app.errors import DomainError, NotAllowed
from inquiries import selectors, services
from inquiries.api.auth import AgencyTokenAuthentication, IsAgency
from inquiries.api.serializers import (
    DeliverySerializer,
    ErrorSerializer,
    InquiryCreateSerializer,
    InquirySerializer,
    TokenSerializer,
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookSerializer,
)
from inquiries.api.throttles import AgencyFileThrottle, AgencyRateThrottle
from inquiries.models import InquiryStatus, WebhookSubscription

ERR = OpenApiResponse(ErrorSerializer)
VALIDATION = OpenApiResponse(OpenApiTypes.OBJECT, description="What is wrong with the input (field → messages).")
# every operation: the site's input guard refuses malformed requests (control bytes, a body too big or
# without a length) before the view, with the project's error shape
GUARD = OpenApiResponse(OpenApiTypes.OBJECT, description="Malformed request refused by the site's input guard.")
COMMON = {400: VALIDATION, 401: ERR, 403: ERR, 411: GUARD, 413: GUARD, 429: ERR}


class Page(LimitOffsetPagination):
    default_limit = 50
    max_limit = 100


class AgencyView(APIView):
    """Every agency endpoint: token authentication, per-agency limits, one log row per request."""

    authentication_classes = [AgencyTokenAuthentication]
    permission_classes = [IsAgency]
    throttle_classes = [AgencyRateThrottle]
    log_inquiry = None
    log_purpose = ""

    def handle_exception(self, exc):
        if isinstance(exc, NotAllowed):
            exc = PermissionDenied(exc.message)
        elif isinstance(exc, DomainError):
            exc = ValidationError({"detail": exc.message})
        elif isinstance(exc, Http404):
            exc = NotFound(_("Not found."))
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        client = getattr(request, "_user", None)
        agency = getattr(client, "agency", None)
        inquiry = self.log_inquiry
        outcome = ""
        if inquiry is not None:
            outcome = (inquiry.answer or {}).get("outcome", "") or inquiry.status
        services.api_log_write(
            agency=agency,
            token=getattr(client, "token", None),
            method=request.method,
            path=request.path,
            status_code=response.status_code,
            purpose=self.log_purpose or (inquiry.purpose if inquiry is not None else ""),
            inquiry=inquiry,
            outcome=outcome,
        )
        return super().finalize_response(request, response, *args, **kwargs)


class InquiryListView(AgencyView, generics.GenericAPIView):
    throttle_classes = [AgencyRateThrottle, AgencyFileThrottle]
    pagination_class = Page
    serializer_class = InquirySerializer

    @extend_schema(
        summary="The agency's inquiries, newest first",
        parameters=[OpenApiParameter("status", str, enum=InquiryStatus.values, required=False)],
        responses={200: InquirySerializer(many=True), **COMMON},
    )
    def get(self, request):
        qs = selectors.inquiries_of(agency=request.user.agency)
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in InquiryStatus.values:
                raise ValidationError({"status": [_("Unknown status.")]})
            qs = qs.filter(status=wanted)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(InquirySerializer(page, many=True).data)

    @extend_schema(
        summary="File an inquiry (answered at once where the data decides)",
        request=InquiryCreateSerializer,
        responses={
            201: OpenApiResponse(InquirySerializer, description="Filed: answered, or pending in a unit's inbox."),
            400: VALIDATION,
            **COMMON,
        },
    )
    def post(self, request):
        form = InquiryCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        self.log_purpose = data["purpose"]
        inquiry = services.inquiry_file(
            agency=request.user.agency,
            kind=data["kind"],
            purpose=data["purpose"],
            property_code=data["property"],
            reference=data.get("reference", ""),
            unit=data.get("unit", ""),
            geometry=data.get("geometry"),
            crs=data.get("crs"),
        )
        self.log_inquiry = inquiry
        return Response(InquirySerializer(inquiry).data, status=status.HTTP_201_CREATED)


# Path parameters are matched as text and parsed here, so that a malformed one is a JSON 404 like an
# unknown one (a URL converter would leave it to the site's HTML 404 page).
INQUIRY_ID = OpenApiParameter("public_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SUBSCRIPTION_ID = OpenApiParameter("pk", OpenApiTypes.INT, OpenApiParameter.PATH)


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(_("No such inquiry.")) from None


class InquiryDetailView(AgencyView):
    @extend_schema(
        summary="One of the agency's inquiries",
        parameters=[INQUIRY_ID],
        responses={200: InquirySerializer, 404: ERR, **COMMON},
    )
    def get(self, request, public_id: str):
        inquiry = selectors.inquiry_of(agency=request.user.agency, public_id=_uuid(public_id))
        if inquiry is None:
            raise NotFound(_("No such inquiry."))
        self.log_inquiry = inquiry
        return Response(InquirySerializer(inquiry).data)


PDF = OpenApiResponse(OpenApiTypes.BINARY, description="The answer's signed PDF (PAdES), application/pdf.")
NOT_READY = OpenApiResponse(
    ErrorSerializer, description="The signed PDF is still being prepared (or could not be); try again shortly."
)


class InquiryDocumentView(AgencyView):
    @extend_schema(
        summary="The signed PDF of an inquiry's answer (the agency that asked only)",
        parameters=[INQUIRY_ID],
        responses={(200, "application/pdf"): PDF, 404: ERR, 409: NOT_READY, **COMMON},
    )
    def get(self, request, public_id: str):
        from django.http import HttpResponse

        from documents.selectors import document_pdf
        from inquiries.answer_document import answer_document

        inquiry = selectors.inquiry_of(agency=request.user.agency, public_id=_uuid(public_id))
        if inquiry is None:
            raise NotFound(_("No such inquiry."))
        self.log_inquiry = inquiry
        document = answer_document(inquiry=inquiry)
        if document is None:
            raise NotFound(_("This inquiry has no answer document yet."))
        pdf = document_pdf(document=document)
        if pdf is None:
            return Response(
                {"detail": _("The signed PDF is still being prepared; try again in a few seconds.")},
                status=status.HTTP_409_CONFLICT,
            )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.serial}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class WebhookListView(AgencyView):
    @extend_schema(
        summary="The agency's webhook subscriptions", responses={200: WebhookSerializer(many=True), **COMMON}
    )
    def get(self, request):
        return Response(WebhookSerializer(selectors.webhooks_of(agency=request.user.agency), many=True).data)

    @extend_schema(
        summary="Subscribe a URL to one inquiry or one property (status changes, HMAC-signed POSTs)",
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer, **COMMON},
    )
    def post(self, request):
        form = WebhookCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        agency = request.user.agency
        inquiry = None
        if data.get("inquiry"):
            inquiry = selectors.inquiry_of(agency=agency, public_id=data["inquiry"])
            if inquiry is None:
                raise ValidationError({"inquiry": [_("No such inquiry.")]})
        sub = services.webhook_subscribe(
            agency=agency, url=data["url"], inquiry=inquiry, property_code=data.get("property", "")
        )
        return Response(WebhookCreatedSerializer(sub).data, status=status.HTTP_201_CREATED)


def _subscription(request, pk: str) -> WebhookSubscription:
    sub = None
    if pk.isascii() and pk.isdigit() and len(pk) < 19:
        sub = selectors.webhooks_of(agency=request.user.agency).filter(pk=int(pk)).first()
    if sub is None:
        raise NotFound(_("No such subscription."))
    return sub


class WebhookDetailView(AgencyView):
    @extend_schema(
        summary="Cancel a subscription", parameters=[SUBSCRIPTION_ID], responses={204: None, 404: ERR, **COMMON}
    )
    def delete(self, request, pk: str):
        services.webhook_cancel(subscription=_subscription(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesView(AgencyView, generics.GenericAPIView):
    pagination_class = Page
    serializer_class = DeliverySerializer

    @extend_schema(
        summary="Delivery history of a subscription",
        parameters=[SUBSCRIPTION_ID],
        responses={200: DeliverySerializer(many=True), 404: ERR, **COMMON},
    )
    def get(self, request, pk: str):
        page = self.paginate_queryset(selectors.deliveries_of(subscription=_subscription(request, pk)))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class TokenRotateView(AgencyView):
    @extend_schema(
        summary="Rotate the token used for this call (the old one works for a grace period)",
        request=None,
        responses={201: TokenSerializer, **COMMON},
    )
    def post(self, request):
        new, raw = services.token_rotate(token=request.user.token, actor=None)
        old = request.user.token
        old.refresh_from_db()
        data = {"token": raw, "prefix": new.prefix, "expires_at": new.expires_at, "previous_expires_at": old.expires_at}
        return Response(TokenSerializer(data).data, status=status.HTTP_201_CREATED)
