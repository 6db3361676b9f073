"""Permit requests and what hangs off them: documents, checklist ticks, plan checks and overrides,
requests to the applicant, comments, the map preparation order, and the holiday calendar."""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import valid_geometry_constraint
from parcels.models import Parcel, PropertyFile
from permits.workflow import STAGES, DocumentKind, RequestKind
from zoning.compliance.limits import FLOORS_MAX
from zoning.compliance.stored import CheckRecord, check_record_load


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned to the applicant")
    ISSUED = "issued", _("Issued")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# a request still being worked on (by the applicant or the municipality)
OPEN_STATUSES = ("draft", "in_review", "returned")

STAGE_CHOICES = [(code, s.title) for code, s in STAGES.items()]


class PermitRequest(models.Model):
    """One request on one parcel's file; status and stage change only through services.request_transition."""

    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True, db_collation="C")
    kind = models.CharField(_("request type"), max_length=24, choices=RequestKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    stage = models.CharField(_("stage"), max_length=24, choices=STAGE_CHOICES, blank=True)
    # optimistic version: a form carries the version it was drawn from; a stale one is refused
    version = models.PositiveIntegerField(_("version"), default=1)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="permit_requests", verbose_name=_("applicant")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    file = models.ForeignKey(PropertyFile, on_delete=models.PROTECT, related_name="requests", verbose_name=_("file"))
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    # the proposal (building requests)
    use = models.CharField(_("requested use"), max_length=32, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)
    floor_area_m2 = models.FloatField(_("total floor area (m²)"), null=True, blank=True)
    footprint_m2 = models.FloatField(_("footprint area (m²)"), null=True, blank=True)
    footprint = models.PolygonField(_("footprint"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True)
    height_m = models.FloatField(_("height (m)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("entered the stage"), null=True, blank=True)
    stage_due_on = models.DateField(_("stage due on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Open requests that already duplicated an older open one (same applicant, property and type)
    # when the one-open-request rule came: kept and worked on, pointing to the older one, and left
    # out of the constraint below; no new duplicate can be filed.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("permit request")
        verbose_name_plural = _("permit requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "stage", "stage_due_on"], name="permit_inbox_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="permit_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="permit_kind_valid"),
            models.CheckConstraint(condition=Q(stage="") | Q(stage__in=list(STAGES)), name="permit_stage_valid"),
            # a file in review or returned sits at a stage; a draft has none yet
            models.CheckConstraint(
                condition=~Q(status__in=["in_review", "returned"]) | ~Q(stage=""), name="permit_open_has_stage"
            ),
            models.CheckConstraint(condition=~Q(status="draft") | Q(stage=""), name="permit_draft_no_stage"),
            models.CheckConstraint(
                condition=Q(floors__isnull=True) | Q(floors__lte=FLOORS_MAX), name="permit_floors_range"
            ),
            valid_geometry_constraint("footprint", name="permit_footprint_valid"),
            # one open request of a type per applicant and property (services.request_create says so
            # first, under the file's row lock; this holds whatever writes the row)
            models.UniqueConstraint(
                fields=["applicant", "file", "kind"],
                condition=Q(status__in=OPEN_STATUSES, duplicate_of__isnull=True),
                name="permit_one_open_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code


def document_upload_to(instance, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"permits/{instance.request.tracking_code}/{uuid.uuid4().hex}.{suffix[:5]}"


class RequestDocument(models.Model):
    """A scanned document (PDF/JPEG/PNG), checked by content; a later one of the same kind replaces it."""

    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=24, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=255)
    original_name = models.CharField(_("uploaded file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=40)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    replaced = models.BooleanField(_("replaced by a later upload"), default=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind"],
                condition=Q(replaced=False, kind__in=[k for k in DocumentKind.values if k != "other"]),
                name="permit_document_one_current",
            )
        ]


class StageTask(models.Model):
    """A ticked checklist task of a stage (the checklist itself is data in permits.workflow)."""

    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="tasks")
    stage = models.CharField(_("stage"), max_length=24, choices=STAGE_CHOICES)
    task = models.CharField(_("task"), max_length=40)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("done"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "stage", "task"], name="permit_task_unique")]


class ComplianceCheck(models.Model):
    """The plan checks run for a request, stored with every version they used."""

    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="checks")
    report = models.JSONField(_("report"))
    passed = models.BooleanField(_("all rules passed"))
    failed_rules = models.JSONField(_("failed rules"), default=list)
    parcel_version = models.PositiveIntegerField()
    zones_version = models.PositiveIntegerField(null=True)
    streets_version = models.PositiveIntegerField(null=True)
    survey_id = models.PositiveBigIntegerField(_("measured survey used"), null=True, blank=True)
    proposal_key = models.CharField(_("proposal fingerprint"), max_length=64)
    checked_at = models.DateTimeField(_("checked"), auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-checked_at", "-id"]
        get_latest_by = ["checked_at", "id"]

    @property
    def record(self) -> CheckRecord:
        """The stored report as its typed record (the one way it is read)."""
        return check_record_load(self.report)


class RuleOverride(models.Model):
    """An authorised officer's decision to let a failed rule pass; the failed result stays on record."""

    compliance_check = models.ForeignKey(ComplianceCheck, on_delete=models.CASCADE, related_name="overrides")
    rule_code = models.CharField(_("rule"), max_length=40)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=2000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["compliance_check", "rule_code"], name="permit_override_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="permit_override_reason"),
        ]


class OwnershipOverride(models.Model):
    """The clerk's decision to open the file for an applicant who is not a recorded owner of the parcel
    (a power of attorney checked, a deed newer than the cadastre), with the reason; audited."""

    request = models.OneToOneField(PermitRequest, on_delete=models.CASCADE, related_name="ownership_override")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=2000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ownership override")
        verbose_name_plural = _("ownership overrides")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="permit_ownership_override_reason")]

    def __str__(self) -> str:
        return f"{self.request}: {self.reason[:40]}"


class VisitOutcome(models.TextChoices):
    """How a stage visit ended: the action that moved the file out of the stage."""

    ADVANCED = "advance", _("Accepted and sent on")
    APPROVED = "approve", _("Approved and issued")
    RETURNED = "return", _("Returned to the applicant")
    REFERRED = "refer", _("Referred to an earlier stage")
    REJECTED = "reject", _("Rejected")
    WITHDRAWN = "withdraw", _("Withdrawn by the applicant")


class StageVisit(models.Model):
    """One stay of a request at a stage (stage history): entered, left, by whom, against which due date.

    Written only by services.request_transition, in the transition's transaction. Time waiting on the
    applicant (returned) lies between two visits, so gross and net cycle times are queries."""

    file = models.ForeignKey(PropertyFile, on_delete=models.PROTECT, related_name="stage_visits")
    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="stage_visits")
    stage = models.CharField(_("stage"), max_length=24, choices=STAGE_CHOICES)
    entered_at = models.DateTimeField(_("entered"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_on_action = models.CharField(_("entered by action"), max_length=16)
    due_on = models.DateField(_("due on"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices, blank=True)
    working_days_used = models.PositiveSmallIntegerField(_("working days used"), null=True, blank=True)

    class Meta:
        verbose_name = _("stage visit")
        verbose_name_plural = _("stage visits")
        ordering = ["entered_at", "id"]
        indexes = [models.Index(fields=["stage", "entered_at"], name="stage_visit_stage_idx")]
        constraints = [
            # at most one open visit per request: the file is at one stage at a time
            models.UniqueConstraint(fields=["request"], condition=Q(left_at__isnull=True), name="stage_visit_one_open"),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True, outcome="") | Q(left_at__isnull=False) & ~Q(outcome=""),
                name="stage_visit_closed_has_outcome",
            ),
            models.CheckConstraint(condition=Q(stage__in=list(STAGES)), name="stage_visit_stage_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.request} @ {self.stage}"


class InfoRequest(models.Model):
    """A request to the applicant (a missing document, a correction), with its own open/answered state."""

    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="info_requests")
    stage = models.CharField(_("stage"), max_length=24, choices=STAGE_CHOICES)
    message = models.TextField(_("what is needed"), max_length=2000)
    documents = models.JSONField(_("documents asked for"), default=list)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(null=True, blank=True)
    # what the later stages depended on when the file was returned (proposal, survey, documents): a
    # resubmission that changes one of them sends the file back to the earliest stage that depends on it
    snapshot = models.JSONField(_("state when returned"), default=dict, blank=True)

    class Meta:
        ordering = ["-asked_at"]
        constraints = [models.CheckConstraint(condition=~Q(message=""), name="permit_info_request_message")]


class Comment(models.Model):
    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=2000)
    to_applicant = models.BooleanField(_("visible to the applicant"), default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class MapPreparationOrder(models.Model):
    """دستور تهیه نقشه: what the engineers may draw, as structured data (DOMAIN.md)."""

    request = models.OneToOneField(PermitRequest, on_delete=models.CASCADE, related_name="map_order")
    content = models.JSONField(_("content"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    valid_until = models.DateField(_("valid until"))
    # set when a changed proposal sends the file back before the plan stage: the order no longer holds
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)


class Holiday(models.Model):
    """An official holiday (Fridays are always off); time limits count working days only."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]


class AsBuiltComparison(models.Model):
    """The building as built (the accepted as-built survey made for a certificate request) compared with
    the issued building permit of the file (permits.asbuilt); each difference opened a violation case.
    Stored with the survey and the permit it used: a newer survey needs a new comparison."""

    request = models.ForeignKey(PermitRequest, on_delete=models.CASCADE, related_name="asbuilt_comparisons")
    permit = models.ForeignKey(
        PermitRequest, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued permit compared with")
    )
    survey_id = models.PositiveBigIntegerField(_("as-built survey used"))
    report = models.JSONField(_("report"))
    differences = models.PositiveSmallIntegerField(_("differences found"))
    compared_at = models.DateTimeField(_("compared"), auto_now_add=True)
    compared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("as-built comparison")
        verbose_name_plural = _("as-built comparisons")
        ordering = ["-compared_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "survey_id"], name="asbuilt_one_per_survey"),
            models.CheckConstraint(condition=~Q(permit=models.F("request")), name="asbuilt_permit_not_itself"),
        ]

    @property
    def record(self):
        """The stored report as its typed record (permits.asbuilt.Comparison)."""
        from permits.asbuilt import comparison_load

        return comparison_load(self.report)
