"""Reads for the as-built comparison (stage 9): the file's issued building permit, what it permits, and
the building as built measured against it in PostGIS. The rules that turn these into differences are
permits.asbuilt (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from gis_app.geometry import storage_srid
from permits.asbuilt import Built, Permitted
from permits.models import AsBuiltComparison, MapPreparationOrder, PermitRequest, RequestStatus
from permits.selectors import latest_check
from zoning.compliance.envelope import buildable_envelope
from zoning.compliance.records import PlanParams
from zoning.compliance.rules import parking_spaces_required
from zoning.compliance.runner import base_area_m2
from zoning.selectors import parcel_facts

BUILDING_KINDS = ("building_new", "building_extension")
# survey point codes (case-insensitive): a shot on the roof's top, a parking space marked on site
ROOF_CODES = ("RF", "ROOF", "بام")
PARKING_CODES = ("PK", "PARKING", "پارکینگ")
STREET_SEARCH_M = 100.0  # streets farther than this from the building cannot hold any of it


def issued_permit(*, file_id: int) -> PermitRequest | None:
    """The file's building permit in force: its newest issued building request."""
    return (
        PermitRequest.objects.filter(file_id=file_id, kind__in=BUILDING_KINDS, status=RequestStatus.ISSUED)
        .order_by("-closed_at", "-id")
        .first()
    )


def permitted_of(permit: PermitRequest) -> Permitted:
    """What the issued permit allows: its request's proposal as checked and issued, the parking of its
    map preparation order."""
    order = MapPreparationOrder.objects.filter(request=permit).first()
    parking = order.content.get("parking_spaces") if order is not None else None
    return Permitted(
        tracking_code=permit.tracking_code,
        use=permit.use or "residential",
        floors=int(permit.floors or 0),
        floor_area_m2=float(permit.floor_area_m2 or 0),
        footprint_m2=float(permit.footprint_m2 or 0),
        height_m=permit.height_m,
        parking_spaces=int(parking) if parking is not None else None,
    )


def permitted_footprint(permit: PermitRequest) -> GEOSGeometry | None:
    """The permitted footprint: the one drawn with the permit's request, else the buildable northern
    band of the plan check the permit was issued on (what the permit's map shows)."""
    if permit.footprint is not None:
        return permit.footprint
    check = latest_check(request=permit)
    facts = parcel_facts(
        parcel_id=permit.parcel_id,
        parcel_version_id=check.parcel_version if check else None,
        zones_version_id=check.zones_version if check else None,
        streets_version_id=check.streets_version if check else None,
    )
    if facts is None:
        return None
    share = facts.governing_zone
    envelope = buildable_envelope(
        net=facts.net, zone=share.rules if share else None, params=facts.params, base_area_m2=base_area_m2(facts)
    ).geom
    if envelope is None or envelope.is_empty:
        return None
    return GEOSGeometry(shapely.to_wkb(envelope, hex=True), srid=storage_srid())


@dataclass(frozen=True)
class AsBuiltMeasure:
    """The building as built beside the permit, with the parts that lie beyond it (storage CRS)."""

    built: Built
    building: GEOSGeometry | None  # every measured footprint, unioned
    outside_footprint: GEOSGeometry | None
    beyond_line: GEOSGeometry | None


# Raw SQL: one statement measures the building against the permit: the measured footprints unioned,
# the part on the street's land (within half the approved width of a centreline, or the existing width
# where it is larger: DOMAIN.md, Streets), the part outside the permitted footprint behind that line,
# the floor area (each building's footprint × its floors), the roof shots and the parking shots. In the
# ORM it is five queries and shapely in Python; here the geometry never leaves PostGIS but as the parts
# the cases are drawn with. Pinned by tests/permits/test_asbuilt_compare.py.
_MEASURE_SQL = """
WITH b AS (
  SELECT ST_Multi(ST_UnaryUnion(ST_Collect(footprint))) AS g,
         coalesce(max(floors), 1) AS floors,
         coalesce(sum(ST_Area(footprint) * greatest(coalesce(floors, 1), 1)), 0) AS floor_area
  FROM surveys_surveybuilding WHERE survey_id = %(survey)s
),
p AS (SELECT ST_GeomFromEWKB(%(permitted)s) AS g),
st AS (
  SELECT ST_Union(ST_Buffer(s.geom, greatest(s.approved_width_m, coalesce(s.existing_width_m, 0)) / 2.0,
                            'endcap=flat join=mitre')) AS g
  FROM zoning_street s, b
  WHERE s.version_id = coalesce(%(streets_version)s::bigint,
                                (SELECT id FROM gis_app_datasetversion WHERE kind = 'streets' AND is_active))
    AND ST_DWithin(s.geom, b.g, %(search)s)
),
parts AS (
  SELECT b.g AS building, b.floors, b.floor_area,
         CASE WHEN st.g IS NULL THEN NULL ELSE ST_CollectionExtract(ST_Intersection(b.g, st.g), 3) END AS beyond,
         ST_CollectionExtract(
           CASE WHEN st.g IS NULL THEN ST_Difference(b.g, p.g)
                ELSE ST_Difference(ST_Difference(b.g, p.g), st.g) END, 3) AS outside
  FROM b, p LEFT JOIN st ON true
)
SELECT ST_AsEWKB(building), coalesce(ST_Area(building), 0), floors, floor_area,
       ST_AsEWKB(beyond), coalesce(ST_Area(beyond), 0),
       ST_AsEWKB(outside), coalesce(ST_Area(outside), 0),
       (SELECT max(height_m) FROM surveys_surveypoint
         WHERE survey_id = %(survey)s AND upper(code) = ANY(%(roof)s) AND height_m IS NOT NULL),
       (SELECT count(*) FROM surveys_surveypoint WHERE survey_id = %(survey)s AND upper(code) = ANY(%(parking)s))
FROM parts
"""


def _geos(ewkb) -> GEOSGeometry | None:
    if ewkb is None:
        return None
    geom = GEOSGeometry(memoryview(bytes(ewkb)))
    return None if geom.empty else geom


def asbuilt_measure(*, survey, permit: PermitRequest, permitted: Permitted) -> AsBuiltMeasure | None:
    """The accepted as-built survey's buildings measured against the permit in PostGIS; None when the
    survey measured no building or the permit has no footprint to compare with."""
    footprint = permitted_footprint(permit)
    if footprint is None or not survey.buildings.exists():
        return None
    check = latest_check(request=permit)
    with connection.cursor() as cur:
        cur.execute(
            _MEASURE_SQL,
            {
                "survey": survey.pk,
                "permitted": bytes(footprint.ewkb),
                "streets_version": check.streets_version if check else None,
                "search": STREET_SEARCH_M,
                "roof": list(ROOF_CODES),
                "parking": list(PARKING_CODES),
            },
        )
        row = cur.fetchone()
    building, area, floors, floor_area, beyond, beyond_m2, outside, outside_m2, roof, parking = row
    height = round(roof - survey.floor_level_m, 2) if roof is not None and survey.floor_level_m is not None else None
    check_params = check.record.parking if check is not None else None
    params = PlanParams(
        **(
            {"parking_space_m2": check_params.space_m2, "parking_area_per_space": check_params.area_per_space}
            if check_params
            else {}
        )
    )
    required = parking_spaces_required(use=permitted.use, floor_area_m2=float(floor_area), params=params)
    built = Built(
        survey_id=survey.pk,
        floors=int(floors),
        footprint_m2=round(float(area), 2),
        floor_area_m2=round(float(floor_area), 2),
        height_m=height,
        outside_footprint_m2=round(float(outside_m2), 2),
        beyond_line_m2=round(float(beyond_m2), 2),
        parking_spaces=int(parking) if parking else None,
        parking_required=required,
    )
    return AsBuiltMeasure(
        built=built, building=_geos(building), outside_footprint=_geos(outside), beyond_line=_geos(beyond)
    )


def latest_comparison(*, request: PermitRequest) -> AsBuiltComparison | None:
    """The newest as-built comparison of a certificate request."""
    return AsBuiltComparison.objects.filter(request=request).select_related("permit").first()
