"""Fees, dues and payments (DOMAIN.md "Permit dues", "Renovation dues", "Payments", "Bills").

- TariffBook / TariffItem: the local tariff book as data, versioned per municipality and Jalali year;
  the revenue officer prepares next year's book in the admin (copy, edit, approve).
- Assessment: what a file owes for one stage (or one dues year), line by line with the formula and the
  numbers used, computed from the file's data with the book version it used; superseded, never edited.
- Bill: one per assessment (or per dues year, or per Article 100 fine), with the banks' bill ID and
  payment ID; paid exactly once.
- Payment: one attempt to pay a bill (online through a PSP, or at a bank), with a unique order id.
- Refund: money owed back (a lower reassessment, a second payment of a paid bill).
- Reconciliation: a PSP's settlement file matched against our payments.

Amounts are integer rials everywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parcels.models import PropertyFile, renovation_code_validator
from permits.models import PermitRequest
from violations.models import Violation


class BookStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (being prepared)")
    APPROVED = "approved", _("Approved (in force for its year)")
    RETIRED = "retired", _("Retired (replaced by a later version)")


class TariffBook(models.Model):
    """One version of a municipality's local tariff book (تعرفه عوارض محلی) for one Jalali year."""

    municipality = models.CharField(_("municipality"), max_length=40, db_collation="C")
    year = models.PositiveSmallIntegerField(_("year (Jalali)"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=BookStatus.choices, default=BookStatus.DRAFT)
    is_example = models.BooleanField(
        _("example book"), default=False, help_text=_("A sample book shipped with the sample city, not a council's.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("tariff book")
        verbose_name_plural = _("tariff books")
        ordering = ["municipality", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year", "version"], name="fees_book_version_unique"),
            # one book in force per municipality and year
            models.UniqueConstraint(
                fields=["municipality", "year"], condition=Q(status="approved"), name="fees_book_one_approved"
            ),
            models.CheckConstraint(condition=Q(status__in=BookStatus.values), name="fees_book_status_valid"),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="fees_book_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year} v{self.version}"


class FormulaKind(models.TextChoices):
    AREA_BANDS = "area_bands", _("Coefficient × area × P, coefficient by area band")
    FLOOR_TABLE = "floor_table", _("Floor coefficient × area on the floor × P")
    AREA_PRICE = "area_price", _("Coefficient × area × P")
    PER_UNIT = "per_unit", _("Rate per unit (space, unit, licence)")
    PER_METRE = "per_metre", _("Rate per metre")
    PAVING = "paving", _("Frontage × depth × unit paving cost")
    FIXED = "fixed", _("Fixed amount")
    PERCENTAGE = "percentage", _("Percentage of a base")


class FeeStage(models.TextChoices):
    """Which bill an item's line goes on: the stage that collects it, or dues paid without a file."""

    RENOVATION = "renovation", _("Renovation dues (stage 5)")
    EXECUTIVE = "executive", _("Executive unit: paving share (stage 6)")
    REVENUE = "revenue", _("Permit fees (stage 7)")
    TRADE = "trade", _("Trade dues")


class TariffItem(models.Model):
    """One item of a book: a formula kind and its parameters (validated per kind), with its wording."""

    book = models.ForeignKey(TariffBook, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=40, db_collation="C")
    kind = models.CharField(_("formula"), max_length=16, choices=FormulaKind.choices)
    stage = models.CharField(_("collected at"), max_length=12, choices=FeeStage.choices)
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("tariff item")
        verbose_name_plural = _("tariff items")
        ordering = ["book", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["book", "code"], name="fees_item_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=FormulaKind.values), name="fees_item_kind_valid"),
            models.CheckConstraint(condition=Q(stage__in=FeeStage.values), name="fees_item_stage_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.book})"


class AssessmentStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Superseded by a reassessment")
    CANCELLED = "cancelled", _("Cancelled")


class Assessment(models.Model):
    """What a file owes for one stage (or one dues year): lines with their formulas and numbers.

    `lines` is the serialised typed record (fees.records); read it through `record`. Never edited: a
    changed proposal makes a new assessment that supersedes this one."""

    file = models.ForeignKey(PropertyFile, on_delete=models.PROTECT, related_name="assessments")
    request = models.ForeignKey(
        PermitRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    stage = models.CharField(_("collected at"), max_length=12, choices=FeeStage.choices)
    dues_year = models.PositiveSmallIntegerField(_("dues year (Jalali)"), null=True, blank=True)
    trade_unit = models.ForeignKey(
        "fees.TradeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    book = models.ForeignKey(TariffBook, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(_("status"), max_length=12, choices=AssessmentStatus.choices, default="current")
    lines = models.JSONField(_("lines"), default=list)
    total_irr = models.BigIntegerField(_("total (IRR)"))
    # what it was computed from: a proposal, survey or data change makes it out of date
    inputs_key = models.CharField(_("inputs fingerprint"), max_length=64, db_collation="C")
    value_zone_code = models.CharField(_("value zone"), max_length=20, blank=True)
    unit_price_irr = models.PositiveBigIntegerField(_("regional unit price P (IRR/m²)"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("assessed"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=FeeStage.values), name="fees_assessment_stage_valid"),
            models.CheckConstraint(
                condition=Q(status__in=AssessmentStatus.values), name="fees_assessment_status_valid"
            ),
            models.CheckConstraint(condition=Q(total_irr__gte=0), name="fees_assessment_total_nonnegative"),
            # one current assessment per request and stage (and per file and dues year without a request)
            models.UniqueConstraint(
                fields=["request", "stage"],
                condition=Q(status="current", request__isnull=False),
                name="fees_assessment_one_current",
            ),
            models.UniqueConstraint(
                fields=["file", "stage", "dues_year"],
                condition=Q(status="current", request__isnull=True, trade_unit__isnull=True),
                name="fees_assessment_one_current_year",
            ),
            models.UniqueConstraint(
                fields=["trade_unit", "dues_year"],
                condition=Q(status="current", trade_unit__isnull=False),
                name="fees_assessment_one_current_trade_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file} {self.stage} #{self.pk}"

    @property
    def record(self):
        """The stored lines as their typed record (the one way they are read)."""
        from fees.records import assessment_load

        return assessment_load(self.lines)


class BillKind(models.TextChoices):
    RENOVATION = "renovation", _("Renovation dues")
    PAVING = "paving", _("Paving share")
    PERMIT_FEES = "permit_fees", _("Permit fees")
    DIFFERENCE = "difference", _("Difference after reassessment")
    FINE = "fine", _("Article 100 fine")
    TRADE = "trade", _("Trade dues")


class BillStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")
    EXEMPTED = "exempted", _("Exempted")
    CANCELLED = "cancelled", _("Cancelled (replaced)")


# a bill in one of these states no longer stands in a file's way
BILL_SETTLED = ("paid", "exempted", "cancelled")


class Bill(models.Model):
    """A bill (قبض / فیش) with the banks' bill ID and payment ID; paid exactly once."""

    file = models.ForeignKey(PropertyFile, on_delete=models.PROTECT, related_name="bills")
    request = models.ForeignKey(PermitRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="bills")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="bills")
    violation = models.ForeignKey(Violation, null=True, blank=True, on_delete=models.PROTECT, related_name="bills")
    kind = models.CharField(_("bill for"), max_length=16, choices=BillKind.choices)
    trade_unit = models.ForeignKey(
        "fees.TradeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    dues_year = models.PositiveSmallIntegerField(_("dues year (Jalali)"), null=True, blank=True)
    amount_irr = models.PositiveBigIntegerField(_("amount (IRR)"))
    # set in the transaction that creates the bill (the bill ID is built from the row's id)
    bill_id = models.CharField(_("bill ID"), max_length=13, db_collation="C", blank=True)
    payment_id = models.CharField(_("payment ID"), max_length=13, db_collation="C", blank=True)
    status = models.CharField(_("status"), max_length=12, choices=BillStatus.choices, default=BillStatus.UNPAID)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("pay by"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    exempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exemption_reason = models.TextField(_("reason for the exemption"), blank=True, max_length=2000)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces")

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["file", "status"], name="fees_bill_file_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=BillKind.values), name="fees_bill_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=BillStatus.values), name="fees_bill_status_valid"),
            # the payment ID carries thousands of rials: a bill is a positive whole number of thousands
            models.CheckConstraint(condition=Q(amount_irr__gt=0), name="fees_bill_amount_positive"),
            models.UniqueConstraint(
                fields=["bill_id", "payment_id"], condition=~Q(bill_id=""), name="fees_bill_ids_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="exempted") | ~Q(exemption_reason=""), name="fees_bill_exemption_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False), name="fees_bill_paid_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.bill_id or f"#{self.pk}"


class PaymentChannel(models.TextChoices):
    ONLINE = "online", _("Online (payment gateway)")
    BANK = "bank", _("At a bank (bill ID and payment ID)")


class PaymentStatus(models.TextChoices):
    STARTED = "started", _("Sent to the payment gateway")
    RETURNED = "returned", _("Returned from the gateway, being verified")
    VERIFYING = "verifying", _("Verification delayed, being retried")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Not paid")
    REVERSED = "reversed", _("Reversed: the money went back to the payer")
    REFUND_DUE = "refund_due", _("Paid twice: to be refunded")


class Payment(models.Model):
    """One attempt to pay a bill: an order id unique per attempt; at most one paid payment per bill."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    channel = models.CharField(_("channel"), max_length=8, choices=PaymentChannel.choices)
    order_id = models.BigIntegerField(_("order id"), unique=True)
    amount_irr = models.PositiveBigIntegerField(_("amount (IRR)"))
    psp = models.CharField(_("payment gateway"), max_length=40, blank=True)
    token = models.CharField(_("gateway token"), max_length=100, null=True, blank=True, unique=True)
    # the gateway's reference (RRN/ref num): used once (DOMAIN.md: Saman)
    reference = models.CharField(_("reference number"), max_length=64, null=True, blank=True, unique=True)
    trace_no = models.CharField(_("trace number"), max_length=64, blank=True)
    card_mask = models.CharField(_("card"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PaymentStatus.choices, default="started")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    callback_at = models.DateTimeField(_("returned from the gateway"), null=True, blank=True)
    callback_count = models.PositiveIntegerField(_("callbacks received"), default=0)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    verify_attempts = models.PositiveSmallIntegerField(_("verification attempts"), default=0)
    # what the callback answered, stored so that a repeated callback gets the same answer
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=PaymentChannel.values), name="fees_payment_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="fees_payment_status_valid"),
            models.CheckConstraint(condition=Q(amount_irr__gt=0), name="fees_payment_amount_positive"),
            # a bill is paid exactly once, whatever writes the row
            models.UniqueConstraint(fields=["bill"], condition=Q(status="paid"), name="fees_payment_one_paid_per_bill"),
        ]

    def __str__(self) -> str:
        return str(self.order_id)


class RefundStatus(models.TextChoices):
    DUE = "due", _("Due to the payer")
    PAID = "paid", _("Refunded")


class Refund(models.Model):
    """Money owed back to a payer: a reassessment lower than what was paid, or a bill paid twice."""

    file = models.ForeignKey(PropertyFile, on_delete=models.PROTECT, related_name="refunds")
    bill = models.ForeignKey(Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refund")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    amount_irr = models.PositiveBigIntegerField(_("amount (IRR)"))
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(_("status"), max_length=8, choices=RefundStatus.choices, default=RefundStatus.DUE)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    settled_at = models.DateTimeField(_("refunded"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_irr__gt=0), name="fees_refund_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=RefundStatus.values), name="fees_refund_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.file} {self.amount_irr}"


class Reconciliation(models.Model):
    """One PSP settlement file matched against our payments and bills, with what it found."""

    psp = models.CharField(_("payment gateway"), max_length=40)
    settlement_date = models.DateField(_("settlement date"))
    file_sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64, db_collation="C")
    rows = models.PositiveIntegerField(_("rows"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    # [{"kind": "orphan" | "double" | "amount_mismatch" | "missing" | "bad_row", "row": n, ...}]
    findings = models.JSONField(_("findings"), default=list)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run_at = models.DateTimeField(_("run"), auto_now_add=True)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-run_at", "-id"]

    def __str__(self) -> str:
        return f"{self.psp} {self.settlement_date}"


class Guild(models.TextChoices):
    """Trade (صنفی) categories the tariff book prices trade dues by (item code `trade_<guild>`)."""

    GROCERY = "grocery", _("Grocery")
    BAKERY = "bakery", _("Bakery")
    RESTAURANT = "restaurant", _("Restaurant or café")
    PHARMACY = "pharmacy", _("Pharmacy")
    CLOTHING = "clothing", _("Clothing shop")
    WORKSHOP = "workshop", _("Repair workshop")
    OFFICE = "office", _("Office")


class TradeUnit(models.Model):
    """A business unit at a property (a shop, an office), with its own unit-level renovation code: it owes
    trade dues (عوارض صنفی) every year from the book's item for its guild."""

    renovation_code = models.CharField(
        _("unit's renovation code"),
        max_length=40,
        unique=True,
        validators=[renovation_code_validator],
        db_collation="C",
    )
    # the renovation code of the parcel it stands on (building, apartment and unit parts zero)
    parcel_code = models.CharField(
        _("parcel's renovation code"), max_length=40, validators=[renovation_code_validator], db_collation="C"
    )
    guild = models.CharField(_("trade"), max_length=16, choices=Guild.choices)
    title = models.CharField(_("business name"), max_length=200)
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(1)])
    licence_no = models.CharField(_("trade licence number"), max_length=20, db_collation="C")
    since_year = models.PositiveSmallIntegerField(_("trading since (Jalali year)"))
    active = models.BooleanField(_("trading"), default=True)

    class Meta:
        verbose_name = _("trade unit")
        verbose_name_plural = _("trade units")
        ordering = ["renovation_code"]
        indexes = [models.Index(fields=["parcel_code"], name="fees_trade_unit_parcel_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(guild__in=Guild.values), name="fees_trade_unit_guild_valid"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="fees_trade_unit_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.renovation_code})"


class DuesKind(models.TextChoices):
    RENOVATION = "renovation", _("Renovation dues")
    TRADE = "trade", _("Trade dues")


class DuesReceipt(models.Model):
    """Dues of one year paid before this service (imported from the municipality's former revenue system),
    by renovation code: those years are not owed again."""

    renovation_code = models.CharField(
        _("renovation code"), max_length=40, validators=[renovation_code_validator], db_collation="C"
    )
    kind = models.CharField(_("dues"), max_length=12, choices=DuesKind.choices)
    year = models.PositiveSmallIntegerField(_("year (Jalali)"))
    amount_irr = models.PositiveBigIntegerField(_("amount (IRR)"))
    receipt_no = models.CharField(_("receipt number"), max_length=30, db_collation="C")
    paid_on = models.DateField(_("paid on"))

    class Meta:
        verbose_name = _("dues receipt (former system)")
        verbose_name_plural = _("dues receipts (former system)")
        ordering = ["renovation_code", "kind", "year"]
        constraints = [
            models.UniqueConstraint(fields=["renovation_code", "kind", "year"], name="fees_dues_receipt_unique"),
            models.CheckConstraint(condition=Q(kind__in=DuesKind.values), name="fees_dues_receipt_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.renovation_code} {self.kind} {self.year}"
