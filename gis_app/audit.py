"""The audit trail: every state change writes one AuditEvent, inside the change's transaction."""

from __future__ import annotations

from django.db import models

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
