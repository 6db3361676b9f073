"""What fees attach to the workflow (DESIGN.md §4): the guards of stages 5-7 and of issuance, and the
verdict hook that bills an Article 100 fine. Imported by FeesConfig.ready."""

from __future__ import annotations

from fees import billing, selectors
from permits.guards import register_hook
from permits.models import PermitRequest
from violations.hooks import VerdictEvent, on_verdict

# each fee stage's guard (permits.workflow names it) and the stage whose assessment it reads
STAGE_GUARDS = {
    "renovation_dues_settled": "renovation",
    "paving_share_settled": "executive",
    "fees_paid": "revenue",
}


def _stage_guard(stage: str):
    def check(req: PermitRequest) -> str | None:
        return selectors.stage_dues_missing(request=req, stage=stage)

    check.__name__ = f"{stage}_dues_settled"
    return check


def bills_settled(req: PermitRequest) -> str | None:
    """Issuance: no unpaid bill on the file, no unpaid Article 100 fine, no assessment out of date."""
    problems = selectors.issuance_blockers(request=req)
    return " ".join(problems) if problems else None


def fine_billed(event: VerdictEvent) -> None:
    """A fine decided by the commission is billed on the file at once."""
    if event.verdict == "fine":
        billing.fine_bill_issue(violation=event.violation, actor=event.actor)


def register() -> None:
    for name, stage in STAGE_GUARDS.items():
        register_hook(name, _stage_guard(stage))
    register_hook("bills_settled", bills_settled)
    on_verdict(fine_billed)
