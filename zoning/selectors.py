"""Reads for the detailed plan (spatial queries behind named selectors)."""

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Area, AsGeoJSON, Intersection, Transform
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from gis_app.geometry import WGS84
from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id
from parcels.models import Parcel
from zoning.compliance.rules import setback_depth_m
from zoning.models import PlanZone, Street


def live_zones():
    """Zones of the live detailed-plan version."""
    return PlanZone.objects.filter(version_id=active_version_id(DatasetKind.ZONES))


def live_streets():
    """Streets of the live version."""
    return Street.objects.filter(version_id=active_version_id(DatasetKind.STREETS))


def zones_geojson_rows():
    """Every live plan zone with its rules and its geometry as GeoJSON in EPSG:4326."""
    return (
        live_zones()
        .annotate(geojson=AsGeoJSON(Transform("geom", WGS84), precision=6))
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
    """Every live street with its widths and its centreline as GeoJSON in EPSG:4326."""
    return (
        live_streets()
        .annotate(geojson=AsGeoJSON(Transform("geom", WGS84), precision=6))
        .order_by("id")
        .values("id", "name", "hierarchy", "existing_width_m", "approved_width_m", "geojson")
    )


# --- geometric facts of a parcel (issue 4) -------------------------------------------------------


@dataclass(frozen=True)
class ZoneShare:
    zone_id: int
    plan_code: str
    land_use: str
    area_m2: float
    share: float  # of the parcel's drawn area


@dataclass(frozen=True)
class StreetFacts:
    street_id: int
    name: str
    existing_width_m: float
    approved_width_m: float
    vehicular: bool
    distance_m: float  # from the centreline to the parcel
    setback_depth_m: float
    setback_strip: GEOSGeometry | None  # parcel ∩ centreline buffered by half the approved width
    setback_area_m2: float
    frontage_m: float  # parcel boundary along the existing street edge
    realigned_line: GEOSGeometry | None  # the approved edge (بر اصلاحی) inside the parcel


# Raw SQL: several overlays of the parcel with each nearby street's buffers in one statement, which
# the ORM cannot say. All in the storage CRS; parameters only. tests/zoning/test_parcel_facts.py
# pins the results (hand-computed plots and the Cambridge 22-117 / Winter St vector).
_STREETS_SQL = """
WITH p AS (SELECT geom FROM parcels_parcel WHERE id = %(parcel)s AND version_id = %(pv)s),
s AS (
  SELECT st.id, st.name, st.existing_width_m::float8 AS w0, st.approved_width_m::float8 AS w1, st.vehicular,
         st.geom AS line, ST_Distance(st.geom, p.geom) AS d, p.geom AS parcel
  FROM zoning_street st, p
  WHERE st.version_id = %(sv)s
    AND ST_DWithin(st.geom, p.geom, greatest(st.existing_width_m, st.approved_width_m)::float8 / 2 + %(tol)s)
)
SELECT id, name, w0, w1, vehicular, d,
       CASE WHEN w1 > w0
            THEN ST_Intersection(parcel, ST_Buffer(line, w1 / 2, 'endcap=flat join=mitre')) END,
       -- frontage: the parcel's width along a line parallel to the street just inside its front
       ST_Length(ST_Intersection(
           ST_Boundary(ST_Buffer(line, greatest(w0 / 2, d) + %(tol)s, 'endcap=flat join=mitre')), parcel)),
       CASE WHEN w1 > w0
            THEN ST_Intersection(ST_Boundary(ST_Buffer(line, w1 / 2, 'endcap=flat join=mitre')), parcel) END
FROM s ORDER BY d, id
"""
EDGE_TOLERANCE_M = 0.5  # a plot's front edge counts as on the street within this of the street edge


def parcel_zone_shares(*, parcel: Parcel, zones_version_id: int | None = None) -> list[ZoneShare]:
    """The zones of the (live) plan the parcel lies in, largest share first."""
    version = zones_version_id or active_version_id(DatasetKind.ZONES)
    area = parcel.geom.area
    rows = (
        PlanZone.objects.filter(version_id=version, geom__intersects=parcel.geom)
        .annotate(shared=Area(Intersection("geom", parcel.geom)))
        .values_list("id", "plan_code", "land_use", "shared")
    )
    shares = [
        ZoneShare(zone_id=z, plan_code=code, land_use=use, area_m2=shared.sq_m, share=shared.sq_m / area if area else 0)
        for z, code, use, shared in rows
        if shared.sq_m > 0.01
    ]
    return sorted(shares, key=lambda s: (-s.area_m2, s.zone_id))


def parcel_street_facts(*, parcel: Parcel, streets_version_id: int | None = None) -> list[StreetFacts]:
    """Streets the parcel fronts, with setback strip, frontage and realigned line for each."""
    version = streets_version_id or active_version_id(DatasetKind.STREETS)
    with connection.cursor() as cur:
        cur.execute(
            _STREETS_SQL, {"parcel": parcel.pk, "pv": parcel.version_id, "sv": version, "tol": EDGE_TOLERANCE_M}
        )
        rows = cur.fetchall()
    facts = []
    for sid, name, w0, w1, vehicular, d, strip, frontage, realigned in rows:
        strip_geom = GEOSGeometry(strip) if strip else None
        if strip_geom is not None and strip_geom.empty:
            strip_geom = None
        line_geom = GEOSGeometry(realigned) if realigned else None
        if line_geom is not None and line_geom.empty:
            line_geom = None
        facts.append(
            StreetFacts(
                street_id=sid,
                name=name,
                existing_width_m=w0,
                approved_width_m=w1,
                vehicular=vehicular,
                distance_m=d,
                setback_depth_m=setback_depth_m(approved_width_m=w1, existing_width_m=w0, distance_to_centreline_m=d),
                setback_strip=strip_geom,
                setback_area_m2=strip_geom.area if strip_geom else 0.0,
                frontage_m=frontage or 0.0,
                realigned_line=line_geom,
            )
        )
    return facts
