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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
from django.conf import settings
from django.utils.translation import gettext as _
from pyogrio import raw
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis_app.geometry import storage_srid
from gis_app.mapping import FieldSpec
from gis_app.text import digits_to_ascii

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
        arr = pa.array([digits_to_ascii(v) if v else v for v in arr.to_pylist()], type=pa.string())
    ok = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    dropped = pc.sum(pc.and_(pc.is_valid(arr), pc.invert(ok))).as_py() or 0
    return pc.if_else(ok, arr, _nulls(len(arr), pa.string())), dropped


@dataclass
class Column:
    name: str
    pgtype: str  # text, float8
    values: pa.Array


def _source_srid(cursor, crs: CRS) -> tuple[int | None, str | None]:
    """(EPSG code PostGIS knows, or None; PROJ/WKT definition when it does not)."""
    epsg = crs.to_epsg(min_confidence=90)
    if epsg is not None:
        cursor.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", [epsg])
        if cursor.fetchone():
            return epsg, None
    return None, crs.to_wkt()


class Staging:
    """The working tables of one import.

    {prefix}_stage holds the features as they arrived (attributes and geometry, by COPY);
    {prefix}_proc the same attributes with the stored geometry (repaired where needed), what the
    checks found (status, reason) and derived values (a point on surface, a checksum).

    They are UNLOGGED tables rather than TEMP ones so that PostgreSQL can read them with parallel
    workers; they are created and dropped inside the import's transaction, so an import that fails
    leaves nothing behind.
    """

    def __init__(self, cursor, *, prefix: str):
        self.cur = cursor
        self.stage = f"{prefix}_stage"
        self.proc = f"{prefix}_proc"
        self.tables = [self.stage, self.proc]

    def table(self, suffix: str) -> str:
        """Name of a further working table, dropped with the others."""
        name = f"{self.stage.removesuffix('_stage')}_{suffix}"
        self.tables.append(name)
        return name

    geom = "p.geom"  # the stored geometry of a feature, in queries over {proc} p

    def copy(self, *, columns: Iterable[Column], wkb: pa.Array, id_sequence: str | None = None) -> None:
        """The mapped attributes and the geometry into the stage table by binary COPY.

        The WKB goes straight into a geometry column: PostGIS parses it while the rows arrive.
        """
        columns = list(columns)
        id_col = f"id bigint NOT NULL DEFAULT nextval('{id_sequence}')," if id_sequence else ""
        col_defs = ", ".join(f"{c.name} {c.pgtype}" for c in columns)
        self.cur.execute("SET LOCAL jit = off")  # compiling these long queries costs more than it saves
        # Web connections turn parallel query off (settings); an import's big passes want it back.
        self.cur.execute(f"SET LOCAL max_parallel_workers_per_gather = {int(settings.GIS_IMPORT_PARALLEL_WORKERS)}")
        self.cur.execute("SET LOCAL client_min_messages = warning")  # not one NOTICE per invalid geometry
        self.cur.execute(f"CREATE UNLOGGED TABLE {self.stage} (row_no int NOT NULL, {id_col} {col_defs}, g0 geometry)")
        names = ", ".join(["row_no", *(c.name for c in columns), "g0"])
        n = len(wkb)
        try:
            with self.cur.copy(f"COPY {self.stage} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int4", *(c.pgtype for c in columns), "bytea"])
                # Chunk by chunk, so PostgreSQL parses one chunk while Python converts the next.
                for start in range(0, n, COPY_CHUNK):
                    size = min(COPY_CHUNK, n - start)
                    values = [c.values.slice(start, size).to_pylist() for c in columns]
                    geoms = wkb.slice(start, size).to_pylist()
                    for row in zip(range(start, start + size), *values, geoms, strict=True):
                        copy.write_row(row)
        except psycopg.errors.DataError as exc:
            raise ImportRefused(_("The file holds a geometry that cannot be read: %(error)s") % {"error": exc}) from exc

    def classify(
        self,
        *,
        crs: CRS,
        geometry: str,
        boundary: tuple[str, int] | None = None,
        derived: dict[str, str] | None = None,
    ) -> None:
        """{proc}: every staged feature's status (ok, repaired, rejected) and reason.

        geometry is "polygon" or "line". The geometry is taken to the storage CRS. Invalid
        geometries are repaired with ST_MakeValid (structure method) and keep the validity reason;
        empty, wrong-type and zero-size features, and (when a city boundary is given as
        (table, version id)) features wholly outside it, are rejected. derived maps further
        columns to SQL templates over the stored geometry, written {geom}, e.g.
        "ST_PointOnSurface({geom})".

        One parallel pass over the staged rows, the repairs included (a function in FROM runs once
        per row, where the same call in several select-list expressions would run each time; a
        pass per step would read a million rows each time), then, with a boundary, an update of
        the features outside it.
        """
        dst = storage_srid()
        src, proj = _source_srid(self.cur, crs)
        if geometry == "polygon":
            types, dim, size, size_reason = "('POLYGON', 'MULTIPOLYGON')", 3, "ST_Area", _("zero area")
            wrong_type = _("not a polygon")
        else:
            types, dim, size, size_reason = "('LINESTRING', 'MULTILINESTRING')", 2, "ST_Length", _("zero length")
            wrong_type = _("not a line")
        if src != dst:
            # Transform once, into the stage itself: every later step reads the stored CRS.
            to_storage = (
                "ST_Transform(ST_SetSRID(g0, %(src)s), %(dst)s)" if src else "ST_Transform(g0, %(proj)s, %(dst)s)"
            )
            self.cur.execute(
                f"UPDATE {self.stage} SET g0 = {to_storage} WHERE g0 IS NOT NULL AND NOT ST_IsEmpty(g0)",
                {"src": src, "proj": proj, "dst": dst},
            )
            g = "s.g0"
        else:
            g = f"ST_SetSRID(s.g0, {int(dst)})"
        self.cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND column_name NOT IN ('row_no', 'g0') ORDER BY ordinal_position",
            [self.stage],
        )
        attributes = "".join(f"s.{name}, " for (name,) in self.cur.fetchall())
        usable = f"(s.g0 IS NOT NULL AND NOT ST_IsEmpty(s.g0) AND GeometryType(s.g0) IN {types})"
        multi = f"ST_Multi({g})"
        # The repair, made only for a usable invalid shape (the functions are strict: NULL in,
        # nothing computed), as a FROM item so it runs once per row.
        fixed = (
            f"ST_Multi(ST_CollectionExtract(ST_MakeValid(CASE WHEN NOT v.valid AND {usable} THEN {multi} END, "
            f"'method=structure'), {dim}))"
        )
        stored = f"CASE WHEN v.valid THEN {multi} ELSE f.geom END"
        derived_sql = "".join(
            f", CASE WHEN {usable} THEN CASE WHEN v.valid THEN {template.format(geom=multi)} "
            f"ELSE {template.format(geom='f.geom')} END END AS {name}"
            for name, template in (derived or {}).items()
        )
        outside_sql = "false"
        params = {
            "r_empty": _("empty geometry"),
            "r_type": wrong_type,
            "r_size": size_reason,
            "r_unrepaired": _("could not be repaired"),
        }
        if boundary:
            table, version_id = boundary
            outside_sql = (
                f"{usable} AND NOT EXISTS (SELECT 1 FROM {table} b WHERE b.version_id = %(bv)s "
                f"AND ST_Intersects(b.geom, {g}))"
            )
            params["bv"] = version_id
        # An invalid shape is repaired and keeps the validity reason; a repair that leaves nothing
        # of the right kind, or is still not valid, is rejected.
        lost = f"(f.geom IS NULL OR ST_IsEmpty(f.geom) OR {size}(f.geom) < 0.01)"
        self.cur.execute(
            f"""
            CREATE UNLOGGED TABLE {self.proc} AS
            SELECT s.row_no, {attributes}
              CASE WHEN NOT {usable} THEN 'rejected'
                   WHEN v.valid THEN CASE WHEN {size}({g}) < 0.01 THEN 'rejected' ELSE 'ok' END
                   WHEN {lost} OR NOT ST_IsValid(f.geom) THEN 'rejected'
                   ELSE 'repaired' END AS status,
              CASE WHEN s.g0 IS NULL OR ST_IsEmpty(s.g0) THEN %(r_empty)s
                   WHEN NOT {usable} THEN %(r_type)s || ' (' || GeometryType(s.g0) || ')'
                   WHEN v.valid THEN CASE WHEN {size}({g}) < 0.01 THEN %(r_size)s END
                   WHEN {lost} THEN %(r_size)s
                   WHEN NOT ST_IsValid(f.geom) THEN %(r_unrepaired)s || ': ' || ST_IsValidReason(f.geom)
                   ELSE ST_IsValidReason({multi}) END AS reason,
              CASE WHEN {usable} THEN {stored} END AS geom,
              {outside_sql} AS outside{derived_sql}
            FROM {self.stage} s
            CROSS JOIN LATERAL ST_IsValid({g}) AS v(valid)
            CROSS JOIN LATERAL {fixed} AS f(geom)
            """,
            params,
        )
        if boundary:
            self.cur.execute(
                f"UPDATE {self.proc} SET status = 'rejected', reason = %s WHERE outside AND status <> 'rejected'",
                [_("outside the city boundary")],
            )
        # Statistics for the joins and groupings that follow; the geometry columns' are not needed.
        self.cur.execute(f"ANALYZE {self.proc} (row_no, status)")

    def reject_where(self, *, condition: str, reason: str, value_column: str | None = None) -> None:
        """Reject the still-usable features (alias p) that meet a condition, with a reason.

        {proc} in the condition names the table of the features, for a check that compares a
        feature with the others (a repeated number); it sees their status before this check.
        """
        condition = condition.replace("{proc}", self.proc)
        value_sql = f" || ': ' || coalesce(({value_column})::text, '')" if value_column else ""
        self.cur.execute(
            f"UPDATE {self.proc} p SET status = 'rejected', reason = %s{value_sql} "
            f"WHERE p.status <> 'rejected' AND ({condition})",
            [reason],
        )

    def report_fill(self, report: ImportReport, *, id_column: str = "source_id") -> None:
        """Counts and the first ids of the repaired and rejected features into the report."""
        # One pass over the features that are not ok: how many of each status, and the first ones.
        self.cur.execute(
            f"""
            SELECT status, n, id, reason FROM (
              SELECT status, count(*) OVER (PARTITION BY status) AS n,
                     row_number() OVER (PARTITION BY status ORDER BY row_no) AS k,
                     coalesce({id_column}::text, '#' || (row_no + 1)) AS id, reason
              FROM {self.proc} WHERE status <> 'ok'
            ) x WHERE k <= %s ORDER BY status, k
            """,
            [REPORT_LIST_LIMIT],
        )
        for status, count, source_id, reason in self.cur.fetchall():
            if status == "repaired":
                report.repaired_count = count
                report.repaired.append((source_id, reason))
            elif status == "rejected":
                report.rejected_count = count
                report.rejected.append((source_id, reason))

    def drop(self) -> None:
        for name in reversed(self.tables):
            self.cur.execute(f"DROP TABLE IF EXISTS {name}")


def wkb_values(source: SourceData) -> pa.Array:
    return source.table.column("__geom__").combine_chunks()
