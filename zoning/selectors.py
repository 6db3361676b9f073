"""Reads for the detailed plan (spatial queries behind named selectors)."""

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform

from gis_app.geometry import WGS84
from zoning.models import PlanZone, Street


def zones_geojson_rows():
    """Every plan zone with its rules and its geometry as GeoJSON in EPSG:4326."""
    return (
        PlanZone.objects.annotate(geojson=AsGeoJSON(Transform("geom", WGS84), precision=6))
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
    """Every street with its widths and its centreline as GeoJSON in EPSG:4326."""
    return (
        Street.objects.annotate(geojson=AsGeoJSON(Transform("geom", WGS84), precision=6))
        .order_by("id")
        .values("id", "name", "hierarchy", "existing_width_m", "approved_width_m", "geojson")
    )
