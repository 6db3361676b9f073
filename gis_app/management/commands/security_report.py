"""The security figures of issue 17 in one command.

Runs the marked tests (`hostile(category)`, `access_matrix`, `concurrency`, `fault`) in a pytest
subprocess with the plugin tests/security_plugin.py, which writes each case's outcome and recorded
properties to JSON; then verifies the audit chain of this database and prints the figures.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

SELECTION = "hostile or access_matrix or concurrency or fault"


def _item_number(category: str) -> tuple[int, str]:
    """Categories in the issue's order: "... (item 7)" sorts by 7."""
    found = re.search(r"item (\d+)", category)
    return (int(found.group(1)) if found else 99, category)


class Command(BaseCommand):
    help = (
        "Print hostile inputs tried and refused by category, access-matrix cells checked, lost updates in the "
        "concurrency test, the audit chain's status and the fault drills passed (runs the marked tests)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--results", help="read this plugin JSON instead of running the tests")
        parser.add_argument("--keep", help="also write the plugin JSON here")

    def handle(self, *args, results: str | None = None, keep: str | None = None, **options):
        if results:
            cases = json.loads(Path(results).read_text())
            exit_code = None
        else:
            cases, exit_code = self._run_tests(keep)
        out = self.stdout.write
        out(self._hostile(cases))
        out(self._access(cases))
        out(self._concurrency(cases))
        out(self._audit())
        out(self._faults(cases))
        failed = [c for c in cases if c["outcome"] == "failed"]
        if failed or exit_code not in (None, 0, 5):
            raise CommandError(f"{len(failed)} marked test case(s) failed (pytest exit code {exit_code}).")

    def _run_tests(self, keep: str | None) -> tuple[list[dict], int]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(keep) if keep else Path(tmp) / "security.json"
            command = [sys.executable, "-m", "pytest", "-p", "tests.security_plugin", "-m", SELECTION]
            command += ["-q", "-p", "no:cacheprovider", f"--security-json={path}"]
            self.stderr.write(f"running the marked tests: {' '.join(command[1:])}")
            env = os.environ | {"DJANGO_HTTPS": "0"}  # as scripts/test.sh runs pytest
            done = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)  # noqa: S603
            if not path.exists():
                raise CommandError(f"pytest wrote no results (exit {done.returncode}):\n{done.stdout[-3000:]}")
            return json.loads(path.read_text()), done.returncode

    @staticmethod
    def _hostile(cases: list[dict]) -> str:
        by_category: dict[str, list[str]] = defaultdict(list)
        for case in cases:
            for category in case["markers"].get("hostile", []):
                by_category[category].append(case["outcome"])
        lines = ["Hostile inputs tried and refused, by category (one test case = one hostile input or variant):"]
        width = max([len(c) for c in by_category] + [8])
        lines.append(f"  {'category':<{width}}  {'tried':>5}  {'refused':>7}")
        tried = refused = 0
        for category in sorted(by_category, key=_item_number):
            outcomes = by_category[category]
            ok = outcomes.count("passed")
            tried, refused = tried + len(outcomes), refused + ok
            lines.append(f"  {category:<{width}}  {len(outcomes):>5}  {ok:>7}")
        lines.append(f"  {'all':<{width}}  {tried:>5}  {refused:>7}")
        return "\n".join(lines)

    @staticmethod
    def _access(cases: list[dict]) -> str:
        marked = [c for c in cases if "access_matrix" in c["markers"]]
        cells = sum(int(c["properties"].get("cells", 0)) for c in marked if c["outcome"] == "passed")
        wrong = sum(int(c["properties"].get("cells_wrong", 0)) for c in marked)
        passed = sum(c["outcome"] == "passed" for c in marked)
        return (
            f"Access matrix: {cells} role x action x state cells checked, {wrong} wrong;"
            f" {passed} of {len(marked)} access-control test cases passed."
        )

    @staticmethod
    def _concurrency(cases: list[dict]) -> str:
        marked = [c for c in cases if "concurrency" in c["markers"] and "lost_updates" in c["properties"]]
        if not marked:
            return "Lost updates: the concurrency test did not run."
        lost = sum(int(c["properties"]["lost_updates"]) for c in marked)
        files = sum(int(c["properties"].get("files", 0)) for c in marked)
        attempts = sum(int(c["properties"].get("transitions_attempted", 0)) for c in marked)
        return f"Lost updates: {lost} of {files} files raced by {attempts} concurrent conflicting transitions."

    @staticmethod
    def _audit() -> str:
        from io import StringIO

        buffer = StringIO()
        try:
            with translation.override("en"):
                call_command("audit_verify", stdout=buffer)
        except CommandError as broken:
            return f"Audit chain: BROKEN: {broken}"
        return f"Audit chain: {buffer.getvalue().strip()}"

    @staticmethod
    def _faults(cases: list[dict]) -> str:
        marked = [c for c in cases if "fault" in c["markers"]]
        if not marked:
            return "Fault drills: none yet (no test is marked fault)."
        passed = sum(c["outcome"] == "passed" for c in marked)
        return f"Fault drills: {passed} of {len(marked)} passed."
