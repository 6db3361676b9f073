from django.contrib import admin

from dashboard.models import UnitHead


@admin.register(UnitHead)
class UnitHeadAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "district")
    list_filter = ("unit", "district")
    raw_id_fields = ("user",)
