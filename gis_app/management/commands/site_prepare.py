from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Everything the service needs before it serves, in one process: migrate, load the sample city "
        "(once), collect static files, ensure the demo accounts and print them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--passwords-file", help="Passed on to demo_accounts.")

    def handle(self, *args, passwords_file: str | None = None, **options):
        self.stdout.write(self.style.MIGRATE_HEADING("Migrating the database"))
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(self.style.MIGRATE_HEADING("Loading the sample city (skipped when already loaded)"))
        call_command("sample_city_load")
        call_command("permit_schedules_load")
        call_command("tariff_load", verbosity=0)
        call_command("dues_sample_load")
        self.stdout.write(self.style.MIGRATE_HEADING("Collecting static files"))
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("demo_accounts", **({"passwords_file": passwords_file} if passwords_file else {}))
