"""The plan zone the pure rule tests share: DOMAIN.md's medium-density residential example."""

from zoning.compliance.records import ZoneRules

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
