import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import demo_accounts_ensure


class Command(BaseCommand):
    help = "Create one demo account per role (or keep the existing ones) and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument(
            "--passwords-file",
            default=str(settings.BASE_DIR / ".local" / "demo_accounts.json"),
            help="Where the demo passwords are kept between runs (git-ignored, mode 600).",
        )

    def handle(self, *args, passwords_file: str, **options):
        path = Path(passwords_file)
        known = json.loads(path.read_text()) if path.exists() else {}
        accounts = demo_accounts_ensure(known=known)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(
                {a.username: {"password": a.password, "hash": a.password_hash} for a in accounts},
                fh,
                indent=1,
            )
        self.stdout.write(self.style.MIGRATE_HEADING("Demo accounts (one per role):"))
        width = max(len(a.username) for a in accounts)
        for a in accounts:
            self.stdout.write(f"  {a.username.ljust(width)}  {a.password}  {a.role.label}")
