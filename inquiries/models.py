"""Agencies, their API tokens, their inquiries with the typed answer stored beside them, webhooks with
their delivery history, the request log of the API, and paving records (what "recently paved" means)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fees.models import Bill
from gis_app.geometry import valid_geometry_constraint
from parcels.models import PropertyFile


class AgencyKind(models.TextChoices):
    BANK = "bank", _("Bank")
    NOTARY = "notary", _("Notary office")
    WATER = "water", _("Water and sewage company")
    POWER = "power", _("Power distribution company")
    GAS = "gas", _("Gas company")
    TELECOM = "telecom", _("Telecommunication company")


class InquiryKind(models.TextChoices):
    BANK = "bank", _("Bank: permit, completion and stage of construction")
    NOTARY = "notary", _("Notary: clearance for a sale (Article 100, note 8)")
    UTILITY = "utility", _("Utility: connection eligibility")
    EXCAVATION = "excavation", _("Utility: excavation for a branch")


class InquiryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the municipality's unit")
    ANSWERED = "answered", _("Answered")


class Agency(models.Model):
    """A bank branch, notary office or utility company that asks the municipality about properties."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=AgencyKind.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=AgencyKind.values), name="inquiries_agency_kind")]

    def __str__(self) -> str:
        return self.name


class AgencyMember(models.Model):
    """An account of the agency role that works for one agency (its pages and its tokens)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_membership", verbose_name=_("user")
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="members", verbose_name=_("agency"))

    class Meta:
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"


class ApiToken(models.Model):
    """An agency's API credential: only a SHA-256 digest of the secret is stored, and its prefix shown."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("agency"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, db_collation="C")
    digest = models.CharField(_("digest (SHA-256)"), max_length=64, unique=True, db_collation="C")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces", verbose_name=_("rotated to")
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.agency})"


class Inquiry(models.Model):
    """One question of an agency about one property, with its answer as a typed record (records.py)
    and the data versions the answer was decided on."""

    public_id = models.UUIDField(_("inquiry ID"), default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("agency"))
    kind = models.CharField(_("kind"), max_length=12, choices=InquiryKind.choices)
    purpose = models.CharField(_("purpose"), max_length=500)
    reference = models.CharField(_("agency's reference"), max_length=64, blank=True)
    file_code = models.CharField(_("file code"), max_length=24, db_collation="C")
    file = models.ForeignKey(
        PropertyFile, null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("file")
    )
    unit = models.CharField(_("unit (renovation code)"), max_length=40, blank=True, db_collation="C")
    geom = models.GeometryField(_("excavation"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True)
    submitted_crs = models.PositiveIntegerField(_("CRS of the submitted geometry (EPSG)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=InquiryStatus.choices)
    answer = models.JSONField(_("answer"), null=True, blank=True)
    # the rule's proposal while the inquiry waits in a unit's inbox (the unit confirms or changes it)
    proposal = models.JSONField(_("proposed answer"), null=True, blank=True)
    answering_role = models.CharField(_("answering unit"), max_length=24, blank=True)
    due_on = models.DateField(_("answer due on"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # an excavation permitted until this date is an "open excavation" for the ones filed after it
    works_until = models.DateField(_("works allowed until"), null=True, blank=True)
    bill = models.ForeignKey(Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="inquiries_agency_created_idx"),
            models.Index(fields=["status", "answering_role", "due_on"], name="inquiries_inbox_idx"),
            models.Index(fields=["file_code"], name="inquiries_file_code_idx"),
            models.Index(
                fields=["works_until"], name="inquiries_open_excavation_idx", condition=Q(works_until__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InquiryKind.values), name="inquiries_inquiry_kind"),
            models.CheckConstraint(condition=Q(status__in=InquiryStatus.values), name="inquiries_inquiry_status"),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answer__isnull=False, answered_at__isnull=False),
                name="inquiries_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(kind="excavation") | Q(geom__isnull=False), name="inquiries_excavation_has_geom"
            ),
            valid_geometry_constraint("geom", name="inquiries_inquiry_geom_valid"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class PavingRecord(models.Model):
    """A street segment paved (asphalt laid) on a date: an excavation across it within the protection
    period (INQUIRY_PAVING_PROTECTED_DAYS) is refused or answered with stricter conditions and fee."""

    street_name = models.CharField(_("street"), max_length=200)
    geom = models.MultiLineStringField(_("paved segment (centreline)"), srid=settings.GIS_STORAGE_SRID)
    width_m = models.DecimalField(_("paved width (m)"), max_digits=5, decimal_places=2)
    paved_on = models.DateField(_("paved on"))
    contractor = models.CharField(_("contractor"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("paving record")
        verbose_name_plural = _("paving records")
        ordering = ["-paved_on"]
        constraints = [
            valid_geometry_constraint("geom", name="inquiries_paving_geom_valid"),
            models.CheckConstraint(condition=Q(width_m__gt=0), name="inquiries_paving_width_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.street_name} ({self.paved_on})"


class WebhookSubscription(models.Model):
    """An agency's callback URL for status changes of one inquiry or of anything on one file code."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("agency"))
    url = models.URLField(_("callback URL"), max_length=500)
    # the HMAC key: shown once when subscribing; needed in clear text to sign each delivery
    secret = models.CharField(_("signing secret"), max_length=64, db_collation="C")
    inquiry = models.ForeignKey(
        Inquiry, null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("inquiry")
    )
    file_code = models.CharField(_("file code"), max_length=24, blank=True, db_collation="C")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["file_code"], name="inquiries_webhook_file_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(inquiry__isnull=False) & Q(file_code="")) | (Q(inquiry__isnull=True) & ~Q(file_code="")),
                name="inquiries_webhook_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Being tried")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed after every attempt")


class WebhookDelivery(models.Model):
    """One event sent (and retried) to one subscription; the history the agency and staff see."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("delivery"), max_length=12, choices=DeliveryStatus.choices, default="pending")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last answer (HTTP)"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="inquiries_delivery_status")
        ]


class ApiRequestLog(models.Model):
    """Every request to the agency API: who (agency, token), what (method, path, purpose), the answer."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"))
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    inquiry = models.ForeignKey(Inquiry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("answer"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("API request")
        verbose_name_plural = _("API requests")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agency", "-at"], name="inquiries_log_agency_idx")]
