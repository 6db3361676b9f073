"""The import pipeline shared by every layer kind.

source_read: the file (shapefile, zipped shapefile, GeoPackage layer, GeoJSON) through GDAL's Arrow
stream, its CRS (refused when absent and not given) and checksum. stage_copy: the mapped attributes
and the raw WKB into a temporary table by binary COPY. classify_geometries: transformation to the
storage CRS and the geometry hygiene in PostGIS, every feature marked ok, repaired (with the
reason) or rejected (with the reason). Each kind's importer then inserts the usable rows into its
table, inside the caller's transaction: one import is one transaction.

geopandas/pyogrio/pyarrow run here, in commands, never in request handlers.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
from django.utils.translation import gettext as _
from pyogrio import raw
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis_app.mapping import FieldSpec
from gis_app.text import InputKind, normalise_input

COPY_CHUNK = 50_000  # rows converted to Python at a time while the COPY streams
REPORT_LIST_LIMIT = 500  # ids listed per category in the stored report; the counts are always complete
SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj")


class ImportRefused(Exception):
    """The whole file is refused (unreadable, no CRS, missing fields); nothing is written."""

    def __init__(self, message: str, *, report: ImportReport | None = None):
        super().__init__(message)
        self.report = report


@dataclass
class ImportReport:
    """What happened to the features of one layer."""

    layer: str
    read: int = 0
    imported: int = 0
    repaired_count: int = 0
    rejected_count: int = 0
    repaired: list[tuple[str, str]] = field(default_factory=list)  # (source id, reason), first N
    rejected: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    overlaps: int | None = None  # parcels only: pairs of overlapping parcels, when checked

    def as_dict(self) -> dict:
        return {
            "layer": self.layer,
            "read": self.read,
            "imported": self.imported,
            "repaired": self.repaired_count,
            "rejected": self.rejected_count,
            "repaired_ids": [f"{sid}: {why}" for sid, why in self.repaired],
            "rejected_ids": [f"{sid}: {why}" for sid, why in self.rejected],
            "notes": self.notes,
            "overlaps": self.overlaps,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


class Stopwatch:
    """Step timings for the progress output and the stored report."""

    def __init__(self, report: ImportReport, progress: Callable[[str], None] | None):
        self.report = report
        self.progress = progress or (lambda _msg: None)
        self.t = time.perf_counter()
        self.start = self.t

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.report.timings[step] = now - self.t
        self.progress(f"  {step:<28s} {now - self.t:7.2f} s")
        self.t = now

    def total(self) -> float:
        return time.perf_counter() - self.start


@dataclass
class SourceData:
    path: Path
    layer: str | None
    table: pa.Table
    crs: CRS
    crs_text: str
    sha256: str
    encoding: str | None

    @property
    def count(self) -> int:
        return self.table.num_rows


def file_checksum(path: Path) -> str:
    """SHA-256 over the file, and for a shapefile over its sidecar files too."""
    digest = hashlib.sha256()
    files = [path]
    if path.suffix.lower() == ".shp":
        files = [path.with_suffix(ext) for ext in SIDECARS if path.with_suffix(ext).exists()]
    for f in files:
        with open(f, "rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def source_read(path: Path, *, layer: str | None = None, encoding: str | None = None, srid: int | None = None):
    """Read a vector layer; refuse a file without CRS unless srid is given (and one that disagrees)."""
    path = Path(path)
    if not path.exists():
        raise ImportRefused(_("%(path)s does not exist.") % {"path": path})
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise ImportRefused(_("Cannot read %(path)s: %(error)s") % {"path": path.name, "error": exc}) from exc
    names = [str(n) for n, _type in layers]
    if layer is None and len(names) > 1:
        raise ImportRefused(
            _("%(path)s has several layers (%(layers)s); name one.") % {"path": path.name, "layers": ", ".join(names)}
        )
    if layer is not None and layer not in names:
        raise ImportRefused(
            _("%(path)s has no layer %(layer)s (it has %(layers)s).")
            % {"path": path.name, "layer": layer, "layers": ", ".join(names)}
        )
    try:
        meta, table = raw.read_arrow(path, layer=layer, encoding=encoding)
    except Exception as exc:  # as above
        raise ImportRefused(_("Cannot read %(path)s: %(error)s") % {"path": path.name, "error": exc}) from exc
    file_crs = meta.get("crs")
    if srid is not None:
        try:
            given = CRS.from_epsg(srid)
        except CRSError as exc:
            raise ImportRefused(_("EPSG:%(srid)s is not a known CRS.") % {"srid": srid}) from exc
        if file_crs and not CRS.from_user_input(file_crs).equals(given, ignore_axis_order=True):
            raise ImportRefused(
                _("%(path)s declares %(file)s but EPSG:%(srid)s was given; remove one of them.")
                % {"path": path.name, "file": file_crs, "srid": srid}
            )
        crs = given
    elif file_crs:
        crs = CRS.from_user_input(file_crs)
    else:
        raise ImportRefused(
            _("%(path)s has no coordinate reference system (.prj); give its EPSG code.") % {"path": path.name}
        )
    geometry_name = meta.get("geometry_name") or "wkb_geometry"
    if geometry_name not in table.column_names:
        raise ImportRefused(_("%(path)s has no geometry.") % {"path": path.name})
    table = table.rename_columns(["__geom__" if c == geometry_name else c for c in table.column_names])
    return SourceData(
        path=path,
        layer=layer,
        table=table,
        crs=crs,
        crs_text=crs.to_string(),
        sha256=file_checksum(path),
        encoding=meta.get("encoding"),
    )


def _missing_field(source: SourceData, name: str) -> ImportRefused:
    available = ", ".join(c for c in source.table.column_names if c != "__geom__")
    return ImportRefused(
        _("The source has no attribute %(field)s (it has: %(available)s).") % {"field": name, "available": available}
    )


def _nulls(n: int, type_: pa.DataType) -> pa.Array:
    return pa.nulls(n, type=type_)


def column_values(source: SourceData, spec: FieldSpec | None, *, numeric: bool = False) -> pa.Array:
    """One of our fields for every feature, as an Arrow array (text stripped, empty text and NaN null)."""
    n = source.count
    type_ = pa.float64() if numeric else pa.string()
    if spec is None:
        return _nulls(n, type_)
    if spec.source is None:
        if spec.constant is None:
            return _nulls(n, type_)
        return pa.array([float(spec.constant) if numeric else str(spec.constant)] * n, type=type_)
    if spec.source not in source.table.column_names:
        raise _missing_field(source, spec.source)
    column = source.table.column(spec.source).combine_chunks()
    if numeric:
        if not pa.types.is_integer(column.type) and not pa.types.is_floating(column.type):
            try:
                text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
                column = pc.cast(pc.if_else(pc.equal(text, ""), _nulls(n, pa.string()), text), pa.float64())
            except pa.ArrowInvalid as exc:
                raise ImportRefused(
                    _("Attribute %(field)s should hold numbers: %(error)s") % {"field": spec.source, "error": exc}
                ) from exc
        column = pc.cast(column, pa.float64())
        column = pc.if_else(pc.is_nan(column), _nulls(n, pa.float64()), column)
        if spec.scale is not None:
            column = pc.multiply(column, spec.scale)
        return column
    try:
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            if pa.types.is_floating(column.type):  # 12.0 from a DBF number field means "12"
                as_int = pc.cast(column, pa.int64(), safe=False)
                whole = pc.equal(pc.cast(as_int, pa.float64()), column)
                column = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))
            else:
                column = pc.cast(column, pa.string())
        column = pc.cast(column, pa.string())
        column.validate(full=True)
        if spec.values:
            table = spec.values
            column = pa.array([table.get(v, v) if v is not None else None for v in column.to_pylist()], pa.string())
        # Text from Windows-1256 and Arabic keyboards carries the Arabic yeh and kaf: store Persian ones.
        column = pc.replace_substring(pc.replace_substring(column, "ي", "ی"), "ك", "ک")
        column = pc.utf8_trim_whitespace(column)
    except pa.ArrowInvalid as exc:
        raise ImportRefused(
            _("Attribute %(field)s is not UTF-8 text: give the file's encoding (e.g. cp1256 for Windows-1256).")
            % {"field": spec.source}
        ) from exc
    return pc.if_else(pc.equal(column, ""), _nulls(n, pa.string()), column)


def code_column_values(
    source: SourceData, spec: FieldSpec | None, *, pattern: str, strip: str = " "
) -> tuple[pa.Array, int]:
    """A code field (plate, renovation code, postal code) cleaned in Arrow: the characters in strip
    removed, Persian and Arabic-Indic digits to ASCII, values not matching pattern (RE2) left empty.

    Returns the values and how many non-empty values were dropped as malformed.
    """
    arr = column_values(source, spec)
    if spec is None or spec.source is None:
        return arr, 0
    for char in strip:
        arr = pc.replace_substring(arr, char, "")
    if pc.any(pc.match_substring_regex(arr, "[۰-۹٠-٩]")).as_py():
        arr = pa.array([normalise_input(v, InputKind.CODE) if v else v for v in arr.to_pylist()], type=pa.string())
    ok = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    dropped = pc.sum(pc.and_(pc.is_valid(arr), pc.invert(ok))).as_py() or 0
    return pc.if_else(ok, arr, _nulls(len(arr), pa.string())), dropped


def wkb_values(source: SourceData) -> pa.Array:
    return source.table.column("__geom__").combine_chunks()
