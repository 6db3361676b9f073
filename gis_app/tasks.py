"""Jobs of the shared floor: putting back the jobs of a worker that died, and sealing the audit chain
(Procrastinate periodic tasks).

A worker killed mid-job (SIGKILL, the machine lost, out of memory) leaves its job 'doing' forever.
Every worker sends a heartbeat every JOB_HEARTBEAT_S seconds; every JOB_STALLED_CHECK_S seconds one
worker (the queueing lock keeps it to one) asks for the jobs 'doing' on a worker silent for more than
JOB_STALLED_AFTER_S (or on a worker already pruned) and sets them 'todo' again. Each job's effect is
idempotent (a notification is sent under its row lock and carries its id as the gateway's
`reference`; a survey upload stores one survey), so running it again has one effect.
"""

from __future__ import annotations

import logging

from django.conf import settings
from procrastinate.contrib.django import app

log = logging.getLogger(__name__)


def _cron(every_s: int) -> str:
    """Procrastinate's cron, with croniter's sixth field for seconds under a minute."""
    return "* * * * *" if every_s >= 60 else f"* * * * * */{max(1, every_s)}"


@app.periodic(cron=_cron(settings.JOB_STALLED_CHECK_S))
@app.task(name="gis_app.retry_stalled_jobs", queue="maintenance", queueing_lock="retry_stalled_jobs")
async def retry_stalled_jobs(timestamp: int) -> int:
    """Set the jobs of dead workers 'todo' again; return how many."""
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.JOB_STALLED_AFTER_S)
    count = 0
    for job in stalled:
        if job.task_name == "gis_app.retry_stalled_jobs":
            continue
        log.warning("retrying job %s (%s): its worker stopped sending heartbeats", job.id, job.task_name)
        await app.job_manager.retry_job(job)
        count += 1
    return count


AUDIT_SEAL_EVERY_S = int(getattr(settings, "AUDIT_SEAL_EVERY_S", 5))


@app.periodic(cron=_cron(AUDIT_SEAL_EVERY_S))
@app.task(name="gis_app.audit_seal", queue="maintenance", queueing_lock="audit_seal")
def audit_seal(timestamp: int) -> int:
    """Chain the audit rows committed since the last run (gis_app.audit.audit_seal); how many."""
    from gis_app.audit import audit_seal as seal

    return seal()
