"""The survey file reader, run in a child process: `python -m surveys.reader` (see surveys.uploads).

GDAL and ezdxf are large parsers fed with bytes from outside, so they never run in a web worker.
This process first caps its own memory, CPU time, file writes and open files, keeps only the GDAL
drivers we accept (GeoJSON, ESRI Shapefile, GPKG: no VRT or any other format that references
another file or a URL, no network drivers), points any HTTP access at a closed port, and only
then reads. Input on stdin: one JSON header line, then the file's bytes. Output on stdout: one JSON
object, either {"ok": true, "crs": ..., "layers": [...]} or {"ok": false, "code": ..., "params": ...}.
A crash, a limit hit or a hang ends the process; the parent turns that into "could not be read".

It imports no Django settings and touches no database: the bytes go into GDAL's in-memory file
system (/vsimem), never onto a path taken from the request.
"""

from __future__ import annotations

import csv
import ctypes
import io
import json
import math
import os
import resource
import sys
import uuid

ALLOWED_GDAL_DRIVERS = frozenset({"GeoJSON", "ESRI Shapefile", "GPKG"})
TEXT_LIMIT = 200  # characters kept of an attribute value; more is refused as not survey data


class Refused(Exception):
    """The file is refused; code names the message the parent shows (translated there)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def limit_self(*, memory_bytes: int, cpu_seconds: int) -> None:
    """Caps that hold before any untrusted byte is parsed."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # nothing is written to disk
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


def gdal_restrict() -> None:
    """Deregister every GDAL driver but the accepted ones; no HTTP from inside GDAL."""
    from django.contrib.gis.gdal import Driver
    from django.contrib.gis.gdal.libgdal import lgdal
    from django.contrib.gis.gdal.prototypes import ds as capi

    for key, value in {
        "GDAL_HTTP_PROXY": "127.0.0.1:9",
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".nothing-allowed",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
        "SHAPE_RESTORE_SHX": "NO",
    }.items():
        lgdal.CPLSetConfigOption(key.encode(), value.encode())
    Driver.ensure_registered()
    lgdal.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
    for index in reversed(range(capi.get_driver_count())):
        driver = capi.get_driver(index)
        if capi.get_driver_description(driver).decode() not in ALLOWED_GDAL_DRIVERS:
            lgdal.GDALDeregisterDriver(driver)


def _finite(value: float) -> bool:
    return isinstance(value, float | int) and math.isfinite(value)


def _attr(value):
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Refused("not_finite")
        return value
    text = str(value)
    if len(text) > TEXT_LIMIT:
        raise Refused("attribute_too_long", limit=TEXT_LIMIT)
    return text


def read_gdal(data: bytes, *, fmt: str, member: str | None, encoding: str | None, limits: dict) -> dict:
    """GeoJSON, a zipped shapefile (member = the .shp inside) or a GeoPackage, through GDAL."""
    from django.contrib.gis.gdal import DataSource
    from django.contrib.gis.gdal.error import GDALException
    from django.contrib.gis.gdal.libgdal import lgdal
    from django.contrib.gis.gdal.prototypes.raster import create_vsi_file_from_mem_buffer

    names_crs = geojson_check(data) if fmt == "geojson" else True
    suffix = {"geojson": "geojson", "shapefile": "zip", "gpkg": "gpkg"}[fmt]
    mem = f"/vsimem/{uuid.uuid4().hex}.{suffix}"
    buffer = ctypes.create_string_buffer(data, len(data))
    create_vsi_file_from_mem_buffer(mem.encode(), buffer, len(data), 0)
    path = f"/vsizip/{mem}/{member}" if fmt == "shapefile" else mem
    if encoding and fmt == "shapefile":
        lgdal.CPLSetConfigOption(b"SHAPE_ENCODING", encoding.encode())
    try:
        source = DataSource(path, encoding="utf-8")
    except GDALException as error:
        raise Refused("unreadable") from error
    if source.driver.name not in ALLOWED_GDAL_DRIVERS:
        raise Refused("wrong_type")
    if len(source) > limits["layers"]:
        raise Refused("too_many_layers", limit=limits["layers"])
    layers, crs, count = [], None, 0
    for layer in source:
        features = []
        srs = layer.srs
        if srs is not None:
            text = srs.wkt
            if crs is not None and crs["wkt"] != text:
                raise Refused("mixed_crs")
            crs = {"wkt": text, "epsg": _epsg(srs)}
        for feature in layer:
            count += 1
            if count > limits["features"]:
                raise Refused("too_many_features", limit=limits["features"])
            try:
                attrs = {name: _attr(feature.get(name)) for name in feature.fields}
            except UnicodeDecodeError as error:
                raise Refused("bad_encoding") from error
            try:
                wkb = bytes(feature.geom.wkb).hex()
            except GDALException:  # a feature without a geometry (GDAL returns no pointer)
                wkb = None
            features.append({"fid": feature.fid, "wkb": wkb, "attrs": attrs})
        layers.append({"name": layer.name if fmt != "geojson" else "", "features": features})
    if not names_crs:
        crs = None
    return {"crs": crs, "layers": layers}


def _epsg(srs) -> int | None:
    try:
        srs.identify_epsg()
    except Exception:
        return None
    code = srs.attr_value("AUTHORITY", 1)
    return int(code) if code and code.isdigit() and srs.attr_value("AUTHORITY") == "EPSG" else None


def _not_finite(_text):
    raise Refused("not_finite")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise Refused("not_finite")
    return value


def geojson_check(data: bytes) -> bool:
    """Strict JSON first (GDAL quietly drops a geometry holding NaN or Infinity); whether the
    document names its CRS (GDAL says WGS 84 for every GeoJSON; only a "crs" member is a statement)."""
    try:
        document = json.loads(data, parse_constant=_not_finite, parse_float=_finite_float)
    except (ValueError, RecursionError) as error:
        raise Refused("unreadable") from error
    return isinstance(document, dict) and "crs" in document


# --- DXF (ezdxf) ---------------------------------------------------------------------------------
POLYGON_ENTITIES = ("LWPOLYLINE", "POLYLINE")
LABEL_ENTITIES = ("TEXT", "MTEXT")


def read_dxf(data: bytes, *, limits: dict) -> dict:
    """Closed polylines, points and labels per layer; the parent maps layers to what they hold."""
    import ezdxf
    from ezdxf import recover
    from ezdxf.lldxf.const import DXFError

    try:
        doc, auditor = recover.read(io.BytesIO(data), errors="strict")
    except (DXFError, UnicodeDecodeError, ValueError) as error:
        raise Refused("unreadable") from error
    if auditor.has_errors:
        raise Refused("unreadable")
    if any(layout.block is not None and layout.block.is_xref for layout in doc.blocks):
        raise Refused("references_other_file")
    layers: dict[str, list] = {}
    count = 0
    for entity in doc.modelspace():
        kind = entity.dxftype()
        if kind not in (*POLYGON_ENTITIES, "POINT", *LABEL_ENTITIES, "INSERT"):
            continue
        if kind == "INSERT" and entity.block() is not None and entity.block().block.is_xref:
            raise Refused("references_other_file")
        count += 1
        if count > limits["features"]:
            raise Refused("too_many_features", limit=limits["features"])
        layer = str(entity.dxf.layer)
        item = _dxf_item(entity, kind, limits=limits, ezdxf=ezdxf)
        if item is not None:
            layers.setdefault(layer, []).append(item)
    return {"crs": None, "layers": [{"name": name, "features": items} for name, items in layers.items()]}


def _dxf_item(entity, kind: str, *, limits: dict, ezdxf) -> dict | None:
    from ezdxf import path as dxfpath

    if kind in POLYGON_ENTITIES:
        closed = entity.closed if kind == "LWPOLYLINE" else entity.is_closed
        # arcs (bulges) flattened to within 5 cm; a polyline is a ring only when closed
        points = [(v.x, v.y) for v in dxfpath.make_path(entity).flattening(0.05)]
        if len(points) > limits["vertices"]:
            raise Refused("too_many_vertices", limit=limits["vertices"])
        if not all(_finite(x) and _finite(y) for x, y in points):
            raise Refused("not_finite")
        return {"type": "ring" if closed else "line", "coords": points}
    if kind == "POINT":
        x, y, z = entity.dxf.location
        if not all(_finite(v) for v in (x, y, z)):
            raise Refused("not_finite")
        return {"type": "point", "coords": [x, y, z]}
    if kind == "INSERT":
        # a surveyed point drawn as a block with attributes (ID, CODE, H)
        x, y, z = entity.dxf.insert
        if not all(_finite(v) for v in (x, y, z)):
            raise Refused("not_finite")
        attrs = {a.dxf.tag.upper(): _attr(a.dxf.text) for a in entity.attribs}
        return {"type": "point", "coords": [x, y, z], "attrs": attrs}
    text = entity.plain_text() if kind == "MTEXT" else entity.dxf.text
    x, y, _z = entity.dxf.insert
    if not (_finite(x) and _finite(y)):
        raise Refused("not_finite")
    return {"type": "label", "coords": [x, y], "text": _attr(text)}


# --- CSV of points --------------------------------------------------------------------------------
def read_csv(data: bytes, *, encoding: str | None, limits: dict) -> dict:
    """Rows of text; the parent finds the columns (point id, easting, northing, height, code)."""
    try:
        text = data.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError) as error:
        raise Refused("bad_encoding") from error
    if "\x00" in text:
        raise Refused("wrong_type")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for row in csv.reader(io.StringIO(text), dialect):
        if not any(cell.strip() for cell in row):
            continue
        if len(rows) > limits["features"]:
            raise Refused("too_many_features", limit=limits["features"])
        if len(row) > 12:
            raise Refused("csv_columns")
        rows.append([_attr(cell.strip()) for cell in row])
    return {"crs": None, "rows": rows}


def main() -> None:
    header = json.loads(sys.stdin.buffer.readline())
    limit_self(memory_bytes=header["memory_bytes"], cpu_seconds=header["cpu_seconds"])
    data = sys.stdin.buffer.read()
    fmt = header["format"]
    try:
        if fmt == "dxf":
            answer = read_dxf(data, limits=header["limits"])
        elif fmt == "csv":
            answer = read_csv(data, encoding=header.get("encoding"), limits=header["limits"])
        else:
            gdal_restrict()
            answer = read_gdal(
                data, fmt=fmt, member=header.get("member"), encoding=header.get("encoding"), limits=header["limits"]
            )
        out = {"ok": True, **answer}
    except Refused as refusal:
        out = {"ok": False, "code": refusal.code, "params": refusal.params}
    except MemoryError:
        out = {"ok": False, "code": "too_big_to_read", "params": {}}
    sys.stdout.write(json.dumps(out, allow_nan=False))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown: GDAL objects may hold the memory file


if __name__ == "__main__":
    main()
