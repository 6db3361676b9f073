"""Writes for accounts: demo accounts for the sample city."""

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation

from accounts.models import User
from accounts.roles import STAFF_ROLES, Role


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    created: bool
    password_hash: str


def demo_username(role: Role) -> str:
    return f"demo-{role.value.replace('_', '-')}"


@transaction.atomic
def demo_accounts_ensure(*, known: dict[str, dict[str, str]]) -> list[DemoAccount]:
    """One demo account per role; existing accounts keep their password unless it is unknown.

    known maps username to {"password", "hash"} given out earlier. The stored hash tells whether the
    password is unchanged without re-hashing it (hashing is deliberately slow); an account whose
    password is not known or was changed since gets a new random one.
    """
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
        if created or not password or entry.get("hash") != user.password:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(group)
        accounts.append(
            DemoAccount(username=username, password=password, role=role, created=created, password_hash=user.password)
        )
    return accounts
