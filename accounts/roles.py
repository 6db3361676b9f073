"""The roles of DESIGN.md §2. Each role is a Django group of the same name (created by a migration)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen (owner or attorney)")
    ESERVICES_OFFICE = "eservices_office", _("E-services office / engineer")
    CLERK = "clerk", _("Secretariat clerk")
    INSPECTOR = "inspector", _("Inspector")
    SURVEYOR = "surveyor", _("Surveyor")
    PLANNER = "planner", _("Detailed-plan planner")
    VIOLATIONS_OFFICER = "violations_officer", _("Violations officer / Article 100 secretary")
    RENOVATION_OFFICER = "renovation_officer", _("Renovation officer")
    EXECUTIVE_UNIT = "executive_unit", _("Executive unit")
    REVENUE_OFFICER = "revenue_officer", _("Revenue officer")
    PERMIT_OFFICER = "permit_officer", _("Permit officer")
    MANAGER = "manager", _("Manager")
    AGENCY = "agency", _("Agency (bank, notary, utility)")


# Staff roles work inside the municipality's back office (and may use the admin site when an
# administrator also grants them model permissions); citizens and agencies never do.
STAFF_ROLES = frozenset(
    {
        Role.CLERK,
        Role.INSPECTOR,
        Role.SURVEYOR,
        Role.PLANNER,
        Role.VIOLATIONS_OFFICER,
        Role.RENOVATION_OFFICER,
        Role.EXECUTIVE_UNIT,
        Role.REVENUE_OFFICER,
        Role.PERMIT_OFFICER,
        Role.MANAGER,
    }
)


def require_role(user, *roles: Role) -> None:
    """For views: PermissionDenied (403) unless the user holds one of the roles."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    if not user.is_authenticated or not user.roles() & set(roles):
        raise PermissionDenied(_("Your role may not do this."))


# Each role's model permissions in the admin site ("app_label.codename"): the manager keeps the working
# calendar (holidays) and the plan layers, the planner may read the plan layers, the revenue officer keeps
# the tariff book; no other role needs the admin (its link shows only to those holding one). Applied by
# accounts.services.role_permissions_sync after every migrate (and a database flush), and first by
# migration accounts/0005.
_PLAN_LAYERS = ("zoning.planzone", "zoning.street", "zoning.planparameters", "zoning.densityrule")
ROLE_ADMIN_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.MANAGER: tuple(
        f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
        for model in ("permits.holiday", "inquiries.agency", "inquiries.agencymember", *_PLAN_LAYERS)
        for action in ("add", "change", "delete", "view")
    ),
    Role.PLANNER: tuple(f"{model.split('.')[0]}.view_{model.split('.')[1]}" for model in _PLAN_LAYERS),
    # the executive unit keeps the paving records ("recently paved" streets for excavation inquiries)
    Role.EXECUTIVE_UNIT: tuple(f"inquiries.{action}_pavingrecord" for action in ("add", "change", "delete", "view")),
    # the tariff book: copy a book to next year (add), edit a draft's items and approve it (change);
    # approved books are read-only in the admin whatever the permission says
    Role.REVENUE_OFFICER: (
        "fees.view_tariffbook",
        "fees.add_tariffbook",
        "fees.change_tariffbook",
        "fees.view_tariffitem",
        "fees.add_tariffitem",
        "fees.change_tariffitem",
        "fees.delete_tariffitem",
    ),
}
