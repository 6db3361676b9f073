import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.second_factor import totp_code_now, totp_device_of
from accounts.services import demo_accounts_ensure


def totp_device_of_username(username: str):
    return totp_device_of(User.objects.get(username=username))


class Command(BaseCommand):
    help = (
        "Create one demo account per role (or keep the existing ones) and print their passwords, and for "
        "staff the authenticator key and the code it shows now (run again for a fresh code)."
    )

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
                {
                    a.username: {"password": a.password, "hash": a.password_hash, "totp_key": a.totp_key}
                    for a in accounts
                },
                fh,
                indent=1,
            )
        self.stdout.write(self.style.MIGRATE_HEADING("Demo accounts (one per role):"))
        width = max(len(a.username) for a in accounts)
        for a in accounts:
            self.stdout.write(f"  {a.username.ljust(width)}  {a.password}  {a.role.label}")
        staff = [a for a in accounts if a.totp_key]
        if staff:
            self.stdout.write(
                self.style.MIGRATE_HEADING(
                    "Two-step sign-in of the staff accounts: add the key to an authenticator app (time-based, "
                    "6 digits, 30 s), or type the code shown (valid about a minute; "
                    "run demo_accounts again for new ones):"
                )
            )
            now = {a.username: totp_code_now(d) for a in staff for d in [totp_device_of_username(a.username)]}
            for a in staff:
                label = f"{a.username}:"
                self.stdout.write(f"  {label.ljust(width + 1)}  code {now[a.username]}  key {a.totp_secret}")
