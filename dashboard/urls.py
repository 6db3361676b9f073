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
    path("monthly/", views.monthly_page, name="monthly"),
    path("monthly/<int:pk>/pdf", views.monthly_pdf, name="monthly_pdf"),
    path("monthly/<int:pk>/en", views.monthly_copy, name="monthly_copy"),
    path("monthly/<int:pk>/en/pdf", views.monthly_copy_pdf, name="monthly_copy_pdf"),
]
root_patterns: list = []
