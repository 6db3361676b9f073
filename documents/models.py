"""Issued documents: one row per document issued (a permit, an order, a slip, a notice), its gap-free
serial from a counter row per kind and Jalali year, its signed QR payload, its status and its signed
PDF; and the public verification page's scan log (coarse origin only)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fees.models import Bill
from parcels.models import PropertyFile
from permits.models import PermitRequest
from violations.models import Violation


class DocumentKind(models.TextChoices):
    BUILDING_PERMIT = "building_permit", _("Building permit")
    FENCING_PERMIT = "fencing_permit", _("Fencing permit")
    MAP_ORDER = "map_order", _("Map preparation order")
    PAYMENT_SLIP = "payment_slip", _("Payment slip")
    VERDICT_NOTICE = "verdict_notice", _("Article 100 verdict notice")
    INQUIRY_ANSWER = "inquiry_answer", _("Answer to an agency's inquiry")
    MONTHLY_SUMMARY = "monthly_summary", _("Monthly summary")
    COMPLETION_CERTIFICATE = "completion_certificate", _("Completion certificate")
    NO_VIOLATION_CERTIFICATE = "no_violation_certificate", _("No-violation certificate")


# the serial's prefix per kind: BP-1405-000017 (letters readable aloud; never reused across kinds)
SERIAL_PREFIX = {
    DocumentKind.BUILDING_PERMIT: "BP",
    DocumentKind.FENCING_PERMIT: "FP",
    DocumentKind.MAP_ORDER: "MO",
    DocumentKind.PAYMENT_SLIP: "PS",
    DocumentKind.VERDICT_NOTICE: "VN",
    DocumentKind.INQUIRY_ANSWER: "IA",
    DocumentKind.MONTHLY_SUMMARY: "MS",
    DocumentKind.COMPLETION_CERTIFICATE: "CC",
    DocumentKind.NO_VIOLATION_CERTIFICATE: "NV",
}


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")


class RenderState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Could not be prepared")


class SerialCounter(models.Model):
    """The last sequence number given to a kind of document in a Jalali year (Asia/Tehran). Incremented
    with UPDATE … RETURNING in the transaction that records the issuance: a rollback takes the number
    back with it, so the numbers have no gaps."""

    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    jalali_year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "jalali_year"], name="document_serial_counter_unique"),
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_counter_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.jalali_year}: {self.last}"


class IssuedDocument(models.Model):
    """A document the municipality issued, with the fields its QR signs; never deleted (a revoked or
    superseded one keeps its row and its number)."""

    kind = models.CharField(_("document"), max_length=24, choices=DocumentKind.choices)
    serial = models.CharField(_("serial"), max_length=24, unique=True, db_collation="C")
    jalali_year = models.PositiveSmallIntegerField(_("year (Jalali)"))
    sequence = models.PositiveIntegerField()
    # an inquiry's answer may be about a parcel that has no file yet (a bank's or a notary's question)
    file = models.ForeignKey(
        PropertyFile, null=True, blank=True, on_delete=models.PROTECT, related_name="issued_documents"
    )
    request = models.ForeignKey(
        PermitRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="issued_documents"
    )
    bill = models.ForeignKey(Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="issued_documents")
    violation = models.ForeignKey(
        Violation, null=True, blank=True, on_delete=models.PROTECT, related_name="issued_documents"
    )
    # what an upper app's document is of (e.g. an inquiry's public id), for the content builder it registered
    subject_ref = models.CharField(max_length=64, blank=True, db_collation="C")
    issued_at = models.DateTimeField(_("issued at"))
    issued_on = models.DateField(_("issued on"))  # the local (Asia/Tehran) date printed and signed
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # what the QR signs (canonical JSON of these, with the serial and the date) and the page shows
    key_fields = models.JSONField()
    footprint_geojson = models.JSONField(null=True, blank=True)  # EPSG:4326, for the verification map
    key_id = models.CharField(max_length=32, db_collation="C")
    signature = models.CharField(max_length=100, db_collation="C")  # Ed25519, base64url without padding
    qr_payload = models.CharField(max_length=400)  # the URL the QR code holds
    status = models.CharField(_("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.VALID)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    revoked_reason = models.TextField(_("reason for the revocation"), blank=True, max_length=2000)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # the signed PDF, made by a job after the issuance committed
    render_state = models.CharField(max_length=10, choices=RenderState.choices, default=RenderState.PENDING)
    render_error = models.TextField(blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_collation="C")

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "jalali_year", "sequence"], name="document_serial_unique"),
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=DocumentStatus.values), name="document_status_valid"),
            models.CheckConstraint(
                condition=Q(render_state__in=RenderState.values), name="document_render_state_valid"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="document_sequence_positive"),
            # only a document of an upper app's subject may lack a file
            models.CheckConstraint(
                condition=Q(file__isnull=False) | ~Q(subject_ref=""), name="document_has_file_or_subject"
            ),
            # a revoked document says by whom, when and why
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.REVOKED)
                | (Q(revoked_at__isnull=False) & Q(revoked_by__isnull=False) & ~Q(revoked_reason="")),
                name="document_revocation_recorded",
            ),
            # a ready document has its bytes and their hash
            models.CheckConstraint(
                condition=~Q(render_state=RenderState.READY) | (Q(pdf__isnull=False) & ~Q(pdf_sha256="")),
                name="document_ready_has_pdf",
            ),
        ]
        indexes = [
            models.Index(fields=["file", "kind"], name="document_file_kind"),
            models.Index(fields=["subject_ref", "kind"], name="document_subject_kind", condition=~Q(subject_ref="")),
        ]

    def __str__(self) -> str:
        return self.serial


class CopyLanguage(models.TextChoices):
    """The languages a copy of a document is made in on request (the original is Persian)."""

    EN = "en", _("English")


class DocumentCopy(models.Model):
    """A copy of an issued document in another language, made on request: the same content record with
    the language's labels and digits, the same serial with the language's marker, its own Ed25519
    signature (over the document's signed fields and the marker) and QR to the same verification page,
    and its own signed PDF. Its status is the document's: a revoked document's copies are revoked too."""

    document = models.ForeignKey(IssuedDocument, on_delete=models.PROTECT, related_name="copies")
    lang = models.CharField(_("language"), max_length=5, choices=CopyLanguage.choices)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_on = models.DateField()  # the local day the copy was signed (its key must cover it)
    key_fields = models.JSONField()  # the document's signed fields with "copy": lang
    key_id = models.CharField(max_length=32, db_collation="C")
    signature = models.CharField(max_length=100, db_collation="C")
    qr_payload = models.CharField(max_length=400)
    render_state = models.CharField(max_length=10, choices=RenderState.choices, default=RenderState.PENDING)
    render_error = models.TextField(blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_collation="C")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "lang"], name="document_copy_unique"),
            models.CheckConstraint(condition=Q(lang__in=CopyLanguage.values), name="document_copy_lang_valid"),
            models.CheckConstraint(
                condition=Q(render_state__in=RenderState.values), name="document_copy_render_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(render_state=RenderState.READY) | (Q(pdf__isnull=False) & ~Q(pdf_sha256="")),
                name="document_copy_ready_has_pdf",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.serial} ({self.lang})"

    @property
    def serial(self) -> str:
        """The document's serial with the copy's marker: BP-1405-000017-EN."""
        return f"{self.document.serial}-{self.lang.upper()}"


class ScanOutcome(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")
    NOT_ISSUED = "not_issued", _("Not issued by this municipality")
    REFUSED = "refused", _("Too many scans")


class VerificationScan(models.Model):
    """One scan of a QR code (or a typed serial) on the public verification page: when, the coarse origin
    (the /24 of an IPv4 address, the /48 of an IPv6 one; never the full address) and what it found."""

    at = models.DateTimeField(auto_now_add=True)
    origin = models.CharField(max_length=64, db_collation="C")
    document = models.ForeignKey(IssuedDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="scans")
    outcome = models.CharField(max_length=12, choices=ScanOutcome.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=ScanOutcome.values), name="document_scan_outcome_valid")
        ]
        indexes = [models.Index(fields=["origin", "at"], name="document_scan_origin_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.origin} {self.outcome}"


class ScanWindow(models.Model):
    """How many scans a coarse origin made in one minute (the verification page's rate limit): one row per
    origin and minute, incremented by one indexed upsert, so a check costs the same however many scans
    the minute already had. Rows older than the previous minute are deleted as new minutes begin."""

    origin = models.CharField(max_length=64, db_collation="C")
    minute = models.DateTimeField()
    scans = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["origin", "minute"], name="document_scan_window_unique")]
        indexes = [models.Index(fields=["minute"], name="document_scan_window_minute")]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.origin}: {self.scans}"
