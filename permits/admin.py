from django.contrib import admin

from permits.models import Holiday


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The working calendar: the fixed solar holidays load from permit_schedules.yaml; managers add the
    lunar ones here each year (time limits count working days only)."""

    list_display = ("date", "name")
    search_fields = ("name",)
    date_hierarchy = "date"
