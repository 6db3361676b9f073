"""Jobs of the dashboard: refreshing the period figures every few minutes (Procrastinate periodic task)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from dashboard.selectors import REFRESH_EVERY_MIN


@app.periodic(cron=f"*/{REFRESH_EVERY_MIN} * * * *")
@app.task(name="dashboard.figures_refresh", queue="dashboard", queueing_lock="dashboard.figures_refresh")
def figures_refresh(timestamp: int) -> int:
    """Refresh the materialised views; how long it took (ms)."""
    from dashboard.services import figures_refresh as refresh

    return refresh().took_ms
