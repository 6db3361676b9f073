"""Where each category of citizen report goes: the unit (a role of the back office) and its time limit
in working days, and whether it opens an inspection case on the parcel under the point. Data: one
place to change the routing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class Category(models.TextChoices):
    CONSTRUCTION = "construction", _("Unauthorised construction")
    DEBRIS = "debris", _("Building debris left on the street")
    DANGEROUS = "dangerous", _("Dangerous structure")
    STREET_DAMAGE = "street_damage", _("Street or pavement damage")
    EXCAVATION = "excavation", _("Excavation left open")
    OTHER = "other", _("Another urban problem")


@dataclass(frozen=True)
class Route:
    unit: Role
    working_days: int
    opens_inspection: bool = False


ROUTES: dict[str, Route] = {
    Category.CONSTRUCTION: Route(Role.INSPECTOR, 5, opens_inspection=True),
    Category.DANGEROUS: Route(Role.INSPECTOR, 2, opens_inspection=True),
    Category.DEBRIS: Route(Role.EXECUTIVE_UNIT, 3),
    Category.STREET_DAMAGE: Route(Role.EXECUTIVE_UNIT, 7),
    Category.EXCAVATION: Route(Role.EXECUTIVE_UNIT, 3),
    Category.OTHER: Route(Role.MANAGER, 10),
}

# One-line descriptions of the categories (the Open311 service definitions, the form's help)
DESCRIPTIONS: dict[str, str] = {
    Category.CONSTRUCTION: _("Building work that seems to have no permit, or goes beyond it."),
    Category.DANGEROUS: _("A wall, building or structure that may fall."),
    Category.DEBRIS: _("Construction waste or materials left in the street."),
    Category.STREET_DAMAGE: _("Holes or broken pavement in a street or pavement."),
    Category.EXCAVATION: _("A trench or pit left open or unsafe."),
    Category.OTHER: _("Another problem of the city's streets and buildings."),
}


def route_for(category: str) -> Route:
    """The unit and time limit of a category (KeyError for an unknown one)."""
    return ROUTES[category]
