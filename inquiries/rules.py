"""The inquiry rules as pure functions: facts in, an outcome and the reasons out (no ORM, no request).

Notary clearance follows Article 100, note 8 of the Municipalities Law: a sale is notarised only with a
valid completion or no-violation certificate; the municipality adds that the dues are paid and no
violation case is open. Excavation conditions follow the executive unit's practice: a trench across a
street is reinstated at the utility's cost; a street paved within the protection period may be dug
only with the unit's consent, under stricter conditions and a higher reinstatement fee.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from inquiries.records import Outcome

# what each agency kind may ask (its token's scopes)
SCOPES: dict[str, frozenset[str]] = {
    "bank": frozenset({"bank"}),
    "notary": frozenset({"notary"}),
    "water": frozenset({"utility", "excavation"}),
    "power": frozenset({"utility", "excavation"}),
    "gas": frozenset({"utility", "excavation"}),
    "telecom": frozenset({"utility", "excavation"}),
}


def scopes_of(agency_kind: str) -> frozenset[str]:
    """The inquiry kinds an agency of this kind may file."""
    return SCOPES.get(agency_kind, frozenset())


REASON_TEXT = {
    "no_certificate": _("No valid completion or no-violation certificate."),
    "dues_unpaid": _("Dues or bills on the file are unpaid."),
    "open_violation": _("A violation case is open on the file."),
    "no_permit_record": _("The file holds no permit or certificate; the permit unit decides."),
}

CONDITION_TEXT = {
    "reinstate": _("Reinstate the surface to the street's standard within 72 hours of backfilling."),
    "traffic_plan": _("Keep one lane open and sign the works by day and night."),
    "night_works": _("Work across an arterial street only between 22:00 and 06:00."),
    "recent_paving": _(
        "The street was paved recently: cut the asphalt by saw, backfill with sand-cement and lay a full-width patch."
    ),
    "coordinate": _("Coordinate the works with the other open excavation nearby."),
    "owners_consent": _("The trench touches private parcels: bring their owners' written consent."),
}


@dataclass(frozen=True)
class Decision:
    """A rule's verdict: the outcome, the reasons or conditions (codes), and whether a person must decide."""

    outcome: str
    codes: tuple[str, ...]
    needs_unit: bool = False


def notary_clearance(*, certificate: str | None, dues_paid: bool, open_violation: bool) -> Decision:
    """Article 100 note 8: cleared only with a valid certificate, paid dues and no open violation."""
    reasons = []
    if certificate is None:
        reasons.append("no_certificate")
    if not dues_paid:
        reasons.append("dues_unpaid")
    if open_violation:
        reasons.append("open_violation")
    return Decision(Outcome.NOT_CLEARED if reasons else Outcome.CLEARED, tuple(reasons))


def construction_stage(*, valid_permit: bool, completion: bool, no_violation: bool) -> str:
    """The stage of construction a bank is told, from the documents the file holds."""
    if completion:
        return "completed"
    if no_violation:
        return "certified_no_violation"
    if valid_permit:
        return "under_construction"
    return "no_permit"


def utility_eligibility(*, completion: bool, valid_permit: bool, open_violation: bool) -> Decision:
    """A permanent connection needs a completion certificate; a permitted site without an open violation
    gets a temporary (construction) connection; an open violation refuses; a file with neither permit nor
    certificate (a building older than the system) goes to the permit unit."""
    if open_violation:
        return Decision(Outcome.NOT_ELIGIBLE, ("open_violation",))
    if completion:
        return Decision(Outcome.ELIGIBLE, ())
    if valid_permit:
        return Decision(Outcome.ELIGIBLE_TEMPORARY, ())
    return Decision(Outcome.NOT_ELIGIBLE, ("no_permit_record",), needs_unit=True)


def excavation_conditions(
    *, arterial: bool, recently_paved: bool, open_nearby: bool, private_parcels: bool
) -> Decision:
    """The conditions of an excavation; the unit decides when it crosses fresh paving, meets another
    open excavation or touches private parcels, otherwise the answer is automatic."""
    codes = ["reinstate", "traffic_plan"]
    if arterial:
        codes.append("night_works")
    if recently_paved:
        codes.append("recent_paving")
    if open_nearby:
        codes.append("coordinate")
    if private_parcels:
        codes.append("owners_consent")
    return Decision(Outcome.PERMITTED, tuple(codes), needs_unit=recently_paved or open_nearby or private_parcels)


def reinstatement_fee_irr(
    *, trench_area_m2: float, rate_irr_per_m2: int, recent_multiplier: float, recently_paved: bool
) -> int:
    """Reinstatement fee: trench area in the street × the unit rate, × the multiplier on fresh paving,
    rounded down to whole thousands of rials (what a bill can carry), at least one thousand."""
    amount = trench_area_m2 * rate_irr_per_m2 * (recent_multiplier if recently_paved else 1.0)
    return max(1000, int(amount) // 1000 * 1000)


OUTCOME_TEXT = {
    Outcome.ANSWERED: _("Answered"),
    Outcome.CLEARED: _("Cleared for the sale"),
    Outcome.NOT_CLEARED: _("Not cleared for the sale"),
    Outcome.ELIGIBLE: _("Eligible for a connection"),
    Outcome.ELIGIBLE_TEMPORARY: _("Eligible for a construction-site connection only"),
    Outcome.NOT_ELIGIBLE: _("Not eligible for a connection"),
    Outcome.PERMITTED: _("Excavation permitted"),
    Outcome.REFUSED: _("Excavation refused"),
}

STAGE_TEXT = {
    "no_permit": _("No building permit"),
    "under_construction": _("Under construction with a valid permit"),
    "certified_no_violation": _("Under construction, no-violation certificate"),
    "completed": _("Completed (completion certificate)"),
}

CERTIFICATE_TEXT = {"completion": _("Completion certificate"), "no_violation": _("No-violation certificate")}
