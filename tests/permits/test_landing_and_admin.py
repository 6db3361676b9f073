"""Issue 16, "Staff screens": sign-in leads staff to their inbox (after the second factor) and citizens
to their files; the admin link shows only for roles the admin lets do something, and each role holds
only the admin permissions it needs (the manager: the working calendar and the plan layers)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import STAFF_ROLES, Role
from tests.permits.conftest import PASSWORD, staff_member

pytestmark = pytest.mark.django_db


# --- where sign-in leads ---------------------------------------------------------------------------


def test_staff_land_on_their_inbox_after_the_second_factor(client, staff):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clerk = staff_member(staff[Role.CLERK])
    clerk.set_password(PASSWORD)
    clerk.save()
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    response = client.post(reverse("login"), {"username": clerk.username, "password": PASSWORD})
    assert response["Location"] == reverse("accounts:landing")
    # the landing page is behind the second step, which returns to it
    response = client.get(response["Location"])
    assert response["Location"].startswith(reverse("accounts:second_factor"))
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post(response["Location"], {"code": f"{totp.token():06d}"})
    assert response["Location"] == reverse("accounts:landing")
    assert client.get(response["Location"])["Location"] == reverse("permits:inbox")


def test_citizens_land_on_their_files(client, citizen):
    citizen.set_password(PASSWORD)
    citizen.save()
    response = client.post(reverse("login"), {"username": citizen.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("permits:mine")
    assert response.status_code == 200


# --- the admin link and each role's admin permissions ------------------------------------------------

# the only roles with any model permission in the admin (the revenue officer: the tariff book)
ADMIN_ROLES = {Role.MANAGER, Role.PLANNER, Role.REVENUE_OFFICER, Role.EXECUTIVE_UNIT}  # executive unit: paving records
PLAN_ROLES = {Role.MANAGER, Role.PLANNER}  # those who may read the plan layers


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_the_admin_link_shows_only_for_roles_the_admin_lets_do_something(client, staff, role):
    user = staff_member(staff[role])
    client.force_login(user)
    home = client.get(reverse("home")).content.decode()
    assert ('data-testid="nav-admin"' in home) == (role in ADMIN_ROLES)
    index = client.get(reverse("admin:index")).content.decode()
    assert ("permits/holiday/" in index) == (role == Role.MANAGER)
    assert ("zoning/planzone/" in index) == (role in PLAN_ROLES)
    assert ("fees/tariffbook/" in index) == (role == Role.REVENUE_OFFICER)


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_only_the_manager_keeps_the_calendar_and_the_plan_layers(client, staff, role):
    client.force_login(staff_member(staff[role]))
    manager = role == Role.MANAGER
    assert client.get(reverse("admin:permits_holiday_add")).status_code == (200 if manager else 403)
    assert client.get(reverse("admin:permits_holiday_changelist")).status_code == (200 if manager else 403)
    assert client.get(reverse("admin:zoning_densityrule_add")).status_code == (200 if manager else 403)
    readable = role in PLAN_ROLES
    assert client.get(reverse("admin:zoning_street_changelist")).status_code == (200 if readable else 403)


def test_the_manager_adds_a_lunar_holiday_in_the_admin(client, staff):
    from permits.models import Holiday

    client.force_login(staff_member(staff[Role.MANAGER]))
    response = client.post(reverse("admin:permits_holiday_add"), {"date": "2027-03-10", "name": "عید فطر"})
    assert response.status_code == 302
    assert Holiday.objects.filter(name="عید فطر").exists()


def test_the_role_permissions_come_back_after_a_flush(client, staff):
    """A flushed database (transactional tests, a reset) gets them again from post_migrate."""
    from django.contrib.auth.models import Group

    from accounts.services import role_permissions_sync

    Group.objects.get(name=Role.MANAGER.value).permissions.clear()
    role_permissions_sync()
    role_permissions_sync()  # idempotent
    manager = Group.objects.get(name=Role.MANAGER.value)
    assert manager.permissions.filter(codename="add_holiday").count() == 1
    assert (
        manager.permissions.count() == 28
    )  # holidays, agencies and their members, the plan layers: 7 models x 4 actions
    assert set(Group.objects.get(name=Role.PLANNER.value).permissions.values_list("codename", flat=True)) == {
        "view_planzone",
        "view_street",
        "view_planparameters",
        "view_densityrule",
    }
