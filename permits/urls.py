from django.urls import path

from permits import views

app_name = "permits"
urlpatterns = [
    path("", views.my_files, name="mine"),
    path("new/", views.request_new, name="new"),
    path("inbox/", views.inbox, name="inbox"),
    path("track/", views.track, name="track"),
    path("authorise/", views.authorise, name="authorise"),
    path("authorise/<int:pk>/revoke/", views.authorisation_revoke, name="authorisation_revoke"),
    path("<str:tracking>/", views.file_page, name="file"),
    path("<str:tracking>/act/", views.file_act, name="act"),
    path("<str:tracking>/proposal/", views.file_update, name="update"),
    path("<str:tracking>/documents/", views.document_upload, name="document_upload"),
    path("<str:tracking>/documents/<int:pk>/", views.document_file, name="document"),
    path("<str:tracking>/tasks/", views.task_tick, name="task"),
    path("<str:tracking>/check/", views.check_run, name="check"),
    path("<str:tracking>/override/", views.check_override, name="override"),
    path("<str:tracking>/order/", views.map_order, name="order"),
    path("<str:tracking>/ownership/", views.ownership_override, name="ownership_override"),
    path("<str:tracking>/comments/", views.comment_add, name="comment"),
    path("<str:tracking>/violations/", views.violation_new, name="violation_new"),
    path("<str:tracking>/violations/<int:pk>/refer/", views.violation_refer, name="violation_refer"),
    path("<str:tracking>/violations/<int:pk>/verdict/", views.violation_verdict, name="violation_verdict"),
]
api_patterns = [
    path("", views.api_files, name="api_files"),
    path("<str:tracking>", views.api_file, name="api_file"),
]
