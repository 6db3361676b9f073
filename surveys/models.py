from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import gist_index
from parcels.models import Parcel


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Survey(models.Model):
    """A surveyor's field measurement of a parcel: corners, frontage (بر) and floor level (کف)."""

    # No database constraint: parcels is partitioned by version; the row measured stays in its version.
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="surveys", db_constraint=False)
    surveyor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveys")
    status = models.CharField(_("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    measured_on = models.DateField(_("measured on"))
    measured_geom = models.PolygonField(
        _("measured boundary"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True, spatial_index=False
    )
    frontage_m = models.DecimalField(
        _("frontage (m)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    floor_level_m = models.DecimalField(
        _("floor level above sea (m)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-measured_on", "-created_at"]
        indexes = [gist_index("measured_geom", name="survey_measured_geom_gist")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=SurveyStatus.values), name="survey_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.parcel} @ {self.measured_on}"
