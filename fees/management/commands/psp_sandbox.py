"""Run the sandbox PSP (fees/psp_sandbox.py) with this project's merchant settings:
`manage.py psp_sandbox [--port N]` (default PSP_SANDBOX_PORT or 8765)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from fees import psp_sandbox


class Command(BaseCommand):
    help = "Run the sandbox Shaparak-style payment gateway on the loopback interface."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PSP_SANDBOX_PORT", "8765")))
        parser.add_argument("--verify-window-s", type=float, default=float(settings.PSP_VERIFY_WINDOW_S))

    def handle(self, *args, host, port, verify_window_s, **options):
        psp_sandbox.serve(
            host=host,
            port=port,
            merchant_id=settings.PSP_MERCHANT_ID,
            secret=settings.PSP_SECRET,
            window_s=verify_window_s,
            hang_s=max(30.0, settings.PSP_TIMEOUT_S * 3),
        )
