"""Jobs of the drawings app (Procrastinate, on the project's PostgreSQL)."""

from __future__ import annotations

from procrastinate.contrib.django import app

# The module, not its functions: intake defers the job below, so the two modules import each other.
from drawings import intake


@app.task(name="drawings.check_upload", queue="drawings")
def check_upload(upload_id: int) -> str:
    """Read, place and check an uploaded drawing (the reader runs in its locked-down process)."""
    return intake.drawing_upload_check(upload_id=upload_id).status
