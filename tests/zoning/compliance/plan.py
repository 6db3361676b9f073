"""The plan zone the pure rule tests share: DOMAIN.md's medium-density residential example, and the
land uses' names the rules are handed (the catalogue's, as the service hands them)."""

from zoning.compliance.records import ZoneRules
from zoning.models import land_use_labels

USES = land_use_labels()

R121 = ZoneRules(
    plan_code="R121",
    land_use="residential",
    density_pct=180,
    coverage_pct=60,
    max_floors=3,
    max_height_m=11.5,
    min_plot_area_m2=200,
    min_frontage_m=8.5,
    plan_version=7,
)
