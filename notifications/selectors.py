"""Reads of notifications: a person's messages, the messages about one object, deliveries in trouble."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from notifications.models import Delivery, Notification


def notifications_of(*, recipient) -> QuerySet[Notification]:
    """The messages sent to a person, newest first."""
    return Notification.objects.filter(recipient=recipient)


def notifications_about(*, obj: models.Model, recipient=None) -> QuerySet[Notification]:
    """The messages about one object (to one person when recipient is given), newest first."""
    qs = Notification.objects.filter(about_type=ContentType.objects.get_for_model(obj), about_id=obj.pk)
    return qs if recipient is None else qs.filter(recipient=recipient)


def deliveries_in_trouble(*, now: dt.datetime | None = None) -> QuerySet[Notification]:
    """Messages not delivered after every attempt, and messages still waiting longer than
    NOTIFICATION_STUCK_AFTER_S (is a worker running?), newest first."""
    stuck_before = (now or timezone.now()) - dt.timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_S)
    return (
        Notification.objects.filter(
            Q(delivery=Delivery.FAILED) | Q(delivery=Delivery.PENDING, created_at__lt=stuck_before)
        )
        .select_related("recipient", "about_type")
        .order_by("-created_at", "-id")
    )
