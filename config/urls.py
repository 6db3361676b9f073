from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.forms import LoginForm
from config import deliveries, pwa, views
from dashboard import urls as dashboard_urls
from documents import urls as document_urls
from drawings import urls as drawing_urls
from fees import urls as fee_urls
from inquiries import urls as inquiry_urls
from maps import urls as map_urls
from maps import views as map_views
from permits import urls as permit_urls
from reports import urls as report_urls
from zoning import views as zoning_views

admin.site.site_header = _("Bojnord e-urban planning")
admin.site.site_title = _("Bojnord e-urban planning")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("csp-report", views.csp_report, name="csp_report"),  # CONTENT_SECURITY_POLICY's report-uri
    # at the root, so that its scope covers the pages of every language
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("api/parcels/", include("parcels.urls")),
    path("api/buildable", zoning_views.buildable, name="buildable"),
    path("tiles/", include(map_urls.tile_patterns)),
    path("ogc/", include(map_urls.ogc_patterns)),
    path("api/find", map_views.find, name="find"),
    path("api/files/", include(permit_urls.api_patterns)),
    path("fees/gateway/", include((fee_urls.gateway_patterns, "fees_gateway"))),
    # wave 2: each app's URLs without a language prefix (APIs, well-known URLs, public verification)
    path("", include((document_urls.root_patterns, "documents_root"))),
    path("", include((inquiry_urls.root_patterns, "inquiries_root"))),
    path("", include((report_urls.root_patterns, "reports_root"))),
    path("", include((dashboard_urls.root_patterns, "dashboard_root"))),
    path("", include((drawing_urls.root_patterns, "drawings_root"))),
]

# Persian pages at /, English under /en/ (the language switch on every page links between them).
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("offline/", pwa.offline, name="offline"),
    path("map/", include(map_urls.page_patterns)),
    path("surveys/", include("surveys.urls")),
    path("files/", include("permits.urls")),
    path("fees/", include((fee_urls.page_patterns, "fees"))),
    path("documents/", include((document_urls.page_patterns, "documents"))),
    path("drawings/", include((drawing_urls.page_patterns, "drawings"))),
    path("reports/", include((report_urls.page_patterns, "reports"))),
    path("dashboard/", include((dashboard_urls.page_patterns, "dashboard"))),
    path("agency/", include((inquiry_urls.page_patterns, "inquiries"))),
    path("notifications/", deliveries.delivery_trouble, name="deliveries"),
    path("notifications/<int:pk>/retry/", deliveries.delivery_retry, name="delivery_retry"),
    path("accounts/", include("accounts.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# A database outage met in a middleware (the session, the signed-in user) answers 503, not 500.
handler500 = "gis_app.outage.server_error"
