"""The runner: every rule of the detailed plan over a parcel's facts and a proposal.

Pure: facts in (measured in PostGIS by zoning.selectors.parcel_facts), a report out. The workflow
stores the report with the versions it names; the map and the API show it.
"""

from __future__ import annotations

import dataclasses

from zoning.compliance import rules
from zoning.compliance.envelope import buildable_envelope
from zoning.compliance.records import ComplianceReport, Envelope, Note, ParcelFacts, Proposal, UseLabels, ZoneRules

DEED_MISMATCH_SHARE = 0.05  # deed vs drawn area beyond this asks for a survey (registry noise is ~1 %)
STRADDLE_MIN_SHARE = 0.01  # a zone holding less than 1 % of the parcel is drawing noise at the zone's edge


def _pct(share: float) -> str:
    return f"{share * 100:.0f}"


def facts_notes(facts: ParcelFacts) -> list[Note]:
    """What the result must say about the parcel's special cases (DOMAIN.md; issue 4, point 5)."""
    notes = []
    zones = [z for z in facts.zones if z.share >= STRADDLE_MIN_SHARE]
    if not facts.zones:
        notes.append(
            Note(
                "outside_plan",
                "ملک در هیچ پهنه‌ای از طرح تفصیلی نیست؛ ضوابط پهنه قابل بررسی نیست.",
                "The parcel lies in no zone of the detailed plan; the zone rules cannot be checked.",
            )
        )
    elif len(zones) > 1:
        shares_fa = "، ".join(f"{z.plan_code} {_pct(z.share)}٪" for z in zones)
        shares_en = ", ".join(f"{z.plan_code} {_pct(z.share)} %" for z in zones)
        notes.append(
            Note(
                "straddles_zones",
                f"ملک در چند پهنه است ({shares_fa})؛ ضوابط پهنهٔ {zones[0].plan_code} که بیشترین سهم را دارد ملاک است.",
                f"The parcel straddles zones ({shares_en}); the rules of {zones[0].plan_code}, which holds "
                "the largest share, govern.",
            )
        )
    if not facts.streets:
        notes.append(
            Note(
                "no_street_access",
                "ملک به هیچ معبری بر ندارد؛ بدون دسترسی، پروانهٔ ساختمان صادر نمی‌شود.",
                "The parcel fronts no street; without access no building permit can be issued.",
            )
        )
    if facts.parts > 1:
        notes.append(
            Note(
                "multipart",
                f"ملک از {facts.parts} قطعهٔ جدا تشکیل شده است؛ محدودهٔ مجاز ساخت برای هر قطعه جداگانه "
                "حساب شده و نقشه‌برداری باید آن را تأیید کند.",
                f"The parcel is made of {facts.parts} separate parts; the envelope is computed for each "
                "part on its own and a survey should confirm the parcel.",
            )
        )
    for street in facts.streets:
        if street.wider_than_approved:
            notes.append(
                Note(
                    "street_wider_than_approved",
                    f"عرض موجود {street.name} ({street.existing_width_m:g} متر) از عرض مصوب "
                    f"({street.approved_width_m:g} متر) بیشتر است؛ عرض موجود حفظ می‌شود و عقب‌نشینی ندارد.",
                    f"{street.name} is already wider ({street.existing_width_m:g} m) than approved "
                    f"({street.approved_width_m:g} m); the existing width is kept and there is no setback.",
                )
            )
    if facts.deed_area_m2 and abs(facts.deed_area_m2 - facts.area_m2) > DEED_MISMATCH_SHARE * facts.area_m2:
        notes.append(
            Note(
                "deed_area_mismatch",
                f"مساحت سندی ({facts.deed_area_m2:.2f}) با مساحت ترسیمی ({facts.area_m2:.2f} مترمربع) بیش از "
                f"{DEED_MISMATCH_SHARE * 100:.0f}٪ فرق دارد؛ پیش از پروانه نقشه‌برداری لازم است.",
                f"The deed area ({facts.deed_area_m2:.2f} m²) differs from the drawn area ({facts.area_m2:.2f} m²) "
                f"by more than {DEED_MISMATCH_SHARE * 100:.0f} %; a survey is needed before a permit.",
            )
        )
    if facts.params.area_base == "deed" and facts.deed_area_m2 is None:
        notes.append(
            Note(
                "no_deed_area",
                "مساحت سندی ثبت نشده است؛ مساحت ترسیمی مبنای تراکم و سطح اشغال است.",
                "No deed area is recorded; the drawn area is the base for density and coverage.",
            )
        )
    if not facts.params.from_plan:
        notes.append(
            Note(
                "default_parameters",
                "پارامترهای طرح (نوار شمالی، پخ) همراه این نسخهٔ طرح نیامده است؛ مقادیر پیش‌فرض به کار رفت.",
                "The plan version came without its parameters (northern band, chamfer); defaults were used.",
            )
        )
    return notes


def base_area_m2(facts: ParcelFacts) -> float:
    """The plot area density and coverage are taken of (a per-plan setting)."""
    if facts.params.area_base == "net":
        return facts.net_area_m2
    return facts.deed_area_m2 if facts.deed_area_m2 is not None else facts.area_m2


def default_proposal(*, zone: ZoneRules | None, envelope: Envelope) -> Proposal:
    """The most the plan allows: the zone's own use, the envelope as footprint, the maxima."""
    return Proposal(
        use=zone.land_use if zone else "residential",
        floors=envelope.max_floors,
        floor_area_m2=envelope.max_floor_area_m2,
        footprint_m2=envelope.max_footprint_m2,
        footprint=envelope.geom if not envelope.geom.is_empty else None,
    )


def _zone_rules(
    *, facts: ParcelFacts, zone: ZoneRules | None, proposal: Proposal, base: float, use_labels: UseLabels
) -> list:
    if zone is None:
        fa = "ملک در هیچ پهنه‌ای از طرح نیست."
        en = "The parcel lies in no plan zone."
        return [
            rules.not_applicable(code=code, fa=fa, en=en)
            for code in ("land_use", "density", "coverage", "floors", "minimum_plot")
        ]
    return [
        rules.land_use_rule(zone=zone, requested_use=proposal.use, use_labels=use_labels),
        rules.density_rule(plot_area_m2=base, floor_area_m2=proposal.floor_area_m2, zone=zone),
        rules.coverage_rule(plot_area_m2=base, footprint_m2=proposal.footprint_m2, zone=zone),
        rules.floors_rule(floors=proposal.floors, height_m=proposal.height_m, zone=zone),
        rules.minimum_plot_rule(plot_area_m2=base, frontage_m=facts.frontage_m, zone=zone),
    ]


def _placement_rules(*, facts: ParcelFacts, zone: ZoneRules | None, proposal: Proposal, envelope: Envelope) -> list:
    if proposal.footprint is None or proposal.footprint.is_empty:
        fa = "نقشهٔ جانمایی بنا در دست نیست."
        en = "No footprint drawing to check."
        return [
            rules.not_applicable(code=code, fa=fa, en=en, zone=zone)
            for code in ("northern_band", "footprint_inside", "setback")
        ]
    if facts.net.is_empty:
        band = rules.not_applicable(
            code="northern_band",
            fa="پس از عقب‌نشینی و پخ زمینی باقی نمی‌ماند.",
            en="Nothing of the parcel is left after setback and chamfer.",
            zone=zone,
        )
    else:
        band = rules.northern_band_rule(
            parcel=facts.net, footprint=proposal.footprint, params=facts.params, zone=zone, band=envelope.geom
        )
    strips = [s.setback_strip for s in facts.streets if s.setback_strip is not None]
    return [
        band,
        rules.footprint_inside_rule(net=facts.net, footprint=proposal.footprint, zone=zone),
        rules.setback_rule(footprint=proposal.footprint, setback_strips=strips, zone=zone),
    ]


def compliance_run(
    *,
    facts: ParcelFacts,
    use_labels: UseLabels,
    proposal: Proposal | None = None,
    changes: dict | None = None,
) -> ComplianceReport:
    """Check every rule on the parcel for the proposal (by default the most the plan allows, with
    the given changes: use, floors, floor_area_m2, footprint_m2, height_m). `use_labels` names the
    land uses in the explanations (the catalogue's names: zoning.models.land_use_labels)."""
    share = facts.governing_zone
    zone = share.rules if share else None
    base = base_area_m2(facts)
    envelope = buildable_envelope(net=facts.net, zone=zone, params=facts.params, base_area_m2=base)
    proposal = proposal or default_proposal(zone=zone, envelope=envelope)
    if changes:
        proposal = dataclasses.replace(proposal, **changes)
    results = [
        *_zone_rules(facts=facts, zone=zone, proposal=proposal, base=base, use_labels=use_labels),
        rules.street_access_rule(frontage_m=facts.frontage_m, zone=zone),
        *_placement_rules(facts=facts, zone=zone, proposal=proposal, envelope=envelope),
    ]
    return ComplianceReport(
        facts=facts,
        zone=zone,
        envelope=envelope,
        proposal=proposal,
        results=tuple(results),
        notes=tuple(facts_notes(facts)),
    )
