"""Tamper-evident audit (issue 17 item 12): audit rows are hash-chained and append-only.

Why in the database and not in audit_record: the chain must hold for every writer and every
connection, and the refusal of UPDATE/DELETE must hold even for the web's own role, which Python
code cannot promise. The trigger functions are kept small; the canonical serialisation lives in one
SQL function, gis_audit_row_hash, which audit_verify uses too.

TRUNCATE is deliberately not refused: Django's flush (and so pytest-django's transactional tests)
empties tables with TRUNCATE. Run the web under a role without the TRUNCATE privilege on
gis_app_auditevent in production (see the README, "Tamper-evident audit").
"""

from django.db import migrations, models

ROW_HASH_FUNCTION = r"""
CREATE OR REPLACE FUNCTION gis_audit_row_hash(
    p_id bigint, p_at timestamptz, p_actor_id bigint, p_action text, p_object_type text,
    p_object_id text, p_data jsonb, p_prev_hash text
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- Canonical serialisation: a JSON array (its escaping keeps the fields apart); the time in UTC
    -- to the microsecond, independent of the session's TimeZone; data as jsonb, whose text form is
    -- canonical (keys sorted, no insignificant whitespace).
    SELECT encode(sha256(convert_to(jsonb_build_array(
        p_id,
        to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        p_actor_id,
        p_action,
        p_object_type,
        p_object_id,
        p_data,
        p_prev_hash
    )::text, 'UTF8')), 'hex')
$$;
"""

CHAIN_TRIGGER = """
CREATE OR REPLACE FUNCTION gis_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id bigint;
    last_hash text;
BEGIN
    -- One writer at a time until its transaction ends, so the row read below is the chain's head
    -- (READ COMMITTED, Django's default, gives each statement a fresh snapshot after the lock).
    PERFORM pg_advisory_xact_lock(4172017012);  -- any constant shared by every writer
    SELECT id, row_hash INTO last_id, last_hash FROM gis_app_auditevent ORDER BY id DESC LIMIT 1;
    -- The id was drawn before the lock: a writer that drew a later id may have committed first.
    -- Draw again so that id order is chain order.
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
CREATE TRIGGER gis_audit_chain BEFORE INSERT ON gis_app_auditevent
    FOR EACH ROW EXECUTE FUNCTION gis_audit_chain();
"""

APPEND_ONLY_TRIGGER = """
CREATE OR REPLACE FUNCTION gis_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % of audit event % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'The audit trail is tamper-evident; record a new event instead.';
END
$$;
CREATE TRIGGER gis_audit_append_only BEFORE UPDATE OR DELETE ON gis_app_auditevent
    FOR EACH ROW EXECUTE FUNCTION gis_audit_append_only();
"""

# Existing rows get a chain in id order, before UPDATE is refused.
BACKFILL = """
LOCK TABLE gis_app_auditevent IN EXCLUSIVE MODE;
DO $$
DECLARE
    r record;
    prev text := repeat('0', 64);
BEGIN
    FOR r IN SELECT * FROM gis_app_auditevent ORDER BY id LOOP
        UPDATE gis_app_auditevent
           SET prev_hash = prev,
               row_hash = gis_audit_row_hash(
                   r.id, r.at, r.actor_id, r.action, r.object_type, r.object_id, r.data, prev)
         WHERE id = r.id
        RETURNING row_hash INTO prev;
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("gis_app", "0004_datasetversion_kind_districts"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(db_default="", editable=False, max_length=64, verbose_name="previous hash"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(db_default="", editable=False, max_length=64, verbose_name="row hash"),
        ),
        migrations.RunSQL(ROW_HASH_FUNCTION, "DROP FUNCTION gis_audit_row_hash;"),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(
            CHAIN_TRIGGER,
            "DROP TRIGGER gis_audit_chain ON gis_app_auditevent; DROP FUNCTION gis_audit_chain;",
        ),
        migrations.RunSQL(
            APPEND_ONLY_TRIGGER,
            "DROP TRIGGER gis_audit_append_only ON gis_app_auditevent; DROP FUNCTION gis_audit_append_only;",
        ),
    ]
