"""Reads for fees: what an assessment's bills cover, what a stage or the issuance still waits for, who
sees which bills, and the revenue officer's lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.roles import STAFF_ROLES, Role
from fees.assessment import assessment_is_stale
from fees.models import (
    Assessment,
    AssessmentStatus,
    Bill,
    BillKind,
    BillStatus,
    FeeStage,
    Payment,
    Reconciliation,
    Refund,
    RefundStatus,
)
from gis_app.templatetags.persian import count_text, money_text, separator_text
from permits.models import PermitRequest, RequestStatus
from permits.selectors import is_applicant_side, requests_visible
from violations.models import Violation, ViolationStatus

# the fee stages of the workflow (permits.workflow stage codes) and the role that acts on each
FEE_STAGES = ("renovation", "executive", "revenue")
STAGE_ROLES: dict[Role, tuple[str, ...]] = {
    Role.REVENUE_OFFICER: FEE_STAGES,
    Role.RENOVATION_OFFICER: ("renovation",),
    Role.EXECUTIVE_UNIT: ("executive",),
}
# the bills each stage's officer reads
STAGE_BILL_KINDS = {
    "renovation": (BillKind.RENOVATION,),
    "executive": (BillKind.PAVING,),
    "revenue": tuple(BillKind.values),
}


def _roles(user) -> set[Role]:
    return user.roles() if user.is_authenticated and user.is_active else set()


def fee_stages_for(*, user) -> tuple[str, ...]:
    """The fee stages whose assessments and bills this person works on (none for everyone else)."""
    stages: list[str] = []
    for role in _roles(user):
        stages += [s for s in STAGE_ROLES.get(role, ()) if s not in stages]
    return tuple(s for s in FEE_STAGES if s in stages)


def is_fee_officer(*, user) -> bool:
    return bool(fee_stages_for(user=user))


def is_revenue_officer(*, user) -> bool:
    return Role.REVENUE_OFFICER in _roles(user)


def stage_label(stage: str) -> str:
    return str(FeeStage(stage).label) if stage in FeeStage.values else stage


# --- what an assessment's bills cover ----------------------------------------------------------------------


def assessment_chain(*, assessment: Assessment) -> list[Assessment]:
    """The assessment and those it superseded, newest first."""
    chain, seen = [assessment], {assessment.pk}
    current = assessment
    while current.supersedes_id and current.supersedes_id not in seen:
        current = Assessment.objects.get(pk=current.supersedes_id)
        seen.add(current.pk)
        chain.append(current)
    return chain


@dataclass(frozen=True)
class Covered:
    """What the bills of an assessment and of those it superseded already settled (rials)."""

    paid: int  # paid, less what was recorded for refund
    exempted: int
    unpaid: int  # on bills still open

    @property
    def total(self) -> int:
        return self.paid + self.exempted


def assessment_covered(*, assessment: Assessment) -> Covered:
    """What the chain's bills paid (less refunds), exempted, and still ask for."""
    ids = [a.pk for a in assessment_chain(assessment=assessment)]
    bills = Bill.objects.filter(assessment__in=ids)

    def total(qs) -> int:
        return int(qs.aggregate(s=Sum("amount_irr"))["s"] or 0)

    refunded = total(Refund.objects.filter(assessment__in=ids))
    return Covered(
        paid=total(bills.filter(status=BillStatus.PAID)) - refunded,
        exempted=total(bills.filter(status=BillStatus.EXEMPTED)),
        unpaid=total(bills.filter(status=BillStatus.UNPAID)),
    )


def assessment_stale(assessment: Assessment) -> bool:
    """Whether the assessment no longer matches the file it was computed from."""

    return assessment_is_stale(assessment)


def assessment_of(*, request: PermitRequest, stage: str) -> Assessment | None:
    """The current assessment of a request's stage (None when never assessed)."""
    return (
        Assessment.objects.filter(request=request, stage=stage, status=AssessmentStatus.CURRENT)
        .order_by("-created_at", "-id")
        .first()
    )


# --- the guards' reads --------------------------------------------------------------------------------------


def stage_dues_missing(*, request: PermitRequest, stage: str) -> str | None:
    """What keeps a fee stage from being settled, or None: an assessment that exists, is current and
    whose amount is paid, exempted, or nothing."""
    from fees.billing import bill_amount

    what = stage_label(stage)
    assessment = assessment_of(request=request, stage=stage)
    if assessment is None:
        return _("%(what)s: not assessed yet for this request.") % {"what": what}
    if assessment_stale(assessment):
        return _("%(what)s: the assessment is out of date (the proposal or the file's data changed); assess again.") % {
            "what": what
        }
    covered = assessment_covered(assessment=assessment)
    due = bill_amount(assessment.total_irr) - covered.total
    if due <= 0:
        return None
    unpaid = assessment.bills.filter(status=BillStatus.UNPAID)
    if unpaid.exists():
        return _("%(what)s: the bill of %(amount)s is not paid.") % {"what": what, "amount": money_text(due)}
    return _("%(what)s: %(amount)s is assessed but no bill has been issued.") % {
        "what": what,
        "amount": money_text(due),
    }


def fines_unpaid(*, file) -> QuerySet[Violation]:
    """Article 100 fines decided on the file whose fine bill is neither paid nor exempted."""
    settled = Bill.objects.filter(kind=BillKind.FINE, status__in=(BillStatus.PAID, BillStatus.EXEMPTED))
    return (
        Violation.objects.filter(file=file, status=ViolationStatus.FINED)
        .exclude(pk__in=settled.values("violation_id"))
        .order_by("decided_at", "pk")
    )


def issuance_blockers(*, request: PermitRequest) -> list[str]:
    """Why no permit or certificate may be issued on this request yet: unpaid bills on the file, decided
    but unpaid Article 100 fines, an assessment of the request out of date."""
    problems: list[str] = []
    unpaid = Bill.objects.filter(file=request.file, status=BillStatus.UNPAID)
    count = unpaid.count()
    if count:
        total = int(unpaid.aggregate(s=Sum("amount_irr"))["s"] or 0)
        problems.append(
            _("Unpaid bills on this file: %(count)s, %(amount)s in all.")
            % {"count": count_text(count), "amount": money_text(total)}
        )
    for v in fines_unpaid(file=request.file):
        problems.append(
            _("An Article 100 fine of %(amount)s decided by the commission is not paid.")
            % {"amount": money_text(v.verdict_fine_irr or 0)}
        )
    stale = [
        stage_label(a.stage)
        for a in Assessment.objects.filter(request=request, status=AssessmentStatus.CURRENT).order_by("stage")
        if assessment_stale(a)
    ]
    if stale:
        problems.append(
            _("Assessments out of date since the proposal or the file's data changed: %(list)s; assess again.")
            % {"list": separator_text().join(stale)}
        )
    return problems


# --- who sees which bills -------------------------------------------------------------------------------


def bills_visible(*, user) -> QuerySet[Bill]:
    """The bills this person may open: fee officers their stages' bills (the revenue officer and managers
    all); the applicant side of a request its bills and the file-wide ones (fines) of its property.
    Everyone else: none."""
    roles = _roles(user)
    if Role.REVENUE_OFFICER in roles or Role.MANAGER in roles:
        return Bill.objects.all()
    kinds = [k for s in fee_stages_for(user=user) for k in STAGE_BILL_KINDS[s]]
    if kinds:
        return Bill.objects.filter(kind__in=kinds)
    if roles & STAFF_ROLES or not roles & {Role.CITIZEN, Role.ESERVICES_OFFICE}:
        return Bill.objects.none()
    mine = [r.pk for r in requests_visible(user=user) if is_applicant_side(user=user, request=r)]
    files = PermitRequest.objects.filter(pk__in=mine).values("file_id")
    return Bill.objects.filter(Q(request__in=mine) | Q(request__isnull=True, file_id__in=files))


def bills_for_request(*, request: PermitRequest, user) -> QuerySet[Bill]:
    """The bills shown on a request's file page: the request's own and the property's fines."""
    qs = bills_visible(user=user).filter(Q(request=request) | Q(request__isnull=True, file_id=request.file_id))
    return qs.select_related("assessment").order_by("-issued_at", "-id")


# --- the officers' lists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    request: PermitRequest
    stage: str
    assessment: Assessment | None
    stale: bool
    bills: list


def assessments_to_review(*, user) -> list[ReviewRow]:
    """Files waiting at the fee stages this person works on, each with its stage's current assessment."""
    stages = fee_stages_for(user=user)
    reqs = (
        PermitRequest.objects.filter(status=RequestStatus.IN_REVIEW, stage__in=stages)
        .select_related("file", "applicant")
        .order_by("stage_due_on", "submitted_at", "pk")[:200]
    )
    rows = []
    for req in reqs:
        a = assessment_of(request=req, stage=req.stage)
        rows.append(
            ReviewRow(
                request=req,
                stage=req.stage,
                assessment=a,
                stale=a is not None and assessment_stale(a),
                bills=list(a.bills.order_by("-id")) if a else [],
            )
        )
    return rows


def bills_list(*, user, status: str = "", kind: str = "") -> QuerySet[Bill]:
    qs = bills_visible(user=user).select_related("file", "request")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-issued_at", "-id")


def payments_list(*, status: str = "") -> QuerySet[Payment]:
    qs = Payment.objects.select_related("bill", "bill__file")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


def refunds_due() -> QuerySet[Refund]:
    return Refund.objects.filter(status=RefundStatus.DUE).select_related("file", "bill").order_by("created_at", "id")


def reconciliations() -> QuerySet[Reconciliation]:
    return Reconciliation.objects.select_related("run_by").order_by("-run_at", "-id")
