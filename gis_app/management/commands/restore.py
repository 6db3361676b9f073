from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gis_app.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder into an empty database: verify the manifest's hashes, pg_restore, unpack the "
        "media, compare row counts and verify the audit chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--database-url", required=True, help="the empty target database (postgis://…)")
        parser.add_argument("--media-root", type=Path, default=None, help="where to unpack the media (MEDIA_ROOT)")

    def handle(self, *args, **options):
        try:
            report = backup_restore(
                folder=options["folder"], database_url=options["database_url"], media_root=options["media_root"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Restored %(tables)s tables, %(rows)s rows; audit chain OK: %(count)s events, head %(head)s")
            % {"tables": report.tables, "rows": report.rows, "count": report.audit_count, "head": report.audit_head}
        )
