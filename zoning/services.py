"""Writes for the detailed plan: loading zones and streets in the sample city's schema."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from gis_app.importing import (
    ImportReport,
    polygonal_or_reason,
    read_layer,
    to_geos_multilinestring,
    to_geos_multipolygon,
)
from zoning.models import DensityClass, LandUse, PlanZone, Street, StreetHierarchy


def _dec(value, places: int = 2) -> Decimal:
    return Decimal(f"{float(value):.{places}f}")


@transaction.atomic
def zones_import_sample_layer(*, path: Path) -> ImportReport:
    """Detailed-plan zones with their rules."""
    gdf = read_layer(path)
    report = ImportReport(layer=path.stem, read=len(gdf))
    rows = []
    for row in gdf.itertuples(index=False):
        sid = str(row.zone_id)
        geom, reason, repaired = polygonal_or_reason(row.geometry)
        if geom is None:
            report.rejected.append((sid, reason))
            continue
        if row.land_use not in LandUse.values:
            report.rejected.append((sid, _("unknown land use %(value)s") % {"value": row.land_use}))
            continue
        if repaired:
            report.repaired.append((sid, reason))
        dclass = row.dens_class if row.dens_class in DensityClass.values else DensityClass.NONE
        rows.append(
            PlanZone(
                geom=to_geos_multipolygon(geom),
                source_id=sid,
                plan_code=str(row.plan_code),
                land_use=row.land_use,
                density_class=dclass,
                density_pct=_dec(row.dens_pct),
                coverage_pct=_dec(row.cover_pct),
                max_floors=int(row.max_floor),
                max_height_m=_dec(row.max_h_m),
                min_plot_area_m2=_dec(row.min_area),
                min_frontage_m=_dec(row.min_front),
            )
        )
    PlanZone.objects.bulk_create(rows)
    report.imported = len(rows)
    return report


@transaction.atomic
def streets_import_sample_layer(*, path: Path) -> ImportReport:
    """Street centrelines with hierarchy and existing and approved widths."""
    gdf = read_layer(path)
    report = ImportReport(layer=path.stem, read=len(gdf))
    rows = []
    for row in gdf.itertuples(index=False):
        sid = str(row.street_id)
        geom = row.geometry
        if geom is None or geom.is_empty or geom.geom_type not in {"LineString", "MultiLineString"}:
            report.rejected.append((sid, _("not a line")))
            continue
        if row.hierarchy not in StreetHierarchy.values:
            report.rejected.append((sid, _("unknown hierarchy %(value)s") % {"value": row.hierarchy}))
            continue
        existing = float(row.exist_w)
        approved = float(row.approv_w)
        if math.isnan(existing) or math.isnan(approved) or existing <= 0 or approved <= 0:
            report.rejected.append((sid, _("missing street width")))
            continue
        rows.append(
            Street(
                geom=to_geos_multilinestring(geom),
                source_id=sid,
                name=str(row.name or ""),
                hierarchy=row.hierarchy,
                existing_width_m=_dec(existing),
                approved_width_m=_dec(approved),
                vehicular=bool(row.vehicular),
            )
        )
    Street.objects.bulk_create(rows)
    report.imported = len(rows)
    return report
