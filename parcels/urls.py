from django.urls import path

from parcels import views

app_name = "parcels"
urlpatterns = [
    path("lookup", views.parcel_lookup, name="lookup"),
]
