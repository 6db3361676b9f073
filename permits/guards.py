"""Guards: named checks a file must pass before it leaves a stage (the stages name them in
permits.workflow). Each returns None when satisfied or the message saying what is missing.

Stages 5-7 (renovation dues, paving share, fees) have their guards as hooks: the fees issue registers
the calculation and payment checks with `register_hook`; until then the officer's ticked checklist is
the record (every stage's checklist must be complete before the file moves on).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from gis_app.templatetags.persian import separator_text
from maps.panel import RULE_LABELS
from permits import selectors
from permits.asbuilt_selectors import latest_comparison
from permits.certificates import DIFFERENCE_LABELS
from permits.models import PermitRequest
from violations.models import VIOLATION_BLOCKING, Violation
from violations.selectors import open_violations

Guard = Callable[[PermitRequest], str | None]
HOOKS: dict[str, list[Guard]] = {
    "renovation_dues_settled": [],
    "paving_share_settled": [],
    "fees_paid": [],
    # issuance: no permit or certificate while a bill or an Article 100 fine on the file is unpaid
    "bills_settled": [],
    # issuance of a building permit: a passing drawing check or the permit officer's override (drawings)
    "drawing_check_passing": [],
}


def register_hook(name: str, check: Guard) -> None:
    """Add a check to one of the hooked guards (fees, drawings)."""
    HOOKS[name].append(check)


def documents_present(req: PermitRequest) -> str | None:
    missing = selectors.documents_missing(request=req, upto_stage=req.stage or None)
    if missing:
        return _("Documents missing: %(list)s.") % {"list": separator_text().join(str(k.label) for k in missing)}
    return None


def applicant_entitled(req: PermitRequest) -> str | None:
    facts = selectors.ownership_facts(request=req)
    if facts.entitled:
        return None
    owners = ", ".join(o.full_name for o in facts.owners) or _("none recorded")
    return _(
        "The applicant is not a recorded owner of this parcel (owners: %(owners)s). Check a power of attorney "
        "or a newer deed and record the reason to open the file all the same."
    ) % {"owners": owners}


def inspection_reported(req: PermitRequest) -> str | None:
    if not selectors.inspection_for(request=req):
        return _("No inspection report on this file since the request was submitted.")
    return None


def survey_accepted(req: PermitRequest) -> str | None:
    if selectors.accepted_survey(request=req) is None:
        return _("No accepted survey of this parcel: the surveyor's measurement must be accepted by a planner.")
    return None


def compliance_passing(req: PermitRequest) -> str | None:
    check = selectors.latest_check(request=req)
    if check is None:
        return _("The detailed-plan rules have not been checked for this request.")
    if not selectors.check_is_current(check=check, request=req):
        return _("The plan check is out of date (the plan data, the proposal or the survey changed); run it again.")
    open_failures = selectors.failures_not_overridden(check=check)
    if open_failures:
        labels = [str(RULE_LABELS.get(code, code)) for code in open_failures]
        return _("Rules failed and not overridden: %(list)s.") % {"list": separator_text().join(labels)}
    return None


def map_order_issued(req: PermitRequest) -> str | None:
    order = getattr(req, "map_order", None)
    if order is None:
        return _("The map preparation order has not been issued.")
    if order.withdrawn_at is not None:
        return _("The map preparation order was withdrawn when the proposal changed; the planner issues it again.")
    return None


def no_open_violation(req: PermitRequest) -> str | None:
    if open_violations(file=req.file).exists():
        return _("An open violation case on this file waits for the Article 100 commission or its execution.")
    return None


def asbuilt_compared(req: PermitRequest) -> str | None:
    """Stage 9: the building was compared with the issued permit on the request's accepted survey."""
    comparison = latest_comparison(request=req)
    if comparison is None:
        return _("The building as built has not been compared with the issued permit.")
    survey = selectors.accepted_survey(request=req)
    if survey is None or survey.pk != comparison.survey_id:
        return _("The as-built survey changed after the comparison; compare the building with the permit again.")
    return None


def asbuilt_no_open_difference(req: PermitRequest) -> str | None:
    """Stage 9: every difference from the permit is decided and carried out (a fined one's fine is a bill:
    bills_settled refuses it unpaid)."""
    comparison = latest_comparison(request=req)
    if comparison is None:
        return None  # asbuilt_compared says so
    cases = {d.violation_id: d for d in comparison.record.differences}
    blocking = Violation.objects.filter(pk__in=list(cases), status__in=VIOLATION_BLOCKING).values_list("pk", flat=True)
    if not blocking:
        return None
    labels = [str(DIFFERENCE_LABELS[cases[pk].kind]) for pk in sorted(blocking)]
    return _(
        "The building differs from its permit and the case is still open before the Article 100 commission or "
        "its execution: %(list)s."
    ) % {"list": separator_text().join(labels)}


def _hook(name: str) -> Guard:
    def guard(req: PermitRequest) -> str | None:
        for check in HOOKS[name]:
            message = check(req)
            if message:
                return message
        return None

    guard.__name__ = name
    return guard


GUARDS: dict[str, Guard] = {
    "documents_present": documents_present,
    "applicant_entitled": applicant_entitled,
    "inspection_reported": inspection_reported,
    "survey_accepted": survey_accepted,
    "compliance_passing": compliance_passing,
    "map_order_issued": map_order_issued,
    "no_open_violation": no_open_violation,
    "asbuilt_compared": asbuilt_compared,
    "asbuilt_no_open_difference": asbuilt_no_open_difference,
    **{name: _hook(name) for name in HOOKS},
}


def guards_failing(req: PermitRequest, names: tuple[str, ...]) -> list[str]:
    """The messages of the named guards that are not satisfied."""
    return [m for m in (GUARDS[n](req) for n in names) if m]
