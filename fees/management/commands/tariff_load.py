from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fees.books import BookError, book_load


class Command(BaseCommand):
    help = (
        "Load tariff books from YAML (by default every data/tariffs/*.yaml: the sample city's example books). "
        "A book already loaded (same municipality, year and version) is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="Book files (default: data/tariffs/*.yaml).")

    def handle(self, *args, files: list[Path], **options):
        files = files or sorted((Path(settings.BASE_DIR) / "data" / "tariffs").glob("*.yaml"))
        for path in files:
            try:
                book, created = book_load(path=path)
            except BookError as exc:
                raise CommandError(str(exc)) from exc
            state = "loaded" if created else "already there"
            self.stdout.write(f"{path.name}: {book} ({book.get_status_display()}, {book.items.count()} items) {state}")
