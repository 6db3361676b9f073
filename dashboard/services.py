"""The dashboard's only write: refreshing its materialised views (the figures stay read-only)."""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from dashboard.models import FiguresRefresh

VIEWS = ("dashboard_stage_span", "dashboard_span_month", "dashboard_late_month", "dashboard_decision")


def figures_refresh() -> FiguresRefresh:
    """Refresh the period figures (CONCURRENTLY: the dashboard keeps reading the old rows meanwhile)."""
    started = time.monotonic()
    with connection.cursor() as cur:
        for view in VIEWS:
            cur.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
    took_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        row, _ = FiguresRefresh.objects.update_or_create(
            pk=1, defaults={"finished_at": timezone.now(), "took_ms": took_ms}
        )
    return row
