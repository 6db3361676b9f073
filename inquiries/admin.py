from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from inquiries.models import Agency, AgencyMember, ApiRequestLog, ApiToken, PavingRecord, WebhookDelivery


@admin.register(PavingRecord)
class PavingRecordAdmin(LeafletGeoAdmin):
    """The executive unit records each paved street segment: an excavation across it within the
    protection period (INQUIRY_PAVING_PROTECTED_DAYS) goes to the unit with stricter conditions."""

    list_display = ("street_name", "paved_on", "width_m", "contractor")
    search_fields = ("street_name", "contractor")
    date_hierarchy = "paved_on"


class MemberInline(admin.TabularInline):
    model = AgencyMember
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    inlines = [MemberInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the agency on its page (the secret is never stored); here they are only seen."""

    list_display = ("prefix", "agency", "name", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("agency",)
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(admin.ModelAdmin):
    list_display = ("at", "agency", "method", "path", "status_code", "purpose", "outcome")
    list_filter = ("agency", "status_code")
    readonly_fields = [f.name for f in ApiRequestLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subscription", "event", "status", "attempts", "last_status_code")
    list_filter = ("status",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
