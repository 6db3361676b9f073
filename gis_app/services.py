"""Writes for dataset versions: creating one per import, recording its report, switching it live."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_app.importing import (
    ImportRefused,
    ImportReport,
    SourceData,
    Stopwatch,
    column_values,
    source_read,
    wkb_values,
)
from gis_app.mapping import LayerMapping, mapping_load
from gis_app.models import DatasetVersion
from gis_app.staging import Column, Staging


def mapping_and_source(
    *,
    kind: str,
    path,
    mapping_path,
    fields,
    layer: str | None = None,
    encoding: str | None = None,
    srid: int | None = None,
    owner_fields=frozenset(),
) -> tuple[LayerMapping, SourceData]:
    """A layer kind's field mapping and its source, read with the caller's options or the mapping's."""
    mapping = mapping_load(mapping_path, kind=kind, allowed=set(fields), owner_fields=owner_fields)
    source = source_read(
        path, layer=layer or mapping.layer, encoding=encoding or mapping.encoding, srid=srid or mapping.srid
    )
    return mapping, source


def dataset_version_start(*, kind: str, source: SourceData, mapping: LayerMapping, user=None) -> DatasetVersion:
    """A new, inactive version for one import (call inside the import's transaction)."""
    return DatasetVersion.objects.create(
        kind=kind,
        source_name=source.path.name,
        source_layer=source.layer or "",
        source_sha256=source.sha256,
        source_crs=source.crs_text,
        mapping_name=mapping.name,
        imported_by=user,
    )


def dataset_version_finish(*, version: DatasetVersion, report: ImportReport, duration_s: float) -> DatasetVersion:
    """Store the counts and the report of an import on its version."""
    version.read_count = report.read
    version.imported_count = report.imported
    version.repaired_count = report.repaired_count
    version.rejected_count = report.rejected_count
    version.report = report.as_dict()
    version.duration_s = duration_s
    version.save(
        update_fields=[
            "read_count",
            "imported_count",
            "repaired_count",
            "rejected_count",
            "report",
            "duration_s",
        ]
    )
    return version


def dataset_version_activate(*, version: DatasetVersion, user=None) -> DatasetVersion:
    """Make a version the live one of its kind; the previous live version stays queryable."""
    with transaction.atomic():
        # Lock the kind's versions so two activations cannot interleave.
        list(DatasetVersion.objects.select_for_update().filter(kind=version.kind).values_list("id", flat=True))
        DatasetVersion.objects.filter(kind=version.kind, is_active=True).exclude(pk=version.pk).update(is_active=False)
        version.is_active = True
        version.activated_at = timezone.now()
        version.activated_by = user
        version.save(update_fields=["is_active", "activated_at", "activated_by"])
    return version


def layer_import_simple(
    *,
    kind: str,
    path,
    mapping_path,
    table: str,
    fields: dict[str, str],
    geometry: str,
    boundary: tuple[str, int] | None,
    checks: list[tuple[str, str] | tuple[str, str, str]] = (),
    insert_columns: dict[str, str] | None = None,
    id_column: str = "source_id",
    layer: str | None = None,
    encoding: str | None = None,
    srid: int | None = None,
    user=None,
    progress=None,
) -> tuple[DatasetVersion, ImportReport]:
    """Import a small layer (zones, streets, buildings, value zones, boundary, districts) into its table.

    fields maps our field name to its staging type ("text", "float8"); checks are (SQL condition
    on the checked features, alias p, that rejects a feature, where {proc} names their table; the
    reason; optionally an expression whose value is appended to the reason), applied in order;
    insert_columns maps the table's columns to SQL
    expressions over the checked features (default: the field of the same name).
    """
    mapping, source = mapping_and_source(
        kind=kind, path=path, mapping_path=mapping_path, fields=fields, layer=layer, encoding=encoding, srid=srid
    )
    report = ImportReport(layer=source.path.name, read=source.count)
    watch = Stopwatch(report, progress)
    columns = [
        Column(name, pgtype, column_values(source, mapping.fields.get(name), numeric=pgtype != "text"))
        for name, pgtype in fields.items()
    ]
    with transaction.atomic():
        version = dataset_version_start(kind=kind, source=source, mapping=mapping, user=user)
        with connection.cursor() as cursor:
            st = Staging(cursor.cursor, prefix=f"imp_{kind}_{version.pk}")  # the psycopg cursor, for COPY
            st.copy(columns=columns, wkb=wkb_values(source))
            st.classify(crs=source.crs, geometry=geometry, boundary=boundary)
            for condition, reason, *value_column in checks:
                st.reject_where(
                    condition=condition, reason=reason, value_column=value_column[0] if value_column else None
                )
            watch.lap("staging and checks")
            insert_columns = insert_columns or {name: name for name in fields}
            names = ", ".join(["version_id", "geom", *insert_columns])
            exprs = ", ".join(["%s", st.geom, *insert_columns.values()])
            st.cur.execute(
                f"INSERT INTO {table} ({names}) SELECT {exprs} FROM {st.proc} p "
                "WHERE p.status <> 'rejected' ORDER BY p.row_no",
                [version.pk],
            )
            report.imported = st.cur.rowcount
            st.report_fill(report, id_column=id_column)
            st.drop()
        watch.lap("insert")
        if report.imported == 0:
            raise ImportRefused(
                _("%(path)s: no feature could be imported.") % {"path": source.path.name}, report=report
            )
        dataset_version_finish(version=version, report=report, duration_s=watch.total())
    return version, report
