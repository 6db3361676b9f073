from pathlib import Path

import jdatetime
import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from permits.models import Holiday
from violations.models import TransactionValue


class Command(BaseCommand):
    help = "Load the transaction-value schedule and the fixed holidays (data/plan_rules/permit_schedules.yaml)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=Path(settings.BASE_DIR) / "data" / "plan_rules" / "permit_schedules.yaml"
        )

    @transaction.atomic
    def handle(self, *args, file: Path, **options):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
            values = [
                (
                    int(r["year"]),
                    int(r["district"]),
                    str(r["use"]),
                    int(r["value_irr_m2"]),
                    int(r.get("goodwill_irr_m2", 0)),
                )
                for r in data["transaction_values"]
            ]
            holidays = [
                (jdatetime.datetime.strptime(str(h["date"]), "%Y/%m/%d").date().togregorian(), str(h["name"]))
                for h in data.get("holidays", [])
            ]
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        if any(v[3] <= 0 or v[4] < 0 for v in values):
            raise CommandError(f"{file}: values must be positive")
        for year, district, use, value, goodwill in values:
            TransactionValue.objects.update_or_create(
                year=year,
                district=district,
                use_class=use,
                defaults={"value_irr_m2": value, "goodwill_irr_m2": goodwill},
            )
        for date, name in holidays:
            Holiday.objects.update_or_create(date=date, defaults={"name": name})
        self.stdout.write(f"{len(values)} transaction values, {len(holidays)} holidays loaded from {file.name}")
