"""Drawing checks of building requests (stage 8): the engineer's DXF as read, placed and checked, the
shapes placed on the parcel, and the permit officer's overrides. A refused drawing leaves no row."""

from __future__ import annotations

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
