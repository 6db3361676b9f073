"""An edit to a row of a mapped layer bumps its dataset version's revision, which changes the tiles'
ETag and the map's tile URLs: caches holding the old tiles stop being used at once."""

from django.db.models.signals import post_delete, post_save

from maps.tiles import version_touched
from parcels.models import ExistingBuilding, Parcel
from zoning.models import PlanZone, Street

# the layers drawn in the tiles
MAPPED_MODELS = (Parcel, ExistingBuilding, PlanZone, Street)


def _touched(sender, instance, **kwargs) -> None:
    version_touched(instance.version_id)


for model in MAPPED_MODELS:
    post_save.connect(_touched, sender=model, dispatch_uid=f"maps-tiles-{model._meta.label}")
    post_delete.connect(_touched, sender=model, dispatch_uid=f"maps-tiles-{model._meta.label}")
