"""URLs of documents. `page_patterns` are the pages (Persian at /documents/, English at /en/documents/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs)."""

from django.urls import path

from documents import views

app_name = "documents"

page_patterns: list = [
    path("verify/<str:serial>", views.verify, name="verify"),
    path("<str:serial>/pdf", views.download, name="download"),
    path("<str:serial>/copy/<str:lang>", views.copy_request, name="copy"),
    path("<str:serial>/copy/<str:lang>/pdf", views.copy_download, name="copy_download"),
    path("<str:serial>/revoke", views.revoke, name="revoke"),
    path("<str:serial>/reissue", views.reissue, name="reissue"),
    path("<str:serial>/prepare", views.retry, name="retry"),
    path("slip/<int:bill_pk>", views.slip, name="slip"),
]
root_patterns: list = [
    path(".well-known/document-keys.json", views.keys, name="keys"),
]
