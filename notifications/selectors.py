"""Reads of notifications: a person's messages, the messages about one object."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from notifications.models import Notification


def notifications_of(*, recipient) -> QuerySet[Notification]:
    """The messages sent to a person, newest first."""
    return Notification.objects.filter(recipient=recipient)


def notifications_about(*, obj: models.Model, recipient=None) -> QuerySet[Notification]:
    """The messages about one object (to one person when recipient is given), newest first."""
    qs = Notification.objects.filter(about_type=ContentType.objects.get_for_model(obj), about_id=obj.pk)
    return qs if recipient is None else qs.filter(recipient=recipient)
