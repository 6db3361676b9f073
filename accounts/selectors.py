"""Reads for accounts: agents' current authorisations."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Authorisation


def clients_of(*, agent) -> QuerySet[Authorisation]:
    """The agent's current authorisations (not revoked, not expired)."""
    return Authorisation.objects.filter(agent=agent, revoked_at__isnull=True, valid_until__gte=timezone.localdate())


def authorisations_given(*, client) -> QuerySet[Authorisation]:
    """The authorisations a client has given and not revoked."""
    return Authorisation.objects.filter(client=client, revoked_at__isnull=True)


def is_authorised(*, agent, client) -> bool:
    """Does the agent hold a current authorisation from the client?"""
    return clients_of(agent=agent).filter(client=client).exists()
