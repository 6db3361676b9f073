"""Jobs of the surveys app (Procrastinate, on the project's PostgreSQL)."""

from __future__ import annotations

from procrastinate.contrib.django import app

# The module, not its functions: intake defers the job below, so the two modules import each other.
from surveys import intake


@app.task(name="surveys.read_upload", queue="surveys")
def read_upload(upload_id: int) -> str:
    """Read, check and reconcile an uploaded survey file (the reader runs in its locked-down process)."""
    return intake.survey_upload_read(upload_id=upload_id).status
