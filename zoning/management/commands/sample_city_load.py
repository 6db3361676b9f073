from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id

# Boundary first: the other layers are checked against it.
LAYERS = ["boundary", "parcels", "buildings", "value_zones", "zones", "streets"]


class Command(BaseCommand):
    help = (
        "Import and activate the synthetic sample city from data/shapefiles/ through "
        "data/mappings/sample_city.yaml (skipped when parcels are already live)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=settings.GIS_DATA_DIR, help="Folder with the shapefiles.")
        parser.add_argument("--again", action="store_true", help="Import new versions even if some are live.")

    def handle(self, *args, dir: Path, again: bool, **options):
        if active_version_id(DatasetKind.PARCELS) and not again:
            self.stdout.write("Sample city already loaded (parcels are live); nothing to do.")
            return
        missing = [name for name in LAYERS if not (dir / f"{name}.shp").exists()]
        if missing:
            raise CommandError(f"Missing layers in {dir}: {', '.join(missing)}")
        base = settings.BASE_DIR / "data"
        for name in LAYERS:
            extra = {"rules": base / "plan_rules" / "sample_city.yaml"} if name == "zones" else {}
            call_command(
                "layer_import",
                name,
                dir / f"{name}.shp",
                mapping=base / "mappings" / "sample_city.yaml",
                activate=True,
                stdout=self.stdout,
                verbosity=options["verbosity"],
                **extra,
            )
        self.stdout.write(self.style.SUCCESS("Sample city loaded."))
