from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from surveys.models import Survey


@admin.register(Survey)
class SurveyAdmin(LeafletGeoAdmin):
    list_display = ("parcel", "surveyor", "status", "measured_on", "frontage_m", "floor_level_m")
    list_filter = ("status",)
    raw_id_fields = ("parcel", "surveyor")
    search_fields = ("parcel__renovation_code", "surveyor__username")
