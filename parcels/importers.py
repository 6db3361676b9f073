"""Importer of the property information system's parcels (with owners); the smaller layers are in
parcels.layers.

Parcels are the large layer (a city has hundreds of thousands): they are staged by binary COPY,
checked in PostGIS, given file codes in one SQL pass and written into a partition of their own,
which is indexed in bulk when it is attached (see migration 0001). One import is one transaction.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from gis_app.identifiers import national_ids_valid, normalise_digits
from gis_app.importing import (
    ImportRefused,
    ImportReport,
    Stopwatch,
    code_column_values,
    column_values,
    wkb_values,
)
from gis_app.models import DatasetKind, DatasetVersion
from gis_app.selectors import active_version_id
from gis_app.services import (
    dataset_version_finish,
    dataset_version_start,
    mapping_and_source,
)
from gis_app.staging import Column, Staging
from parcels.filecodes import SEQ_MAX, cell_sql, file_code_sql

PARCEL_FIELDS = {
    "source_id": "text",
    "registry_plate": "text",
    "renovation_code": "text",
    "address": "text",
    "postal_code": "text",
    "deed_area_m2": "float8",
}
OWNER_FIELDS = {"national_id", "full_name", "share_dang"}
OVERLAP_CHECK_MAX = 200_000  # above this the pairwise overlap report is skipped unless asked for
OVERLAP_MIN_M2 = 0.5  # shared area below this is digitising noise, not an overlap
MOVED_AREA_TOLERANCE = 0.05  # a re-drawn parcel keeps its file code when its area changed less


def city_boundary() -> tuple[str, int] | None:
    """The live city boundary as (table, version) for the importers' outside check, if one is live."""
    version_id = active_version_id(DatasetKind.BOUNDARY)
    return ("parcels_cityboundary", version_id) if version_id else None


def _owner_columns(source, mapping, report: ImportReport) -> list[Column]:
    columns = []
    for k, group in enumerate(mapping.owners, start=1):
        nids = column_values(source, group.get("national_id")).to_pylist()
        valid = national_ids_valid(nids)
        bad = sum(1 for v, ok in zip(nids, valid, strict=True) if v is not None and not ok)
        if bad:
            report.notes.append(
                _(
                    "%(n)d owner national IDs in owner column group %(k)d fail their check digit; "
                    "those owners were left out."
                )
                % {"n": bad, "k": k}
            )
        nids = pa.array([normalise_digits(v) if ok else None for v, ok in zip(nids, valid, strict=True)], pa.string())
        columns += [
            Column(f"own{k}_nid", "text", nids),
            Column(f"own{k}_name", "text", column_values(source, group.get("full_name"))),
            Column(f"own{k}_dang", "float8", column_values(source, group.get("share_dang"), numeric=True)),
        ]
    return columns


def parcels_import(
    *,
    path: Path,
    mapping_path: Path,
    layer: str | None = None,
    encoding: str | None = None,
    srid: int | None = None,
    check_overlaps: bool | None = None,
    user=None,
    progress=None,
) -> tuple[DatasetVersion, ImportReport]:
    """Import a parcels layer as a new, inactive dataset version; returns it with its report."""
    report = ImportReport(layer=Path(path).name)
    watch = Stopwatch(report, progress)
    mapping, source = mapping_and_source(
        kind="parcels",
        path=path,
        mapping_path=mapping_path,
        fields=PARCEL_FIELDS,
        layer=layer,
        encoding=encoding,
        srid=srid,
        owner_fields=OWNER_FIELDS,
    )
    report.read = source.count
    watch.lap(f"read {source.count} features")
    columns = _parcel_columns(source, mapping, report)
    columns += _owner_columns(source, mapping, report)
    wkb = wkb_values(source)
    watch.lap("map and clean attributes")
    with transaction.atomic():
        version = dataset_version_start(kind=DatasetKind.PARCELS, source=source, mapping=mapping, user=user)
        v = version.pk
        with connection.cursor() as cursor:
            cur = cursor.cursor  # the psycopg cursor, for COPY
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            st = Staging(cur, prefix=f"imp_parcels_{v}")
            st.copy(columns=columns, wkb=wkb, id_sequence="parcels_parcel_id_seq")
            del wkb, columns
            watch.lap("copy to staging")
            st.classify(
                crs=source.crs,
                geometry="polygon",
                boundary=city_boundary(),
                derived={
                    "anchor": "ST_PointOnSurface({geom})",
                    "geom_hash": "md5(ST_AsBinary({geom}))",
                },
            )
            watch.lap("geometry checks, repair, anchors")
            seq = _file_codes_prepare(st, version_id=v)
            st.report_fill(report)
            watch.lap("duplicates, file codes, report")
            report.imported = _partition_create(st, version_id=v, seq_table=seq, watch=watch)
            if mapping.owners:
                _ownerships_insert(st, owner_groups=len(mapping.owners), report=report)
                watch.lap("owners and shares")
            cur.execute(f"ALTER TABLE parcels_parcel ATTACH PARTITION parcels_parcel_v{v} FOR VALUES IN ({v})")
            watch.lap("indexes (attach partition)")
            if report.imported and check_overlaps is None:
                check_overlaps = report.imported <= OVERLAP_CHECK_MAX
            if check_overlaps:
                _overlaps_report(st, version_id=v, report=report)
                watch.lap("overlap report")
            elif report.imported:
                report.notes.append(
                    _("Overlap report skipped for %(n)d parcels (more than %(max)d); run with --check-overlaps.")
                    % {"n": report.imported, "max": OVERLAP_CHECK_MAX}
                )
            st.drop()
            cur.execute(f"ANALYZE parcels_parcel_v{v}")
        if report.imported == 0:
            raise ImportRefused(_("%(path)s: no parcel could be imported.") % {"path": source.path.name}, report=report)
        dataset_version_finish(version=version, report=report, duration_s=watch.total())
    return version, report


RENOVATION_CODE_RE = r"^\d{1,4}(-\d{1,5}){6}$"
REGISTRY_PLATE_RE = r"^\d{1,6}/\d{1,6}$"
POSTAL_CODE_RE = r"^[13-9]{5}[0-9]{5}$"  # ten digits, no 0 or 2 in the first five (Iran Post)


def _parcel_columns(source, mapping, report: ImportReport) -> list[Column]:
    """Our parcel fields from the source: codes normalised and checked, deed area positive."""
    renovation, renovation_dropped = code_column_values(
        source, mapping.fields.get("renovation_code"), pattern=RENOVATION_CODE_RE
    )
    plate, plate_dropped = code_column_values(source, mapping.fields.get("registry_plate"), pattern=REGISTRY_PLATE_RE)
    postal, postal_dropped = code_column_values(
        source, mapping.fields.get("postal_code"), pattern=POSTAL_CODE_RE, strip=" -"
    )
    deed = column_values(source, mapping.fields.get("deed_area_m2"), numeric=True)
    positive = pc.fill_null(pc.greater(deed, 0), True)
    deed_dropped = pc.sum(pc.invert(positive)).as_py() or 0
    deed = pc.if_else(positive, deed, pa.nulls(len(deed), pa.float64()))
    for n, message in (
        (renovation_dropped, _("%(n)d malformed renovation codes were left empty.")),
        (plate_dropped, _("%(n)d malformed registry plates were left empty.")),
        (postal_dropped, _("%(n)d malformed postal codes were left empty.")),
        (deed_dropped, _("%(n)d deed areas that were not positive were left empty.")),
    ):
        if n:
            report.notes.append(message % {"n": n})
    return [
        Column("source_id", "text", column_values(source, mapping.fields.get("source_id"))),
        Column("registry_plate", "text", plate),
        Column("renovation_code", "text", renovation),
        Column("address", "text", column_values(source, mapping.fields.get("address"))),
        Column("postal_code", "text", postal),
        Column("deed_area_m2", "float8", deed),
    ]


def _file_codes_prepare(st: Staging, *, version_id: int) -> str:
    """Tables {reuse} (codes kept from earlier versions) and {seq} (new sequence numbers); rejects
    exact duplicates within the file.

    A parcel keeps its code when an earlier version holds the same geometry, or the same parcel
    re-drawn (each contains the other's point on surface, area within MOVED_AREA_TOLERANCE) in the
    previous version. Other parcels get the next free sequence in their 100 m cell: the highest
    ever given there, over every version, plus one, ordered north to south, west to east.
    """
    cur = st.cur
    reuse, seq = st.table("reuse"), st.table("seq")
    cur.execute(f"CREATE UNLOGGED TABLE {reuse} (row_no int PRIMARY KEY, file_code text NOT NULL)")
    cur.execute("SELECT EXISTS (SELECT 1 FROM parcels_parcel)")
    (history,) = cur.fetchone()
    cellmax = "(SELECT NULL::int AS ce, NULL::int AS cn, NULL::int AS seq WHERE false)"
    if history:
        cur.execute(
            f"""
            INSERT INTO {reuse} (row_no, file_code)
            SELECT p.row_no, r.file_code FROM {st.proc} p
            JOIN (SELECT DISTINCT ON (geom_hash) geom_hash, file_code FROM parcels_parcel
                  WHERE version_id <> %(v)s AND geom_hash IN (SELECT geom_hash FROM {st.proc})
                  ORDER BY geom_hash, version_id DESC) r USING (geom_hash)
            WHERE p.status <> 'rejected'
            """,
            {"v": version_id},
        )
        cur.execute(
            "SELECT id FROM gis_app_datasetversion WHERE kind = 'parcels' AND id < %s ORDER BY id DESC LIMIT 1",
            [version_id],
        )
        previous = cur.fetchone()
        if previous:
            cur.execute(
                f"""
                INSERT INTO {reuse} (row_no, file_code)
                SELECT DISTINCT ON (q.file_code) p.row_no, q.file_code
                FROM {st.proc} p
                JOIN parcels_parcel q ON q.version_id = %(prev)s AND ST_Contains(q.geom, p.anchor)
                WHERE p.status <> 'rejected'
                  AND NOT EXISTS (SELECT 1 FROM {reuse} r WHERE r.row_no = p.row_no OR r.file_code = q.file_code)
                  AND ST_Contains({st.geom}, q.anchor)
                  AND abs(ST_Area({st.geom}) / ST_Area(q.geom) - 1) < %(tol)s
                ORDER BY q.file_code, p.row_no
                ON CONFLICT (row_no) DO NOTHING
                """,
                {"prev": previous[0], "tol": MOVED_AREA_TOLERANCE},
            )
        cellmax = (
            "(SELECT split_part(file_code, '-', 2)::int AS ce, split_part(file_code, '-', 3)::int AS cn, "
            "max(split_part(file_code, '-', 4)::int) AS seq FROM parcels_parcel GROUP BY 1, 2)"
        )
    # One sort serves two ends. Identical geometries have the same point on surface, so ordered
    # by cell, position and checksum they sit side by side: the later ones are duplicates of the
    # file (rejected). The others, unless they keep a code, are numbered in that order.
    cur.execute(
        f"""
        CREATE UNLOGGED TABLE {seq} AS
        SELECT n.row_no, n.dup_of, n.ce, n.cn,
               -- a running count over the same window as the duplicates: no second sort
               CASE WHEN n.dup_of IS NULL AND NOT n.reused THEN coalesce(cm.seq, 0) + count(*) FILTER (
                   WHERE n.dup_of IS NULL AND NOT n.reused) OVER (
                   PARTITION BY n.ce, n.cn ORDER BY n.y DESC, n.x, n.geom_hash, n.row_no
                   ROWS UNBOUNDED PRECEDING) END AS new_seq
        FROM (
          SELECT a.row_no, a.ce, a.cn, a.x, a.y, a.geom_hash, a.reused,
                 CASE WHEN lag(a.geom_hash) OVER w = a.geom_hash THEN lag(a.row_no) OVER w END AS dup_of
          FROM (
            SELECT p.row_no, p.geom_hash,
                   {cell_sql("ST_X(p.anchor)")} AS ce, {cell_sql("ST_Y(p.anchor)")} AS cn,
                   ST_X(p.anchor) AS x, ST_Y(p.anchor) AS y, r.row_no IS NOT NULL AS reused
            FROM {st.proc} p LEFT JOIN {reuse} r ON r.row_no = p.row_no
            WHERE p.status <> 'rejected'
          ) a
          WINDOW w AS (PARTITION BY a.ce, a.cn ORDER BY a.y DESC, a.x, a.geom_hash, a.row_no)
        ) n
        LEFT JOIN {cellmax} cm ON cm.ce = n.ce AND cm.cn = n.cn
        """
    )
    cur.execute(f"ANALYZE {seq}")  # the partition's join then hashes this narrow table, in parallel
    cur.execute(f"SELECT max(new_seq), bool_or(dup_of IS NOT NULL) FROM {seq}")
    highest, any_duplicates = cur.fetchone()
    if any_duplicates:
        cur.execute(
            f"""
            UPDATE {st.proc} p SET status = 'rejected', reason = %s || coalesce(f.source_id, '#' || (f.row_no + 1))
            FROM (SELECT row_no, dup_of FROM {seq} WHERE dup_of IS NOT NULL) d
            JOIN {st.proc} f ON f.row_no = d.dup_of
            WHERE p.row_no = d.row_no
            """,
            [_("same geometry as ")],
        )
    if highest is not None and highest > SEQ_MAX:
        raise ImportRefused(
            _(
                "More than %(max)d parcels fall in one 100 m cell: the coordinates are probably not in "
                "metres (check the CRS)."
            )
            % {"max": SEQ_MAX}
        )
    return seq


def _partition_create(st: Staging, *, version_id: int, seq_table: str, watch: Stopwatch) -> int:
    """The new version's partition, written in one parallel pass; returns how many parcels it holds.

    It is attached to parcels_parcel afterwards, which builds its indexes in bulk.
    """
    srid = settings.GIS_STORAGE_SRID
    v = version_id
    partition = f"parcels_parcel_v{v}"
    reuse = seq_table.removesuffix("_seq") + "_reuse"
    code = file_code_sql(srid=srid, cell_e="q.ce", cell_n="q.cn", seq="q.new_seq")
    st.cur.execute(
        f"""
        CREATE TABLE {partition} AS
        SELECT p.id::bigint AS id,
               p.geom::geometry(MultiPolygon, {srid}) AS geom,
               p.anchor::geometry(Point, {srid}) AS anchor,
               coalesce(r.file_code, {code})::varchar(24) COLLATE "C" AS file_code,
               p.geom_hash::varchar(32) COLLATE "C" AS geom_hash,
               coalesce(p.source_id, '')::varchar(64) AS source_id,
               coalesce(p.registry_plate, '')::varchar(32) COLLATE "C" AS registry_plate,
               coalesce(p.renovation_code, '')::varchar(40) COLLATE "C" AS renovation_code,
               coalesce(p.address, '')::varchar(255) AS address,
               coalesce(p.postal_code, '')::varchar(10) COLLATE "C" AS postal_code,
               round(p.deed_area_m2::numeric, 2)::numeric(12, 2) AS deed_area_m2,
               {v}::bigint AS version_id
        FROM {st.proc} p
        JOIN {seq_table} q ON q.row_no = p.row_no  -- every row not rejected has one
        LEFT JOIN {reuse} r ON r.row_no = p.row_no
        WHERE p.status <> 'rejected'
        """
    )
    count = st.cur.rowcount
    watch.lap("write the new partition")
    # The parent's NOT NULL and CHECK constraints, checked in one scan; the version check lets the
    # attach skip its own scan.
    not_null = ", ".join(
        f"ALTER COLUMN {c} SET NOT NULL"
        for c in (
            "id",
            "geom",
            "anchor",
            "file_code",
            "geom_hash",
            "source_id",
            "registry_plate",
            "renovation_code",
            "address",
            "postal_code",
            "version_id",
        )
    )
    st.cur.execute(
        f"ALTER TABLE {partition} {not_null}, "
        # NOT VALID like the parent's (migration 0004): classification already tested each shape.
        f"ADD CONSTRAINT parcel_geom_valid CHECK (ST_IsValid(geom)) NOT VALID, "
        f"ADD CONSTRAINT {partition}_in_version CHECK (version_id = {v})"
    )
    watch.lap("constraints (not null, version)")
    return count


def _ownerships_insert(st: Staging, *, owner_groups: int, report: ImportReport) -> None:
    """Owners (by national ID; the first name seen wins) and each parcel's shares in dang."""
    cur = st.cur
    groups = range(1, owner_groups + 1)
    owners_union = " UNION ALL ".join(
        f"SELECT own{k}_nid AS nid, own{k}_name AS name, row_no FROM {st.stage} WHERE own{k}_nid IS NOT NULL"
        for k in groups
    )
    cur.execute(
        f"""
        INSERT INTO parcels_owner (national_id, full_name)
        SELECT nid, coalesce((array_agg(name ORDER BY row_no))[1], '') FROM ({owners_union}) o GROUP BY nid
        ON CONFLICT (national_id) DO NOTHING
        """
    )
    n_owners = " + ".join(f"(s.own{k}_nid IS NOT NULL)::int" for k in groups)
    shares = []
    for k in groups:
        not_repeated = "".join(f" AND s.own{k}_nid IS DISTINCT FROM s.own{j}_nid" for j in range(1, k))
        shares.append(
            f"""
            SELECT p.id AS parcel_id, o.id AS owner_id,
                   CASE WHEN s.own{k}_dang > 0 AND s.own{k}_dang <= 6 THEN round(s.own{k}_dang::numeric, 3)
                        ELSE round(6.0 / ({n_owners}), 3) END AS share_dang
            FROM {st.stage} s
            JOIN {st.proc} p ON p.row_no = s.row_no AND p.status <> 'rejected'
            JOIN parcels_owner o ON o.national_id = s.own{k}_nid
            WHERE s.own{k}_nid IS NOT NULL{not_repeated}
            """
        )
    cur.execute(f"INSERT INTO parcels_ownership (parcel_id, owner_id, share_dang) {' UNION ALL '.join(shares)}")
    bad = " + ".join(
        f"(s.own{k}_nid IS NOT NULL AND (s.own{k}_dang IS NULL OR s.own{k}_dang <= 0 OR s.own{k}_dang > 6))::int"
        for k in groups
    )
    cur.execute(f"SELECT coalesce(sum({bad}), 0) FROM {st.stage} s")
    (bad_shares,) = cur.fetchone()
    if bad_shares:
        report.notes.append(
            _("%(n)d owner shares were missing or outside 0-6 dang; the parcel was split equally.") % {"n": bad_shares}
        )


def _overlaps_report(st: Staging, *, version_id: int, report: ImportReport) -> None:
    """Pairs of parcels of this version whose interiors overlap by more than OVERLAP_MIN_M2.

    They are reported, not changed: moving a neighbour's boundary is the surveyor's decision.
    Big parcels (a road parcel can have thousands of vertices) are cut with ST_Subdivide first, so
    every intersection is between small pieces.
    """
    cur = st.cur
    pieces = st.table("pieces")
    cur.execute(
        f"CREATE UNLOGGED TABLE {pieces} AS SELECT id, source_id, ST_Subdivide(geom, 64) AS g "
        "FROM parcels_parcel WHERE version_id = %(v)s",
        {"v": version_id},
    )
    cur.execute(f"CREATE INDEX ON {pieces} USING gist (g)")
    cur.execute(f"ANALYZE {pieces}")
    cur.execute(
        f"""
        SELECT a.source_id, b.source_id, round(sum(ST_Area(ST_Intersection(a.g, b.g)))::numeric, 2) AS shared
        FROM {pieces} a JOIN {pieces} b ON a.id < b.id AND a.g && b.g AND ST_Intersects(a.g, b.g)
        GROUP BY a.id, b.id, a.source_id, b.source_id
        HAVING sum(ST_Area(ST_Intersection(a.g, b.g))) > %(min)s
        ORDER BY shared DESC
        """,
        {"min": OVERLAP_MIN_M2},
    )
    pairs = cur.fetchall()
    if pairs:
        report.notes.append(
            _("%(n)d pairs of parcels overlap by more than %(min)s m² (largest first): %(pairs)s")
            % {
                "n": len(pairs),
                "min": OVERLAP_MIN_M2,
                "pairs": "; ".join(f"{a} / {b}: {area} m²" for a, b, area in pairs[:50]),
            }
        )
    report.overlaps = len(pairs)
