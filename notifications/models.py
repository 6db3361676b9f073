"""Messages to people (SMS, e-mail), each about some object of the service (a request, a report...)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Delivery(models.TextChoices):
    # pending: a delivery job will try (again); attempts > 0 means it has failed so far and is retried
    PENDING = "pending", _("waiting to be sent")
    RECORDED = "recorded", _("recorded, not sent: development backend")
    SENT = "sent", _("sent")
    FAILED = "failed", _("not delivered")


class Notification(models.Model):
    """A message to a person; `delivery` says what the backend did with it (the development backend
    only records it: it is shown in the page and never claimed as sent). A job delivers it
    (notifications.tasks.deliver); every attempt is counted and its outcome kept in `detail`."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # what the message is about (a permit request, a citizen report...): any app's object
    about_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    backend = models.CharField(_("backend"), max_length=40)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices, default=Delivery.PENDING)
    detail = models.CharField(_("delivery detail"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last delivery attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["about_type", "about_id"], name="notification_about_idx"),
            # the managers' page: the few messages not delivered yet, among many delivered ones
            models.Index(
                fields=["-created_at"],
                name="notification_undelivered_idx",
                condition=models.Q(delivery__in=["pending", "failed"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(delivery__in=Delivery.values), name="notification_delivery_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=NotificationChannel.values), name="notification_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}: {self.subject}"
