from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from zoning.models import PlanZone, Street


@admin.register(PlanZone)
class PlanZoneAdmin(LeafletGeoAdmin):
    list_display = ("plan_code", "land_use", "density_class", "density_pct", "coverage_pct", "max_floors")
    list_filter = ("land_use", "density_class")
    search_fields = ("plan_code", "source_id")


@admin.register(Street)
class StreetAdmin(LeafletGeoAdmin):
    list_display = ("name", "hierarchy", "existing_width_m", "approved_width_m", "vehicular")
    list_filter = ("hierarchy", "vehicular")
    search_fields = ("name", "source_id")
