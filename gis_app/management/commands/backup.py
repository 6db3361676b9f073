from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gis_app.backups import BackupError, backup_make


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format) and MEDIA_ROOT into a timestamped folder with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=settings.BASE_DIR / "backups", help="folder to write into")

    def handle(self, *args, **options):
        try:
            folder = backup_make(output=options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Backup written to %(path)s") % {"path": folder})
