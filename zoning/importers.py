"""Importers of the detailed plan: zones (with the plan's rule tables) and streets."""

from __future__ import annotations

from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from gis_app.models import DatasetKind
from gis_app.services import layer_import_simple
from parcels.importers import city_boundary
from zoning.models import MAX_STREET_WIDTH_M, DensityClass, DensityRule, LandUse, PlanParameters, StreetHierarchy
from zoning.plan_rules import RULE_FIELDS, plan_rules_load

ZONE_FIELDS = {
    "source_id": "text",
    "name": "text",
    "plan_code": "text",
    "land_use": "text",
    "density_class": "text",
    "density_pct": "float8",
    "coverage_pct": "float8",
    "max_floors": "float8",
    "max_height_m": "float8",
    "min_plot_area_m2": "float8",
    "min_frontage_m": "float8",
}
STREET_FIELDS = {
    "source_id": "text",
    "name": "text",
    "hierarchy": "text",
    "existing_width_m": "float8",
    "approved_width_m": "float8",
    "vehicular": "text",
}


def _sql_list(values) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def zones_import(
    *,
    path: Path,
    mapping_path: Path,
    rules_path: Path,
    layer=None,
    encoding=None,
    srid=None,
    user=None,
    progress=None,
):
    """Detailed-plan zones; a zone's missing figures come from its density class in the plan's table."""
    rules = plan_rules_load(rules_path)
    with transaction.atomic():
        # The plan's table, for the zones that do not carry their own figures.
        with connection.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE imp_rules (density_class text PRIMARY KEY, "
                + ", ".join(f"r_{f} float8" for f in RULE_FIELDS)
                + ") ON COMMIT DROP"
            )
            for name, values in rules.density_classes.items():
                cur.execute(
                    f"INSERT INTO imp_rules VALUES (%s, {', '.join(['%s'] * len(RULE_FIELDS))})",
                    [name, *(float(values[f]) for f in RULE_FIELDS)],
                )
        figure = {
            f: f"coalesce({f}, (SELECT r_{f} FROM imp_rules r WHERE r.density_class = p.density_class))"
            for f in RULE_FIELDS
        }
        version, report = layer_import_simple(
            kind=DatasetKind.ZONES,
            path=path,
            mapping_path=mapping_path,
            table="zoning_planzone",
            fields=ZONE_FIELDS,
            geometry="polygon",
            boundary=city_boundary(),
            checks=[
                ("plan_code IS NULL", _("no plan code")),
                (
                    f"land_use IS NULL OR land_use NOT IN {_sql_list(LandUse.values)}",
                    _("unknown land use"),
                    "land_use",
                ),
                (
                    f"density_class IS NOT NULL AND density_class NOT IN {_sql_list(DensityClass.values)}",
                    _("unknown density class"),
                    "density_class",
                ),
                (
                    " OR ".join(f"{expr} IS NULL" for expr in figure.values()),
                    _("rule figures missing in the zone and in the plan's table"),
                ),
                (f"{figure['coverage_pct']} NOT BETWEEN 0 AND 100", _("coverage outside 0-100 %")),
                (
                    f"{figure['density_pct']} < 0 OR {figure['max_floors']} < 0 OR {figure['max_height_m']} < 0 "
                    f"OR {figure['min_plot_area_m2']} < 0 OR {figure['min_frontage_m']} < 0",
                    _("negative rule figure"),
                ),
            ],
            insert_columns={
                "source_id": "coalesce(source_id, '')",
                "name": "coalesce(name, '')",
                "plan_code": "plan_code",
                "land_use": "land_use",
                "density_class": "coalesce(density_class, 'none')",
                "density_pct": f"round(({figure['density_pct']})::numeric, 2)",
                "coverage_pct": f"round(({figure['coverage_pct']})::numeric, 2)",
                "max_floors": f"({figure['max_floors']})::int",
                "max_height_m": f"round(({figure['max_height_m']})::numeric, 2)",
                "min_plot_area_m2": f"round(({figure['min_plot_area_m2']})::numeric, 2)",
                "min_frontage_m": f"round(({figure['min_frontage_m']})::numeric, 2)",
            },
            layer=layer,
            encoding=encoding,
            srid=srid,
            user=user,
            progress=progress,
        )
        PlanParameters.objects.create(
            version=version,
            plan_name=rules.plan_name,
            area_base=rules.area_base,
            northern_band_depth_pct=rules.northern_band_depth_pct,
            northern_band_offset_m=rules.northern_band_offset_m,
            chamfer_min_m=rules.chamfer["min_m"],
            chamfer_width_sum_factor=rules.chamfer["width_sum_factor"],
            chamfer_wide_street_m=rules.chamfer["wide_street_m"],
            chamfer_wide_narrower_factor=rules.chamfer["wide_narrower_factor"],
            chamfer_both_pedestrian_m=rules.chamfer["both_pedestrian_m"],
            chamfer_one_pedestrian_m=rules.chamfer["one_pedestrian_m"],
            parking_space_m2=rules.parking_space_m2,
            parking_area_per_space={use: float(m2) for use, m2 in rules.parking_area_per_space.items()},
        )
        DensityRule.objects.bulk_create(
            DensityRule(version=version, density_class=name, **values) for name, values in rules.density_classes.items()
        )
    return version, report


def streets_import(*, path: Path, mapping_path: Path, layer=None, encoding=None, srid=None, user=None, progress=None):
    """Street centrelines with hierarchy and existing and approved widths."""
    return layer_import_simple(
        kind=DatasetKind.STREETS,
        path=path,
        mapping_path=mapping_path,
        table="zoning_street",
        fields=STREET_FIELDS,
        geometry="line",
        boundary=city_boundary(),
        checks=[
            (
                f"hierarchy IS NULL OR hierarchy NOT IN {_sql_list(StreetHierarchy.values)}",
                _("unknown street hierarchy"),
                "hierarchy",
            ),
            (
                "existing_width_m IS NULL OR approved_width_m IS NULL OR existing_width_m <= 0 "
                f"OR approved_width_m <= 0 OR existing_width_m > {MAX_STREET_WIDTH_M} "
                f"OR approved_width_m > {MAX_STREET_WIDTH_M}",
                _("street width missing or not 0-200 m"),
            ),
        ],
        insert_columns={
            "source_id": "coalesce(source_id, '')",
            "name": "coalesce(name, '')",
            "hierarchy": "hierarchy",
            "existing_width_m": "round(existing_width_m::numeric, 2)",
            "approved_width_m": "round(approved_width_m::numeric, 2)",
            "vehicular": "coalesce(lower(vehicular) NOT IN ('0', '0.0', 'false', 'no', 'n', 'f', 'خیر'), true)",
        },
        layer=layer,
        encoding=encoding,
        srid=srid,
        user=user,
        progress=progress,
    )
