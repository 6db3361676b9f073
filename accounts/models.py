from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from gis_app.identifiers import validate_national_id


class User(AbstractUser):
    """A person who signs in; the role comes from group membership (one group per Role)."""

    national_id = models.CharField(
        _("national ID"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_national_id],
        help_text=_("Checked once in person when the account is issued."),
    )
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    district = models.PositiveSmallIntegerField(
        _("district"),
        null=True,
        blank=True,
        help_text=_("Staff: the district whose files fill the inbox; empty for all."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def roles(self) -> set[Role]:
        """The roles this user holds: read once per user object (a page asks many times), forgotten when
        the user's groups change through this object (accounts.apps: the m2m_changed handler)."""
        cached = self.__dict__.get("_roles")
        if cached is None:
            valid = set(Role.values)
            cached = frozenset(Role(name) for name in self.groups.values_list("name", flat=True) if name in valid)
            self.__dict__["_roles"] = cached
        return set(cached)

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("_roles", None)
        super().refresh_from_db(*args, **kwargs)

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()


class Authorisation(models.Model):
    """A client's authorisation for an e-services office or engineer to file and follow on their behalf."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agents_authorised")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clients")
    granted_at = models.DateTimeField(auto_now_add=True)
    valid_until = models.DateField(_("valid until"))
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "agent"],
                condition=Q(revoked_at__isnull=True),
                name="accounts_authorisation_one_active",
            ),
            models.CheckConstraint(condition=~Q(client=models.F("agent")), name="accounts_authorisation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.agent} (until {self.valid_until})"
