"""Issued documents in the admin: read-only (issuance, revocation and reissue go through the services,
which audit them)."""

from django.contrib import admin

from documents.models import IssuedDocument, SerialCounter, VerificationScan


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnly):
    list_display = ("serial", "kind", "status", "render_state", "issued_at")
    list_filter = ("kind", "status", "render_state")
    search_fields = ("serial",)
    exclude = ("pdf",)


@admin.register(SerialCounter)
class SerialCounterAdmin(ReadOnly):
    list_display = ("kind", "jalali_year", "last")


@admin.register(VerificationScan)
class VerificationScanAdmin(ReadOnly):
    list_display = ("at", "origin", "outcome", "document")
    list_filter = ("outcome",)
