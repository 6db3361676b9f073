"""Reads for dataset versions."""

from gis_app.models import DatasetVersion


def active_version_id(kind: str) -> int | None:
    """The live version of a layer kind, or None when nothing was activated yet."""
    return DatasetVersion.objects.filter(kind=kind, is_active=True).values_list("id", flat=True).first()


def dataset_versions(*, kind: str | None = None):
    """Versions, newest first, optionally of one kind."""
    qs = DatasetVersion.objects.all()
    return qs.filter(kind=kind) if kind else qs
