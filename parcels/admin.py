from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from parcels.models import CityBoundary, District, ExistingBuilding, Owner, Ownership, Parcel, ValueZone


class OwnershipInline(admin.TabularInline):
    model = Ownership
    extra = 0
    autocomplete_fields = ["owner"]


@admin.register(Parcel)
class ParcelAdmin(LeafletGeoAdmin):
    list_display = ("file_code", "renovation_code", "registry_plate", "deed_area_m2", "version")
    list_filter = ("version",)
    search_fields = ("file_code", "renovation_code", "registry_plate", "source_id", "owners__national_id")
    inlines = [OwnershipInline]
    readonly_fields = ("version", "file_code", "geom_hash", "anchor")
    list_select_related = ("version",)


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ("full_name", "national_id")
    search_fields = ("full_name", "national_id")


@admin.register(ExistingBuilding)
class ExistingBuildingAdmin(LeafletGeoAdmin):
    list_display = ("source_id", "parcel_source_id", "floors", "year_built", "version")
    list_filter = ("version",)
    search_fields = ("source_id", "parcel_source_id")


@admin.register(ValueZone)
class ValueZoneAdmin(LeafletGeoAdmin):
    list_display = (
        "code",
        "name",
        "land_unit_price_irr",
        "building_unit_price_irr",
        "valuation_year",
        "version",
    )
    list_filter = ("version",)


@admin.register(CityBoundary)
class CityBoundaryAdmin(LeafletGeoAdmin):
    list_display = ("name", "version")


@admin.register(District)
class DistrictAdmin(LeafletGeoAdmin):
    list_display = ("number", "name", "name_en", "version")
    list_filter = ("version",)
    search_fields = ("name", "name_en")
    ordering = ("version", "number")
