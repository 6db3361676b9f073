"""Violations on a property's file and their Article 100 cases; the council's transaction-value
schedule the fines are computed from."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import valid_geometry_constraint
from parcels.models import PropertyFile


class ViolationKind(models.TextChoices):
    # each kind names the Article 100 note that governs it (violations.article100)
    AGAINST_PLAN = "against_plan", _("Against planning, technical or health rules (note 1)")
    EXTRA_AREA_RESIDENTIAL = "extra_area_residential", _("Extra floor area, residential (note 2)")
    EXTRA_AREA_COMMERCIAL = "extra_area_commercial", _("Extra floor area, commercial/industrial/office (note 3)")
    NO_PERMIT_WITHIN_RULES = "no_permit_within_rules", _("Built without a permit but within the rules (note 4)")
    MISSING_PARKING = "missing_parking", _("Missing parking (note 5)")
    STREET_ENCROACHMENT = "street_encroachment", _("Encroachment on a street or realigned line (note 6)")


class ViolationStatus(models.TextChoices):
    OPEN = "open", _("Recorded, not yet referred")
    REFERRED = "referred", _("Before the Article 100 commission")
    APPEALED = "appealed", _("Appealed to the review commission")
    FINED = "fined", _("Decided: fine")
    DEMOLITION = "demolition", _("Decided: demolition")
    CLOSED = "closed", _("Closed (fine paid or part removed)")


# statuses that keep the file waiting (guard no_open_violation)
VIOLATION_BLOCKING = ("open", "referred", "appealed", "demolition")


class Violation(models.Model):
    """A violation found on a property's file (from a permit request's review, an inspection or a citizen's
    report), with its geometry; decided by the Article 100 commission."""

    file = models.ForeignKey(PropertyFile, on_delete=models.PROTECT, related_name="violations")
    kind = models.CharField(_("type"), max_length=32, choices=ViolationKind.choices)
    geom = models.MultiPolygonField(_("where"), srid=settings.GIS_STORAGE_SRID)
    area_m2 = models.FloatField(_("violation area (m²)"))
    parking_spaces = models.PositiveSmallIntegerField(_("missing parking spaces"), default=0)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=16, choices=ViolationStatus.choices, default=ViolationStatus.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # the commission case
    transaction_value_irr_m2 = models.PositiveBigIntegerField(_("transaction value (IRR/m²)"), null=True, blank=True)
    fine_min_irr = models.PositiveBigIntegerField(_("minimum fine (IRR)"), null=True, blank=True)
    fine_max_irr = models.PositiveBigIntegerField(_("maximum fine (IRR)"), null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    verdict_fine_irr = models.PositiveBigIntegerField(_("fine decided (IRR)"), null=True, blank=True)
    verdict_text = models.TextField(_("verdict"), blank=True, max_length=4000)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ViolationStatus.values), name="violation_status_valid"),
            models.CheckConstraint(condition=Q(area_m2__gte=0), name="violation_area_nonnegative"),
            models.CheckConstraint(
                condition=Q(fine_min_irr__isnull=True) | Q(fine_max_irr__gte=models.F("fine_min_irr")),
                name="violation_fine_range_ordered",
            ),
            valid_geometry_constraint("geom", name="violation_geom_valid"),
        ]


class TransactionValue(models.Model):
    """The council's yearly building transaction-value schedule (ارزش معاملاتی), per district and use."""

    year = models.PositiveSmallIntegerField(_("year (Jalali)"))
    district = models.PositiveSmallIntegerField(_("municipal district"))
    use_class = models.CharField(_("use"), max_length=24)
    value_irr_m2 = models.PositiveBigIntegerField(_("transaction value (IRR/m²)"))
    goodwill_irr_m2 = models.PositiveBigIntegerField(_("goodwill value (IRR/m²)"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "district", "use_class"], name="violations_transaction_value_unique"
            )
        ]
