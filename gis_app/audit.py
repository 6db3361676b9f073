"""The audit trail: every state change writes one AuditEvent, inside the change's transaction.

The rows are append-only and hash-chained in the database (migrations gis_app 0005 and 0006): a trigger
refuses UPDATE and DELETE (except the sealing of an unsealed row, content unchanged); a row is inserted
unsealed, and the sealer (audit_seal: the periodic job gis_app.audit_seal, and backup) chains the
committed rows in id order shortly after: prev_hash the head's row_hash, row_hash SHA-256 over the row's
canonical serialisation (SQL function gis_audit_row_hash). Writers do not wait for one another; the
sealer waits for the writers in flight. audit_chain_verify walks the chain and names the first row that
breaks it, or an unsealed row older than AUDIT_UNSEALED_GRACE_S.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg import Cursor
from psycopg.types.json import Jsonb

from gis_app.models import AuditEvent

# Raw SQL, prepared once per connection: every state change of every app writes one row (the ORM's
# INSERT is compiled again on each call). The trigger may draw the id again, hence RETURNING it.
_INSERT_SQL = """
INSERT INTO gis_app_auditevent (at, actor_id, action, object_type, object_id, data)
VALUES (%(at)s, %(actor_id)s, %(action)s, %(object_type)s, %(object_id)s, %(data)s)
RETURNING id
"""


def audit_record(*, actor, action: str, obj: models.Model, **data) -> AuditEvent:
    """Record that actor did action to obj (call inside the transaction that makes the change).
    The event is returned unsealed (prev_hash and row_hash empty until audit_seal chains it)."""
    event = AuditEvent(
        at=timezone.now(),
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
        prev_hash="",
        row_hash="",
    )
    values = {
        "at": event.at,
        "actor_id": event.actor_id,
        "action": action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": Jsonb(data),
    }
    connection.ensure_connection()
    with connection.wrap_database_errors, Cursor(connection.connection) as cur:
        cur.execute(_INSERT_SQL, values, prepare=True)
        event.pk = cur.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias
    return event


def audit_record_change(*, change_sql: str, params: dict, actor, action: str, obj: models.Model, **data) -> bool:
    """Make a change and record it in one statement (one round trip, prepared once per connection): the
    row written by `change_sql` (an UPDATE, INSERT or DELETE without RETURNING, its parameters named in
    `params`) and its audit event commit or fail together, as with audit_record after the change. The
    event is recorded only when the change touched a row; returns whether it did."""
    sql = _CHANGE_SQL.format(change=change_sql)
    values = {
        **params,
        "audit_at": timezone.now(),
        "audit_actor_id": actor.pk if actor is not None and actor.is_authenticated else None,
        "audit_action": action,
        "audit_object_type": obj._meta.label_lower,
        "audit_object_id": str(obj.pk),
        "audit_data": Jsonb(data),
    }
    connection.ensure_connection()
    with connection.wrap_database_errors, Cursor(connection.connection) as cur:
        cur.execute(sql, values, prepare=True)
        return cur.fetchone() is not None


_CHANGE_SQL = """
WITH changed AS ({change} RETURNING 1)
INSERT INTO gis_app_auditevent (at, actor_id, action, object_type, object_id, data)
SELECT %(audit_at)s, %(audit_actor_id)s, %(audit_action)s, %(audit_object_type)s, %(audit_object_id)s, %(audit_data)s
FROM changed LIMIT 1
RETURNING id
"""


def audit_seal(*, batch: int = 5000) -> int:
    """Chain the committed unsealed audit rows (in batches of `batch`, each its own transaction); how many
    were sealed. Waits for a moment with no auditing transaction in flight (about half a second, without
    queueing, then at most the SQL function's lock_timeout queued); when there is none it stops, and the
    next run seals."""
    sealed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT gis_audit_seal(%s)", [batch])
            n = cur.fetchone()[0]
        if n < 0:
            return sealed
        sealed += n
        if n < batch:
            return sealed


def audit_trail(obj: models.Model):
    """The events recorded for one object, oldest first."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("at", "id")


GENESIS_HASH = "0" * 64


class ChainBreak(enum.StrEnum):
    EDITED = "edited"  # the row's content no longer hashes to its row_hash
    DELETED = "deleted"  # the row's prev_hash names a row that is gone
    INSERTED = "inserted"  # the row is not in the chain: the next row chains to the one before it
    UNSEALED = "unsealed"  # the row was never chained: older than the grace, with no sealer running


def unsealed_grace_s() -> int:
    """How long a committed audit row may wait for the sealer before audit_verify reports it."""
    return int(getattr(settings, "AUDIT_UNSEALED_GRACE_S", 120))


@dataclass(frozen=True)
class AuditChainReport:
    """What audit_chain_verify found: sealed rows walked, the head hash, the rows not sealed yet (the
    newest, waiting for the sealer), and the first break if any."""

    count: int
    head_hash: str
    broken_at: int | None = None  # id of the first row named
    breach: ChainBreak | None = None
    unsealed: int = 0

    @property
    def ok(self) -> bool:
        return self.breach is None


# Raw SQL because the expected hash is computed by the same SQL function the insert trigger uses;
# a server-side cursor keeps the walk in constant memory.
_CHAIN_SQL = """
SELECT id, prev_hash, row_hash,
       gis_audit_row_hash(id, at, actor_id, action, object_type, object_id, data, prev_hash), at
  FROM gis_app_auditevent ORDER BY id
"""


def _chain_rows(db):
    with db.cursor() as cursor:
        cursor.execute(_CHAIN_SQL)
        while batch := cursor.fetchmany(2000):
            yield from batch


def audit_chain_verify(*, db=None) -> AuditChainReport:
    """Walk the audit chain in id order; report the first edited, deleted or inserted row.

    `db` is another database's psycopg connection (a restored backup's); by default Django's.
    Unsealed rows (row_hash empty) must all lie above the sealed head (the sealer chains in id order):
    one below a sealed row was put in out of the chain; one older than the grace was never sealed."""
    count, head, before_head, head_id = 0, GENESIS_HASH, None, None
    unsealed: list[tuple[int, dt.datetime]] = []  # (id, at) of the unsealed rows after the last sealed one
    rows = _chain_rows(db if db is not None else connection)
    row = next(rows, None)
    while row is not None:
        following = next(rows, None)
        row_id, prev_hash, row_hash, expected, at = row
        if row_hash == "":
            unsealed.append((row_id, at))
            row = following
            continue
        if unsealed:  # a sealed row above unsealed ones: the first of them is not in the chain
            return AuditChainReport(count=count, head_hash=head, broken_at=unsealed[0][0], breach=ChainBreak.INSERTED)
        if prev_hash != head or row_hash != expected:
            if following is not None and following[1] == head:
                breach = ChainBreak.INSERTED  # the next row chains past this one
            elif prev_hash != head and prev_hash == before_head:
                # This row chains past the one before it: that one was put in out of chain.
                return AuditChainReport(count - 1, before_head, broken_at=head_id, breach=ChainBreak.INSERTED)
            elif row_hash != expected:
                breach = ChainBreak.EDITED
            else:
                breach = ChainBreak.DELETED
            return AuditChainReport(count=count, head_hash=head, broken_at=row_id, breach=breach)
        count, before_head, head, head_id, row = count + 1, head, row_hash, row_id, following
    oldest = min(unsealed, key=lambda r: r[1], default=None)
    if oldest is not None and oldest[1] < timezone.now() - dt.timedelta(seconds=unsealed_grace_s()):
        return AuditChainReport(
            count=count, head_hash=head, broken_at=oldest[0], breach=ChainBreak.UNSEALED, unsealed=len(unsealed)
        )
    return AuditChainReport(count=count, head_hash=head, unsealed=len(unsealed))
