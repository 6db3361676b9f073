from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gis_app.importing import ImportRefused
from parcels.models import ExistingBuilding, Owner, Parcel, ValueZone
from parcels.services import (
    buildings_import_sample_layer,
    parcels_import_sample_layer,
    value_zones_import_sample_layer,
)
from zoning.models import PlanZone, Street
from zoning.services import streets_import_sample_layer, zones_import_sample_layer

LAYERS = [
    ("parcels", parcels_import_sample_layer),
    ("buildings", buildings_import_sample_layer),
    ("value_zones", value_zones_import_sample_layer),
    ("zones", zones_import_sample_layer),
    ("streets", streets_import_sample_layer),
]


class Command(BaseCommand):
    help = "Load the synthetic sample city from data/shapefiles/ (skipped when parcels are already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.GIS_DATA_DIR), help="Folder with the shapefiles.")
        parser.add_argument("--replace", action="store_true", help="Delete the loaded city and load again.")
        parser.add_argument("--verbose-report", action="store_true", help="List every repaired/rejected id.")

    def handle(self, *args, dir: str, replace: bool, verbose_report: bool, **options):
        from pathlib import Path

        folder = Path(dir)
        if Parcel.objects.exists() and not replace:
            self.stdout.write(
                f"Sample city already loaded ({Parcel.objects.count()} parcels); nothing to do."
            )
            return
        missing = [name for name, _ in LAYERS if not (folder / f"{name}.shp").exists()]
        if missing:
            raise CommandError(f"Missing layers in {folder}: {', '.join(missing)}")
        try:
            with transaction.atomic():
                if replace:
                    for model in (ExistingBuilding, Parcel, Owner, ValueZone, PlanZone, Street):
                        model.objects.all().delete()
                for name, loader in LAYERS:
                    report = loader(path=folder / f"{name}.shp")
                    self.stdout.write(
                        f"  {name:12s} read {report.read:6d}  imported {report.imported:6d}  "
                        f"repaired {len(report.repaired):4d}  rejected {len(report.rejected):4d}"
                    )
                    for sid, why in report.repaired if verbose_report else report.repaired[:10]:
                        self.stdout.write(f"      repaired {sid}: {why}")
                    for sid, why in report.rejected:
                        self.stdout.write(f"      rejected {sid}: {why}")
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Sample city loaded."))
