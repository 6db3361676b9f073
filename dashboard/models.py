"""Who heads which unit: a unit head reads the dashboard for his unit's stages in his district only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from permits.workflow import STAGES

# A unit is the role that works a stage of the workflow (the secretariat, the inspectors, …).
UNIT_ROLES = tuple(dict.fromkeys(s.role for s in STAGES.values()))
UNIT_CHOICES = [(r.value, r.label) for r in UNIT_ROLES]


class UnitHead(models.Model):
    """A staff member who heads a unit in one district (appointed in the admin site by an administrator)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_head", verbose_name=_("user")
    )
    unit = models.CharField(_("unit"), max_length=24, choices=UNIT_CHOICES)
    district = models.PositiveSmallIntegerField(_("municipal district"))

    class Meta:
        verbose_name = _("unit head")
        verbose_name_plural = _("unit heads")
        constraints = [
            models.CheckConstraint(condition=Q(unit__in=[r.value for r in UNIT_ROLES]), name="dashboard_unit_valid"),
            models.CheckConstraint(condition=Q(district__gte=1), name="dashboard_unit_district_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_unit_display()} · {self.district}"

    def stages(self) -> tuple[str, ...]:
        return tuple(code for code, s in STAGES.items() if s.role.value == self.unit)


class FiguresRefresh(models.Model):
    """The last refresh of the dashboard's materialised views (one row): how fresh the period figures are."""

    finished_at = models.DateTimeField(_("refreshed"))
    took_ms = models.PositiveIntegerField(_("took (ms)"))

    class Meta:
        verbose_name = _("figures refresh")
        verbose_name_plural = _("figures refreshes")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.took_ms} ms)"


class MonthlySummary(models.Model):
    """A monthly summary asked for (by a manager or a unit head, or by the periodic job for the month just
    ended): the Jalali month and scope, the figures as the job read them (kept, so every rendering and
    every copy of its document says the same), and the signed document (kind monthly_summary) made from
    them."""

    year = models.PositiveSmallIntegerField(_("year (Jalali)"))
    month = models.PositiveSmallIntegerField(_("month"))
    district = models.PositiveSmallIntegerField(_("municipal district"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=24, choices=UNIT_CHOICES, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    figures = models.JSONField(null=True, blank=True)  # None until the job has read them
    made_at = models.DateTimeField(null=True, blank=True)
    document = models.OneToOneField(
        "documents.IssuedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="monthly_summary"
    )
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("monthly summary")
        verbose_name_plural = _("monthly summaries")
        ordering = ["-year", "-month", "-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="dashboard_summary_month_valid"),
            models.CheckConstraint(
                condition=Q(unit="") | Q(unit__in=[r.value for r in UNIT_ROLES]), name="dashboard_summary_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(district__gte=1), name="dashboard_summary_district_positive"
            ),
        ]
        indexes = [models.Index(fields=["year", "month", "district", "unit"], name="dashboard_summary_scope")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.district or '*'} {self.unit or '*'}"

    @property
    def subject_ref(self) -> str:
        """What its document is of (documents.IssuedDocument.subject_ref)."""
        return f"MS{self.pk}"
