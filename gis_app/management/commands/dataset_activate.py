from django.core.management.base import BaseCommand, CommandError

from gis_app.models import DatasetVersion
from gis_app.services import dataset_version_activate


class Command(BaseCommand):
    help = "Make a dataset version the live one of its kind (atomically); the previous one stays queryable."

    def add_arguments(self, parser):
        parser.add_argument("version_id", type=int)

    def handle(self, *args, version_id: int, **options):
        try:
            version = DatasetVersion.objects.get(pk=version_id)
        except DatasetVersion.DoesNotExist:
            raise CommandError(f"No dataset version {version_id}; see manage.py dataset_versions") from None
        if version.imported_count == 0:
            raise CommandError(f"Dataset version {version_id} holds no features; it cannot go live")
        dataset_version_activate(version=version)
        self.stdout.write(self.style.SUCCESS(f"{version} is live."))
