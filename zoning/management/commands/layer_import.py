from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gis_app.importing import ImportRefused, ImportReport
from gis_app.mapping import MappingError
from gis_app.services import dataset_version_activate
from parcels.importers import parcels_import
from parcels.layers import boundary_import, buildings_import, districts_import, value_zones_import
from zoning.importers import streets_import, zones_import
from zoning.plan_rules import PlanRulesError

IMPORTERS = {
    "parcels": parcels_import,
    "buildings": buildings_import,
    "zones": zones_import,
    "streets": streets_import,
    "value_zones": value_zones_import,
    "boundary": boundary_import,
    "districts": districts_import,
}


def print_report(out, report: ImportReport, *, all_ids: bool = False) -> None:
    """The final report of one import, as the commands print it."""
    out.write(
        f"  {report.layer}: read {report.read}, imported {report.imported}, "
        f"repaired {report.repaired_count}, rejected {report.rejected_count}"
    )
    limit = None if all_ids else 10
    for title, rows, count in (
        ("repaired", report.repaired, report.repaired_count),
        ("rejected", report.rejected, report.rejected_count),
    ):
        for sid, why in rows[:limit]:
            out.write(f"    {title} {sid}: {why}")
        shown = len(rows[:limit])
        if count > shown:
            out.write(f"    ... and {count - shown} more {title} (all in the version's stored report)")
    for note in report.notes:
        out.write(f"    note: {note}")


class Command(BaseCommand):
    help = (
        "Import a layer (shapefile, zipped shapefile, GeoPackage layer or GeoJSON) as a new, inactive "
        "dataset version, through a field-mapping file. --activate makes it live."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("path", type=Path)
        parser.add_argument("--mapping", type=Path, required=True, help="Field-mapping YAML file.")
        parser.add_argument("--rules", type=Path, help="Plan rules YAML file (zones only).")
        parser.add_argument("--layer", help="Layer name inside a GeoPackage.")
        parser.add_argument("--encoding", help="Text encoding when the file has no .cpg, e.g. cp1256.")
        parser.add_argument("--srid", type=int, help="EPSG code when the file has no CRS.")
        parser.add_argument("--activate", action="store_true", help="Make the new version live.")
        parser.add_argument(
            "--check-overlaps",
            action="store_true",
            default=None,
            help="Parcels: report overlapping neighbours even for very large files.",
        )
        parser.add_argument("--all-ids", action="store_true", help="List every repaired and rejected id.")

    def handle(
        self, *args, kind, path, mapping, rules, layer, encoding, srid, activate, check_overlaps, all_ids, **opts
    ):
        kwargs = {"path": path, "mapping_path": mapping, "layer": layer, "encoding": encoding, "srid": srid}
        if kind == "zones":
            if not rules:
                raise CommandError("zones need --rules (the plan's rule tables)")
            kwargs["rules_path"] = rules
        elif rules:
            raise CommandError("--rules goes with zones only")
        if kind == "parcels":
            kwargs["check_overlaps"] = check_overlaps
        self.stdout.write(f"Importing {kind} from {path}")
        try:
            version, report = IMPORTERS[kind](progress=self.stdout.write, **kwargs)
        except ImportRefused as exc:
            if exc.report:
                print_report(self.stdout, exc.report, all_ids=all_ids)
            raise CommandError(f"Refused, nothing imported: {exc}") from exc
        except (MappingError, PlanRulesError) as exc:
            raise CommandError(str(exc)) from exc
        print_report(self.stdout, report, all_ids=all_ids)
        if activate:
            dataset_version_activate(version=version)
        state = "live" if activate else "inactive; make it live with: manage.py dataset_activate " + str(version.pk)
        self.stdout.write(self.style.SUCCESS(f"Dataset version {version.pk} ({kind}) stored, {state}."))
