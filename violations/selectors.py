"""Reads for violations: the cases on a file, the ones that keep it waiting."""

from __future__ import annotations

from django.db.models import QuerySet

from parcels.models import PropertyFile
from violations.models import VIOLATION_BLOCKING, Violation


def violations_of(*, file: PropertyFile) -> QuerySet[Violation]:
    """Every case recorded on the file, newest first."""
    return Violation.objects.filter(file=file)


def open_violations(*, file: PropertyFile) -> QuerySet[Violation]:
    """Cases still before the commission or awaiting execution (they keep the file waiting)."""
    return Violation.objects.filter(file=file, status__in=VIOLATION_BLOCKING)
