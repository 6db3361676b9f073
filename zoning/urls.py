from django.urls import path

from zoning import views

app_name = "map"
urlpatterns = [
    path("", views.map_page, name="page"),
    path("layers/zones.geojson", views.zones_layer, name="zones"),
    path("layers/streets.geojson", views.streets_layer, name="streets"),
    path("layers/parcels.geojson", views.parcels_layer, name="parcels"),
]
