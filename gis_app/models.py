from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DatasetKind(models.TextChoices):
    PARCELS = "parcels", _("Parcels")
    BUILDINGS = "buildings", _("Existing buildings")
    ZONES = "zones", _("Detailed-plan zones")
    STREETS = "streets", _("Streets")
    VALUE_ZONES = "value_zones", _("Regional value zones")
    BOUNDARY = "boundary", _("City boundary")
    DISTRICTS = "districts", _("Municipal districts")


class DatasetVersion(models.Model):
    """One import of one layer (MapIt's "generation"): loads inactive, goes live by activation.

    Older versions stay in the database so that any decision can be reproduced with the data it used.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=DatasetKind.choices)
    source_name = models.CharField(_("source file"), max_length=255)
    source_layer = models.CharField(_("source layer"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("source checksum (SHA-256)"), max_length=64)
    source_crs = models.TextField(_("source CRS"), blank=True)
    mapping_name = models.CharField(_("field mapping"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duration_s = models.FloatField(_("import time (s)"), default=0)
    read_count = models.PositiveIntegerField(_("read"), default=0)
    imported_count = models.PositiveIntegerField(_("imported"), default=0)
    repaired_count = models.PositiveIntegerField(_("repaired"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    revision = models.PositiveIntegerField(
        _("edits"), default=0, help_text=_("Counts edits to this version's rows after the import (tiles follow it).")
    )
    is_active = models.BooleanField(_("live"), default=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dataset version")
        verbose_name_plural = _("dataset versions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(is_active=True), name="dataset_version_one_live_per_kind"
            ),
            models.CheckConstraint(condition=models.Q(kind__in=DatasetKind.values), name="dataset_version_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.source_name})"


class AuditEvent(models.Model):
    """One row per state change anyone makes (who, what, on which object, when); append-only, hash-chained."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # The hash chain (issue 17 item 12): both are empty on insert and written once by the sealer
    # (gis_app.audit.audit_seal; migrations 0005 and 0006).
    prev_hash = models.CharField(_("previous hash"), max_length=64, db_default="", editable=False)
    row_hash = models.CharField(_("row hash"), max_length=64, db_default="", editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # the rows the sealer has still to chain (gis_app.audit.audit_seal)
            models.Index(fields=["id"], condition=models.Q(row_hash=""), name="audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
