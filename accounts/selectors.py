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


def logins_locked() -> list[dict]:
    """Usernames and addresses whose failed sign-ins within the cool-off reach the limit, latest first."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Max, Sum

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    locked = []
    for field in ("username", "ip_address"):
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        )
        locked += [{"kind": field, "value": r[field], "failures": r["failures"], "last": r["last"]} for r in rows]
    return sorted(locked, key=lambda r: r["last"], reverse=True)[:200]
