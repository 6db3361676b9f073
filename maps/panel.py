"""The map's parcel panel: "what may I build here?" for one parcel, read for the server-rendered
fragment (templates/maps/panel.html) that the map inserts as it is."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from zoning.compliance.output import feature_collection
from zoning.compliance.records import ComplianceReport, ZoneShare
from zoning.compliance.runner import STRADDLE_MIN_SHARE
from zoning.compliance.verdict import Verdict, verdict_of
from zoning.selectors import parcel_compliance

PANEL_FORMAT = 1  # part of the ETag: raise it when the fragment's content changes for the same data

# The checks of the detailed plan, as a person reads them (the codes are the rule functions').
RULE_LABELS = {
    "land_use": _("Land use"),
    "density": _("Density"),
    "coverage": _("Coverage"),
    "floors": _("Floors and height"),
    "minimum_plot": _("Minimum plot"),
    "street_access": _("Street access"),
    "northern_band": _("Northern band"),
    "footprint_inside": _("Building inside the parcel after setback"),
    "setback": _("Setback strip kept free"),
}
# Notes the panel says from typed data itself (the note's own text formats numbers and codes by hand).
NOTES_SAID_BY_THE_PANEL = {"straddles_zones"}


@dataclass(frozen=True)
class ParcelPanel:
    """What the panel shows of one parcel: the report, its verdict and what the map draws."""

    report: ComplianceReport
    verdict: Verdict
    geometry: dict  # GeoJSON FeatureCollection in lon/lat; no envelope when nothing may be built

    @property
    def straddled_zones(self) -> list[ZoneShare]:
        """The zones holding a real share of the parcel, when there are several (largest first)."""
        zones = [z for z in self.report.facts.zones if z.share >= STRADDLE_MIN_SHARE]
        return zones if len(zones) > 1 else []

    @property
    def chamfer_area_m2(self) -> float:
        return sum(c.area_m2 for c in self.report.facts.chamfers)

    @property
    def notes(self) -> list:
        return [n for n in self.report.notes if n.code not in NOTES_SAID_BY_THE_PANEL]

    @property
    def checks(self) -> list[tuple[str, str, str]]:
        """(code, label, status) of every rule result, in the runner's order."""
        return [(r.code, str(RULE_LABELS.get(r.code, r.code)), r.status.value) for r in self.report.results]

    @property
    def etag(self) -> str:
        """Same parcel, same versions of the parcels, zones and streets: the same panel."""
        facts = self.report.facts
        key = (
            f"{PANEL_FORMAT}:{facts.parcel_id}:{facts.parcel_version_id}:{facts.zones_version_id}:"
            f"{facts.streets_version_id}"
        )
        return hashlib.sha256(key.encode()).hexdigest()[:32]


def panel_geometry(report: ComplianceReport, verdict: Verdict) -> dict:
    """The parcel and its setback strips, realigned lines and chamfers; the envelope only when the
    parcel is buildable (an unbuildable parcel has no envelope to show)."""
    facts = report.facts
    items = [
        ("parcel", facts.geom, {}),
        *(("setback_strip", s.setback_strip, {}) for s in facts.streets),
        *(("realigned_line", s.realigned_line, {}) for s in facts.streets),
        *(("chamfer", c.triangle, {}) for c in facts.chamfers),
    ]
    if verdict.buildable:
        items.insert(1, ("envelope", report.envelope.geom, {}))
    return feature_collection(items)


def parcel_panel(**where) -> ParcelPanel | None:
    """The panel of the parcel found by file_code or point (as zoning.selectors.parcel_facts);
    None when no parcel matches."""
    report = parcel_compliance(**where)
    if report is None:
        return None
    verdict = verdict_of(report)
    return ParcelPanel(report=report, verdict=verdict, geometry=panel_geometry(report, verdict))
