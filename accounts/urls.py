from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("landing/", views.landing, name="landing"),
    path("pending/", views.pending, name="pending"),
    path("pending/<int:pk>/activate/", views.activate, name="activate"),
    path("locked/", views.locked, name="locked"),
    path("locked/unlock/", views.unlock, name="unlock"),
]

# two-factor sign-in (accounts.second_factor): the only pages a half-signed-in staff session reaches
urlpatterns += [
    path("2fa/", views.second_factor, name="second_factor"),
    path("2fa/enrol/", views.second_factor_enrol, name="second_factor_enrol"),
    path("2fa/staff/", views.second_factor_staff, name="second_factor_staff"),
    path("2fa/staff/<int:pk>/reset/", views.second_factor_reset_view, name="second_factor_reset"),
]
