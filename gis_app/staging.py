"""The staging table of an import: rows streamed in by binary COPY, checked, classified and repaired in
PostGIS, then written to the layer's table (one transaction per import)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
import pyarrow as pa
from django.conf import settings
from django.utils.translation import gettext as _
from pyproj import CRS

from gis_app.geometry import max_vertices, storage_srid
from gis_app.importing import (
    COPY_CHUNK,
    REPORT_LIST_LIMIT,
    ImportRefused,
    ImportReport,
)


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

        geometry is "polygon" or "line". A feature with more than GIS_MAX_VERTICES vertices is
        rejected first, before any work on its shape (no transform, validity test or repair). The
        geometry is taken to the storage CRS. Invalid geometries are repaired with ST_MakeValid
        (structure method) and keep the validity reason;
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
        cap = max_vertices()
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
                f"UPDATE {self.stage} SET g0 = {to_storage} "
                "WHERE g0 IS NOT NULL AND NOT ST_IsEmpty(g0) AND ST_NPoints(g0) <= %(cap)s",
                {"src": src, "proj": proj, "dst": dst, "cap": cap},
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
        too_big = f"ST_NPoints(s.g0) > {int(cap)}"
        usable = f"(s.g0 IS NOT NULL AND NOT ST_IsEmpty(s.g0) AND GeometryType(s.g0) IN {types} AND NOT {too_big})"
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
            "r_vertices": _("more than %(limit)s vertices") % {"limit": cap},
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
                   WHEN {too_big} THEN %(r_vertices)s || ': ' || ST_NPoints(s.g0)
                   WHEN NOT {usable} THEN %(r_type)s || ' (' || GeometryType(s.g0) || ')'
                   WHEN v.valid THEN CASE WHEN {size}({g}) < 0.01 THEN %(r_size)s END
                   WHEN {lost} THEN %(r_size)s
                   WHEN NOT ST_IsValid(f.geom) THEN %(r_unrepaired)s || ': ' || ST_IsValidReason(f.geom)
                   ELSE ST_IsValidReason({multi}) END AS reason,
              CASE WHEN {usable} THEN {stored} END AS geom,
              {outside_sql} AS outside{derived_sql}
            FROM {self.stage} s
            CROSS JOIN LATERAL ST_IsValid(CASE WHEN {usable} THEN {g} END) AS v(valid)
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
