"""Writes for accounts: demo accounts for the sample city, agents' authorisations."""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Authorisation, User
from accounts.roles import ROLE_ADMIN_PERMISSIONS, STAFF_ROLES, Role
from gis_app.audit import audit_record
from gis_app.errors import DomainError


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    created: bool
    password_hash: str
    totp_key: str = ""  # hex key of the demo authenticator ("" for accounts without a second factor)

    @property
    def totp_secret(self) -> str:
        """The key as an authenticator app takes it (base32), "" when there is none."""
        import base64

        return base64.b32encode(bytes.fromhex(self.totp_key)).decode("ascii") if self.totp_key else ""


def demo_username(role: Role) -> str:
    return f"demo-{role.value.replace('_', '-')}"


@transaction.atomic
def demo_accounts_ensure(*, known: dict[str, dict[str, str]]) -> list[DemoAccount]:
    """One demo account per role; existing accounts keep their password unless it is unknown.

    known maps username to {"password", "hash", "totp_key"} given out earlier. The stored hash tells
    whether the password is unchanged without re-hashing it (hashing is deliberately slow; only a
    hash that differs is checked against the known password, as Django rehashes on sign-in); an
    account whose password is not known or was changed since gets a new random one. Accounts that need a
    second factor get a confirmed authenticator with the known key (a new one when unknown), so a
    demo can sign in with the key in an app or a code printed from it.
    """
    from accounts.second_factor import demo_totp_ensure, second_factor_required

    accounts = []
    for role in Role:
        username = demo_username(role)
        group, _ = Group.objects.get_or_create(name=role.value)
        with translation.override("fa"):
            last_name = str(role.label)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": "حساب نمونه", "last_name": last_name, "is_staff": role in STAFF_ROLES},
        )
        entry = known.get(username) or {}
        password = entry.get("password") if isinstance(entry, dict) else None
        # A hash that differs from the one given out was either changed by someone or rehashed by
        # Django at a sign-in (a stronger hasher or more work): only the first needs a new password.
        changed = entry.get("hash") != user.password and not (password and user.check_password(password))
        if created or not password or changed:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(group)
        totp_key = ""
        if second_factor_required(user):
            known_key = entry.get("totp_key") if isinstance(entry, dict) else None
            totp_key = demo_totp_ensure(user=user, key_hex=known_key or None).key
        accounts.append(
            DemoAccount(
                username=username,
                password=password,
                role=role,
                created=created,
                password_hash=user.password,
                totp_key=totp_key,
            )
        )
    return accounts


@transaction.atomic
def account_signup(
    *, national_id: str, mobile: str, email: str, first_name: str, last_name: str, password: str
) -> User:
    """A citizen's account, inactive until a clerk has checked the person's identity in person."""
    user = User(
        username=national_id,
        national_id=national_id,
        mobile=mobile,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_active=False,
    )
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.CITIZEN.value)[0])
    audit_record(actor=None, action="account.signed_up", obj=user, national_id=national_id)
    return user


@transaction.atomic
def account_activate(*, clerk: User, user_id: int) -> User:
    """The one in-person step: a clerk has seen the person and their national card and activates the account."""
    if not clerk.has_role(Role.CLERK):
        raise PermissionError("only the secretariat activates accounts")
    user = User.objects.select_for_update().get(pk=user_id)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=clerk, action="account.activated", obj=user, national_id=user.national_id)
    return user


# --- agents' authorisations -------------------------------------------------------------------


@transaction.atomic
def authorisation_grant(*, client, agent, valid_until: dt.date) -> Authorisation:
    """The client lets an e-services office or engineer file and follow requests for them."""
    if client.pk == agent.pk:
        raise DomainError(_("You cannot authorise yourself."))
    Authorisation.objects.filter(client=client, agent=agent, revoked_at__isnull=True).update(revoked_at=timezone.now())
    grant = Authorisation.objects.create(client=client, agent=agent, valid_until=valid_until)
    audit_record(actor=client, action="authorisation.granted", obj=grant, agent=agent.username, until=str(valid_until))
    return grant


@transaction.atomic
def authorisation_revoke(*, client, grant_id: int) -> None:
    """The client ends an authorisation (only their own)."""
    grant = Authorisation.objects.select_for_update().get(pk=grant_id, client=client)
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    audit_record(actor=client, action="authorisation.revoked", obj=grant)


# --- login throttling ---------------------------------------------------------------------------


@transaction.atomic
def login_unlock(*, manager: User, username: str = "", ip_address: str = "") -> int:
    """A manager lifts a sign-in lock-out (by username, or by address) before its cool-off ends."""
    from axes.utils import reset

    if not manager.has_role(Role.MANAGER):
        raise PermissionError("only a manager unlocks sign-in")
    if not username and not ip_address:
        raise DomainError(_("Say which account or address to unlock."))
    cleared = reset(username=username) if username else 0
    cleared += reset(ip=ip_address) if ip_address else 0
    if not cleared:
        raise DomainError(_("Nothing to unlock: no failed sign-ins are recorded for it."))
    user = User.objects.filter(username=username).first() if username else None
    audit_record(actor=manager, action="login.unlocked", obj=user or manager, username=username, ip_address=ip_address)
    return cleared


def role_permissions_sync(**_signal) -> None:
    """Give each role group its admin permissions (ROLE_ADMIN_PERMISSIONS), idempotently; permissions
    not created yet (an app migrated later in the same run) are skipped and added on a later call.
    Connected to post_migrate, so a fresh, migrated or flushed database always has them."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    for role, names in ROLE_ADMIN_PERMISSIONS.items():
        wanted = Q(pk__in=[])
        for name in names:
            app_label, codename = name.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.add(*Permission.objects.filter(wanted))
