from django.contrib.auth.models import AbstractUser
from django.db import models
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
        """The roles this user holds."""
        valid = set(Role.values)
        return {Role(name) for name in self.groups.values_list("name", flat=True) if name in valid}

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()
