from django.urls import path

from permits.views import applicant, file, review

app_name = "permits"
urlpatterns = [
    path("", applicant.my_files, name="mine"),
    path("new/", applicant.request_new, name="new"),
    path("inbox/", review.inbox, name="inbox"),
    path("track/", applicant.track, name="track"),
    path("authorise/", applicant.authorise, name="authorise"),
    path("authorise/<int:pk>/revoke/", applicant.authorisation_revoke, name="authorisation_revoke"),
    path("<str:tracking>/", file.file_page, name="file"),
    path("<str:tracking>/act/", file.file_act, name="act"),
    path("<str:tracking>/proposal/", file.file_update, name="update"),
    path("<str:tracking>/documents/", file.document_upload, name="document_upload"),
    path("<str:tracking>/documents/<int:pk>/", file.document_file, name="document"),
    path("<str:tracking>/tasks/", file.task_tick, name="task"),
    path("<str:tracking>/check/", review.check_run, name="check"),
    path("<str:tracking>/asbuilt/", review.asbuilt_compare, name="asbuilt_compare"),
    path("<str:tracking>/override/", review.check_override, name="override"),
    path("<str:tracking>/order/", review.map_order, name="order"),
    path("<str:tracking>/ownership/", review.ownership_override, name="ownership_override"),
    path("<str:tracking>/comments/", file.comment_add, name="comment"),
    path("<str:tracking>/violations/", review.violation_new, name="violation_new"),
    path("<str:tracking>/violations/<int:pk>/refer/", review.violation_refer, name="violation_refer"),
    path("<str:tracking>/violations/<int:pk>/verdict/", review.violation_verdict, name="violation_verdict"),
]
api_patterns = [
    path("", applicant.api_files, name="api_files"),
    path("<str:tracking>", applicant.api_file, name="api_file"),
]
