from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import gist_index, valid_geometry_constraint
from gis_app.models import DatasetVersion
from gis_app.text import NAME_KEY_FROM, NAME_KEY_TO
from zoning.compliance.records import Label


class LandUse(models.TextChoices):
    """Canonical land-use classes (Supreme Council of Architecture and Urbanism, 2010)."""

    RESIDENTIAL = "residential", _("Residential")
    HIGHER_EDUCATION = "higher_education", _("Higher education")
    EDUCATION = "education", _("Education")
    ADMINISTRATIVE = "administrative", _("Administrative and police")
    COMMERCIAL = "commercial", _("Commercial and services")
    SPORT = "sport", _("Sport")
    HEALTH = "health", _("Health")
    CULTURAL = "cultural", _("Cultural")
    PARK = "park", _("Park and green space")
    RELIGIOUS = "religious", _("Religious")
    URBAN_EQUIPMENT = "urban_equipment", _("Urban equipment")
    UTILITIES = "utilities", _("Utilities")
    TRANSPORT = "transport", _("Transport and storage")
    MILITARY = "military", _("Military")
    AGRICULTURE = "agriculture", _("Orchard and agriculture")
    HERITAGE = "heritage", _("Heritage")
    NATURAL = "natural", _("Natural")
    BUFFER = "buffer", _("Buffer (harim)")
    TOURISM = "tourism", _("Recreation and tourism")
    INDUSTRIAL = "industrial", _("Industrial")
    MIXED = "mixed", _("Mixed")


def land_use_labels() -> dict[str, Label]:
    """Every land use's name in Persian and English as the catalogue translates LandUse's labels: what
    the plan rules (pure, no Django) name uses by in their explanations."""
    names: dict[str, dict[str, str]] = {}
    for lang in ("fa", "en"):
        with translation.override(lang):
            for code, label in LandUse.choices:
                names.setdefault(code, {})[lang] = str(label)
    return {code: Label(**both) for code, both in names.items()}


class DensityClass(models.TextChoices):
    LOW = "low", _("Low density")
    MEDIUM = "medium", _("Medium density")
    HIGH = "high", _("High density")
    VERY_HIGH = "very_high", _("Very high density")
    NONE = "none", _("Not applicable")


class StreetHierarchy(models.TextChoices):
    ARTERIAL_1 = "arterial_1", _("Arterial, grade 1")
    ARTERIAL_2 = "arterial_2", _("Arterial, grade 2")
    LOCAL = "local", _("Local street")


class PlanZone(models.Model):
    """A detailed-plan (طرح تفصیلی) zone polygon with the rules that apply inside it."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+", db_index=False)
    geom = models.MultiPolygonField(_("geometry"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    source_id = models.CharField(_("id in the source file"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    plan_code = models.CharField(_("plan code"), max_length=20, help_text=_("The plan's own code, e.g. R121."))
    land_use = models.CharField(_("land use"), max_length=32, choices=LandUse.choices)
    density_class = models.CharField(
        _("density class"), max_length=16, choices=DensityClass.choices, default=DensityClass.NONE
    )
    density_pct = models.DecimalField(
        _("maximum density (FAR %)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    coverage_pct = models.DecimalField(
        _("maximum coverage (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    max_floors = models.PositiveSmallIntegerField(_("maximum floors"))
    max_height_m = models.DecimalField(_("maximum height (m)"), max_digits=6, decimal_places=2)
    min_plot_area_m2 = models.DecimalField(_("minimum plot area (m²)"), max_digits=9, decimal_places=2)
    min_frontage_m = models.DecimalField(_("minimum frontage (m)"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("plan zone")
        verbose_name_plural = _("plan zones")
        indexes = [gist_index("version", "geom", name="planzone_version_geom_gist")]
        constraints = [
            valid_geometry_constraint("geom", name="planzone_geom_valid"),
            models.CheckConstraint(
                condition=models.Q(coverage_pct__gte=0, coverage_pct__lte=100),
                name="planzone_coverage_pct_range",
            ),
            models.CheckConstraint(condition=models.Q(land_use__in=LandUse.values), name="planzone_land_use_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_code} ({self.get_land_use_display()})"


MAX_STREET_WIDTH_M = 200


class Street(models.Model):
    """A street centreline with its existing and approved (عرض مصوب) widths."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+", db_index=False)
    geom = models.MultiLineStringField(_("centreline"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    source_id = models.CharField(_("id in the source file"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    hierarchy = models.CharField(_("hierarchy"), max_length=16, choices=StreetHierarchy.choices)
    existing_width_m = models.DecimalField(
        _("existing width (m)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    approved_width_m = models.DecimalField(
        _("approved width (m)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    vehicular = models.BooleanField(_("vehicular"), default=True)
    # The name as it is compared (gis_app.text.name_key, in SQL): «ولی عصر», «ولی‌عصر» and «ولیعصر»
    # are one key; a trigram index serves "contains" searches on it.
    name_key = models.GeneratedField(
        expression=Lower(
            models.Func(models.F("name"), models.Value(NAME_KEY_FROM), models.Value(NAME_KEY_TO), function="translate")
        ),
        output_field=models.CharField(max_length=200),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        indexes = [
            gist_index("version", "geom", name="street_version_geom_gist"),
            GinIndex(fields=["name_key"], opclasses=["gin_trgm_ops"], name="street_name_key_trgm"),
        ]
        constraints = [
            valid_geometry_constraint("geom", name="street_geom_valid"),
            models.CheckConstraint(
                condition=models.Q(hierarchy__in=StreetHierarchy.values), name="street_hierarchy_valid"
            ),
            # The parcel-facts query finds streets within half the widest possible width.
            models.CheckConstraint(
                condition=models.Q(existing_width_m__gt=0, existing_width_m__lte=MAX_STREET_WIDTH_M)
                & models.Q(approved_width_m__gt=0, approved_width_m__lte=MAX_STREET_WIDTH_M),
                name="street_widths_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    @property
    def to_be_widened(self) -> bool:
        return self.approved_width_m > self.existing_width_m


class AreaBase(models.TextChoices):
    DEED = "deed", _("Deed area")
    NET = "net", _("Area after setback and chamfer")


class PlanParameters(models.Model):
    """Plan-wide settings that come with a zones version (DOMAIN.md: placement, chamfer, parking)."""

    version = models.OneToOneField(DatasetVersion, on_delete=models.PROTECT, related_name="plan_parameters")
    plan_name = models.CharField(_("plan"), max_length=200)
    area_base = models.CharField(_("plot area used for density"), max_length=8, choices=AreaBase.choices)
    northern_band_depth_pct = models.DecimalField(
        _("northern band: share of plot depth (%)"), max_digits=5, decimal_places=2
    )
    northern_band_offset_m = models.DecimalField(_("northern band: extra metres"), max_digits=5, decimal_places=2)
    chamfer_min_m = models.DecimalField(_("chamfer: minimum (m)"), max_digits=5, decimal_places=2)
    chamfer_width_sum_factor = models.DecimalField(
        _("chamfer: share of the sum of street widths"), max_digits=5, decimal_places=3
    )
    chamfer_wide_street_m = models.DecimalField(_("chamfer: wide street from (m)"), max_digits=5, decimal_places=2)
    chamfer_wide_narrower_factor = models.DecimalField(
        _("chamfer: share of the narrower wide street"), max_digits=5, decimal_places=3
    )
    chamfer_both_pedestrian_m = models.DecimalField(
        _("chamfer: two non-vehicular streets (m)"), max_digits=5, decimal_places=2
    )
    chamfer_one_pedestrian_m = models.DecimalField(
        _("chamfer: one non-vehicular street (m)"), max_digits=5, decimal_places=2
    )
    parking_space_m2 = models.DecimalField(_("parking space incl. manoeuvring (m²)"), max_digits=5, decimal_places=2)
    parking_area_per_space = models.JSONField(
        _("floor area per required parking space (m²), by land use"), default=dict, blank=True
    )

    class Meta:
        verbose_name = _("plan parameters")
        verbose_name_plural = _("plan parameters")
        constraints = [
            models.CheckConstraint(condition=models.Q(area_base__in=AreaBase.values), name="plan_area_base_valid"),
        ]

    def __str__(self) -> str:
        return self.plan_name


class DensityRule(models.Model):
    """One row of the plan's table per density class; zones without their own figures use it."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="density_rules")
    density_class = models.CharField(_("density class"), max_length=16, choices=DensityClass.choices)
    density_pct = models.DecimalField(_("maximum density (FAR %)"), max_digits=6, decimal_places=2)
    coverage_pct = models.DecimalField(_("maximum coverage (%)"), max_digits=5, decimal_places=2)
    max_floors = models.PositiveSmallIntegerField(_("maximum floors"))
    max_height_m = models.DecimalField(_("maximum height (m)"), max_digits=6, decimal_places=2)
    min_plot_area_m2 = models.DecimalField(_("minimum plot area (m²)"), max_digits=9, decimal_places=2)
    min_frontage_m = models.DecimalField(_("minimum frontage (m)"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("density rule")
        verbose_name_plural = _("density rules")
        constraints = [
            models.UniqueConstraint(fields=["version", "density_class"], name="density_rule_class_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_density_class_display()}: {self.density_pct} %"
