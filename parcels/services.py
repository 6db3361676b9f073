"""Writes for parcels: opening a property's file."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from gis_app.audit import audit_record
from parcels.models import Parcel, PropertyFile
from parcels.selectors import district_for_geometry


def property_file_open(*, parcel: Parcel, actor=None) -> PropertyFile:
    """The parcel's file, opened on first need (one per file code, safe under concurrency)."""
    found = PropertyFile.objects.filter(code=parcel.file_code).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            opened = PropertyFile.objects.create(
                code=parcel.file_code,
                parcel=parcel,
                district=_district_of(parcel),
                opened_by=actor if actor is not None and actor.is_authenticated else None,
            )
            audit_record(actor=actor, action="file.opened", obj=opened, code=opened.code, district=opened.district)
            return opened
    except IntegrityError:
        # another request opened it between our look-up and our insert
        return PropertyFile.objects.get(code=parcel.file_code)


def _district_of(parcel: Parcel) -> int | None:
    """The municipal district the parcel lies in, from the districts layer (largest share)."""
    return district_for_geometry(geom=parcel.geom)
