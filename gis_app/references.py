"""Signed references to an object of any app, handed from a page of one app to a form of another.

An app low in the layers (surveys) records work made for an object of an app above it (a permit
request, a citizen's report) without importing it: the page above signs what the work is for, the form
below checks the signature and finds the object by content type. A reference cannot be forged or moved
to another property's file."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import models

SALT = "gis_app.references"
MAX_AGE_S = 30 * 24 * 3600  # a link in a page or an inbox stays usable for a month


class BadReference(ValueError):
    """The reference is forged, expired or names an object that no longer exists."""


@dataclass(frozen=True)
class Reference:
    origin: str  # what the work is for, e.g. "request"
    obj: models.Model
    file_code: str  # the property's file the object belongs to


def reference_sign(*, obj: models.Model, origin: str, file_code: str) -> str:
    """A token naming obj (and the file it belongs to) for a form of another app."""
    ct = ContentType.objects.get_for_model(obj)
    return signing.dumps({"o": origin, "ct": ct.pk, "id": obj.pk, "f": file_code}, salt=SALT, compress=True)


def reference_load(token: str) -> Reference:
    """The object a token names; BadReference when it is not ours, too old, or gone."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_S)
        ct = ContentType.objects.get_for_id(int(data["ct"]))
        obj = ct.get_object_for_this_type(pk=int(data["id"]))
        return Reference(origin=str(data["o"]), obj=obj, file_code=str(data["f"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, ContentType.DoesNotExist) as exc:
        raise BadReference(str(exc)) from exc
    except models.ObjectDoesNotExist as exc:
        raise BadReference(str(exc)) from exc
