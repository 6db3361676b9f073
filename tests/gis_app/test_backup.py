"""manage.py backup and restore (issue 17, item 14): a backup of real data restored into a fresh
empty database on the same cluster has the same rows, files and audit chain; a tampered, incomplete
or missing backup, a non-empty target and a wrong path are refused with a message, before anything
is written to the target."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from gis_app.audit import audit_chain_verify, audit_record
from gis_app.backups import DUMP, MANIFEST, MEDIA, libpq_url
from parcels.models import PropertyFile
from parcels.services import property_file_open
from tests.conftest import _database_url
from tests.surveys.conftest import plot, user_with  # noqa: F401 - fixtures

pytestmark = pytest.mark.hostile("tampered or wrong backups (item 14)")


@pytest.fixture(autouse=True)
def _english():
    """The commands' messages are matched in English (the site's language is active otherwise)."""
    with translation.override("en"):
        yield


def _admin_url() -> str:
    return libpq_url(_database_url(connection.settings_dict))


@pytest.fixture
def empty_database():
    """A new, empty database on the test cluster; dropped afterwards."""
    name = f"restore_{secrets.token_hex(4)}"
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    settings = dict(connection.settings_dict, NAME=name)
    yield _database_url(settings), name
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def data(transactional_db, plot, settings, tmp_path):  # noqa: F811 - the plot fixture
    """A property file (with its audit row), more audit rows and a media file."""
    surveyor = user_with("surveyor", "t-backup")
    file = property_file_open(parcel=plot, actor=surveyor)
    for n in range(3):
        audit_record(actor=surveyor, action="backup.test", obj=file, n=n, text="پرونده")
    media = Path(settings.MEDIA_ROOT)
    (media / "scans").mkdir(parents=True)
    (media / "scans" / "deed.pdf").write_bytes(b"%PDF-1.7 test scan \x00\xff")
    return file


@pytest.fixture
def backup(data, tmp_path):
    call_command("backup", output=tmp_path / "backups")
    (folder,) = (tmp_path / "backups").iterdir()
    return folder


def test_a_backup_restores_into_an_empty_database_with_the_same_rows_files_and_audit_chain(
    backup, empty_database, tmp_path, capsys
):
    url, _name = empty_database
    manifest = json.loads((backup / MANIFEST).read_text())
    assert set(manifest["files"]) == {DUMP, MEDIA}
    assert manifest["row_counts"]["public.parcels_propertyfile"] == 1
    source = audit_chain_verify()
    assert manifest["audit"] == {"count": source.count, "head_hash": source.head_hash, "ok": True}
    assert source.count >= 4

    call_command("restore", str(backup), database_url=url, media_root=tmp_path / "restored-media")
    assert f"head {source.head_hash}" in capsys.readouterr().out
    assert (tmp_path / "restored-media" / "scans" / "deed.pdf").read_bytes() == b"%PDF-1.7 test scan \x00\xff"
    with psycopg.connect(libpq_url(url)) as restored:
        code = restored.execute("SELECT code FROM parcels_propertyfile").fetchone()[0]
        assert code == PropertyFile.objects.get().code
        report = audit_chain_verify(db=restored)
        assert (report.ok, report.count, report.head_hash) == (True, source.count, source.head_hash)
        # the restored audit rows are still append-only
        with pytest.raises(psycopg.errors.IntegrityError):
            restored.execute("UPDATE gis_app_auditevent SET action = 'x'")


def _flip_a_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def _restore_refused(folder, url, tmp_path) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(folder), database_url=url, media_root=tmp_path / "restored-media")
    return str(refused.value)


def _still_empty(name: str) -> None:
    with psycopg.connect(libpq_url(_database_url(dict(connection.settings_dict, NAME=name)))) as target:
        assert target.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda f: _flip_a_byte(f / DUMP, 200), "database.dump"),  # a byte changed inside the dump
        (lambda f: _flip_a_byte(f / DUMP, -1), "database.dump"),  # its last byte
        (lambda f: (f / DUMP).write_bytes((f / DUMP).read_bytes()[:-100]), "database.dump"),  # truncated
        (lambda f: _flip_a_byte(f / MEDIA, 700), "media.tar"),  # a media file changed
        (lambda f: (f / MEDIA).unlink(), "media.tar"),  # a file missing
    ],
    ids=["dump-byte", "dump-last-byte", "dump-truncated", "media-byte", "media-missing"],
)
def test_a_tampered_or_incomplete_backup_is_refused_naming_the_file(backup, empty_database, tmp_path, damage, named):
    url, name = empty_database
    damage(backup)
    message = _restore_refused(backup, url, tmp_path)
    assert named in message
    _still_empty(name)
    assert not (tmp_path / "restored-media").exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: (f / MANIFEST).unlink(),  # no manifest
        lambda f: (f / MANIFEST).write_text("{not json"),  # not JSON
        lambda f: (f / MANIFEST).write_text(json.dumps({"format": 1, "files": {}})),  # fields missing
        lambda f: (f / MANIFEST).write_bytes(b"\xff\xfe\x00"),  # not text
    ],
    ids=["missing", "not-json", "incomplete", "not-utf8"],
)
def test_a_missing_or_damaged_manifest_is_refused(backup, empty_database, tmp_path, damage):
    url, name = empty_database
    damage(backup)
    message = _restore_refused(backup, url, tmp_path)
    assert "manifest" in message
    _still_empty(name)


def test_a_non_empty_target_is_refused(backup, empty_database, tmp_path):
    url, _name = empty_database
    # the test database itself, and a new database holding one table of its own
    assert "not empty" in _restore_refused(backup, _database_url(connection.settings_dict), tmp_path)
    with psycopg.connect(libpq_url(url), autocommit=True) as target:
        target.execute("CREATE TABLE leftover (id int)")
    message = _restore_refused(backup, url, tmp_path)
    assert "not empty" in message and "public.leftover" in message


@pytest.mark.parametrize(
    "where",
    [
        lambda tmp: tmp / "no-such-backup",  # nothing there
        lambda tmp: tmp / "file.txt",  # a file, not a folder
        lambda tmp: tmp / "empty",  # an empty folder
        lambda tmp: tmp,  # a folder holding other things
    ],
    ids=["missing", "a-file", "empty-folder", "other-folder"],
)
def test_a_wrong_path_is_refused(transactional_db, empty_database, tmp_path, where):
    url, name = empty_database
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    message = _restore_refused(where(tmp_path), url, tmp_path)
    assert "no backup folder" in message or "no manifest.json" in message
    _still_empty(name)


@pytest.mark.parametrize(
    "url",
    ["mysql://x@localhost/db", "not a url", "postgis://gis@%2Fno%2Fsuch%2Fsocket:1/none"],
    ids=["other-engine", "not-a-url", "unreachable"],
)
def test_a_wrong_target_url_is_refused(backup, tmp_path, url):
    message = _restore_refused(backup, url, tmp_path)
    assert "postgis://" in message or "Cannot connect" in message


def test_backup_into_an_unwritable_place_is_refused(transactional_db, tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(CommandError, match="Cannot create the backup folder"):
        call_command("backup", output=tmp_path / "a-file")
