"""Drawing checks of building requests (stage 8): the engineer's DXF as read, placed and checked, the
shapes placed on the parcel, the uploads waiting for (or checked by) the checking job, and the permit
officer's overrides. A refused drawing leaves no DrawingCheck: only its upload's refusal record."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import gist_index, valid_geometry_constraint
from permits.models import PermitRequest


def drawing_upload_to(instance: DrawingCheck, filename: str) -> str:
    # never the uploaded name on disk: the request's code and the content's checksum
    return f"drawings/{instance.request.tracking_code}/{instance.sha256[:16]}.dxf"


class DrawingCheck(models.Model):
    """One drawing uploaded for a request, with where it was placed and what every rule found."""

    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="drawing_checks")
    file = models.FileField(_("drawing file"), upload_to=drawing_upload_to, max_length=255)
    original_name = models.CharField(_("uploaded file name"), max_length=255)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    proposal_key = models.CharField(_("proposal fingerprint"), max_length=64)
    order_issued_at = models.DateTimeField(_("map preparation order issued"))
    placement = models.JSONField(_("placement"))
    residual_m = models.FloatField(_("fit residual (m)"))
    plan_info = models.JSONField(_("plan information"))
    results = models.JSONField(_("results"))
    passed = models.BooleanField(_("all rules passed"))
    failed_rules = models.JSONField(_("failed rules"), default=list)
    dimensions = models.JSONField(_("dimensions"), default=list)
    ignored_layers = models.JSONField(_("layers ignored"), default=list)
    floors = models.PositiveSmallIntegerField(_("floors above the pilotis"))
    parcel_version = models.PositiveBigIntegerField()
    zones_version = models.PositiveBigIntegerField(null=True)
    streets_version = models.PositiveBigIntegerField(null=True)
    plot = models.PolygonField(_("plot as placed"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)

    class Meta:
        verbose_name = _("drawing check")
        ordering = ("-uploaded_at", "-id")
        indexes = [
            models.Index(fields=("request", "-uploaded_at"), name="drawings_check_request_idx"),
            gist_index("plot", name="drawings_check_plot_gist"),
        ]
        constraints = [valid_geometry_constraint("plot", name="drawings_check_plot_valid")]


class ShapeKind(models.TextChoices):
    FOOTPRINT = "footprint", _("Floor outline")
    AREA = "area", _("Floor area")
    DEDUCT = "deduct", _("Deduction (void, shaft)")
    BALCONY = "balcony", _("Balcony")
    PARKING = "parking", _("Parking space")
    REALIGNMENT = "realignment", _("Realigned line as drawn")


class DrawingShape(models.Model):
    """A shape of the drawing placed on the parcel (storage CRS), for the map and the measures."""

    drawing = models.ForeignKey(DrawingCheck, on_delete=models.CASCADE, related_name="shapes")
    kind = models.CharField(_("kind"), max_length=16, choices=ShapeKind.choices)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    geom = models.GeometryField(srid=settings.GIS_STORAGE_SRID, spatial_index=False)

    class Meta:
        indexes = [
            models.Index(fields=("drawing", "kind"), name="drawings_shape_check_idx"),
            gist_index("geom", name="drawings_shape_geom_gist"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ShapeKind.values), name="drawings_shape_kind_valid")
        ]


class DrawingOverride(models.Model):
    """The permit officer lets a request pass issuance without a passing drawing check, saying why (the
    check it overrides, if any, is kept as it was)."""

    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="drawing_overrides")
    drawing_check = models.ForeignKey(
        DrawingCheck, on_delete=models.CASCADE, null=True, blank=True, related_name="overrides"
    )
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=2000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-at", "-id")


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to be checked")
    READING = "reading", _("being read and checked")
    DONE = "done", _("checked")
    REFUSED = "refused", _("refused")


def drawing_upload_file_to(instance: DrawingUpload, filename: str) -> str:
    # our own name, never the uploader's (kept as text in original_name)
    return f"drawing-uploads/{uuid.uuid4().hex}.dxf"


class DrawingUpload(models.Model):
    """A drawing as received, waiting for (or checked by) the checking job (drawings.tasks.check_upload).

    The checks that need no parsing are made before it is written; reading, placing and checking run
    in the job. A refusal keeps its code and parameters (the message is translated when shown) and
    nothing else: the stored file is deleted and no DrawingCheck is made. When the check is made, it
    keeps the file and this row's copy is deleted (the surveys' SurveyUpload, followed exactly).
    """

    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="drawing_uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    stored_file = models.FileField(_("stored file"), upload_to=drawing_upload_file_to, max_length=255, blank=True)
    original_name = models.CharField(_("uploaded file name"), max_length=255)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    refusal_code = models.CharField(_("refusal"), max_length=40, blank=True)
    refusal_params = models.JSONField(_("refusal details"), default=dict)
    drawing_check = models.OneToOneField(
        DrawingCheck, on_delete=models.PROTECT, null=True, blank=True, related_name="upload"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("checking started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("drawing upload")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("request", "-created_at"), name="drawings_upload_request_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=UploadStatus.values), name="drawings_upload_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_code=""),
                name="drawings_upload_refused_has_code",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(drawing_check__isnull=False),
                name="drawings_upload_done_has_check",
            ),
        ]
