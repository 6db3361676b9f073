"""The permit workflow as data: request types, their stages, each stage's role, checklist, guards and
time limit (DESIGN.md §3). Read this module to know the whole flow; services.request_transition is the
only code that moves a file, and it reads everything from here.

Stages 1-8 are the building-permit path. Completion and no-violation certificates are requests of their
own on the same parcel and file. No stage needs the applicant to come in: the applicant's only part
after sign-up is online (documents, answers, payment), which `in_person` records per stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class RequestKind(models.TextChoices):
    BUILDING_NEW = "building_new", _("Building permit (new building)")
    BUILDING_EXTENSION = "building_extension", _("Building permit (extension)")
    FENCING = "fencing", _("Fencing permit")
    COMPLETION = "completion", _("Completion certificate")
    NO_VIOLATION = "no_violation", _("No-violation certificate")


class DocumentKind(models.TextChoices):
    DEED = "deed", _("Ownership deed (scan)")
    NATIONAL_CARD = "national_card", _("Owner's national card (scan)")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney (when filed by an attorney)")
    DRAWINGS = "drawings", _("Engineering drawings (Engineering Organisation)")
    SUPERVISOR_REPORT = "supervisor_report", _("Supervisor's final report")
    RENOVATION_RECEIPT = "renovation_receipt", _("Renovation dues receipt")
    OTHER = "other", _("Other document")


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit the request")
    ADVANCE = "advance", _("Accept and send to the next stage")
    APPROVE = "approve", _("Approve and issue")
    RETURN = "return", _("Return to the applicant with a request")
    RESUBMIT = "resubmit", _("Answer and resubmit")
    REFER = "refer", _("Refer to an earlier stage")
    REJECT = "reject", _("Reject the request")
    WITHDRAW = "withdraw", _("Withdraw the request")


@dataclass(frozen=True)
class Task:
    code: str
    label: str


@dataclass(frozen=True)
class Stage:
    code: str
    number: int  # the stage's number in DESIGN.md §3
    title: str
    role: Role
    tasks: tuple[Task, ...]
    guards: tuple[str, ...]  # names in permits.guards.GUARDS, checked before the file leaves the stage
    working_days: int
    in_person: bool = False  # does the applicant have to come in? (never, after activation)
    surveyed: bool = False  # the surveyor measures the parcel (or the building as built) for this stage


@dataclass(frozen=True)
class RequestType:
    kind: RequestKind
    stages: tuple[str, ...]
    documents_on_submit: tuple[DocumentKind, ...]
    # documents that must be present before the file leaves the named stage
    documents_by_stage: dict[str, tuple[DocumentKind, ...]] = field(default_factory=dict)
    needs_proposal: bool = True  # use, floors, floor area and footprint are asked for
    # the earliest stage whose work depends on the proposal, the request's accepted survey and the
    # ownership documents: a resubmission that changes one of them sends the file back there
    depends_on: dict[str, str] = field(default_factory=dict)
    # the last stage's approve button says what is issued (a permit, or which certificate)
    approve_label: str = _("Approve and issue")


T = Task
# a certificate is issued on the accepted as-built survey, compared with the permit, with no difference
# left open (a fined one's fine is a bill: bills_settled), the renovation dues current, every bill paid
_CERTIFICATE_GUARDS = (
    "documents_present",
    "applicant_entitled",
    "survey_accepted",
    "asbuilt_compared",
    "asbuilt_no_open_difference",
    "no_open_violation",
    "renovation_dues_settled",
    "bills_settled",
)
STAGES: dict[str, Stage] = {
    s.code: s
    for s in (
        Stage(
            "secretariat",
            1,
            _("Secretariat: documents and file"),
            Role.CLERK,
            (
                T("ownership_checked", _("Ownership documents checked against the registry plate")),
                T("scans_legible", _("Scans legible and complete")),
                T("file_code_confirmed", _("File code confirmed from the parcel's UTM position")),
            ),
            ("documents_present", "applicant_entitled"),
            2,
        ),
        Stage(
            "inspection",
            2,
            _("Inspection and survey"),
            Role.INSPECTOR,
            (
                T("site_visited", _("Site visited and inspection report written")),
                T("survey_reviewed", _("Frontage, floor level and owner's line measured by the surveyor")),
            ),
            ("inspection_reported", "survey_accepted"),
            5,
            surveyed=True,
        ),
        Stage(
            "detailed_plan",
            3,
            _("Detailed plan check"),
            Role.PLANNER,
            (
                T("rules_checked", _("Detailed-plan rules checked on the parcel")),
                T("order_issued", _("Map preparation order issued")),
            ),
            ("compliance_passing", "map_order_issued"),
            5,
        ),
        Stage(
            "violations",
            4,
            _("Violations and dues arrears"),
            Role.VIOLATIONS_OFFICER,
            (
                T("dues_arrears_checked", _("Property dues arrears checked")),
                T("building_checked", _("Existing building checked for violations")),
            ),
            ("no_open_violation",),
            5,
        ),
        Stage(
            "renovation",
            5,
            _("Renovation dues"),
            Role.RENOVATION_OFFICER,
            (
                T("renovation_status_checked", _("Renovation dues status checked")),
                T("renovation_slip_issued", _("Renovation slip issued or receipt recorded")),
            ),
            ("renovation_dues_settled",),
            3,
        ),
        Stage(
            "executive",
            6,
            _("Executive unit"),
            Role.EXECUTIVE_UNIT,
            (
                T("paving_share_assessed", _("Paving/asphalt participation share assessed")),
                T("excavation_answered", _("Excavation questions for utility branches answered")),
            ),
            ("paving_share_settled",),
            3,
        ),
        Stage(
            "revenue",
            7,
            _("Revenue: fees"),
            Role.REVENUE_OFFICER,
            (
                T("fees_assessed", _("Permit fees assessed from the local tariff book")),
                T("slip_paid", _("Payment slip issued and payment recorded")),
            ),
            ("fees_paid",),
            3,
        ),
        Stage(
            "issuance",
            8,
            _("Permit issuance"),
            Role.PERMIT_OFFICER,
            (
                T("drawings_checked", _("Engineering drawings checked against the map preparation order")),
                T("document_prepared", _("Permit or certificate prepared")),
            ),
            (
                "documents_present",
                "compliance_passing",
                "survey_accepted",
                "no_open_violation",
                "bills_settled",
                "drawing_check_passing",
            ),
            5,
        ),
        # stage 9: the certificates. The building as built is inspected and surveyed, compared with the
        # issued permit (permits.asbuilt), and the certificate issued only when nothing built beyond the
        # permit is left open, the renovation dues are current and every bill is paid.
        Stage(
            "asbuilt_survey",
            9,
            _("Inspection and as-built survey"),
            Role.INSPECTOR,
            (
                T("building_inspected", _("Building inspected on site against the issued permit")),
                T("asbuilt_surveyed", _("As-built survey of the building measured by the surveyor")),
            ),
            ("inspection_reported", "survey_accepted"),
            5,
            surveyed=True,
        ),
        Stage(
            "asbuilt_comparison",
            9,
            _("As-built comparison with the permit"),
            Role.VIOLATIONS_OFFICER,
            (
                T("comparison_run", _("Building as built compared with the issued permit")),
                T("differences_recorded", _("Every difference recorded as a violation case")),
            ),
            ("asbuilt_compared",),
            5,
        ),
        Stage(
            "completion_issuance",
            9,
            _("Issuing the completion certificate"),
            Role.PERMIT_OFFICER,
            (
                T("final_report_checked", _("Supervising engineer's final report checked")),
                T("completion_prepared", _("Completion certificate prepared")),
            ),
            _CERTIFICATE_GUARDS,
            5,
        ),
        Stage(
            "no_violation_issuance",
            9,
            _("Issuing the no-violation certificate"),
            Role.PERMIT_OFFICER,
            (
                T("progress_checked", _("Stage of construction checked against the permit")),
                T("no_violation_prepared", _("No-violation certificate prepared")),
            ),
            _CERTIFICATE_GUARDS,
            5,
        ),
    )
}
del T

_BUILDING = (
    "secretariat",
    "inspection",
    "detailed_plan",
    "violations",
    "renovation",
    "executive",
    "revenue",
    "issuance",
)
_OWNER_DOCS = (DocumentKind.DEED, DocumentKind.NATIONAL_CARD)
# ownership documents: a replaced one (not asked for) is checked again at the secretariat
OWNERSHIP_DOCUMENTS = (DocumentKind.DEED, DocumentKind.NATIONAL_CARD, DocumentKind.POWER_OF_ATTORNEY)
_PLAN_DEPENDS = {"documents": "secretariat", "survey": "inspection", "proposal": "detailed_plan"}
_CERTIFICATE_DEPENDS = {"documents": "secretariat", "survey": "asbuilt_survey"}

REQUEST_TYPES: dict[str, RequestType] = {
    t.kind.value: t
    for t in (
        RequestType(
            RequestKind.BUILDING_NEW,
            _BUILDING,
            _OWNER_DOCS,
            {"issuance": (DocumentKind.DRAWINGS,)},
            depends_on=_PLAN_DEPENDS,
        ),
        RequestType(
            RequestKind.BUILDING_EXTENSION,
            _BUILDING,
            _OWNER_DOCS,
            {"issuance": (DocumentKind.DRAWINGS,)},
            depends_on=_PLAN_DEPENDS,
        ),
        RequestType(
            RequestKind.FENCING,
            ("secretariat", "inspection", "detailed_plan", "violations", "revenue", "issuance"),
            _OWNER_DOCS,
            needs_proposal=False,
            depends_on=_PLAN_DEPENDS,
        ),
        # the supervising engineer's final report comes with the request: the engineer files it for the
        # owner as an authorised agent (accounts.Authorisation), or the owner uploads it
        RequestType(
            RequestKind.COMPLETION,
            ("secretariat", "asbuilt_survey", "asbuilt_comparison", "renovation", "completion_issuance"),
            (*_OWNER_DOCS, DocumentKind.SUPERVISOR_REPORT),
            needs_proposal=False,
            depends_on=_CERTIFICATE_DEPENDS,
            approve_label=_("Issue the completion certificate"),
        ),
        RequestType(
            RequestKind.NO_VIOLATION,
            ("secretariat", "asbuilt_survey", "asbuilt_comparison", "renovation", "no_violation_issuance"),
            _OWNER_DOCS,
            needs_proposal=False,
            depends_on=_CERTIFICATE_DEPENDS,
            approve_label=_("Issue the no-violation certificate"),
        ),
    )
}

# Who may do what, by role: the stage's own role acts on its stage; the applicant (or the agent who
# filed for them) submits, answers and withdraws; a manager may also reject or refer any file.
STAGE_ACTIONS = frozenset({Action.ADVANCE, Action.APPROVE, Action.RETURN, Action.REFER, Action.REJECT})
APPLICANT_ACTIONS = frozenset({Action.SUBMIT, Action.RESUBMIT, Action.WITHDRAW})
MANAGER_ACTIONS = frozenset({Action.REFER, Action.REJECT})
# Officers who may override a failed plan check with a reason (the original result is kept).
OVERRIDE_ROLES = frozenset({Role.PLANNER, Role.MANAGER})


def request_type(kind: str) -> RequestType:
    return REQUEST_TYPES[kind]


# the stages where the surveyor measures for the request (the surveyors' queue, the inspectors' desk)
SURVEYED_STAGES = tuple(code for code, s in STAGES.items() if s.surveyed)
CERTIFICATE_KINDS = (RequestKind.COMPLETION.value, RequestKind.NO_VIOLATION.value)


def stage(code: str) -> Stage:
    return STAGES[code]


def stages_of(kind: str) -> list[Stage]:
    return [STAGES[code] for code in REQUEST_TYPES[kind].stages]


def next_stage(kind: str, current: str) -> str | None:
    """The stage after current in this request type; None when current is the last (issue)."""
    codes = REQUEST_TYPES[kind].stages
    i = codes.index(current)
    return codes[i + 1] if i + 1 < len(codes) else None


def earlier_stages(kind: str, current: str) -> list[str]:
    codes = REQUEST_TYPES[kind].stages
    return list(codes[: codes.index(current)])


def documents_required(kind: str, upto_stage: str | None) -> tuple[DocumentKind, ...]:
    """Documents that must be on file when the file leaves upto_stage (None: on submission)."""
    rtype = REQUEST_TYPES[kind]
    required = list(rtype.documents_on_submit)
    if upto_stage is not None:
        for code in rtype.stages[: rtype.stages.index(upto_stage) + 1]:
            required += rtype.documents_by_stage.get(code, ())
    return tuple(dict.fromkeys(required))


def stage_actions(kind: str, code: str) -> frozenset[Action]:
    """The actions a stage's officer has: the last stage approves (issues), the others advance."""
    last = next_stage(kind, code) is None
    actions = set(STAGE_ACTIONS) - {Action.ADVANCE if last else Action.APPROVE}
    if not earlier_stages(kind, code):
        actions.discard(Action.REFER)
    return frozenset(actions)


def actions_for(*, roles, applicant_side: bool, status: str, kind: str, stage: str) -> frozenset[Action]:
    """What a person may do to a file now (pure: the role × action × state table of the workflow).

    The applicant's side (the applicant, or the agent who filed with their authorisation) submits a
    draft, answers a return and withdraws an open request. The officer of the file's current stage
    has that stage's actions; a manager may also refer or reject. Closed files take no action.
    """
    acts: set[Action] = set()
    if status == "draft":
        return frozenset({Action.SUBMIT, Action.WITHDRAW}) if applicant_side else frozenset()
    if status == "returned":
        return frozenset({Action.RESUBMIT, Action.WITHDRAW}) if applicant_side else frozenset()
    if status != "in_review":
        return frozenset()
    if applicant_side:
        acts.add(Action.WITHDRAW)
    own = stage_actions(kind, stage)
    if STAGES[stage].role in roles:
        acts |= own
    if Role.MANAGER in roles:
        acts |= own & MANAGER_ACTIONS
    return frozenset(acts)
