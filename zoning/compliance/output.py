"""A compliance report as plain JSON data: numbers rounded, geometries as GeoJSON in EPSG:4326.

What the API answers, what the map draws and what the workflow stores with the versions it names.
"""

from __future__ import annotations

import functools

import numpy as np
import orjson
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gis_app.geometry import WGS84, storage_srid
from zoning.compliance.records import ComplianceReport, RuleResult
from zoning.compliance.stored import CheckRecord, check_record_load

COORD_GRID_DEG = 1e-7  # ~1 cm: enough for a map, keeps the answer small


@functools.cache
def _to_wgs84(srid: int) -> Transformer:
    return Transformer.from_crs(srid, WGS84, always_xy=True)


def _project(coords: np.ndarray) -> np.ndarray:
    lon, lat = _to_wgs84(storage_srid()).transform(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def geojson_wgs84_many(geoms: list[BaseGeometry]) -> list[dict]:
    """Storage-CRS geometries as GeoJSON geometries in lon/lat, projected in one call."""
    if not geoms:
        return []
    moved = shapely.transform(np.array(geoms, dtype=object), _project)
    moved = shapely.set_precision(moved, COORD_GRID_DEG, mode="pointwise")
    return [orjson.loads(text) for text in shapely.to_geojson(moved)]


def feature_collection(items: list[tuple[str, BaseGeometry | None, dict]]) -> dict:
    """A FeatureCollection in lon/lat of (kind, geometry, properties); empty geometries left out."""
    items = [(kind, geom, props) for kind, geom, props in items if geom is not None and not geom.is_empty]
    shapes = geojson_wgs84_many([geom for _kind, geom, _props in items])
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": shape, "properties": {"kind": kind, **props}}
            for (kind, _geom, props), shape in zip(items, shapes, strict=True)
        ],
    }


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def rule_result_data(result: RuleResult) -> dict:
    return {
        "code": result.code,
        "status": result.status.value,
        "measured": result.measured,
        "required": result.required,
        "unit": result.unit,
        "explanation": {"fa": result.explanation_fa, "en": result.explanation_en},
        "plan_version": result.plan_version,
    }


def check_record(report: ComplianceReport) -> CheckRecord:
    """The typed record of a report, as it is stored and handed to other apps."""
    params = report.facts.params
    data = report_data(report) | {
        "parking": {"space_m2": params.parking_space_m2, "area_per_space": params.parking_area_per_space}
    }
    return check_record_load(data)


def report_data(report: ComplianceReport) -> dict:
    """Facts, rule results, envelope and notes of one report as JSON-ready data."""
    facts, env, proposal = report.facts, report.envelope, report.proposal
    features = [
        ("parcel", facts.geom, {"file_code": facts.file_code}),
        ("envelope", env.geom, {"area_m2": _r(env.area_m2)}),
        *(
            ("setback_strip", s.setback_strip, {"street": s.name, "area_m2": _r(s.setback_area_m2)})
            for s in facts.streets
        ),
        *(("realigned_line", s.realigned_line, {"street": s.name}) for s in facts.streets),
        *(("chamfer", c.triangle, {"size_m": c.size_m, "area_m2": _r(c.area_m2)}) for c in facts.chamfers),
    ]
    return {
        "parcel": {
            "id": facts.parcel_id,
            "file_code": facts.file_code,
            "renovation_code": facts.renovation_code,
            "registry_plate": facts.registry_plate,
            "area_m2": _r(facts.area_m2),
            "deed_area_m2": _r(facts.deed_area_m2),
            "net_area_m2": _r(facts.net_area_m2),
            "setback_area_m2": _r(facts.setback_area_m2),
            "chamfer_area_m2": _r(sum(c.area_m2 for c in facts.chamfers)),
            "depth_m": _r(facts.depth_m),
            "net_depth_m": _r(facts.net_depth_m),
            "parts": facts.parts,
        },
        "versions": {
            "parcels": facts.parcel_version_id,
            "zones": facts.zones_version_id,
            "streets": facts.streets_version_id,
        },
        "zone": None
        if report.zone is None
        else {
            "plan_code": report.zone.plan_code,
            "land_use": report.zone.land_use,
            "density_pct": report.zone.density_pct,
            "coverage_pct": report.zone.coverage_pct,
            "max_floors": report.zone.max_floors,
            "max_height_m": report.zone.max_height_m,
            "min_plot_area_m2": report.zone.min_plot_area_m2,
            "min_frontage_m": report.zone.min_frontage_m,
        },
        "zones": [
            {"plan_code": z.plan_code, "land_use": z.land_use, "area_m2": _r(z.area_m2), "share": _r(z.share, 4)}
            for z in facts.zones
        ],
        "streets": [
            {
                "name": s.name,
                "hierarchy": s.hierarchy,
                "vehicular": s.vehicular,
                "existing_width_m": s.existing_width_m,
                "approved_width_m": s.approved_width_m,
                "distance_m": _r(s.distance_m),
                "setback_depth_m": s.setback_depth_m,
                "setback_area_m2": _r(s.setback_area_m2),
                "frontage_m": _r(s.frontage_m),
                "frontage_after_m": _r(s.frontage_after_m),
            }
            for s in facts.streets
        ],
        "chamfers": [{"size_m": c.size_m, "area_m2": _r(c.area_m2)} for c in facts.chamfers],
        "envelope": {
            "area_m2": _r(env.area_m2),
            "band_depth_m": env.band_depth_m,
            "base_area_m2": env.base_area_m2,
            "max_footprint_m2": env.max_footprint_m2,
            "max_floor_area_m2": env.max_floor_area_m2,
            "max_floors": env.max_floors,
        },
        "proposal": {
            "use": proposal.use,
            "floors": proposal.floors,
            "floor_area_m2": _r(proposal.floor_area_m2),
            "footprint_m2": _r(proposal.footprint_m2),
            "height_m": proposal.height_m,
        },
        "passed": report.passed,
        "results": [rule_result_data(r) for r in report.results],
        "notes": [{"code": n.code, "fa": n.fa, "en": n.en} for n in report.notes],
        "geometry": feature_collection(features),
    }
