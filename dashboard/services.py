"""The dashboard's writes: refreshing its materialised views (the figures stay read-only), and asking for
and making monthly summaries (signed documents through the documents engine)."""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from dashboard.models import FiguresRefresh, MonthlySummary
from gis_app.audit import audit_record

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


# --- monthly summaries (the documents engine's monthly_summary kind) ----------------------------------------


def monthly_summary_request(*, actor, year: int, month: int, district: int | None, unit: str) -> MonthlySummary:
    """Ask for a month's summary (the caller checked the month and that the actor may read this scope):
    the row is recorded and audited, and the job that reads the figures and issues the signed document is
    enqueued in the same transaction (nothing heavy in the request)."""
    from dashboard.tasks import monthly_summary_job

    with transaction.atomic():
        summary = MonthlySummary.objects.create(
            year=year,
            month=month,
            district=district,
            unit=unit,
            requested_at=timezone.now(),
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(actor=actor, action="dashboard.summary_requested", obj=summary, month=f"{year}-{month:02d}")
        monthly_summary_job.defer(summary_id=summary.pk)
    return summary


def monthly_summary_make(*, summary_id: int) -> str:
    """The job's body: read the month's figures for the summary's scope (the period views refreshed
    first), keep them on the summary and issue its document (serial, signed QR; the PDF by the documents
    job) in one transaction; a valid summary document of the same month and scope is superseded."""
    from dashboard.monthly import summary_figures, summary_scope
    from dashboard.periods import jalali_month
    from documents.content import content_for
    from documents.models import DocumentKind, DocumentStatus, IssuedDocument
    from documents.services import document_record

    summary = MonthlySummary.objects.filter(pk=summary_id).first()
    if summary is None or summary.document_id is not None:
        return "nothing to do"
    figures_refresh()
    figures = summary_figures(
        scope=summary_scope(district=summary.district, unit=summary.unit),
        period=jalali_month(summary.year, summary.month),
        today=timezone.localdate(),
    )
    with transaction.atomic():
        summary = MonthlySummary.objects.select_for_update().get(pk=summary_id)
        if summary.document_id is not None:
            return "nothing to do"
        summary.figures, summary.made_at = figures, timezone.now()
        summary.save(update_fields=["figures", "made_at"])
        older = (
            IssuedDocument.objects.select_for_update()
            .filter(
                kind=DocumentKind.MONTHLY_SUMMARY,
                status=DocumentStatus.VALID,
                monthly_summary__year=summary.year,
                monthly_summary__month=summary.month,
                monthly_summary__district=summary.district,
                monthly_summary__unit=summary.unit,
            )
            .first()
        )
        document = document_record(
            kind=DocumentKind.MONTHLY_SUMMARY,
            content=content_for(DocumentKind.MONTHLY_SUMMARY, summary.subject_ref),
            subject={"file_id": None, "subject_ref": summary.subject_ref},
            actor=summary.requested_by,
            supersedes=older,
        )
        summary.document = document
        summary.save(update_fields=["document"])
        audit_record(actor=summary.requested_by, action="dashboard.summary_made", obj=summary, serial=document.serial)
    return document.serial


def monthly_summaries_due(*, today) -> list[MonthlySummary]:
    """The periodic job's body: the month just ended, for the whole city and each live district, where no
    summary of that month and scope was asked for yet (so a missed day catches up and a rerun adds none)."""
    from dashboard.monthly import month_just_ended
    from parcels.selectors import live_districts

    year, month = month_just_ended(today)
    made = []
    for district in [None, *live_districts().values_list("number", flat=True)]:
        exists = MonthlySummary.objects.filter(year=year, month=month, district=district, unit="").exists()
        if not exists:
            made.append(monthly_summary_request(actor=None, year=year, month=month, district=district, unit=""))
    return made
