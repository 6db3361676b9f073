"""Backups: the database in pg_dump's custom format, the media files in a tar, and a manifest.

`backup_make` writes a timestamped folder: database.dump (pg_dump -Fc), media.tar (MEDIA_ROOT) and
manifest.json (SHA-256 of every file, exact row counts per table, the audit chain's count and head
hash). The counts, the audit walk and the dump read one snapshot (pg_export_snapshot), so the
manifest describes exactly what the dump holds even while the service writes.

`backup_restore` refuses a target database that holds any table of its own, verifies every hash
before it touches anything (a tampered or missing file is named), pg_restore's the dump, unpacks
the media, then compares the row counts and walks the restored audit chain to the recorded head.
The PostgreSQL client programs are those of the server's major version (/usr/lib/postgresql/N/bin,
where Debian puts them; scripts/lib.sh finds the server the same way).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from psycopg import sql

from gis_app.audit import audit_chain_verify, audit_seal

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup could not be made, or a folder cannot be restored; the message says why."""


@dataclass(frozen=True)
class RestoreReport:
    folder: Path
    tables: int
    rows: int
    audit_count: int
    audit_head: str


def libpq_url(database_url: str) -> str:
    """A DATABASE_URL (postgis://…) as a URI libpq and psycopg take (postgresql://…)."""
    scheme, sep, rest = database_url.partition("://")
    if not sep or scheme not in {"postgis", "postgres", "postgresql", "pgsql"}:
        raise BackupError(_("The database URL must start with postgis:// or postgresql://."))
    return f"postgresql://{rest}"


def pg_tool(name: str, server_version_num: int) -> str:
    """pg_dump or pg_restore of the server's major version: an older one cannot read a newer server."""
    tool = Path("/usr/lib/postgresql") / str(server_version_num // 10000) / "bin" / name
    if not tool.exists():
        raise BackupError(
            _("%(tool)s for PostgreSQL %(major)s is not installed (postgresql-client-%(major)s).")
            % {"tool": name, "major": server_version_num // 10000}
        )
    return str(tool)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


_TABLES_SQL = """
SELECT n.nspname, c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1, 2
"""


def _row_counts(cursor) -> dict[str, int]:
    """Exact rows per table (not the extensions' own tables such as spatial_ref_sys)."""
    cursor.execute(_TABLES_SQL)
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def backup_make(*, output: Path, media_root: Path | None = None) -> Path:
    """Write a timestamped backup folder under `output`; return it."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(output) / f"backup-{stamp}"
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise BackupError(
            _("Cannot create the backup folder %(path)s: %(error)s") % {"path": folder, "error": exc}
        ) from exc
    url = libpq_url(_database_url())
    audit_seal()  # the rows committed so far are chained before the snapshot (the manifest records the head)
    with transaction.atomic(), connection.cursor() as cur:
        # one snapshot for the dump, the counts and the audit walk
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')::int, current_database()")
        snapshot, version, dbname = cur.fetchone()
        dumped = subprocess.run(  # noqa: S603 - fixed program, arguments are ours
            [pg_tool("pg_dump", version), "--format=custom", f"--snapshot={snapshot}", f"--file={folder / DUMP}", url],
            capture_output=True,
            text=True,
            check=False,
        )
        if dumped.returncode != 0:
            raise BackupError(_("pg_dump failed: %(error)s") % {"error": dumped.stderr.strip()[-500:]})
        counts = _row_counts(cur)
        audit = audit_chain_verify()
    with tarfile.open(folder / MEDIA, "w") as tar:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": {"name": dbname, "server_version_num": version},
        "files": {name: _sha256(folder / name) for name in (DUMP, MEDIA)},
        "row_counts": counts,
        "audit": {"count": audit.count, "head_hash": audit.head_hash, "ok": audit.ok},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return folder


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgresql://{credentials}{quote(db['HOST'] or '', safe='')}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


def backup_check(folder: Path) -> dict:
    """The manifest of a backup folder whose every file is there and hashes as recorded."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(_("There is no backup folder at %(path)s.") % {"path": folder})
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(_("%(path)s has no manifest.json: it is not a backup folder.") % {"path": folder})
    try:
        manifest = json.loads(manifest_path.read_text())
        files, counts = manifest["files"], manifest["row_counts"]
        head = manifest["audit"]["head_hash"]
        if manifest["format"] != FORMAT_VERSION or not isinstance(files, dict) or not isinstance(counts, dict):
            raise ValueError
        if set(files) != {DUMP, MEDIA} or not isinstance(head, str):
            raise ValueError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise BackupError(
            _("The manifest in %(path)s is damaged or of an unknown format.") % {"path": folder}
        ) from None
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            raise BackupError(_("The backup is incomplete: %(file)s is missing.") % {"file": name})
        if _sha256(path) != expected:
            raise BackupError(
                _("%(file)s does not match its hash in the manifest: the backup was changed or damaged.")
                % {"file": name}
            )
    return manifest


def _target_tables(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(_TABLES_SQL)
        return [f"{schema}.{table}" for schema, table in cur.fetchall()]


# Python 3.11.4+ refuses unsafe archive entries itself (filter="data"); Debian 12's 3.11.2 has no filter.
_TAR_FILTER = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The media archive's entries, refused whole if any is an absolute path, climbs out with "..", or is
    not a plain file or folder (links, devices): checked on every Python, not only where tarfile can."""
    members = tar.getmembers()
    for member in members:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(_("The media archive holds an unsafe entry: %(name)s") % {"name": member.name[:200]})
    return members


def backup_restore(*, folder: Path, database_url: str, media_root: Path | None = None) -> RestoreReport:
    """Restore a verified backup folder into an empty database and check what arrived."""
    manifest = backup_check(folder)
    folder = Path(folder)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    url = libpq_url(database_url)
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise BackupError(_("Cannot connect to the target database: %(error)s") % {"error": exc}) from exc
    with conn:
        tables = _target_tables(conn)
        if tables:
            raise BackupError(
                _("The target database is not empty (%(count)s tables, e.g. %(table)s); restore only into a new one.")
                % {"count": len(tables), "table": tables[0]}
            )
        version = conn.info.server_version
        restored = subprocess.run(  # noqa: S603 - fixed program, arguments are ours
            [pg_tool("pg_restore", version), "--exit-on-error", "--no-owner", f"--dbname={url}", str(folder / DUMP)],
            capture_output=True,
            text=True,
            check=False,
        )
        if restored.returncode != 0:
            raise BackupError(_("pg_restore failed: %(error)s") % {"error": restored.stderr.strip()[-500:]})
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(folder / MEDIA) as tar:
            tar.extractall(media_root, members=_safe_members(tar), **_TAR_FILTER)  # noqa: S202 - entries checked
        with conn.cursor() as cur:
            counts = _row_counts(cur)
        expected = manifest["row_counts"]
        for table in sorted(set(expected) | set(counts)):
            if expected.get(table) != counts.get(table):
                raise BackupError(
                    _("After the restore %(table)s has %(found)s rows where the backup recorded %(expected)s.")
                    % {"table": table, "found": counts.get(table), "expected": expected.get(table)}
                )
        audit = audit_chain_verify(db=conn)
    if not audit.ok or audit.head_hash != manifest["audit"]["head_hash"]:
        raise BackupError(
            _("The restored audit chain does not verify to the recorded head (%(count)s events, head %(head)s).")
            % {"count": audit.count, "head": audit.head_hash}
        )
    return RestoreReport(
        folder=folder,
        tables=len(counts),
        rows=sum(counts.values()),
        audit_count=audit.count,
        audit_head=audit.head_hash,
    )
