"""URLs of dashboard. `page_patterns` are the pages (Persian at /dashboard/, English at /en/dashboard/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs)."""

from django.urls import path

from dashboard import views

app_name = "dashboard"

page_patterns: list = [
    path("", views.dashboard_page, name="page"),
    path("figures.json", views.figures_json, name="figures"),
    path("map.json", views.map_json, name="map"),
    path("export/<slug:table>.<slug:fmt>", views.export, name="export"),
    path("files/", views.files_page, name="files"),
    path("reports/", views.reports_page, name="reports"),
    path("public/", views.public_page, name="public"),
]
root_patterns: list = []
