"""The audit trail: every state change writes one AuditEvent, inside the change's transaction.

The rows are append-only and hash-chained in the database (migration gis_app 0005): a BEFORE INSERT
trigger sets prev_hash to the head's row_hash and row_hash to SHA-256 over the row's canonical
serialisation (SQL function gis_audit_row_hash); another trigger refuses UPDATE and DELETE.
audit_chain_verify walks the chain and names the first row that breaks it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.db import connection, models

from gis_app.models import AuditEvent


def audit_record(*, actor, action: str, obj: models.Model, **data) -> AuditEvent:
    """Record that actor did action to obj (call inside the transaction that makes the change)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
    )


def audit_trail(obj: models.Model):
    """The events recorded for one object, oldest first."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("at", "id")


GENESIS_HASH = "0" * 64


class ChainBreak(enum.StrEnum):
    EDITED = "edited"  # the row's content no longer hashes to its row_hash
    DELETED = "deleted"  # the row's prev_hash names a row that is gone
    INSERTED = "inserted"  # the row is not in the chain: the next row chains to the one before it


@dataclass(frozen=True)
class AuditChainReport:
    """What audit_chain_verify found: rows walked, the head hash, and the first break if any."""

    count: int
    head_hash: str
    broken_at: int | None = None  # id of the first row named
    breach: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.breach is None


# Raw SQL because the expected hash is computed by the same SQL function the insert trigger uses;
# a server-side cursor keeps the walk in constant memory.
_CHAIN_SQL = """
SELECT id, prev_hash, row_hash,
       gis_audit_row_hash(id, at, actor_id, action, object_type, object_id, data, prev_hash)
  FROM gis_app_auditevent ORDER BY id
"""


def _chain_rows(db):
    with db.cursor() as cursor:
        cursor.execute(_CHAIN_SQL)
        while batch := cursor.fetchmany(2000):
            yield from batch


def audit_chain_verify(*, db=None) -> AuditChainReport:
    """Walk the audit chain in id order; report the first edited, deleted or inserted row.

    `db` is another database's psycopg connection (a restored backup's); by default Django's."""
    count, head, before_head, head_id = 0, GENESIS_HASH, None, None
    rows = _chain_rows(db if db is not None else connection)
    row = next(rows, None)
    while row is not None:
        following = next(rows, None)
        row_id, prev_hash, row_hash, expected = row
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
    return AuditChainReport(count=count, head_hash=head)
