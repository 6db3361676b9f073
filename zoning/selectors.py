"""Reads for the detailed plan (spatial queries behind named selectors)."""

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform

from gis_app.geometry import WGS84
from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id
from zoning.models import PlanZone, Street


def live_zones():
    """Zones of the live detailed-plan version."""
    return PlanZone.objects.filter(version_id=active_version_id(DatasetKind.ZONES))


def live_streets():
    """Streets of the live version."""
    return Street.objects.filter(version_id=active_version_id(DatasetKind.STREETS))


def zones_geojson_rows():
    """Every live plan zone with its rules and its geometry as GeoJSON in EPSG:4326."""
    return (
        live_zones()
        .annotate(geojson=AsGeoJSON(Transform("geom", WGS84), precision=6))
        .order_by("id")
        .values(
            "id",
            "plan_code",
            "land_use",
            "density_class",
            "density_pct",
            "coverage_pct",
            "max_floors",
            "min_plot_area_m2",
            "min_frontage_m",
            "geojson",
        )
    )


def streets_geojson_rows():
    """Every live street with its widths and its centreline as GeoJSON in EPSG:4326."""
    return (
        live_streets()
        .annotate(geojson=AsGeoJSON(Transform("geom", WGS84), precision=6))
        .order_by("id")
        .values("id", "name", "hierarchy", "existing_width_m", "approved_width_m", "geojson")
    )
