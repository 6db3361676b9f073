"""URLs of reports. `page_patterns` are the pages (Persian at /reports/, English at /en/reports/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs): the Open311 GeoReport v2 API."""

from django.urls import path

from reports import views
from reports.api import open311

app_name = "reports"

page_patterns: list = [
    path("", views.report_track, name="track"),
    path("new/", views.report_new, name="new"),
    path("phone/", views.report_phone, name="phone"),
    path("mine/", views.report_mine, name="mine"),
    path("queue/", views.report_queue, name="queue"),
    path("inspections/", views.inspection_queue, name="inspections"),
    path("t/<str:code>/", views.report_status, name="status"),
    path("t/<str:code>/reopen/", views.report_reopen, name="reopen"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/start/", views.report_start_view, name="start"),
    path("<int:pk>/close/", views.report_close_view, name="close"),
    path("<int:pk>/violation/", views.report_violation_view, name="violation"),
    path("<int:pk>/photos/<int:photo>/", views.report_photo, name="photo"),
]
root_patterns: list = open311.urlpatterns
