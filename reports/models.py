"""Citizen reports (سامانه ۱۳۷): a problem at a point, routed to a unit with a time limit, followed by a
tracking code; a construction report opens an inspection case on the parcel under the point."""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import gist_index
from parcels.models import Parcel, PropertyFile
from reports.routing import Category


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ROUTED = "routed", _("Sent to the responsible unit")
    IN_PROGRESS = "in_progress", _("Being handled")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened by the reporter")


OPEN_REPORT_STATUSES = ("received", "routed", "in_progress", "reopened")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Closed, problem resolved")
    VIOLATION_RECORDED = "violation_recorded", _("Closed, violation recorded")
    NO_PROBLEM = "no_problem", _("Closed, no problem found")
    NOT_OURS = "not_ours", _("Closed, not a matter for the municipality")


class Report(models.Model):
    """A citizen's report of a problem at a point; status changes only through reports.services."""

    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True, db_collation="C")
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    location = models.PointField(_("where"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    # the parcel under the point and its file (when the point is on a parcel): no database constraint
    # on the parcel, which is partitioned by version
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, db_constraint=False, related_name="+"
    )
    file = models.ForeignKey(
        PropertyFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="citizen_reports",
        verbose_name=_("file"),
    )
    district = models.PositiveSmallIntegerField(_("district"), null=True, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="citizen_reports"
    )
    phone = models.CharField(_("mobile number"), max_length=11, db_index=True)
    via = models.CharField(_("filed through"), max_length=16, default="web")  # web | open311
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    unit = models.CharField(_("unit"), max_length=32)
    due_on = models.DateField(_("due by"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)
    in_progress_at = models.DateTimeField(_("handling started"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)
    close_note = models.TextField(_("closing note"), blank=True, max_length=2000)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(_("reason for reopening"), blank=True, max_length=2000)
    # the chain: the inspection made for this report, and the violation it led to
    inspection = models.ForeignKey(
        "surveys.Inspection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspection"),
    )
    violation = models.ForeignKey(
        "violations.Violation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("violation"),
    )

    class Meta:
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        ordering = ["-received_at", "-id"]
        indexes = [
            gist_index("location", name="report_location_gist"),
            models.Index(fields=["status", "unit", "due_on"], name="report_queue_idx"),
            models.Index(fields=["category", "received_at"], name="report_category_idx"),
            models.Index(fields=["phone", "received_at"], name="report_phone_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="report_category_valid"),
            models.CheckConstraint(
                condition=~Q(status="closed") | (~Q(outcome="") & ~Q(close_note="") & Q(closed_at__isnull=False)),
                name="report_closed_has_note",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def reopenable(self) -> bool:
        """The reporter may reopen a closed report once."""
        return self.status == ReportStatus.CLOSED and self.reopened_at is None


def report_photo_to(instance, filename: str) -> str:
    suffix = "png" if filename.lower().endswith(".png") else "jpg"
    return f"reports/{instance.report.tracking_code}/{uuid.uuid4().hex}.{suffix}"


class PhotoKind(models.TextChoices):
    REPORT = "report", _("sent with the report")
    EVIDENCE = "evidence", _("evidence of closing")


class ReportPhoto(models.Model):
    """A photo sent with a report, or the evidence an officer closed it with (checked like inspection photos)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=16, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    image = models.FileField(_("photo"), upload_to=report_photo_to)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]


class PhoneCode(models.Model):
    """A one-time code sent by SMS to confirm an anonymous reporter's mobile number (stored hashed)."""

    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
