"""The audit chain is sealed shortly after commit instead of inside every writer's commit (issue 18's
payment rate; issue 17 item 12 unchanged: append-only for the web's role, hash-chained, audit_verify
names the first edited, deleted or inserted row).

Before (0005) every audit row took one exclusive advisory lock in its BEFORE INSERT trigger and held it
until its transaction ended, so every transaction that audited anything (every payment) queued behind the
previous one's commit, fsync included. Now:

- an insert takes the same advisory lock SHARED (writers never wait for each other), draws its id again
  when a committed row already has a higher one (as before), and is stored unsealed (prev_hash and
  row_hash empty, whatever the writer sent);
- the sealer, gis_audit_seal(), takes the lock EXCLUSIVE: it waits until no auditing transaction is in
  flight (so every row below the highest id it sees is committed or will never be), then chains the
  unsealed rows above the sealed head in id order with the same gis_audit_row_hash as before. It gives
  up after its lock_timeout rather than hold the writers queued behind it (it first tries without
  queueing, for about half a second); the next run seals them.
  It runs as a periodic job (gis_app.tasks.audit_seal), and backup seals before its snapshot;
- the append-only trigger lets exactly one UPDATE through: the sealing of an unsealed row, content
  unchanged, with the row_hash that content and prev_hash hash to. Everything else is refused as before.

Rows sealed by 0005's trigger keep their hashes: the chain goes on from its head.
"""

from django.db import migrations, models

# 4172017012: 0005's advisory lock key, now taken shared by the writers and exclusive by the sealer

CHAIN_TRIGGER = """
CREATE OR REPLACE FUNCTION gis_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id bigint;
BEGIN
    -- Shared: writers run side by side; the sealer (exclusive) waits for them to end, and they for it.
    PERFORM pg_advisory_xact_lock_shared(4172017012);
    -- The id was drawn before the lock: a sealer may since have chained rows above it. Draw again so
    -- that an unsealed row always lies above the sealed head (a fresh snapshot: READ COMMITTED).
    SELECT id INTO last_id FROM gis_app_auditevent ORDER BY id DESC LIMIT 1;
    IF last_id IS NOT NULL AND NEW.id <= last_id THEN
        NEW.id := nextval(pg_get_serial_sequence('gis_app_auditevent', 'id'));
    END IF;
    NEW.prev_hash := '';  -- chained by the sealer only, never by the writer
    NEW.row_hash := '';
    RETURN NEW;
END
$$;
"""

CHAIN_TRIGGER_0005 = """
CREATE OR REPLACE FUNCTION gis_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(4172017012);
    SELECT id, row_hash INTO last_id, last_hash FROM gis_app_auditevent ORDER BY id DESC LIMIT 1;
    IF last_id IS NOT NULL AND NEW.id <= last_id THEN
        NEW.id := nextval(pg_get_serial_sequence('gis_app_auditevent', 'id'));
    END IF;
    NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
    NEW.row_hash := gis_audit_row_hash(
        NEW.id, NEW.at, NEW.actor_id, NEW.action, NEW.object_type, NEW.object_id, NEW.data, NEW.prev_hash
    );
    RETURN NEW;
END
$$;
"""

APPEND_ONLY_TRIGGER = """
CREATE OR REPLACE FUNCTION gis_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The one UPDATE allowed: sealing an unsealed row (its content unchanged, its hash right).
    IF TG_OP = 'UPDATE' AND OLD.row_hash = '' AND NEW.row_hash <> ''
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.action = OLD.action AND NEW.object_type = OLD.object_type AND NEW.object_id = OLD.object_id
       AND NEW.data = OLD.data
       AND NEW.row_hash = gis_audit_row_hash(
           NEW.id, NEW.at, NEW.actor_id, NEW.action, NEW.object_type, NEW.object_id, NEW.data, NEW.prev_hash)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % of audit event % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'The audit trail is tamper-evident; record a new event instead.';
END
$$;
"""

APPEND_ONLY_TRIGGER_0005 = """
CREATE OR REPLACE FUNCTION gis_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % of audit event % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'The audit trail is tamper-evident; record a new event instead.';
END
$$;
"""

SEAL_FUNCTION = """
CREATE OR REPLACE FUNCTION gis_audit_seal(max_rows integer) RETURNS integer LANGUAGE plpgsql
SET lock_timeout = '100ms' AS $$
DECLARE
    head_id bigint;
    head text;
    r record;
    sealed integer := 0;
    locked boolean := false;
BEGIN
    -- No auditing transaction in flight from here on. First without queueing (a queued exclusive
    -- request makes every new writer wait behind it): a moment with no writer in flight comes often;
    -- then, if none came in about half a second, queued for at most lock_timeout.
    FOR attempt IN 1..50 LOOP
        locked := pg_try_advisory_xact_lock(4172017012);
        EXIT WHEN locked;
        PERFORM pg_sleep(0.01);
    END LOOP;
    IF NOT locked THEN
        BEGIN
            PERFORM pg_advisory_xact_lock(4172017012);
        EXCEPTION WHEN lock_not_available THEN
            RETURN -1;  -- writers kept it busy: the next run seals
        END;
    END IF;
    SELECT id, row_hash INTO head_id, head FROM gis_app_auditevent WHERE row_hash <> '' ORDER BY id DESC LIMIT 1;
    head := coalesce(head, repeat('0', 64));
    -- Above the head only: an unsealed row below it was put there out of the chain (audit_verify names it).
    FOR r IN SELECT * FROM gis_app_auditevent
              WHERE row_hash = '' AND id > coalesce(head_id, 0) ORDER BY id LIMIT max_rows LOOP
        UPDATE gis_app_auditevent
           SET prev_hash = head,
               row_hash = gis_audit_row_hash(
                   r.id, r.at, r.actor_id, r.action, r.object_type, r.object_id, r.data, head)
         WHERE id = r.id
        RETURNING row_hash INTO head;
        sealed := sealed + 1;
    END LOOP;
    RETURN sealed;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("gis_app", "0005_audit_chain"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["id"], condition=models.Q(row_hash=""), name="audit_unsealed_idx"),
        ),
        migrations.RunSQL(CHAIN_TRIGGER, CHAIN_TRIGGER_0005),
        migrations.RunSQL(APPEND_ONLY_TRIGGER, APPEND_ONLY_TRIGGER_0005),
        migrations.RunSQL(SEAL_FUNCTION, "DROP FUNCTION gis_audit_seal;"),
    ]
