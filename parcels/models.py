from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MinValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import gist_index, valid_geometry_constraint
from gis_app.identifiers import validate_national_id, validate_postal_code
from gis_app.models import DatasetVersion

renovation_code_validator = RegexValidator(
    r"^\d{1,4}(-\d{1,5}){6}$",
    _("A renovation code has seven numbers joined by dashes, e.g. 1-2-15-20-0-0-0."),
)
registry_plate_validator = RegexValidator(
    r"^\d{1,6}/\d{1,6}$",
    _("A registry plate is main/sub, e.g. 1452/23."),
)


class Owner(models.Model):
    """A natural person who owns a share of one or more parcels."""

    national_id = models.CharField(_("national ID"), max_length=10, unique=True, validators=[validate_national_id])
    full_name = models.CharField(_("full name"), max_length=200)

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class ParcelQuerySet(models.QuerySet):
    def of_version(self, version_id: int):
        """Rows of one dataset version; the filter on the partition key prunes the other versions."""
        return self.filter(version_id=version_id)


class Parcel(models.Model):
    """A cadastral parcel (قطعه) as the municipality's property information system holds it.

    The table is partitioned by dataset version (migration 0001): each import is loaded into its own
    partition, indexed in bulk and attached, and a live query touches only the active partition.
    Rows of different versions are different rows; the file code follows the parcel across them.
    """

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+")
    geom = models.MultiPolygonField(_("geometry"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    anchor = models.PointField(
        _("point on surface"),
        srid=settings.GIS_STORAGE_SRID,
        spatial_index=False,
        help_text=_("A point inside the parcel; its UTM position gives the file code."),
    )
    # Codes compare byte by byte (collation "C"): faster indexes, and no locale rules for codes.
    file_code = models.CharField(_("file code"), max_length=24, db_collation="C")
    geom_hash = models.CharField(_("geometry checksum"), max_length=32, db_collation="C")
    source_id = models.CharField(_("id in the source file"), max_length=64, blank=True)
    registry_plate = models.CharField(
        _("registry plate"), max_length=32, blank=True, validators=[registry_plate_validator], db_collation="C"
    )
    renovation_code = models.CharField(
        _("renovation code"), max_length=40, blank=True, validators=[renovation_code_validator], db_collation="C"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=10, blank=True, validators=[validate_postal_code], db_collation="C"
    )
    deed_area_m2 = models.DecimalField(
        _("deed area (m²)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    owners = models.ManyToManyField(Owner, through="Ownership", related_name="parcels", blank=True)

    objects = ParcelQuerySet.as_manager()

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        indexes = [
            gist_index("geom", name="parcel_geom_gist"),
            models.Index(fields=["renovation_code"], name="parcel_renovation_code_idx"),
            models.Index(fields=["registry_plate"], name="parcel_registry_plate_idx"),
            models.Index(fields=["postal_code"], name="parcel_postal_code_idx"),
        ]
        constraints = [
            valid_geometry_constraint("geom", name="parcel_geom_valid"),
            # file_code first: the same index serves look-ups by file code across versions.
            models.UniqueConstraint(fields=["file_code", "version"], name="parcel_file_code_version_unique"),
        ]

    def __str__(self) -> str:
        return self.file_code or self.renovation_code or f"#{self.pk}"


class Ownership(models.Model):
    """An owner's share of a parcel, in dang (دانگ): a whole property is six dang."""

    # No database constraint: parcels is partitioned by version and its key is (id, version).
    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="ownerships", db_constraint=False)
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="ownerships")
    share_dang = models.DecimalField(
        _("share (dang)"), max_digits=6, decimal_places=3, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.UniqueConstraint(fields=["parcel", "owner"], name="ownership_parcel_owner_unique"),
            models.CheckConstraint(
                condition=models.Q(share_dang__gt=0, share_dang__lte=6), name="ownership_share_dang_range"
            ),
        ]


class ExistingBuilding(models.Model):
    """A building footprint recorded by the property audit (ممیزی)."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+", db_index=False)
    geom = models.MultiPolygonField(_("footprint"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    source_id = models.CharField(_("id in the source file"), max_length=64, blank=True)
    parcel_source_id = models.CharField(_("parcel id in the source file"), max_length=64, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors above ground"))
    year_built = models.PositiveSmallIntegerField(_("year built (Jalali)"), null=True, blank=True)

    class Meta:
        verbose_name = _("existing building")
        verbose_name_plural = _("existing buildings")
        indexes = [gist_index("version", "geom", name="building_version_geom_gist")]
        constraints = [valid_geometry_constraint("geom", name="building_geom_valid")]

    def __str__(self) -> str:
        return f"{self.source_id or self.pk} ({self.floors})"


class ValueZone(models.Model):
    """A regional value zone (قیمت منطقه‌ای): unit prices per m² used by dues and fees."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+", db_index=False)
    geom = models.MultiPolygonField(_("geometry"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200, blank=True)
    land_unit_price_irr = models.PositiveBigIntegerField(_("land unit price (IRR/m²)"))
    building_unit_price_irr = models.PositiveBigIntegerField(_("building unit price (IRR/m²)"))
    valuation_year = models.PositiveSmallIntegerField(_("valuation year (Jalali)"))

    class Meta:
        verbose_name = _("regional value zone")
        verbose_name_plural = _("regional value zones")
        indexes = [gist_index("version", "geom", name="valuezone_version_geom_gist")]
        constraints = [valid_geometry_constraint("geom", name="valuezone_geom_valid")]

    def __str__(self) -> str:
        return self.name or self.code


class CityBoundary(models.Model):
    """The city limits (محدوده شهر); importers reject features that fall wholly outside."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+", db_index=False)
    geom = models.MultiPolygonField(_("geometry"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("city boundary")
        verbose_name_plural = _("city boundaries")
        indexes = [gist_index("version", "geom", name="cityboundary_version_geom_gist")]
        constraints = [valid_geometry_constraint("geom", name="cityboundary_geom_valid")]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class FileStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ARCHIVED = "archived", _("Archived (the parcel is no longer in the live data)")


class PropertyFile(models.Model):
    """The file (پرونده) of one property: everything the municipality does on a parcel (requests,
    surveys, inspections, violations, bills, documents, citizen reports) points to it.

    One file per file code; the code follows the parcel across dataset versions, so `parcel` is the
    parcel row the file was opened for (the live row is found by the code)."""

    code = models.CharField(_("file code"), max_length=24, unique=True, db_collation="C")
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    district = models.PositiveSmallIntegerField(
        _("municipal district"), null=True, blank=True, help_text=_("Found from the districts layer when opened.")
    )
    status = models.CharField(_("status"), max_length=16, choices=FileStatus.choices, default=FileStatus.OPEN)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("property file")
        verbose_name_plural = _("property files")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=FileStatus.values), name="property_file_status_valid")
        ]

    def __str__(self) -> str:
        return self.code


class District(models.Model):
    """A municipal district (منطقه شهرداری). Its number heads the renovation codes of the properties in
    it and picks the row of the transaction-value schedule; staff inboxes are kept by it."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+", db_index=False)
    geom = models.MultiPolygonField(_("geometry"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    number = models.PositiveSmallIntegerField(
        _("district number"),
        validators=[MinValueValidator(1)],
        help_text=_("The first number of the renovation codes of the properties in the district."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("municipal district")
        verbose_name_plural = _("municipal districts")
        indexes = [gist_index("version", "geom", name="district_version_geom_gist")]
        constraints = [
            valid_geometry_constraint("geom", name="district_geom_valid"),
            models.UniqueConstraint(fields=["version", "number"], name="district_version_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="district_number_positive"),
        ]

    def __str__(self) -> str:
        return self.name or self.name_en or str(self.number)
