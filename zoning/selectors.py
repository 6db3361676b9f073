"""Reads for the detailed plan (spatial queries behind named selectors)."""

import dataclasses

import psycopg
import shapely
from django.db import connection
from shapely.geometry.base import BaseGeometry

from gis_app.geometry import WGS84, storage_srid
from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id
from zoning.compliance.envelope import SLIVER_M2, parcel_facts_build, polygonal
from zoning.compliance.records import (
    ComplianceReport,
    ParcelFacts,
    ParcelPlan,
    PlanParams,
    Proposal,
    StreetFacts,
    ZoneRules,
    ZoneShare,
)
from zoning.compliance.rules import setback_depth_m
from zoning.compliance.runner import compliance_run
from zoning.models import MAX_STREET_WIDTH_M, PlanZone, Street, land_use_labels


def live_zones():
    """Zones of the live detailed-plan version."""
    return PlanZone.objects.filter(version_id=active_version_id(DatasetKind.ZONES))


def live_streets():
    """Streets of the live version."""
    return Street.objects.filter(version_id=active_version_id(DatasetKind.STREETS))


# --- geometric facts of a parcel (issue 4) -------------------------------------------------------

# Raw SQL: the parcel (found by id, file code or a point), every zone it touches with the shared area,
# each nearby street's overlays (setback strip, frontage, realigned line, kept road land) and the
# plan's parameters, in ONE statement so a click costs one round trip; the ORM cannot say the
# per-street overlays. Street lines are clipped to the parcel's surroundings before buffering so
# a long avenue costs no more than a lane; the clip margin keeps the artificial ends far from the
# parcel. All in the storage CRS; parameters only (the match clause is one of three constants).
# tests/zoning/test_parcel_facts.py pins the results (hand-computed plots, Cambridge 22-117).
_FACTS_SQL = """
WITH v AS (
  SELECT coalesce(%(zv)s::bigint,
                  (SELECT id FROM gis_app_datasetversion WHERE kind = 'zones' AND is_active)) AS zv,
         coalesce(%(sv)s::bigint,
                  (SELECT id FROM gis_app_datasetversion WHERE kind = 'streets' AND is_active)) AS sv
),
p AS MATERIALIZED (
  SELECT pa.id, pa.version_id, {geom} AS geom, pa.file_code, pa.renovation_code, pa.registry_plate,
         pa.deed_area_m2::float8 AS deed
  FROM parcels_parcel pa
  WHERE pa.version_id = coalesce(%(pv)s::bigint,
                                 (SELECT id FROM gis_app_datasetversion WHERE kind = 'parcels' AND is_active))
    AND {match}
  ORDER BY pa.id LIMIT 1
),
z AS (
  SELECT {zones_json} AS zones
  FROM zoning_planzone z, p
  WHERE z.version_id = (SELECT zv FROM v) AND ST_Intersects(z.geom, p.geom)
),
s AS (
  SELECT st.id, st.name, st.hierarchy, st.existing_width_m::float8 AS w0, st.approved_width_m::float8 AS w1,
         st.vehicular, ST_Distance(st.geom, p.geom) AS d, p.geom AS parcel,
         ST_ClipByBox2D(st.geom, ST_Expand(Box2D(p.geom), %(clip)s)) AS line
  FROM zoning_street st, p
  WHERE st.version_id = (SELECT sv FROM v)
    AND st.geom && ST_Expand(p.geom, %(reach)s)  -- a constant distance, so the GiST index serves
    AND ST_DWithin(st.geom, p.geom, greatest(st.existing_width_m, st.approved_width_m)::float8 / 2 + %(tol)s)
),
b AS (
  -- The street's land at its kept width; when it is to be widened (w1 > w0) that is the approved
  -- width, the only case the strip and the realigned line are asked for: one buffer serves all.
  SELECT s.*, ST_Buffer(line, greatest(w0, w1) / 2, 'endcap=flat join=mitre') AS kept
  FROM s
),
sj AS (
  SELECT json_agg(json_build_object(
           'id', id, 'name', name, 'hierarchy', hierarchy, 'w0', w0, 'w1', w1, 'vehicular', vehicular, 'd', d,
           'strip', CASE WHEN w1 > w0 THEN encode(ST_AsBinary(ST_Intersection(parcel, kept)), 'hex') END,
           -- frontage: the parcel's width along a line parallel to the street just inside its front
           'frontage', ST_Length(ST_Intersection(
               ST_Boundary(ST_Buffer(line, greatest(w0 / 2, d) + %(tol)s, 'endcap=flat join=mitre')), parcel)),
           'realigned', CASE WHEN w1 > w0
                             THEN encode(ST_AsBinary(ST_Intersection(ST_Boundary(kept), parcel)), 'hex') END,
           'road', encode(ST_AsBinary(ST_Intersection(kept, ST_Expand(parcel, %(near)s))), 'hex'))
         ORDER BY d, id) AS streets
  FROM b
)
SELECT p.id, p.version_id, (SELECT zv FROM v), (SELECT sv FROM v), p.file_code, p.renovation_code,
       p.registry_plate, p.deed, ST_AsBinary(p.geom), (SELECT zones FROM z), (SELECT streets FROM sj),
       (SELECT row_to_json(pp) FROM zoning_planparameters pp WHERE pp.version_id = (SELECT zv FROM v))
FROM p
"""
# Every plan zone the parcel touches, with its figures and the area it shares with the parcel p.
_ZONES_JSON = """json_agg(json_build_object(
           'id', z.id, 'plan_code', z.plan_code, 'land_use', z.land_use,
           'density_pct', z.density_pct, 'coverage_pct', z.coverage_pct, 'max_floors', z.max_floors,
           'max_height_m', z.max_height_m, 'min_plot_area_m2', z.min_plot_area_m2,
           'min_frontage_m', z.min_frontage_m,
           'area_m2', CASE WHEN ST_Covers(z.geom, p.geom) THEN ST_Area(p.geom)
                           ELSE ST_Area(ST_Intersection(z.geom, p.geom)) END))"""
_MATCH = {
    "id": "pa.id = %(parcel)s",
    "file_code": "pa.file_code = %(file_code)s",
    "point": "ST_Intersects(pa.geom, ST_Transform(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), %(srid)s), %(storage)s))",
}
_FACTS_SQL_BY = {
    how: _FACTS_SQL.format(match=clause, geom="pa.geom", zones_json=_ZONES_JSON) for how, clause in _MATCH.items()
}
# A survey's measured boundary in place of the parcel's cadastral one (surveys' reconciliation).
_FACTS_SQL_MEASURED = _FACTS_SQL.format(
    match=_MATCH["id"], geom="ST_Multi(ST_GeomFromWKB(%(geom)s::bytea, %(storage)s))", zones_json=_ZONES_JSON
)
EDGE_TOLERANCE_M = 0.5  # a plot's front edge counts as on the street within this of the street edge
CLIP_MARGIN_M = 80.0  # street lines are cut this far around the parcel before buffering
NEAR_M = 25.0  # road land kept around the parcel for the chamfer corners (more than any chamfer leg)


def _shape(hex_wkb: str | None) -> BaseGeometry | None:
    if not hex_wkb:
        return None
    geom = shapely.from_wkb(hex_wkb)
    return None if geom.is_empty else geom


def _plan_params(row: dict | None) -> PlanParams:
    if not row:
        return PlanParams()
    fields = {f.name for f in dataclasses.fields(PlanParams)} - {"area_base", "from_plan", "parking_area_per_space"}
    per_space = row.get("parking_area_per_space") or {}
    return PlanParams(
        **{name: float(row[name]) for name in fields},
        area_base=row["area_base"],
        parking_area_per_space=tuple(sorted((use, float(m2)) for use, m2 in per_space.items()))
        or PlanParams.parking_area_per_space,
        from_plan=True,
    )


def _zone_share(z: dict, *, area: float, version: int | None) -> ZoneShare:
    rules = ZoneRules(
        plan_code=z["plan_code"],
        land_use=z["land_use"],
        density_pct=float(z["density_pct"]),
        coverage_pct=float(z["coverage_pct"]),
        max_floors=int(z["max_floors"]),
        max_height_m=float(z["max_height_m"]),
        min_plot_area_m2=float(z["min_plot_area_m2"]),
        min_frontage_m=float(z["min_frontage_m"]),
        plan_version=version,
    )
    return ZoneShare(zone_id=z["id"], rules=rules, area_m2=z["area_m2"], share=z["area_m2"] / area if area else 0)


def _street(s: dict) -> StreetFacts:
    strip = _shape(s["strip"])
    strip = polygonal(strip) if strip is not None else None
    return StreetFacts(
        street_id=s["id"],
        name=s["name"],
        hierarchy=s["hierarchy"],
        existing_width_m=s["w0"],
        approved_width_m=s["w1"],
        vehicular=s["vehicular"],
        distance_m=s["d"],
        setback_depth_m=setback_depth_m(
            approved_width_m=s["w1"], existing_width_m=s["w0"], distance_to_centreline_m=s["d"]
        ),
        setback_strip=strip if strip is not None and not strip.is_empty else None,
        setback_area_m2=strip.area if strip is not None else 0.0,
        frontage_m=s["frontage"] or 0.0,
        realigned_line=_shape(s["realigned"]),
        road=_shape(s["road"]),
    )


def parcel_facts_query(
    *,
    parcel_id: int | None = None,
    file_code: str | None = None,
    point: tuple[float, float] | None = None,
    point_srid: int = WGS84,
    parcel_version_id: int | None = None,
    zones_version_id: int | None = None,
    streets_version_id: int | None = None,
    measured_geom: BaseGeometry | None = None,
) -> tuple[str, dict]:
    """The one statement behind parcel_facts and its parameters (the benchmark times it alone).
    With measured_geom (storage CRS) the parcel, found by parcel_id, is measured with that shape."""
    params = {
        "pv": parcel_version_id,
        "zv": zones_version_id,
        "sv": streets_version_id,
        "tol": EDGE_TOLERANCE_M,
        "clip": CLIP_MARGIN_M,
        "near": NEAR_M,
        "reach": MAX_STREET_WIDTH_M / 2 + EDGE_TOLERANCE_M,
    }
    if measured_geom is not None:
        if parcel_id is None:
            raise TypeError("a measured geometry replaces the shape of the parcel given by parcel_id")
        wkb = shapely.to_wkb(measured_geom)
        return _FACTS_SQL_MEASURED, params | {"parcel": parcel_id, "geom": wkb, "storage": storage_srid()}
    if parcel_id is not None:
        return _FACTS_SQL_BY["id"], params | {"parcel": parcel_id}
    if file_code is not None:
        return _FACTS_SQL_BY["file_code"], params | {"file_code": file_code}
    if point is not None:
        return _FACTS_SQL_BY["point"], params | {
            "x": point[0],
            "y": point[1],
            "srid": point_srid,
            "storage": storage_srid(),
        }
    raise TypeError("parcel_facts needs a parcel_id, a file_code or a point")


def parcel_facts(**where) -> ParcelFacts | None:
    """A parcel (by parcel_id, file_code or a point on it, in point_srid) measured against the plan
    zones and streets of the given versions, the live ones by default; None when no parcel matches.
    Keywords as parcel_facts_query."""
    sql, params = parcel_facts_query(**where)
    connection.ensure_connection()
    # A server-binding psycopg cursor, prepared: the statement is planned once per connection
    # (planning costs more than running it), which Django's client-binding cursor cannot do.
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(sql, params, prepare=True)
        row = cur.fetchone()
    if row is None:
        return None
    pid, pv, zv, sv, fcode, renovation, plate, deed, wkb, zones, streets, plan = row
    geom = shapely.from_wkb(bytes(wkb))
    return parcel_facts_build(
        parcel_id=pid,
        parcel_version_id=pv,
        zones_version_id=zv,
        streets_version_id=sv,
        file_code=fcode,
        renovation_code=renovation,
        registry_plate=plate,
        geom=geom,
        deed_area_m2=deed,
        zones=[_zone_share(z, area=geom.area, version=zv) for z in zones or () if z["area_m2"] > SLIVER_M2],
        streets=[_street(s) for s in streets or ()],
        params=_plan_params(plan),
    )


# Raw SQL: the plan's side of parcel_facts without the streets: the parcel's zones with the shared
# areas, the plan parameters, the parcel's drawn area and perimeter and the versions read, in one
# prepared statement (the fee assessment of a file reads this at the revenue stage: bench/fees.py).
# tests/fees/test_assessment.py pins it against parcel_facts.
_PLAN_SQL_TEMPLATE = """
WITH v AS (
  SELECT coalesce(%(zv)s::bigint,
                  (SELECT id FROM gis_app_datasetversion WHERE kind = 'zones' AND is_active)) AS zv,
         coalesce(%(sv)s::bigint,
                  (SELECT id FROM gis_app_datasetversion WHERE kind = 'streets' AND is_active)) AS sv
),
p AS MATERIALIZED (
  SELECT pa.id, pa.version_id, pa.geom, pa.deed_area_m2::float8 AS deed
  FROM parcels_parcel pa
  WHERE pa.version_id = coalesce(%(pv)s::bigint,
                                 (SELECT id FROM gis_app_datasetversion WHERE kind = 'parcels' AND is_active))
    AND pa.id = %(parcel)s
)
SELECT p.id, p.version_id, (SELECT zv FROM v), (SELECT sv FROM v), p.deed, ST_Area(p.geom), ST_Perimeter(p.geom),
       (SELECT {zones_json} FROM zoning_planzone z
         WHERE z.version_id = (SELECT zv FROM v) AND ST_Intersects(z.geom, p.geom)),
       (SELECT row_to_json(pp) FROM zoning_planparameters pp WHERE pp.version_id = (SELECT zv FROM v))
FROM p
"""
_PLAN_SQL = _PLAN_SQL_TEMPLATE.format(zones_json=_ZONES_JSON)


def parcel_plan(
    *,
    parcel_id: int,
    parcel_version_id: int | None = None,
    zones_version_id: int | None = None,
    streets_version_id: int | None = None,
) -> ParcelPlan | None:
    """A parcel (by id, in the given parcels version, the live one by default) and what the plan zones
    of the given version (the live one by default) say of it, without its streets: lighter than
    parcel_facts when only the zone, the density rule and the plan parameters are needed. None when
    no such parcel."""
    params = {"parcel": parcel_id, "pv": parcel_version_id, "zv": zones_version_id, "sv": streets_version_id}
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(_PLAN_SQL, params, prepare=True)
        row = cur.fetchone()
    if row is None:
        return None
    pid, pv, zv, sv, deed, area, perimeter, zones, plan = row
    shares = [_zone_share(z, area=area, version=zv) for z in zones or () if z["area_m2"] > SLIVER_M2]
    return ParcelPlan(
        parcel_id=pid,
        parcel_version_id=pv,
        zones_version_id=zv,
        streets_version_id=sv,
        area_m2=area,
        perimeter_m=perimeter,
        deed_area_m2=deed,
        zones=tuple(sorted(shares, key=lambda share: (-share.area_m2, share.zone_id))),
        params=_plan_params(plan),
    )


def parcel_compliance(
    *, proposal: Proposal | None = None, changes: dict | None = None, **where
) -> ComplianceReport | None:
    """The runner the workflow and the API use: facts from PostGIS, then every rule (see parcel_facts
    for how the parcel is chosen, compliance_run for the proposal); None when no parcel matches."""
    facts = parcel_facts(**where)
    if facts is None:
        return None
    return compliance_run(facts=facts, use_labels=land_use_labels(), proposal=proposal, changes=changes)
