"""Reads for the workflow: who sees which file, inboxes, the documents, checks and cases of a file."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.roles import STAFF_ROLES, Role
from accounts.selectors import clients_of
from gis_app.models import AuditEvent, DatasetKind, DatasetVersion
from gis_app.text import InputKind, normalise_input
from parcels.filecodes import file_code_normalise
from parcels.models import PropertyFile
from parcels.selectors import live_parcels
from permits.calendar import add_working_days
from permits.calendar import working_days_between as _working_days_between
from permits.models import OPEN_STATUSES, ComplianceCheck, Holiday, OwnershipOverride, PermitRequest, RequestStatus
from permits.workflow import OWNERSHIP_DOCUMENTS, STAGES, SURVEYED_STAGES, DocumentKind, documents_required
from surveys.models import Inspection, Survey, SurveyStatus
from surveys.selectors import accepted_survey_for, inspections_for

_TRACKING_SEPARATORS = re.compile(r"[\s\-_.]")


def tracking_code_typed(text: str) -> str:
    """A tracking code as typed or copied from a page (Persian digits, bidi marks, lower case, spaces
    or no dashes: bj ۷qk۲m xr۹۴t h۳) as it is stored (BJ-7QK2M-XR94T-H3)."""
    code = normalise_input(text, InputKind.CODE).upper()
    compact = _TRACKING_SEPARATORS.sub("", code)
    if len(compact) == 14 and compact.startswith("BJ"):
        return f"BJ-{compact[2:7]}-{compact[7:12]}-{compact[12:]}"
    return code


def requests_by_code(*, text: str) -> QuerySet[PermitRequest]:
    """Requests by tracking code or by their file's code, typed as the site shows them."""
    if not normalise_input(text, InputKind.CODE):
        return PermitRequest.objects.none()
    return PermitRequest.objects.filter(
        Q(tracking_code=tracking_code_typed(text)) | Q(file__code=file_code_normalise(text))
    )


def request_open_same(*, applicant, file, kind: str) -> PermitRequest | None:
    """The applicant's open request (draft, in review or returned) of this type on this property's file."""
    return PermitRequest.objects.filter(applicant=applicant, file=file, kind=kind, status__in=OPEN_STATUSES).first()


def _roles(user) -> set[Role]:
    return user.roles() if user.is_authenticated and user.is_active else set()


def requests_visible(*, user) -> QuerySet[PermitRequest]:
    """The files this user may open: staff see every file; a citizen their own; an agent the files they
    filed while authorised. Everyone else: none."""
    roles = _roles(user)
    if roles & STAFF_ROLES:
        return PermitRequest.objects.all()
    if not user.is_authenticated or not user.is_active:
        return PermitRequest.objects.none()
    mine = Q(applicant=user)
    if Role.ESERVICES_OFFICE in roles:
        mine |= Q(filed_by=user, applicant__in=clients_of(agent=user).values("client"))
    return PermitRequest.objects.filter(mine)


def is_applicant_side(*, user, request: PermitRequest) -> bool:
    """The applicant, or the agent who filed for them while the authorisation holds."""
    if request.applicant_id == user.pk:
        return True
    return request.filed_by_id == user.pk and clients_of(agent=user).filter(client_id=request.applicant_id).exists()


def inbox(*, user) -> QuerySet[PermitRequest]:
    """Files waiting at a stage this user's roles act on (and in their district, when they have one),
    the most urgent first."""
    roles = _roles(user)
    stages = [code for code, s in STAGES.items() if s.role in roles]
    qs = PermitRequest.objects.filter(status=RequestStatus.IN_REVIEW, stage__in=stages)
    if getattr(user, "district", None):
        qs = qs.filter(file__district=user.district)
    return qs.order_by("stage_due_on", "submitted_at")


def _in_district(qs: QuerySet[PermitRequest], user) -> QuerySet[PermitRequest]:
    return qs.filter(file__district=user.district) if getattr(user, "district", None) else qs


def inspection_desk_files(user) -> QuerySet:
    """The ids of the property files waiting at the inspection-and-survey stage for this inspector
    (his district's, when he has one): their surveys are his to read."""
    if Role.INSPECTOR not in _roles(user):
        return PermitRequest.objects.none().values("file_id")
    waiting = PermitRequest.objects.filter(status=RequestStatus.IN_REVIEW, stage__in=SURVEYED_STAGES)
    return _in_district(waiting, user).values("file_id")


def survey_queue(*, user) -> QuerySet[PermitRequest]:
    """Surveyors: files at the inspection-and-survey stage (their district's, when they have one) for
    which no survey made for the request is awaiting review or accepted; the newest arrivals first."""
    if Role.SURVEYOR not in _roles(user):
        return PermitRequest.objects.none()
    made = Survey.objects.filter(
        origin_type=ContentType.objects.get_for_model(PermitRequest),
        origin_id=OuterRef("pk"),
        status__in=(SurveyStatus.SUBMITTED, SurveyStatus.ACCEPTED),
    )
    waiting = PermitRequest.objects.filter(status=RequestStatus.IN_REVIEW, stage__in=SURVEYED_STAGES).exclude(
        Exists(made)
    )
    return _in_district(waiting, user).select_related("file").order_by("-stage_entered_at", "-id")


DOCUMENT_STAFF_ROLES = frozenset({Role.CLERK, Role.PERMIT_OFFICER})


def may_add_documents(*, user, request: PermitRequest) -> bool:
    """The applicant's side to a draft or a returned request; the secretariat or the permit officer
    while the file is in review."""
    if request.status in (RequestStatus.DRAFT, RequestStatus.RETURNED):
        return is_applicant_side(user=user, request=request)
    return request.status == RequestStatus.IN_REVIEW and bool(_roles(user) & DOCUMENT_STAFF_ROLES)


def holidays() -> set[dt.date]:
    return set(Holiday.objects.values_list("date", flat=True))


def due_date(*, start: dt.date, working_days: int) -> dt.date:
    return add_working_days(start, working_days, holidays=holidays())


def documents_current(*, request: PermitRequest):
    return request.documents.filter(replaced=False)


def documents_missing(*, request: PermitRequest, upto_stage: str | None) -> list[DocumentKind]:
    present = set(documents_current(request=request).values_list("kind", flat=True))
    required = list(documents_required(request.kind, upto_stage))
    if request.filed_by_id != request.applicant_id:
        required.append(DocumentKind.POWER_OF_ATTORNEY)
    return [k for k in required if k.value not in present]


def inspection_for(*, request: PermitRequest) -> Inspection | None:
    """The latest inspection made for this request (an inspection of the same parcel for anything else
    does not count)."""
    return inspections_for(obj=request).first()


def accepted_survey(*, request: PermitRequest):
    """The accepted survey measured for this request, if it is still the file's measured geometry."""
    return accepted_survey_for(obj=request)


def latest_check(*, request: PermitRequest) -> ComplianceCheck | None:
    return request.checks.order_by("-checked_at", "-id").first()


def proposal_key(request: PermitRequest) -> str:
    """A fingerprint of what the request asks for: a check is current only for the same proposal."""
    parts = [
        request.kind,
        request.use,
        request.floors,
        request.floor_area_m2,
        request.footprint_m2,
        request.height_m,
        request.footprint.wkb.hex() if request.footprint else "",
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def dependency_snapshot(request: PermitRequest) -> dict:
    """What the later stages' work depends on, as the file stands now (kept when it is returned)."""
    survey = accepted_survey(request=request)
    docs = documents_current(request=request).filter(kind__in=OWNERSHIP_DOCUMENTS)
    return {
        "proposal": proposal_key(request),
        "survey": survey.pk if survey else None,
        "documents": {d.kind: d.sha256 for d in docs},
    }


def dependencies_changed(request: PermitRequest, snapshot: dict) -> frozenset[str]:
    """Which of proposal / survey / ownership documents differ from the snapshot taken at the return
    (documents the officer asked for are expected to change and do not count)."""
    if not snapshot:
        return frozenset()
    now = dependency_snapshot(request)
    changed = {what for what in ("proposal", "survey") if now[what] != snapshot.get(what)}
    asked = set()
    info = request.info_requests.order_by("-asked_at").first()
    if info is not None:
        asked = set(info.documents)
    before, after = snapshot.get("documents", {}), now["documents"]
    if any(before.get(k) != after.get(k) for k in set(before) | set(after) if k not in asked):
        changed.add("documents")
    return frozenset(changed)


_PLAN_LAYERS = {"parcels": DatasetKind.PARCELS, "zones": DatasetKind.ZONES, "streets": DatasetKind.STREETS}


def live_versions() -> dict[str, int | None]:
    """The live version of each layer a plan check reads (one query for the three)."""
    live: dict[str, int | None] = dict.fromkeys(_PLAN_LAYERS)
    rows = DatasetVersion.objects.filter(is_active=True, kind__in=_PLAN_LAYERS.values()).order_by("kind", "-id")
    by_kind = {kind: name for name, kind in _PLAN_LAYERS.items()}
    for kind, pk in rows.values_list("kind", "id"):
        name = by_kind[kind]
        if live[name] is None:  # the newest active one, as active_version_id picks it
            live[name] = pk
    return live


_UNREAD = object()


def check_is_current(*, check: ComplianceCheck, request: PermitRequest, survey=_UNREAD) -> bool:
    """The check used the live plan data, the request's current proposal and its accepted survey
    (survey: the request's accepted survey when the caller has read it already)."""
    live = live_versions()
    if survey is _UNREAD:
        survey = accepted_survey(request=request)
    return (
        check.zones_version == live["zones"]
        and check.streets_version == live["streets"]
        and check.proposal_key == proposal_key(request)
        and check.survey_id == (survey.pk if survey else None)
    )


def failures_not_overridden(*, check: ComplianceCheck) -> list[str]:
    overridden = set(check.overrides.values_list("rule_code", flat=True))
    return [code for code in check.failed_rules if code not in overridden]


def request_audit(*, request: PermitRequest) -> list[AuditEvent]:
    """The request's own events and its file's (opened, violations...), oldest first, in one query."""
    own = Q(object_type=PermitRequest._meta.label_lower, object_id=str(request.pk))
    of_file = Q(object_type=PropertyFile._meta.label_lower, object_id=str(request.file_id))
    return list(AuditEvent.objects.filter(own | of_file).select_related("actor").order_by("at", "id"))


# Before notes carried their visibility, only these actions' notes were written for the applicant.
_APPLICANT_NOTE_ACTIONS = frozenset({"request.return", "request.submit", "request.resubmit", "request.withdraw"})


def audit_note_public(event) -> bool:
    """Whether an audit event's note may be shown to the applicant: as recorded with the note
    (note_to_applicant), else, for events written before that, only a return's or the applicant's own."""
    data = event.data or {}
    if "note_to_applicant" in data:
        return bool(data["note_to_applicant"])
    return event.action in _APPLICANT_NOTE_ACTIONS


def my_properties(*, user):
    """Live parcels whose recorded owner has this user's national ID."""
    if not user.is_authenticated or not user.national_id:
        return live_parcels().none()
    return live_parcels().filter(ownerships__owner__national_id=user.national_id).order_by("file_code")


def working_days_between(*, start: dt.datetime, end: dt.datetime) -> int:
    """Working days a stay took (the calendar's count between the two local dates)."""
    first, last = timezone.localdate(start), timezone.localdate(end)
    return max(0, _working_days_between(first, last, holidays=holidays()))


def stage_history(*, request: PermitRequest):
    """The request's stage visits, oldest first."""
    return request.stage_visits.select_related("entered_by", "left_by").order_by("entered_at", "id")


def working_days_left(*, due: dt.date | None, today: dt.date) -> int | None:
    """Working days from today to the due date (negative when overdue)."""
    return None if due is None else _working_days_between(today, due, holidays=holidays())


@dataclass(frozen=True)
class OwnerShare:
    full_name: str
    national_id: str
    share_dang: Decimal
    is_applicant: bool


@dataclass(frozen=True)
class OwnershipFacts:
    """What the secretariat compares: the parcel's plate and recorded owners beside the applicant."""

    registry_plate: str
    owners: tuple[OwnerShare, ...]
    applicant_is_owner: bool
    power_of_attorney: bool  # a power-of-attorney scan is on file
    override: object | None  # OwnershipOverride

    @property
    def entitled(self) -> bool:
        return self.applicant_is_owner or self.override is not None


def ownership_facts(*, request: PermitRequest) -> OwnershipFacts:
    """The parcel's recorded owners (from the parcel row the request was filed on) and whether the
    applicant is one of them or the clerk recorded why the file may be opened all the same."""
    national_id = request.applicant.national_id or ""
    owners = tuple(
        OwnerShare(
            o.owner.full_name,
            o.owner.national_id,
            o.share_dang,
            bool(national_id) and o.owner.national_id == national_id,
        )
        for o in request.parcel.ownerships.select_related("owner").order_by("-share_dang", "owner__full_name")
    )
    return OwnershipFacts(
        registry_plate=request.parcel.registry_plate or "",
        owners=owners,
        applicant_is_owner=any(o.is_applicant for o in owners),
        power_of_attorney=documents_current(request=request).filter(kind=DocumentKind.POWER_OF_ATTORNEY).exists(),
        override=OwnershipOverride.objects.filter(request=request).select_related("clerk").first(),
    )
