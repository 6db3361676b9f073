from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from parcels.models import ExistingBuilding, Owner, Ownership, Parcel, ValueZone


class OwnershipInline(admin.TabularInline):
    model = Ownership
    extra = 0
    autocomplete_fields = ["owner"]


@admin.register(Parcel)
class ParcelAdmin(LeafletGeoAdmin):
    list_display = ("renovation_code", "registry_plate", "deed_area_m2", "source_id")
    search_fields = (
        "renovation_code",
        "registry_plate",
        "source_id",
        "owners__national_id",
        "owners__full_name",
    )
    inlines = [OwnershipInline]
    readonly_fields = ("created_at", "updated_at")


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ("full_name", "national_id")
    search_fields = ("full_name", "national_id")


@admin.register(ExistingBuilding)
class ExistingBuildingAdmin(LeafletGeoAdmin):
    list_display = ("source_id", "parcel", "floors", "year_built")
    search_fields = ("source_id", "parcel__renovation_code")
    raw_id_fields = ("parcel",)


@admin.register(ValueZone)
class ValueZoneAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "land_unit_price_irr", "building_unit_price_irr", "valuation_year")
