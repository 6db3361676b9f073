"""Match a PSP's settlement file against our payments and bills: `manage.py psp_reconcile FILE`, or
`--date YYYY-MM-DD` to fetch the day's file from the PSP (settings PSP_URL). Prints the report and
stores it as a Reconciliation row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fees import gateway
from fees.reconcile import RECONCILE_MAX_BYTES, SettlementFileInvalid, reconcile, report_text


class Command(BaseCommand):
    help = "Match a PSP settlement file (CSV) against payments and bills and report the differences."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the settlement file (CSV)")
        parser.add_argument("--date", help="the settlement date (YYYY-MM-DD); without FILE, fetched from the PSP")

    def handle(self, *args, file=None, date=None, **options):
        day = None
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from exc
        if file:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"no such file: {file}")
            if path.stat().st_size > RECONCILE_MAX_BYTES:
                raise CommandError(f"{file} is larger than {RECONCILE_MAX_BYTES // (1024 * 1024)} MB")
            data = path.read_bytes()
        elif day is not None:
            try:
                data = gateway.settlement_file(date=day)
            except gateway.GatewayUnavailable as exc:
                raise CommandError(f"the PSP did not send the settlement file: {exc}") from exc
        else:
            raise CommandError("give a settlement FILE or --date")
        try:
            rec = reconcile(data=data, settlement_date=day)
        except SettlementFileInvalid as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(report_text(rec))
