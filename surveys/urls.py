from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("uploads/<int:pk>/", views.survey_upload_page, name="upload"),
    path("uploads/<int:pk>/status", views.survey_upload_status, name="upload_status"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/accept/", views.survey_accept_view, name="accept"),
    path("<int:pk>/return/", views.survey_return_view, name="return"),
    path("<int:pk>/file/", views.survey_source, name="source"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/photos/<int:photo>/", views.inspection_photo, name="inspection_photo"),
]
