from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from zoning.models import DensityRule, PlanParameters, PlanZone, Street


@admin.register(PlanZone)
class PlanZoneAdmin(LeafletGeoAdmin):
    list_display = (
        "plan_code",
        "land_use",
        "density_class",
        "density_pct",
        "coverage_pct",
        "max_floors",
        "version",
    )
    list_filter = ("version", "land_use", "density_class")
    search_fields = ("plan_code", "source_id", "name")


@admin.register(Street)
class StreetAdmin(LeafletGeoAdmin):
    list_display = ("name", "hierarchy", "existing_width_m", "approved_width_m", "vehicular", "version")
    list_filter = ("version", "hierarchy", "vehicular")
    search_fields = ("name", "source_id")


@admin.register(PlanParameters)
class PlanParametersAdmin(admin.ModelAdmin):
    list_display = ("plan_name", "version", "area_base", "northern_band_depth_pct", "northern_band_offset_m")


@admin.register(DensityRule)
class DensityRuleAdmin(admin.ModelAdmin):
    list_display = (
        "density_class",
        "density_pct",
        "coverage_pct",
        "max_floors",
        "min_plot_area_m2",
        "version",
    )
    list_filter = ("version",)
