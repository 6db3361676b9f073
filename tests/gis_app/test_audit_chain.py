"""Tamper-evident audit (issue 17 item 12): rows are hash-chained by the database's sealer shortly after
commit and append-only for the web's role; audit_verify names the first edited, deleted or inserted row,
and a row left unsealed past the grace."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DataError, IntegrityError, connection, connections, transaction
from django.utils import translation

from gis_app.audit import GENESIS_HASH, ChainBreak, audit_chain_verify, audit_record, audit_seal
from gis_app.models import AuditEvent
from tests.conftest import wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.hostile("audit rows edited, deleted or forged (item 12)")]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def subject(django_user_model):
    return django_user_model.objects.create_user(username="audited", password="x-long-enough-1")


def _sealed(events):
    """The events once the sealer has chained them (as its periodic job does seconds after commit)."""
    audit_seal()
    by_id = AuditEvent.objects.in_bulk([e.pk for e in events])
    return [by_id[e.pk] for e in events]


@pytest.fixture
def events(subject):
    return _sealed(
        [
            audit_record(actor=None, action=f"test.step{i}", obj=subject, note=f"n{i}", nested={"b": i, "a": [i]})
            for i in range(5)
        ]
    )


def _as_owner(sql: str, params=()) -> None:
    """Change the table as the database owner does: with the append-only trigger disabled."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred FK checks
        cursor.execute("ALTER TABLE gis_app_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE gis_app_auditevent ENABLE TRIGGER USER")


def _verify_fails() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify")
    return str(caught.value)


def test_rows_are_chained_and_verify_ok(events, capsys):
    first = AuditEvent.objects.order_by("id").first()
    assert first.prev_hash == GENESIS_HASH
    ids = [e.pk for e in events]
    assert ids == sorted(ids)
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.row_hash != ""
        assert len(after.row_hash) == 64
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "OK" in out and f"{AuditEvent.objects.count()} " in out and events[-1].row_hash in out


def test_verify_speaks_persian_first(events):
    _as_owner("UPDATE gis_app_auditevent SET action = 'test.forged' WHERE id = %s", [events[0].pk])
    with translation.override("fa"):
        assert f"رویداد ممیزی {events[0].pk} ویرایش شده است" in _verify_fails()


def test_empty_chain_is_ok(capsys):
    call_command("audit_verify")
    assert "OK: 0 " in capsys.readouterr().out


_EDITS = [
    "UPDATE gis_app_auditevent SET action = 'test.forged' WHERE id = %s",
    """UPDATE gis_app_auditevent SET data = '{"note": "rewritten"}' WHERE id = %s""",
    """UPDATE gis_app_auditevent SET data = data || '{"extra": 1}' WHERE id = %s""",
    "UPDATE gis_app_auditevent SET at = at - interval '1 microsecond' WHERE id = %s",
    "UPDATE gis_app_auditevent SET object_id = '999999' WHERE id = %s",
    "UPDATE gis_app_auditevent SET action = 'test.forged', row_hash = repeat('a', 64) WHERE id = %s",
]


@pytest.mark.parametrize("edit", _EDITS)
def test_a_row_edited_by_the_owner_is_named(events, edit):
    target = events[2]
    _as_owner(edit, [target.pk])
    report = audit_chain_verify()
    assert (report.broken_at, report.breach) == (target.pk, ChainBreak.EDITED)
    assert f"audit event {target.pk} was edited" in _verify_fails()


@pytest.mark.parametrize("deleted", [[0], [2], [1, 2], [4]])
def test_a_deleted_row_is_named(events, deleted):
    _as_owner("DELETE FROM gis_app_auditevent WHERE id = ANY(%s)", [[events[i].pk for i in deleted]])
    if deleted == [4]:
        # The head's deletion leaves a valid shorter chain: only the count and head hash printed by
        # audit_verify (to be recorded outside the database) show it.
        report = audit_chain_verify()
        assert report.ok and report.head_hash == events[3].row_hash
        return
    following = events[max(deleted) + 1]
    report = audit_chain_verify()
    assert (report.broken_at, report.breach) == (following.pk, ChainBreak.DELETED)
    assert f"breaks before audit event {following.pk}" in _verify_fails()


_FORGE = """
INSERT INTO gis_app_auditevent (id, at, actor_id, action, object_type, object_id, data, prev_hash, row_hash)
VALUES (%(id)s, now(), NULL, 'test.forged', 'accounts.user', '1', '{}', %(prev)s,
        gis_audit_row_hash(%(id)s, now(), NULL, 'test.forged', 'accounts.user', '1', '{}', %(prev)s))
"""


@pytest.mark.parametrize("prev", ["chained", "random", "genesis"])
def test_a_forged_row_inserted_by_the_owner_is_named(subject, prev):
    first = audit_record(actor=None, action="test.a", obj=subject)
    with connection.cursor() as cursor:  # leave a gap in the ids for the forgery
        cursor.execute("SELECT nextval(pg_get_serial_sequence('gis_app_auditevent', 'id'))")
        (gap,) = cursor.fetchone()
    after = [audit_record(actor=None, action=f"test.b{i}", obj=subject) for i in range(2)]
    first, *after = _sealed([first, *after])
    prev_hash = {"chained": first.row_hash, "random": "f" * 64, "genesis": GENESIS_HASH}[prev]
    _as_owner(_FORGE, {"id": gap, "prev": prev_hash})
    report = audit_chain_verify()
    assert (report.broken_at, report.breach) == (gap, ChainBreak.INSERTED)
    assert f"audit event {gap} was inserted out of the chain" in _verify_fails()
    assert after[0].prev_hash == first.row_hash


def test_a_forged_row_with_trigger_on_is_chained_not_hidden(subject):
    """Inserted through the trigger, a row is chained: it cannot take a place inside the history."""
    first = audit_record(actor=None, action="test.a", obj=subject)
    with connection.cursor() as cursor:
        cursor.execute(_FORGE, {"id": first.pk - 1, "prev": GENESIS_HASH})
    forged = AuditEvent.objects.get(action="test.forged")
    assert forged.pk > first.pk and forged.prev_hash == forged.row_hash == ""  # the writer's hashes are dropped
    (first, forged) = _sealed([first, forged])
    assert forged.prev_hash == first.row_hash
    assert audit_chain_verify().ok


@pytest.mark.parametrize(
    "change",
    [
        lambda e: AuditEvent.objects.filter(pk=e.pk).update(action="test.changed"),
        lambda e: AuditEvent.objects.filter(pk=e.pk).update(row_hash="0" * 64),
        lambda e: AuditEvent.objects.filter(pk=e.pk).delete(),
        lambda e: e.delete(),
        lambda e: AuditEvent.objects.all().delete(),
        lambda e: e.save(),
    ],
)
def test_the_web_role_cannot_update_or_delete(events, change):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        change(events[1])
    assert audit_chain_verify().ok
    assert AuditEvent.objects.get(pk=events[1].pk).action == "test.step1"


@pytest.mark.parametrize("sql", ["UPDATE gis_app_auditevent SET action = 'x'", "DELETE FROM gis_app_auditevent"])
def test_raw_sql_update_or_delete_is_refused(events, sql):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_chain_correctly(django_user_model):
    subject = django_user_model.objects.create_user(username="busy", password="x-long-enough-1")
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(15):
                with transaction.atomic():
                    audit_record(actor=None, action=f"test.t{n}.{i}", obj=subject)
                    if i % 5 == 4:  # a rolled-back write must leave no trace in the chain
                        audit_record(actor=None, action="test.rolled-back", obj=subject)
                        transaction.set_rollback(True)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    audit_seal()
    report = audit_chain_verify()
    assert report.ok, report
    assert report.count == AuditEvent.objects.count() == 6 * 12
    assert not AuditEvent.objects.filter(action="test.rolled-back").exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_existing_rows_and_reverses():
    from django.db.migrations.executor import MigrationExecutor

    def migrate(*targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(list(targets))
        return executor.loader.project_state(list(targets)).apps

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()

    try:
        old = migrate(("gis_app", "0004_datasetversion_kind_districts")).get_model("gis_app", "AuditEvent")
        for i in range(4):
            old.objects.create(action=f"test.old{i}", object_type="x.y", object_id=str(i), data={"i": i})
        old.objects.filter(action="test.old3").update(action="test.old3-edited")  # allowed before 0005
    finally:
        migrate(*latest)  # never leave the test database behind
    rows = list(AuditEvent.objects.order_by("id"))
    assert [r.action for r in rows] == ["test.old0", "test.old1", "test.old2", "test.old3-edited"]
    assert rows[0].prev_hash == GENESIS_HASH and all(len(r.row_hash) == 64 for r in rows)
    assert audit_chain_verify().count == 4 and audit_chain_verify().ok


# --- the sealer (issue 18: writers do not wait for one another's commits) -----------------------------


def test_a_row_is_stored_unsealed_and_waits_for_the_sealer(events, subject, capsys):
    late = audit_record(actor=None, action="test.late", obj=subject)
    stored = AuditEvent.objects.get(pk=late.pk)
    assert stored.prev_hash == stored.row_hash == ""
    report = audit_chain_verify()
    assert report.ok and report.count == len(events) and report.unsealed == 1
    assert report.head_hash == events[-1].row_hash
    call_command("audit_verify")
    assert "1 newer audit events are waiting for the sealer" in capsys.readouterr().out
    assert audit_seal() == 1
    assert AuditEvent.objects.get(pk=late.pk).prev_hash == events[-1].row_hash
    assert audit_seal() == 0
    report = audit_chain_verify()
    assert report.ok and report.count == len(events) + 1 and report.unsealed == 0


@pytest.mark.parametrize("rows", [1, 3])
def test_a_row_left_unsealed_past_the_grace_is_named(events, subject, settings, rows):
    waiting = [audit_record(actor=None, action=f"test.waiting{i}", obj=subject) for i in range(rows)]
    settings.AUDIT_UNSEALED_GRACE_S = 3600
    assert audit_chain_verify().ok
    _as_owner("UPDATE gis_app_auditevent SET at = at - interval '2 hours' WHERE id = %s", [waiting[-1].pk])
    report = audit_chain_verify()
    assert (report.broken_at, report.breach, report.unsealed) == (waiting[-1].pk, ChainBreak.UNSEALED, rows)
    assert f"audit event {waiting[-1].pk} was never sealed" in _verify_fails()


def test_verify_seal_option_seals_first(events, subject, capsys):
    audit_record(actor=None, action="test.late", obj=subject)
    call_command("audit_verify", seal=True)
    out = capsys.readouterr().out
    assert f"OK: {len(events) + 1} " in out and "waiting" not in out


_SEAL_ATTEMPTS = [
    # a wrong hash, the right hash over changed content, content changed while sealing, a sealed row again
    "UPDATE gis_app_auditevent SET prev_hash = repeat('0', 64), row_hash = repeat('a', 64) WHERE id = %(id)s",
    """UPDATE gis_app_auditevent SET action = 'test.forged', prev_hash = %(head)s,
           row_hash = gis_audit_row_hash(id, at, actor_id, 'test.forged', object_type, object_id, data, %(head)s)
     WHERE id = %(id)s""",
    """UPDATE gis_app_auditevent SET data = '{"x": 1}', prev_hash = %(head)s,
           row_hash = gis_audit_row_hash(id, at, actor_id, action, object_type, object_id, '{"x": 1}', %(head)s)
     WHERE id = %(id)s""",
    """UPDATE gis_app_auditevent SET row_hash = gis_audit_row_hash(id, at, actor_id, action, object_type,
           object_id, data, prev_hash) WHERE id = %(sealed)s""",
]


@pytest.mark.parametrize("sql", _SEAL_ATTEMPTS)
def test_the_web_role_can_only_seal_a_row_as_it_is(events, subject, sql):
    late = audit_record(actor=None, action="test.late", obj=subject)
    params = {"id": late.pk, "head": events[-1].row_hash, "sealed": events[1].pk}
    if "WHERE id = %(sealed)s" in sql:  # a sealed row's hashes rewritten: refused, even if "right"
        _as_owner("UPDATE gis_app_auditevent SET action = 'test.edited' WHERE id = %s", [events[1].pk])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert audit_seal() == 1
    assert AuditEvent.objects.get(pk=late.pk).action == "test.late"


def test_an_unsealed_row_put_below_the_head_by_the_owner_is_named(subject):
    first = audit_record(actor=None, action="test.a", obj=subject)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('gis_app_auditevent', 'id'))")
        (gap,) = cursor.fetchone()
    after = audit_record(actor=None, action="test.b", obj=subject)
    _sealed([first, after])
    _as_owner(_FORGE.replace("%(prev)s,", "'',").replace(", %(prev)s))", ", ''))"), {"id": gap})
    _as_owner("UPDATE gis_app_auditevent SET row_hash = '' WHERE id = %s", [gap])
    assert audit_seal() == 0  # below the head: never chained in
    report = audit_chain_verify()
    assert (report.broken_at, report.breach) == (gap, ChainBreak.INSERTED)
    assert f"audit event {gap} was inserted out of the chain" in _verify_fails()


@pytest.mark.django_db(transaction=True)
def test_writers_and_sealers_at_the_same_time_chain_every_committed_row_in_id_order(django_user_model):
    subject = django_user_model.objects.create_user(username="sealed", password="x-long-enough-1")
    errors: list[BaseException] = []
    done = threading.Event()
    start = threading.Barrier(6)
    sealed_runs: list[int] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(25):
                with transaction.atomic():
                    audit_record(actor=None, action=f"test.w{n}.{i}", obj=subject)
                    audit_record(actor=None, action=f"test.w{n}.{i}.second", obj=subject)
                    if i % 7 == 6:
                        transaction.set_rollback(True)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def sealer() -> None:
        try:
            start.wait()
            while not done.is_set():
                sealed_runs.append(audit_seal(batch=7))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for t in writers + sealers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    for t in sealers:
        t.join()
    assert errors == []
    assert sum(sealed_runs) > 0  # the sealers chained rows while the writers wrote
    audit_seal()
    report = audit_chain_verify()
    assert report.ok and report.unsealed == 0, report
    assert report.count == AuditEvent.objects.count() == 4 * (25 - 3) * 2
    rows = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "row_hash"))
    assert all(prev == rows[i - 1][1] for i, (prev, _row) in enumerate(rows) if i)


@pytest.mark.django_db(transaction=True)
def test_the_periodic_job_seals_what_was_committed(job_worker, subject):
    with transaction.atomic():
        event = audit_record(actor=None, action="test.committed", obj=subject)
    assert AuditEvent.objects.get(pk=event.pk).row_hash == ""
    wait_for(lambda: AuditEvent.objects.get(pk=event.pk).row_hash != "", timeout=40, what="the audit_seal job to run")
    report = audit_chain_verify()
    assert report.ok and report.unsealed == 0


def test_a_change_and_its_event_in_one_statement(subject):
    """audit_record_change: the row changed and its event written together; a change that touches no row
    records nothing; a change that fails leaves neither; the events chain like any other."""
    from gis_app.audit import audit_record_change

    sql = "UPDATE accounts_user SET first_name = %(name)s WHERE id = %(id)s"
    with transaction.atomic():
        assert audit_record_change(
            change_sql=sql,
            params={"name": "Maryam", "id": subject.pk},
            actor=None,
            action="user.renamed",
            obj=subject,
            name="Maryam",
        )
    subject.refresh_from_db()
    event = AuditEvent.objects.get(action="user.renamed")
    assert subject.first_name == "Maryam"
    assert (event.object_type, event.object_id, event.data) == ("accounts.user", str(subject.pk), {"name": "Maryam"})
    # no row matched: no change, no event
    with transaction.atomic():
        assert not audit_record_change(
            change_sql=sql, params={"name": "X", "id": 0}, actor=None, action="user.renamed", obj=subject
        )
    assert AuditEvent.objects.filter(action="user.renamed").count() == 1
    # a change the database refuses (too long for the column): neither the change nor the event
    with pytest.raises(DataError), transaction.atomic():
        audit_record_change(
            change_sql=sql,
            params={"name": "x" * 500, "id": subject.pk},
            actor=None,
            action="user.renamed",
            obj=subject,
        )
    subject.refresh_from_db()
    assert subject.first_name == "Maryam" and AuditEvent.objects.filter(action="user.renamed").count() == 1
    (sealed,) = _sealed([event])
    assert sealed.row_hash and audit_chain_verify().ok
