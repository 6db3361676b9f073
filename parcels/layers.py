"""Importers of the smaller layers that come with the parcels: existing buildings, regional value
zones, the city boundary and the municipal districts, each through the shared import pipeline."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from gis_app.models import DatasetKind
from gis_app.services import (
    layer_import_simple,
)
from parcels.importers import city_boundary


def buildings_import(*, path: Path, mapping_path: Path, layer=None, encoding=None, srid=None, user=None, progress=None):
    """Existing building footprints from the property audit."""
    fields = {"source_id": "text", "parcel_source_id": "text", "floors": "float8", "year_built": "float8"}
    return layer_import_simple(
        kind=DatasetKind.BUILDINGS,
        path=path,
        mapping_path=mapping_path,
        table="parcels_existingbuilding",
        fields=fields,
        geometry="polygon",
        boundary=city_boundary(),
        checks=[
            (
                "floors IS NULL OR floors < 1 OR floors > 60 OR floors <> floor(floors)",
                _("floors missing or not 1-60"),
            ),
        ],
        insert_columns={
            "source_id": "coalesce(source_id, '')",
            "parcel_source_id": "coalesce(parcel_source_id, '')",
            "floors": "floors::int",
            "year_built": "CASE WHEN year_built BETWEEN 1200 AND 1500 THEN year_built::int END",
        },
        layer=layer,
        encoding=encoding,
        srid=srid,
        user=user,
        progress=progress,
    )


def value_zones_import(
    *, path: Path, mapping_path: Path, layer=None, encoding=None, srid=None, user=None, progress=None
):
    """Regional value zones with land and building unit prices (IRR/m²)."""
    fields = {
        "code": "text",
        "name": "text",
        "land_unit_price_irr": "float8",
        "building_unit_price_irr": "float8",
        "valuation_year": "float8",
    }
    return layer_import_simple(
        kind=DatasetKind.VALUE_ZONES,
        path=path,
        mapping_path=mapping_path,
        table="parcels_valuezone",
        id_column="code",
        fields=fields,
        geometry="polygon",
        boundary=city_boundary(),
        checks=[
            ("code IS NULL", _("no code")),
            (
                "land_unit_price_irr IS NULL OR land_unit_price_irr < 0 OR building_unit_price_irr IS NULL "
                "OR building_unit_price_irr < 0",
                _("unit price missing or negative"),
            ),
            (
                "valuation_year IS NULL OR valuation_year NOT BETWEEN 1300 AND 1500",
                _("valuation year missing"),
            ),
        ],
        insert_columns={
            "code": "code",
            "name": "coalesce(name, '')",
            "land_unit_price_irr": "land_unit_price_irr::bigint",
            "building_unit_price_irr": "building_unit_price_irr::bigint",
            "valuation_year": "valuation_year::int",
        },
        layer=layer,
        encoding=encoding,
        srid=srid,
        user=user,
        progress=progress,
    )


def boundary_import(*, path: Path, mapping_path: Path, layer=None, encoding=None, srid=None, user=None, progress=None):
    """The city limits."""
    fields = {"name": "text"}
    return layer_import_simple(
        kind=DatasetKind.BOUNDARY,
        path=path,
        mapping_path=mapping_path,
        table="parcels_cityboundary",
        id_column="name",
        fields=fields,
        geometry="polygon",
        boundary=None,
        insert_columns={"name": "coalesce(name, '')"},
        layer=layer,
        encoding=encoding,
        srid=srid,
        user=user,
        progress=progress,
    )


def districts_import(*, path: Path, mapping_path: Path, layer=None, encoding=None, srid=None, user=None, progress=None):
    """Municipal districts: the number that heads their renovation codes, Persian and English names."""
    fields = {"number": "float8", "name": "text", "name_en": "text"}
    return layer_import_simple(
        kind=DatasetKind.DISTRICTS,
        path=path,
        mapping_path=mapping_path,
        table="parcels_district",
        id_column="number",
        fields=fields,
        geometry="polygon",
        boundary=city_boundary(),
        checks=[
            (
                "number IS NULL OR number < 1 OR number > 32767 OR number <> floor(number)",
                _("district number missing or not a whole number from 1"),
            ),
            # After the other checks: a number whose first feature was rejected is not repeated.
            (
                "EXISTS (SELECT 1 FROM {proc} q WHERE q.number = p.number AND q.row_no < p.row_no "
                "AND q.status <> 'rejected')",
                _("district number repeated"),
                "number",
            ),
        ],
        insert_columns={
            "number": "number::int",
            "name": "coalesce(name, '')",
            "name_en": "coalesce(name_en, '')",
        },
        layer=layer,
        encoding=encoding,
        srid=srid,
        user=user,
        progress=progress,
    )
