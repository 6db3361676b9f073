from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Identity"), {"fields": ("national_id", "mobile")}),
    )
    list_display = ("username", "first_name", "last_name", "national_id", "is_staff", "is_active")
    search_fields = ("username", "first_name", "last_name", "national_id", "email")
