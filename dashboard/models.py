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
