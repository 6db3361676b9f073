from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("pending/", views.pending, name="pending"),
    path("pending/<int:pk>/activate/", views.activate, name="activate"),
    path("locked/", views.locked, name="locked"),
    path("locked/unlock/", views.unlock, name="unlock"),
]
