from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gis_app.importing import file_checksum
from gis_app.models import DatasetVersion

# Boundary first: the other layers are checked against it.
LAYERS = ["boundary", "districts", "parcels", "buildings", "value_zones", "zones", "streets"]


class Command(BaseCommand):
    help = (
        "Import and activate the synthetic sample city from data/shapefiles/ through "
        "data/mappings/sample_city.yaml. When some layers are live already, only the missing ones are "
        "imported (a database loaded before a layer was added gets it); nothing when all are live."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=settings.GIS_DATA_DIR, help="Folder with the shapefiles.")
        parser.add_argument("--again", action="store_true", help="Import new versions of every layer, even if live.")

    def handle(self, *args, dir: Path, again: bool, **options):
        base = settings.BASE_DIR / "data"
        mapping = base / "mappings" / "sample_city.yaml"
        live = {v.kind: v for v in DatasetVersion.objects.filter(is_active=True)}
        layers = LAYERS if again else [name for name in LAYERS if name not in live]
        if not layers:
            self.stdout.write("Sample city already loaded (every layer is live); nothing to do.")
            return
        foreign = sorted(kind for kind, v in live.items() if v.mapping_name != mapping.name)
        if not again and foreign:
            # Sample layers would not fit another city's data (they lie outside its boundary).
            self.stdout.write(
                f"Live data that is not the sample city's ({', '.join(foreign)}); "
                f"nothing loaded (the missing layers: {', '.join(layers)}). --again loads the whole sample city."
            )
            return
        missing = [name for name in layers if not (dir / f"{name}.shp").exists()]
        if missing:
            raise CommandError(f"Missing layers in {dir}: {', '.join(missing)}")
        if layers != LAYERS:
            self.stdout.write(f"Sample city partly loaded; importing the layers not yet live: {', '.join(layers)}")
            changed = [
                name
                for name in LAYERS
                if name in live
                and (dir / f"{name}.shp").exists()
                and live[name].source_sha256 != file_checksum(dir / f"{name}.shp")
            ]
            if changed:
                # Kept as they are (decisions may rest on them); the new layers may expect the new files
                # (the districts expect the parcels' renovation codes that follow them).
                self.stdout.write(
                    f"Note: the live {', '.join(changed)} came from older files; "
                    "sample_city_load --again imports the current ones."
                )
        for name in layers:
            extra = {"rules": base / "plan_rules" / "sample_city.yaml"} if name == "zones" else {}
            call_command(
                "layer_import",
                name,
                dir / f"{name}.shp",
                mapping=mapping,
                activate=True,
                stdout=self.stdout,
                verbosity=options["verbosity"],
                **extra,
            )
        self.stdout.write(self.style.SUCCESS("Sample city loaded."))
