"""URLs of drawings. `page_patterns` are the pages (Persian at /drawings/, English at /en/drawings/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs)."""

from django.urls import path

from drawings import views

app_name = "drawings"

page_patterns: list = [
    path("convention/", views.convention_page, name="convention"),
    path("template.dxf", views.template_download, name="template"),
    path("<str:tracking>/", views.drawing_page, name="check"),
    path("<str:tracking>/upload/", views.drawing_upload, name="upload"),
    path("<str:tracking>/uploads/<int:pk>/status", views.drawing_upload_status, name="upload_status"),
    path("<str:tracking>/override/", views.drawing_override, name="override"),
    path("<str:tracking>/file/<int:pk>/", views.drawing_file, name="file"),
]
root_patterns: list = []
