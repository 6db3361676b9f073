"""URLs of inquiries. `page_patterns` are the agency's and the answering units' pages (Persian at /agency/,
English at /en/agency/); `root_patterns` the agency API under /api/v1/ with its schema and docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from inquiries import views
from inquiries.api import views as api

app_name = "inquiries"

page_patterns: list = [
    path("", views.agency_home, name="home"),
    path("new/", views.inquiry_new, name="new"),
    path("inquiries/<uuid:public_id>/", views.inquiry_detail, name="detail"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("inbox/", views.unit_inbox, name="inbox"),
    path("inbox/<uuid:public_id>/", views.unit_answer, name="answer"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("inquiries/<uuid:public_id>/document.pdf", views.inquiry_document, name="document"),
]

root_patterns: list = [
    path("api/v1/schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="inquiries_root:schema",
            template_name="inquiries/swagger_ui.html",
            authentication_classes=[],
            permission_classes=[],
        ),
        name="docs",
    ),
    path("api/v1/inquiries/", api.InquiryListView.as_view(), name="api_inquiries"),
    path("api/v1/inquiries/<str:public_id>/", api.InquiryDetailView.as_view(), name="api_inquiry"),
    path("api/v1/inquiries/<str:public_id>/document.pdf", api.InquiryDocumentView.as_view(), name="api_document"),
    path("api/v1/webhooks/", api.WebhookListView.as_view(), name="api_webhooks"),
    path("api/v1/webhooks/<str:pk>/", api.WebhookDetailView.as_view(), name="api_webhook"),
    path("api/v1/webhooks/<str:pk>/deliveries/", api.WebhookDeliveriesView.as_view(), name="api_deliveries"),
    path("api/v1/token/rotate/", api.TokenRotateView.as_view(), name="api_token_rotate"),
]
