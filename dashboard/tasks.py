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


@app.task(name="dashboard.monthly_summary", queue="dashboard")
def monthly_summary_job(summary_id: int) -> str:
    """Read a monthly summary's figures and issue its signed document (its PDF by the documents job)."""
    from dashboard.services import monthly_summary_make

    return monthly_summary_make(summary_id=summary_id)


# every day at 00:30 UTC (04:00 in Tehran): the month just ended gets its summaries once (a Jalali month
# starts on a different Gregorian day each month, so the job looks daily and makes only what is missing)
@app.periodic(cron="30 0 * * *")
@app.task(name="dashboard.monthly_summaries", queue="dashboard", queueing_lock="dashboard.monthly_summaries")
def monthly_summaries(timestamp: int) -> int:
    """Ask for the summaries of the month just ended that nobody asked for yet; how many."""
    from django.utils import timezone

    from dashboard.services import monthly_summaries_due

    return len(monthly_summaries_due(today=timezone.localdate()))
