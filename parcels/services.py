"""Writes for parcels: loading layers in the sample city's schema (see data/generate_sample_city.py).

Each loader runs in the caller's transaction and returns an ImportReport: invalid geometries are
repaired and listed, empty or non-polygonal ones rejected and listed, never silently.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from gis_app.identifiers import is_valid_national_id
from gis_app.importing import ImportReport, polygonal_or_reason, read_layer, to_geos_multipolygon
from parcels.models import ExistingBuilding, Owner, Ownership, Parcel, ValueZone


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


@transaction.atomic
def parcels_import_sample_layer(*, path: Path) -> ImportReport:
    """Parcels, owners and shares from the sample city's parcels layer."""
    gdf = read_layer(path)
    report = ImportReport(layer=path.stem, read=len(gdf))
    owners: dict[str, Owner] = {o.national_id: o for o in Owner.objects.all()}
    new_parcels: list[Parcel] = []
    shares: list[list[tuple[str, str, float]]] = []
    for row in gdf.itertuples(index=False):
        sid = _text(row.parcel_id)
        geom, reason, repaired = polygonal_or_reason(row.geometry)
        if geom is None:
            report.rejected.append((sid, reason))
            continue
        if repaired:
            report.repaired.append((sid, reason))
        row_shares = []
        for nid, name, dang in (
            (row.own1_nid, row.own1_name, row.own1_dang),
            (row.own2_nid, row.own2_name, row.own2_dang),
        ):
            nid = _text(nid)
            if not nid:
                continue
            if not is_valid_national_id(nid):
                report.repaired.append((sid, f"owner national ID {nid} invalid: owner left out"))
                continue
            row_shares.append((nid, _text(name), _number(dang) or 6.0))
            if nid not in owners:
                owners[nid] = Owner(national_id=nid, full_name=_text(name))
        deed = _number(row.deed_area)
        new_parcels.append(
            Parcel(
                geom=to_geos_multipolygon(geom),
                source_id=sid,
                registry_plate=_text(row.plate),
                renovation_code=_text(row.renov_code),
                deed_area_m2=Decimal(f"{deed:.2f}") if deed is not None else None,
            )
        )
        shares.append(row_shares)
    Owner.objects.bulk_create([o for o in owners.values() if o.pk is None], batch_size=2000)
    owners = {o.national_id: o for o in Owner.objects.filter(national_id__in=owners.keys())}
    Parcel.objects.bulk_create(new_parcels, batch_size=2000)
    Ownership.objects.bulk_create(
        [
            Ownership(parcel=parcel, owner=owners[nid], share_dang=Decimal(f"{dang:.3f}"))
            for parcel, row_shares in zip(new_parcels, shares, strict=True)
            for nid, _name, dang in row_shares
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    report.imported = len(new_parcels)
    return report


@transaction.atomic
def buildings_import_sample_layer(*, path: Path) -> ImportReport:
    """Existing building footprints, linked to their parcel by the parcel's source id."""
    gdf = read_layer(path)
    report = ImportReport(layer=path.stem, read=len(gdf))
    parcel_ids = dict(Parcel.objects.values_list("source_id", "id"))
    rows = []
    for row in gdf.itertuples(index=False):
        sid = _text(row.bldg_id)
        geom, reason, repaired = polygonal_or_reason(row.geometry)
        if geom is None:
            report.rejected.append((sid, reason))
            continue
        if repaired:
            report.repaired.append((sid, reason))
        year = _number(row.year_built)
        rows.append(
            ExistingBuilding(
                geom=to_geos_multipolygon(geom),
                source_id=sid,
                parcel_id=parcel_ids.get(_text(row.parcel_id)),
                floors=int(_number(row.floors) or 1),
                year_built=int(year) if year else None,
            )
        )
    ExistingBuilding.objects.bulk_create(rows, batch_size=2000)
    report.imported = len(rows)
    return report


@transaction.atomic
def value_zones_import_sample_layer(*, path: Path) -> ImportReport:
    """Regional value zones with land and building unit prices."""
    gdf = read_layer(path)
    report = ImportReport(layer=path.stem, read=len(gdf))
    rows = []
    for row in gdf.itertuples(index=False):
        sid = _text(row.vzone_id)
        geom, reason, repaired = polygonal_or_reason(row.geometry)
        if geom is None:
            report.rejected.append((sid, reason))
            continue
        if repaired:
            report.repaired.append((sid, reason))
        rows.append(
            ValueZone(
                geom=to_geos_multipolygon(geom),
                code=sid,
                name=_text(row.name),
                land_unit_price_irr=int(row.land_price),
                building_unit_price_irr=int(row.bldg_price),
                valuation_year=int(row.year),
            )
        )
    ValueZone.objects.bulk_create(rows)
    report.imported = len(rows)
    return report
