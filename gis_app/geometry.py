"""Shared geometry plumbing: the storage CRS, named spatial indexes and validity constraints."""

from django.conf import settings
from django.contrib.gis.db.models.functions import IsValid
from django.contrib.postgres.indexes import GistIndex
from django.db import models

WGS84 = 4326


def storage_srid() -> int:
    """The metric SRID every geometry is stored in (EPSG:32640 for Bojnord)."""
    return settings.GIS_STORAGE_SRID


def max_vertices() -> int:
    """The most vertices one feature may have, in any geometry input (GIS_MAX_VERTICES)."""
    return int(settings.GIS_MAX_VERTICES)


def gist_index(*fields: str, name: str) -> GistIndex:
    """A GiST index with a name we choose, so migrations and EXPLAIN output stay readable. With
    ("version", "geom") it serves "this version, near here" in one scan (btree_gist): a plain
    version index would make the planner read a whole city's version row by row."""
    return GistIndex(fields=list(fields), name=name)


def valid_geometry_constraint(field: str, *, name: str) -> models.CheckConstraint:
    """The database refuses an invalid geometry; importers repair and report before saving."""
    return models.CheckConstraint(condition=IsValid(field), name=name)
