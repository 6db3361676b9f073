"""Check the detailed plan on one parcel, several, or every live parcel, and print a table.

manage.py compliance_check 40N-5291-41476-007-3          # one or more file codes
manage.py compliance_check --all [--failed] [--quiet]    # the whole live city, with a summary
"""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from shapely.errors import GEOSException

from parcels.filecodes import InvalidFileCode, file_code_parse
from parcels.selectors import live_parcels
from zoning.compliance.records import ComplianceReport, Status
from zoning.selectors import parcel_compliance

MARK = {Status.PASSED: "ok", Status.FAILED: "FAIL", Status.NOT_APPLICABLE: "-"}


class Command(BaseCommand):
    help = "Check the rules of the live detailed plan on parcels and print a table and a summary."

    def add_arguments(self, parser):
        parser.add_argument("file_codes", nargs="*", help="File codes of the parcels to check.")
        parser.add_argument("--all", action="store_true", help="Check every live parcel.")
        parser.add_argument("--failed", action="store_true", help="List only parcels failing a rule.")
        parser.add_argument("--quiet", action="store_true", help="Print only the summary.")
        parser.add_argument("--lang", choices=("fa", "en"), default="en", help="Language of the explanations.")

    def handle(self, *args, **opts):
        if bool(opts["file_codes"]) == opts["all"]:
            raise CommandError("Give file codes or --all (one of the two).")
        if opts["all"]:
            targets = [{"parcel_id": pk} for pk in live_parcels().order_by("id").values_list("id", flat=True)]
        else:
            targets = []
            for text in opts["file_codes"]:
                try:
                    targets.append({"file_code": str(file_code_parse(text))})
                except InvalidFileCode as exc:
                    raise CommandError(f"{text}: {exc}") from None
        if not targets:
            raise CommandError("No live parcels: import and activate a parcels version first.")
        summary: dict[str, Counter] = {}
        notes, errors, checked, header_done = Counter(), [], 0, False
        for where in targets:
            try:
                report = parcel_compliance(**where)
            except GEOSException as exc:  # a geometry GEOS cannot overlay: reported, the run goes on
                errors.append(f"{where}: {exc}")
                continue
            if report is None:
                raise CommandError(f"No live parcel with file code {where.get('file_code')}.")
            checked += 1
            for result in report.results:
                summary.setdefault(result.code, Counter())[result.status] += 1
            notes.update(n.code for n in report.notes)
            if opts["quiet"] or (opts["failed"] and report.passed):
                continue
            if not header_done:
                self.stdout.write(self._header(report))
                header_done = True
            self.stdout.write(self._row(report))
            if not opts["all"]:
                self._details(report, opts["lang"])
        self._summary(summary, notes, checked, errors)
        if errors:
            raise CommandError(f"{len(errors)} parcels could not be checked.")

    @staticmethod
    def _header(report: ComplianceReport) -> str:
        codes = " ".join(f"{r.code[:12]:>12s}" for r in report.results)
        return f"{'file code':<22s} {'zone':<6s} {'area':>9s} {'net':>9s} {'envelope':>9s} {'max fa':>9s} fl {codes}"

    @staticmethod
    def _row(report: ComplianceReport) -> str:
        f, e = report.facts, report.envelope
        zone = report.zone.plan_code if report.zone else "-"
        marks = " ".join(f"{MARK[r.status]:>12s}" for r in report.results)
        return (
            f"{f.file_code:<22s} {zone:<6s} {f.area_m2:9.1f} {f.net_area_m2:9.1f} {e.area_m2:9.1f} "
            f"{e.max_floor_area_m2:9.1f} {e.max_floors:2d} {marks}"
        )

    def _details(self, report: ComplianceReport, lang: str) -> None:
        for r in report.results:
            text = r.explanation_fa if lang == "fa" else r.explanation_en
            self.stdout.write(f"    {r.code:<16s} {MARK[r.status]:<5s} {text}")
        for n in report.notes:
            self.stdout.write(f"    note {n.code}: {n.fa if lang == 'fa' else n.en}")

    def _summary(self, summary: dict[str, Counter], notes: Counter, checked: int, errors: list[str]) -> None:
        self.stdout.write(f"\nChecked {checked} parcels, {len(errors)} errors.")
        self.stdout.write(f"{'rule':<18s} {'passed':>8s} {'failed':>8s} {'n/a':>8s}")
        for code, counts in summary.items():
            self.stdout.write(
                f"{code:<18s} {counts[Status.PASSED]:8d} {counts[Status.FAILED]:8d} {counts[Status.NOT_APPLICABLE]:8d}"
            )
        for code, count in sorted(notes.items()):
            self.stdout.write(f"note {code}: {count}")
        for error in errors[:20]:
            self.stderr.write(error)
