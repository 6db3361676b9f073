from django.contrib import admin

from gis_app.models import AuditEvent, DatasetVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services and commands: the admin shows them and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DatasetVersion)
class DatasetVersionAdmin(ReadOnlyAdmin):
    """Read-only: versions are created by the importers and switched live by `dataset_activate`."""

    list_display = (
        "id",
        "kind",
        "source_name",
        "imported_at",
        "read_count",
        "imported_count",
        "repaired_count",
        "rejected_count",
        "is_active",
    )
    list_filter = ("kind", "is_active")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is written by the services and never edited."""

    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor__username")
