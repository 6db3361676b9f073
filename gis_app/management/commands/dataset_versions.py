from django.core.management.base import BaseCommand

from gis_app.models import DatasetKind
from gis_app.selectors import dataset_versions


class Command(BaseCommand):
    help = "List dataset versions, newest first (the live one of each kind is marked *)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=DatasetKind.values)

    def handle(self, *args, kind=None, **options):
        self.stdout.write(
            f"  {'id':>5}  {'kind':<12} {'imported':<19} {'read':>8} {'ok':>8} {'repaired':>8} {'rejected':>8}  source"
        )
        for v in dataset_versions(kind=kind):
            self.stdout.write(
                f"{'*' if v.is_active else ' '} {v.pk:>5}  {v.kind:<12} {v.imported_at:%Y-%m-%d %H:%M:%S} "
                f"{v.read_count:>8} {v.imported_count:>8} {v.repaired_count:>8} {v.rejected_count:>8}  "
                f"{v.source_name} ({v.source_sha256[:12]})"
            )
