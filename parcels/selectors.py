"""Reads for parcels (spatial queries behind named selectors). Live data is the active version."""

from __future__ import annotations

import re

from django.contrib.gis.db.models.functions import Area, Intersection, Length
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db.models import BooleanField, Case, Value, When
from django.db.models.functions import Length as TextLength
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import WGS84
from gis_app.identifiers import is_valid_postal_code
from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id
from gis_app.text import InputKind, normalise_input
from parcels.filecodes import InvalidFileCode, file_code_parse
from parcels.models import (
    CityBoundary,
    District,
    Parcel,
    PropertyFile,
    registry_plate_validator,
    renovation_code_validator,
)


class LookupNotUnderstood(ValueError):
    """The text is none of the codes a parcel can be found by."""

    message = _(
        "Enter a file code (40N-5291-41476-007-3), a postal code (9413671150), a renovation code (1-2-15-20-0-0-0) "
        "or a registry plate (1452/23, or its main number 1452 for all its sub-plates)."
    )


class InvalidPostalCode(ValueError):
    """Ten digits that cannot be a postal code."""

    message = _("This is not a valid postal code (ten digits, no 0 or 2 in the first five).")


# Everything parcels_lookup refuses a typed code with; each carries a translated message (str()).
LOOKUP_REFUSALS = (InvalidFileCode, InvalidPostalCode, LookupNotUnderstood)


def live_parcels(*, version_id: int | None = None):
    """Parcels of the given version, by default the live one (none when nothing is live)."""
    version_id = version_id or active_version_id(DatasetKind.PARCELS)
    if version_id is None:
        return Parcel.objects.none()
    return Parcel.objects.of_version(version_id)


MAIN_PLATE = re.compile(r"^\d{1,6}$")
SUB_PLATES_MAX = 50


def parcels_lookup(*, code: str, version_id: int | None = None) -> list[Parcel]:
    """Live parcels by file code (typos caught by its check character), postal code, renovation code,
    plate, or a main plate number alone (its sub-plates, in order).

    Raises InvalidFileCode when the text looks like a file code but is malformed or its check
    character is wrong, InvalidPostalCode for ten digits that are no postal code, and
    LookupNotUnderstood when it is no code at all.
    """
    text = normalise_input(code, InputKind.CODE)
    parcels = live_parcels(version_id=version_id)
    if not text:
        return []
    if text[:2].isdigit() and text[2:3].upper() in {"N", "S"}:
        return list(parcels.filter(file_code=str(file_code_parse(text))))
    compact = text.replace(" ", "")
    # A renovation code (seven numbers, six dashes) before a postal code: without its dashes one of
    # about ten renovation codes has ten digits, and was taken for a (wrong or unknown) postal code.
    if renovation_code_validator.regex.search(compact):
        return list(parcels.filter(renovation_code=compact)[:20])
    postal = compact.replace("-", "")
    if len(postal) == 10 and postal.isdigit():
        if not is_valid_postal_code(postal):
            raise InvalidPostalCode(str(InvalidPostalCode.message))
        return list(parcels.filter(postal_code=postal)[:20])
    if MAIN_PLATE.match(compact):
        # prefix search on the collation-"C" index (parcel_registry_plate_idx); 1242/2 before 1242/10
        subs = parcels.filter(registry_plate__startswith=f"{int(compact)}/")
        return list(subs.order_by(TextLength("registry_plate"), "registry_plate")[:SUB_PLATES_MAX])
    if registry_plate_validator.regex.search(compact):
        return list(parcels.filter(registry_plate=compact)[:20])
    raise LookupNotUnderstood(str(LookupNotUnderstood.message))


def point_in_municipality(*, lon: float, lat: float) -> bool | None:
    """Whether a lon/lat point lies within the live city limits (None when no boundary is live)."""
    version_id = active_version_id(DatasetKind.BOUNDARY)
    if version_id is None:
        return None
    point = Point(lon, lat, srid=WGS84)
    return CityBoundary.objects.filter(version_id=version_id, geom__intersects=point).exists()


def property_file(*, code: str) -> PropertyFile | None:
    """The file with this code, if one was opened."""
    return PropertyFile.objects.filter(code=code).first()


def live_districts(*, version_id: int | None = None):
    """Municipal districts of the given version, by default the live one, by number (none when nothing
    is live)."""
    version_id = version_id or active_version_id(DatasetKind.DISTRICTS)
    if version_id is None:
        return District.objects.none()
    return District.objects.filter(version_id=version_id).order_by("number")


def district_for_geometry(*, geom: GEOSGeometry) -> int | None:
    """The number of the live district a geometry lies in (any SRID; None outside every district).

    A point, or a shape inside one district, gets the district that holds its point on surface; a
    shape that straddles districts gets the one with its largest share (of its area, or of its
    length for a line). One query: the GiST index finds the districts the geometry touches, and only
    those are measured.
    """
    if geom.empty:
        return None
    districts = live_districts().filter(geom__intersects=geom)
    order = []
    if geom.dims > 0:
        measure = Area if geom.dims == 2 else Length
        districts = districts.annotate(share=measure(Intersection("geom", geom)))
        order.append("-share")
    districts = districts.annotate(
        holds_anchor=Case(
            When(geom__covers=geom.point_on_surface, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    # On a boundary between districts (a point on their common edge) the lower number wins.
    return districts.order_by(*order, "-holds_anchor", "number").values_list("number", flat=True).first()
