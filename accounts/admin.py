from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Identity"), {"fields": ("national_id", "mobile")}),
    )
    list_display = ("username", "first_name", "last_name", "national_id", "is_staff", "is_active")
    search_fields = ("username", "first_name", "last_name", "national_id", "email")


# django-otp's own admin pages would remove or add a staff member's second factor without an audit
# row; managers reset it at /accounts/2fa/staff/ (audited) and enrolment happens at sign-in.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
