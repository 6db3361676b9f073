"""Field-mapping files: a city's own attribute names mapped to ours, so new data loads without code.

A mapping file is YAML with one section per layer kind (parcels, buildings, zones, streets,
value_zones, boundary, districts). In a section each of our field names maps to the source attribute, either as
a plain name or as a table:

    parcels:
      encoding: cp1256            # optional: the text encoding when the file has no .cpg
      srid: 32640                 # optional: the CRS when the file has none
      layer: parcels              # optional: the layer inside a GeoPackage
      fields:
        source_id: PARCEL_NO
        deed_area_m2: {field: AREA_FT2, scale: 0.09290304}
        land_use: {field: LANDUSE, values: {"مسکونی": residential}}
        hierarchy: {value: local}   # a constant for every feature
      owners:                     # parcels only: any number of owner columns groups
        - {national_id: OWNER_NID, full_name: OWNER, share_dang: DANG}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _


class MappingError(ValueError):
    """The mapping file is unreadable or names fields we do not have."""


@dataclass(frozen=True)
class FieldSpec:
    """Where one of our fields comes from: a source attribute (scaled, translated) or a constant."""

    source: str | None = None
    scale: float | None = None
    values: dict[str, Any] | None = None
    constant: Any = None


@dataclass(frozen=True)
class LayerMapping:
    kind: str
    name: str
    fields: dict[str, FieldSpec]
    owners: list[dict[str, FieldSpec]] = field(default_factory=list)
    encoding: str | None = None
    srid: int | None = None
    layer: str | None = None

    def source_fields(self) -> set[str]:
        specs = list(self.fields.values()) + [s for group in self.owners for s in group.values()]
        return {s.source for s in specs if s.source}


def _spec(value: Any, *, where: str) -> FieldSpec:
    if isinstance(value, str):
        return FieldSpec(source=value)
    if isinstance(value, dict):
        unknown = set(value) - {"field", "scale", "values", "value"}
        if unknown:
            raise MappingError(_("%(where)s: unknown keys %(keys)s") % {"where": where, "keys": sorted(unknown)})
        if "value" in value:
            return FieldSpec(constant=value["value"])
        if not isinstance(value.get("field"), str):
            raise MappingError(_("%(where)s: 'field' must name a source attribute") % {"where": where})
        scale = value.get("scale")
        if scale is not None and not isinstance(scale, int | float):
            raise MappingError(_("%(where)s: 'scale' must be a number") % {"where": where})
        values = value.get("values")
        if values is not None and not isinstance(values, dict):
            raise MappingError(_("%(where)s: 'values' must be a table") % {"where": where})
        return FieldSpec(
            source=value["field"],
            scale=float(scale) if scale is not None else None,
            values={str(k): v for k, v in values.items()} if values else None,
        )
    raise MappingError(_("%(where)s: give a source attribute name or a table") % {"where": where})


def mapping_load(path: Path, *, kind: str, allowed: set[str], owner_fields: set[str] = frozenset()) -> LayerMapping:
    """The mapping for one layer kind from a YAML file, checked against the fields we accept."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(
            _("Cannot read the mapping file %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from exc
    if not isinstance(data, dict) or kind not in data or not isinstance(data[kind], dict):
        raise MappingError(_("The mapping file %(path)s has no section '%(kind)s'.") % {"path": path, "kind": kind})
    section = data[kind]
    unknown_keys = set(section) - {"fields", "owners", "encoding", "srid", "layer"}
    if unknown_keys:
        raise MappingError(
            _("Section '%(kind)s': unknown keys %(keys)s") % {"kind": kind, "keys": sorted(unknown_keys)}
        )
    raw_fields = section.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise MappingError(_("Section '%(kind)s': 'fields' must be a table") % {"kind": kind})
    unknown = set(raw_fields) - allowed
    if unknown:
        raise MappingError(
            _("Section '%(kind)s' maps fields we do not have: %(fields)s (we have: %(allowed)s)")
            % {"kind": kind, "fields": ", ".join(sorted(unknown)), "allowed": ", ".join(sorted(allowed))}
        )
    fields = {name: _spec(v, where=f"{kind}.{name}") for name, v in raw_fields.items()}
    owners = []
    for i, group in enumerate(section.get("owners") or []):
        if not isinstance(group, dict) or not owner_fields or set(group) - owner_fields:
            raise MappingError(
                _("Section '%(kind)s': owners entry %(n)d must map %(fields)s")
                % {"kind": kind, "n": i + 1, "fields": ", ".join(sorted(owner_fields)) or "-"}
            )
        owners.append({name: _spec(v, where=f"{kind}.owners[{i}].{name}") for name, v in group.items()})
    srid = section.get("srid")
    if srid is not None and not isinstance(srid, int):
        raise MappingError(_("Section '%(kind)s': 'srid' must be an EPSG number") % {"kind": kind})
    return LayerMapping(
        kind=kind,
        name=Path(path).name,
        fields=fields,
        owners=owners,
        encoding=section.get("encoding"),
        srid=srid,
        layer=section.get("layer"),
    )
