from django.urls import path

from maps import views

app_name = "tiles"
urlpatterns = [
    path("<int:z>/<int:x>/<int:y>.mvt", views.tile, name="tile"),
]
