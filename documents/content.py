"""What each issued document says, as typed, frozen records built only from the file's typed data
(the request's proposal, the stored plan check, the map preparation order, the bill, the violation),
never from text someone typed for the paper.

`content_for(kind, obj)` builds the record; `key_fields()` is what the QR signs and the public
verification page shows (plain JSON scalars, ASCII digits, canonical); `footprint_geojson` is the
permitted footprint in EPSG:4326 for the verification page's small map. The rendering engine
(documents.render) formats the record for a language; nothing here is language-dependent except the
DocumentNotReady messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import jdatetime
import shapely
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from fees.models import Bill
from permits.asbuilt_selectors import latest_comparison
from permits.models import MapPreparationOrder, PermitRequest, RequestStatus
from permits.selectors import accepted_survey, latest_check
from surveys.models import SurveyBuilding
from violations.article100 import NOTES
from violations.models import Violation
from zoning.compliance.envelope import buildable_envelope
from zoning.compliance.output import geojson_wgs84_many
from zoning.compliance.runner import base_area_m2
from zoning.selectors import parcel_facts

KINDS = (
    "building_permit",
    "fencing_permit",
    "map_order",
    "payment_slip",
    "verdict_notice",
    "inquiry_answer",
    "monthly_summary",
    "completion_certificate",
    "no_violation_certificate",
)
CERTIFICATE_OF_REQUEST = {"completion": "completion_certificate", "no_violation": "no_violation_certificate"}
BUILDING_REQUESTS = ("building_new", "building_extension")


class DocumentNotReady(Exception):
    """The object lacks what the document needs (a translated message says what)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- the parcel's map: geometries in the storage CRS (metres), drawn by documents.mapdraw -------------


@dataclass(frozen=True)
class StreetEdge:
    name: str
    approved_width_m: float
    road: BaseGeometry | None  # the street's land near the parcel (for its label)
    realigned_line: BaseGeometry | None  # بر اصلاحی inside the parcel
    setback_strip: BaseGeometry | None


@dataclass(frozen=True)
class ParcelMap:
    parcel: BaseGeometry
    streets: tuple[StreetEdge, ...]
    chamfers: tuple[BaseGeometry, ...]
    footprint: BaseGeometry | None  # the permitted footprint (drawn by the applicant, else the buildable band)
    footprint_drawn: bool
    floors: int | None
    marked: BaseGeometry | None = None  # e.g. the violation's area on a verdict notice


def _nonempty(geom: BaseGeometry | None) -> BaseGeometry | None:
    return None if geom is None or geom.is_empty else geom


def parcel_map_read(
    *,
    parcel_id: int,
    parcel_version_id: int | None,
    zones_version_id: int | None = None,
    streets_version_id: int | None = None,
    footprint: BaseGeometry | None = None,
    floors: int | None = None,
    with_envelope: bool = False,
    marked: BaseGeometry | None = None,
) -> ParcelMap:
    """The parcel's map from PostGIS (zoning.selectors.parcel_facts) for the given data versions: the
    boundary, each street's land, setback strip and realigned line, the chamfers, and the footprint
    (the drawn one, else with_envelope: the buildable northern band)."""
    facts = parcel_facts(
        parcel_id=parcel_id,
        parcel_version_id=parcel_version_id,
        zones_version_id=zones_version_id,
        streets_version_id=streets_version_id,
    )
    if facts is None:
        raise DocumentNotReady(_("The parcel of this file is not in the cadastre version the document needs."))
    drawn = footprint is not None and not footprint.is_empty
    if not drawn and with_envelope:
        share = facts.governing_zone
        envelope = buildable_envelope(
            net=facts.net, zone=share.rules if share else None, params=facts.params, base_area_m2=base_area_m2(facts)
        )
        footprint = envelope.geom
    return ParcelMap(
        parcel=facts.geom,
        streets=tuple(
            StreetEdge(
                name=s.name,
                approved_width_m=s.approved_width_m,
                road=_nonempty(s.road),
                realigned_line=_nonempty(s.realigned_line),
                setback_strip=_nonempty(s.setback_strip),
            )
            for s in facts.streets
        ),
        chamfers=tuple(c.triangle for c in facts.chamfers if not c.triangle.is_empty),
        footprint=_nonempty(footprint),
        footprint_drawn=drawn,
        floors=floors,
        marked=_nonempty(marked),
    )


def _footprint_geojson(parcel_map: ParcelMap | None) -> dict | None:
    if parcel_map is None or parcel_map.footprint is None:
        return None
    return geojson_wgs84_many([parcel_map.footprint])[0]


def _shapely(geos) -> BaseGeometry | None:
    """A GEOS geometry from the ORM as a shapely one (same coordinates, storage CRS)."""
    return None if geos is None or geos.empty else shapely.from_wkb(bytes(geos.wkb))


# --- the records ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentContent:
    """What every document has: its kind, the file, the holder, and the parcel's map."""

    kind: str
    file_code: str
    holder_name: str
    parcel_map: ParcelMap | None = field(repr=False, compare=False)
    footprint_geojson: dict | None = field(repr=False, compare=False)

    def key_fields(self) -> dict[str, str | int]:
        """The fields the QR signs and the verification page shows: JSON scalars, canonical."""
        return {"kind": self.kind, "file_code": self.file_code, "holder": self.holder_name}


def _m2(value: float | None) -> int:
    """An area as a whole number of m² in the signed fields (one canonical form, no float noise)."""
    return round(float(value or 0))


@dataclass(frozen=True)
class StreetLine:
    name: str
    existing_width_m: float
    approved_width_m: float
    setback_area_m2: float
    frontage_after_m: float


@dataclass(frozen=True)
class PermitContent(DocumentContent):
    """A building permit (پروانه ساختمانی): the proposal as checked and the plan's figures."""

    tracking_code: str = ""
    request_kind: str = ""
    renovation_code: str = ""
    registry_plate: str = ""
    use: str = ""
    floors: int = 0
    floor_area_m2: float = 0.0
    footprint_m2: float = 0.0
    height_m: float | None = None
    deed_area_m2: float | None = None
    net_area_m2: float = 0.0
    zone_code: str = ""
    coverage_pct: float | None = None
    density_pct: float | None = None
    streets: tuple[StreetLine, ...] = ()
    parking_spaces: int | None = None
    plan_versions: tuple[int | None, int | None, int | None] = (None, None, None)

    def key_fields(self) -> dict[str, str | int]:
        return super().key_fields() | {
            "tracking_code": self.tracking_code,
            "floors": self.floors,
            "floor_area_m2": _m2(self.floor_area_m2),
            "footprint_m2": _m2(self.footprint_m2),
            "use": self.use,
        }


@dataclass(frozen=True)
class FencingContent(DocumentContent):
    """A fencing (wall) permit (مجوز دیوارکشی): the wall stands on the realigned line."""

    tracking_code: str = ""
    renovation_code: str = ""
    registry_plate: str = ""
    deed_area_m2: float | None = None
    net_area_m2: float = 0.0
    setback_area_m2: float = 0.0
    chamfer_area_m2: float = 0.0
    wall_length_m: float = 0.0  # the parcel's boundary after realignment
    streets: tuple[StreetLine, ...] = ()

    def key_fields(self) -> dict[str, str | int]:
        return super().key_fields() | {
            "tracking_code": self.tracking_code,
            "net_area_m2": _m2(self.net_area_m2),
            "wall_length_m": round(self.wall_length_m),
        }


@dataclass(frozen=True)
class MapOrderContent(DocumentContent):
    """A map preparation order (دستور تهیه نقشه), as the planner issued it."""

    tracking_code: str = ""
    renovation_code: str = ""
    registry_plate: str = ""
    deed_area_m2: float | None = None
    net_area_m2: float | None = None
    land_use: str = ""
    zone_code: str = ""
    coverage_pct: float | None = None
    density_pct: float | None = None
    band_depth_m: float | None = None
    max_footprint_m2: float | None = None
    max_floor_area_m2: float | None = None
    max_floors: int | None = None
    max_height_m: float | None = None
    parking_spaces: int | None = None
    streets: tuple[StreetLine, ...] = ()
    chamfer_area_m2: float | None = None
    valid_until: dt.date | None = None
    issued_on: dt.date | None = None

    def key_fields(self) -> dict[str, str | int]:
        return super().key_fields() | {
            "tracking_code": self.tracking_code,
            "max_floors": int(self.max_floors or 0),
            "max_floor_area_m2": _m2(self.max_floor_area_m2),
            "max_footprint_m2": _m2(self.max_footprint_m2),
            "valid_until": self.valid_until.isoformat() if self.valid_until else "",
        }


@dataclass(frozen=True)
class SlipLine:
    title_fa: str
    title_en: str
    amount_irr: int


@dataclass(frozen=True)
class SlipContent(DocumentContent):
    """A payment slip (فیش): the bill's lines, its bill ID and payment ID, and whether it was paid."""

    bill_kind: str = ""
    amount_irr: int = 0
    bill_id: str = ""
    payment_id: str = ""
    lines: tuple[SlipLine, ...] = ()
    status: str = ""
    due_on: dt.date | None = None
    paid_at: dt.datetime | None = None
    tracking_code: str = ""

    def key_fields(self) -> dict[str, str | int]:
        return super().key_fields() | {
            "bill_id": self.bill_id,
            "payment_id": self.payment_id,
            "amount_irr": self.amount_irr,
            "status": self.status,
        }


@dataclass(frozen=True)
class VerdictContent(DocumentContent):
    """An Article 100 commission verdict notice: the violation, the note, the outcome."""

    violation_kind: str = ""
    note: int = 0
    outcome: str = ""  # fine | demolition
    area_m2: float = 0.0
    parking_spaces: int = 0
    fine_irr: int | None = None
    decided_at: dt.datetime | None = None
    recorded_at: dt.datetime | None = None

    def key_fields(self) -> dict[str, str | int]:
        return super().key_fields() | {
            "violation": self.violation_kind,
            "note": self.note,
            "outcome": self.outcome,
            "area_m2": _m2(self.area_m2),
            "fine_irr": int(self.fine_irr or 0),
        }


@dataclass(frozen=True)
class CertifiedDifference:
    """A difference from the permit the commission decided and that was carried out (its fine paid or the
    part removed), stated on the certificate."""

    kind: str  # permits.asbuilt.KINDS
    note: int
    excess_area_m2: float
    outcome: str  # the case's status: closed (fine paid or part removed), fined


@dataclass(frozen=True)
class CertificateContent(DocumentContent):
    """A completion (پایان کار) or no-violation (عدم خلاف) certificate: the building as built, compared with
    its issued permit on the as-built survey, with no difference left open; a no-violation certificate
    is valid until a date."""

    tracking_code: str = ""
    permit_tracking_code: str = ""
    renovation_code: str = ""
    registry_plate: str = ""
    use: str = ""
    permitted_floors: int = 0
    permitted_floor_area_m2: float = 0.0
    floors: int = 0  # as built (so far)
    floor_area_m2: float = 0.0
    footprint_m2: float = 0.0
    height_m: float | None = None
    surveyed_on: dt.date | None = None
    in_progress: bool = False
    differences: tuple[CertifiedDifference, ...] = ()
    valid_until: dt.date | None = None

    def key_fields(self) -> dict[str, str | int]:
        return super().key_fields() | {
            "tracking_code": self.tracking_code,
            "permit": self.permit_tracking_code,
            "floors": self.floors,
            "floor_area_m2": _m2(self.floor_area_m2),
            "footprint_m2": _m2(self.footprint_m2),
            "valid_until": self.valid_until.isoformat() if self.valid_until else "",
        }


def no_violation_valid_until(issued_on: dt.date, *, months: int | None = None) -> dt.date:
    """The last day a no-violation certificate issued on `issued_on` is valid: the same day of the Jalali
    month `months` later (the month's last day when it is shorter); settings by default."""
    months = settings.NO_VIOLATION_CERTIFICATE_VALID_MONTHS if months is None else months
    j = jdatetime.date.fromgregorian(date=issued_on)
    index = j.month - 1 + months
    year, month = j.year + index // 12, index % 12 + 1
    last = 31 if month <= 6 else 30 if month <= 11 else (30 if jdatetime.date(year, 1, 1).isleap() else 29)
    return jdatetime.date(year, month, min(j.day, last)).togregorian()


@dataclass(frozen=True)
class AnswerFact:
    """One line of an inquiry answer's page: a label (a lazy translation, printed in the page's language)
    and a typed value the page formats by `form`: text (a lazy translation or a name), code (an
    identifier, left to right), yesno (bool), money (IRR), date (ISO), length (m), area (m²)."""

    label: object
    value: object
    form: str = "text"


@dataclass(frozen=True)
class InquiryAnswerContent(DocumentContent):
    """An agency's inquiry answered (بانک، دفترخانه، شرکت‌های خدماتی): who asked, why, the outcome and only
    the facts the purpose needs. Built by the upper app that stores the answer (inquiries registers its
    builder), from the stored typed answer only; `signed_facts` are the purpose's facts the QR signs."""

    inquiry_id: str = ""
    inquiry_kind: str = ""
    inquiry_kind_text: object = ""
    purpose: str = ""
    outcome: str = ""
    outcome_text: object = ""
    answered_at: dt.datetime | None = None
    facts: tuple[AnswerFact, ...] = ()
    signed_facts: tuple[tuple[str, str | int], ...] = ()

    def key_fields(self) -> dict[str, str | int]:
        return (
            super().key_fields()
            | {"inquiry": self.inquiry_id, "inquiry_kind": self.inquiry_kind, "answer": self.outcome}
            | dict(self.signed_facts)
        )


@dataclass(frozen=True)
class SummaryCell:
    """One cell of a summary's table: a typed value the page formats by `form` in its language: text (a
    lazy translation or a name), count, days, share (0..1), money (IRR); None prints as a dash."""

    value: object
    form: str = "count"


@dataclass(frozen=True)
class SummaryTable:
    """A table of a summary: its title and column headers (lazy translations) and rows of cells."""

    title: object
    headers: tuple[object, ...]
    rows: tuple[tuple[SummaryCell, ...], ...]


@dataclass(frozen=True)
class DistrictShade:
    """A district on the summary's choropleth: its outline (storage CRS, metres) and the shaded figure."""

    number: int
    name: str
    name_en: str
    geom: BaseGeometry = field(repr=False, compare=False)
    value: float | None = None


@dataclass(frozen=True)
class MonthlySummaryContent(DocumentContent):
    """The dashboard's figures for a Jalali month (a city-wide, district or unit scope), each beside the
    month before, and the city by district as a choropleth. Built by the dashboard from the figures it
    stored when the summary was made (so every rendering and copy says the same); `signed` are the
    headline figures the QR signs."""

    year: int = 0
    month: int = 0
    month_name: object = ""
    scope_text: object = ""  # e.g. "District 2, inspectors" (lazy or a name)
    made_at: dt.datetime | None = None
    tables: tuple[SummaryTable, ...] = ()
    map_title: object = ""
    map_form: str = "count"
    districts: tuple[DistrictShade, ...] = field(default=(), repr=False, compare=False)
    signed: tuple[tuple[str, str | int], ...] = ()

    def key_fields(self) -> dict[str, str | int]:
        return {"kind": self.kind, "period": f"{self.year}-{self.month:02d}"} | dict(self.signed)


# --- builders that upper apps register (documents never imports them) ----------------------------------

SubjectBuilder = Callable[[str], DocumentContent]
FiguresOf = Callable[[dict], list[tuple[object, object]]]
VisibleTo = Callable[[object, str], bool]
_SUBJECT_BUILDERS: dict[str, SubjectBuilder] = {}
_SUBJECT_FIGURES: dict[str, FiguresOf] = {}
_SUBJECT_VISIBLE: dict[str, VisibleTo] = {}


def content_builder_register(
    kind: str, builder: SubjectBuilder, figures: FiguresOf | None = None, visible: VisibleTo | None = None
) -> None:
    """An upper app's builder of a kind's record from its subject reference (called in its AppConfig.ready):
    `builder(subject_ref)` returns the content or raises DocumentNotReady; `figures(key_fields)` the
    (label, display) pairs the verification page shows for the signed fields, in words, never codes;
    `visible(user, subject_ref)` who may download it (and its copies) here, when not every staff member."""
    _SUBJECT_BUILDERS[kind] = builder
    if figures is not None:
        _SUBJECT_FIGURES[kind] = figures
    if visible is not None:
        _SUBJECT_VISIBLE[kind] = visible


def subject_figures(kind: str) -> FiguresOf | None:
    """The registered display of a subject kind's signed fields, if any."""
    return _SUBJECT_FIGURES.get(kind)


def subject_visible(kind: str) -> VisibleTo | None:
    """The registered readers of a subject kind's documents, if the kind restricts them."""
    return _SUBJECT_VISIBLE.get(kind)


def subject_kinds() -> frozenset[str]:
    """The kinds whose documents are of an upper app's subject (issued by document_of_subject_issue)."""
    return frozenset(_SUBJECT_BUILDERS)


# --- builders --------------------------------------------------------------------------------------------


def _holder(req: PermitRequest) -> str:
    """The permit's holder: the applicant as the cadastre names them when they are a recorded owner,
    else the applicant's account name (an attorney files for the owner)."""
    national_id = getattr(req.applicant, "national_id", "") or ""
    owner = (
        req.parcel.ownerships.select_related("owner").filter(owner__national_id=national_id).first()
        if national_id
        else None
    )
    name = owner.owner.full_name if owner else req.applicant.get_full_name()
    if not name.strip():
        raise DocumentNotReady(_("The holder's name is not recorded: the applicant's account has no name."))
    return name.strip()


def _file_owners(file) -> str:
    names = [o.owner.full_name for o in file.parcel.ownerships.select_related("owner").order_by("owner__full_name")]
    if not names:
        raise DocumentNotReady(_("The file's parcel has no recorded owner to address the document to."))
    return "، ".join(names)


def _current_check(req: PermitRequest):
    check = latest_check(request=req)
    if check is None:
        raise DocumentNotReady(_("The file has no plan check; the document is drawn from a passing one."))
    from permits.selectors import check_is_current, failures_not_overridden

    # before issuance the check must hold on today's plan; an issued permit keeps the check it was issued on
    if req.status != RequestStatus.ISSUED and not check_is_current(check=check, request=req):
        raise DocumentNotReady(_("The plan check is stale (the plan or the proposal changed); check again first."))
    if failures_not_overridden(check=check):
        raise DocumentNotReady(_("The plan check has failed rules that were not overridden."))
    return check


def _streets(record) -> tuple[StreetLine, ...]:
    return tuple(
        StreetLine(
            name=s.name,
            existing_width_m=s.existing_width_m,
            approved_width_m=s.approved_width_m,
            setback_area_m2=s.setback_area_m2,
            frontage_after_m=s.frontage_after_m,
        )
        for s in record.streets
    )


def _permit(req: PermitRequest) -> PermitContent:
    if req.kind not in BUILDING_REQUESTS:
        raise DocumentNotReady(_("A building permit is issued on a building request only."))
    if not req.floors or not req.floor_area_m2 or not req.footprint_m2 or not req.use:
        raise DocumentNotReady(
            _("The request lacks its proposal (use, floors, floor area and footprint); the permit states them.")
        )
    check = _current_check(req)
    record = check.record
    pmap = parcel_map_read(
        parcel_id=req.parcel_id,
        parcel_version_id=check.parcel_version,
        zones_version_id=check.zones_version,
        streets_version_id=check.streets_version,
        footprint=_shapely(req.footprint),
        floors=req.floors,
        with_envelope=True,
    )
    order = MapPreparationOrder.objects.filter(request=req, withdrawn_at__isnull=True).first()
    return PermitContent(
        kind="building_permit",
        file_code=record.parcel.file_code,
        holder_name=_holder(req),
        parcel_map=pmap,
        footprint_geojson=_footprint_geojson(pmap),
        tracking_code=req.tracking_code,
        request_kind=req.kind,
        renovation_code=record.parcel.renovation_code,
        registry_plate=record.parcel.registry_plate,
        use=req.use,
        floors=int(req.floors),
        floor_area_m2=float(req.floor_area_m2),
        footprint_m2=float(req.footprint_m2),
        height_m=req.height_m,
        deed_area_m2=record.parcel.deed_area_m2,
        net_area_m2=record.parcel.net_area_m2,
        zone_code=record.zone.plan_code if record.zone else "",
        coverage_pct=record.zone.coverage_pct if record.zone else None,
        density_pct=record.zone.density_pct if record.zone else None,
        streets=_streets(record),
        parking_spaces=order.content.get("parking_spaces") if order else None,
        plan_versions=(check.parcel_version, check.zones_version, check.streets_version),
    )


def _fencing(req: PermitRequest) -> FencingContent:
    if req.kind not in (*BUILDING_REQUESTS, "fencing"):
        raise DocumentNotReady(_("A fencing permit is issued on a fencing or building request only."))
    check = _current_check(req)
    record = check.record
    pmap = parcel_map_read(
        parcel_id=req.parcel_id,
        parcel_version_id=check.parcel_version,
        zones_version_id=check.zones_version,
        streets_version_id=check.streets_version,
    )
    net = pmap.parcel
    for s in pmap.streets:
        if s.setback_strip is not None:
            net = net.difference(s.setback_strip)
    for c in pmap.chamfers:
        net = net.difference(c)
    return FencingContent(
        kind="fencing_permit",
        file_code=record.parcel.file_code,
        holder_name=_holder(req),
        parcel_map=pmap,
        footprint_geojson=None,
        tracking_code=req.tracking_code,
        renovation_code=record.parcel.renovation_code,
        registry_plate=record.parcel.registry_plate,
        deed_area_m2=record.parcel.deed_area_m2,
        net_area_m2=record.parcel.net_area_m2,
        setback_area_m2=record.parcel.setback_area_m2,
        chamfer_area_m2=record.parcel.chamfer_area_m2,
        wall_length_m=round(net.length, 2),
        streets=_streets(record),
    )


def _map_order(req: PermitRequest) -> MapOrderContent:
    order = MapPreparationOrder.objects.filter(request=req).first()
    if order is None:
        raise DocumentNotReady(_("No map preparation order has been issued on this request."))
    if order.withdrawn_at is not None:
        raise DocumentNotReady(_("The map preparation order was withdrawn (the proposal changed)."))
    c = order.content
    versions = c.get("plan_versions") or {}
    if not c.get("file_code") or not versions.get("parcels"):
        raise DocumentNotReady(_("The map preparation order lacks its parcel and plan versions."))
    pmap = parcel_map_read(
        parcel_id=req.parcel_id,
        parcel_version_id=versions.get("parcels"),
        zones_version_id=versions.get("zones"),
        streets_version_id=versions.get("streets"),
        with_envelope=True,
    )
    streets = tuple(
        StreetLine(
            name=s["name"],
            existing_width_m=s["existing_width_m"],
            approved_width_m=s["approved_width_m"],
            setback_area_m2=s["setback_area_m2"],
            frontage_after_m=s["frontage_after_m"],
        )
        for s in c.get("streets", ())
    )
    owners = [o["name"] for o in c.get("owners", ())]
    return MapOrderContent(
        kind="map_order",
        file_code=c["file_code"],
        holder_name="، ".join(owners) if owners else _holder(req),
        parcel_map=pmap,
        footprint_geojson=_footprint_geojson(pmap),
        tracking_code=req.tracking_code,
        renovation_code=c.get("renovation_code") or "",
        registry_plate=c.get("registry_plate") or "",
        deed_area_m2=c.get("deed_area_m2"),
        net_area_m2=c.get("area_after_setback_m2"),
        land_use=c.get("land_use") or "",
        zone_code=c.get("zone") or "",
        coverage_pct=c.get("coverage_pct"),
        density_pct=c.get("density_pct"),
        band_depth_m=c.get("band_depth_m"),
        max_footprint_m2=c.get("max_footprint_m2"),
        max_floor_area_m2=c.get("max_floor_area_m2"),
        max_floors=c.get("max_floors"),
        max_height_m=c.get("max_height_m"),
        parking_spaces=c.get("parking_spaces"),
        streets=streets,
        chamfer_area_m2=c.get("chamfer_area_m2"),
        valid_until=order.valid_until,
        issued_on=order.issued_at.date(),
    )


def _slip(bill: Bill) -> SlipContent:
    if bill.status == "cancelled":
        raise DocumentNotReady(_("The bill was cancelled and replaced; print the slip of the bill that replaced it."))
    if not bill.bill_id or not bill.payment_id:
        raise DocumentNotReady(_("The bill has no bill ID and payment ID yet."))
    lines: tuple[SlipLine, ...] = ()
    if bill.assessment_id:
        record = bill.assessment.record
        lines = tuple(
            SlipLine(title_fa=ln.title_fa, title_en=ln.title_en, amount_irr=ln.amount_irr) for ln in record.lines
        )
    file = bill.file
    parcel = file.parcel
    pmap = parcel_map_read(parcel_id=parcel.pk, parcel_version_id=parcel.version_id)
    return SlipContent(
        kind="payment_slip",
        file_code=file.code,
        holder_name=_file_owners(file),
        parcel_map=pmap,
        footprint_geojson=None,
        bill_kind=bill.kind,
        amount_irr=int(bill.amount_irr),
        bill_id=bill.bill_id,
        payment_id=bill.payment_id,
        lines=lines,
        status=bill.status,
        due_on=bill.due_on,
        paid_at=bill.paid_at,
        tracking_code=bill.request.tracking_code if bill.request_id else "",
    )


def _verdict(violation: Violation) -> VerdictContent:
    if violation.status not in ("fined", "demolition", "closed") or violation.decided_at is None:
        raise DocumentNotReady(_("The commission has not decided this violation yet."))
    note = NOTES.get(violation.kind)
    if note is None:
        raise DocumentNotReady(_("The violation's type names no Article 100 note."))
    outcome = "demolition" if violation.status == "demolition" else "fine"
    if outcome == "fine" and violation.verdict_fine_irr is None:
        raise DocumentNotReady(_("The verdict is a fine but the fine's amount is not recorded."))
    file = violation.file
    parcel = file.parcel
    pmap = parcel_map_read(parcel_id=parcel.pk, parcel_version_id=parcel.version_id, marked=_shapely(violation.geom))
    return VerdictContent(
        kind="verdict_notice",
        file_code=file.code,
        holder_name=_file_owners(file),
        parcel_map=pmap,
        footprint_geojson=None,
        violation_kind=violation.kind,
        note=note.number,
        outcome=outcome,
        area_m2=float(violation.area_m2),
        parking_spaces=int(violation.parking_spaces),
        fine_irr=violation.verdict_fine_irr if outcome == "fine" else None,
        decided_at=violation.decided_at,
        recorded_at=violation.recorded_at,
    )


def _certificate(req: PermitRequest, kind: str) -> CertificateContent:
    if CERTIFICATE_OF_REQUEST.get(req.kind) != kind:
        raise DocumentNotReady(_("This certificate is issued on its own kind of request only."))
    comparison = latest_comparison(request=req)
    survey = accepted_survey(request=req)
    if comparison is None or survey is None or comparison.survey_id != survey.pk:
        raise DocumentNotReady(_("The building has not been compared with its permit on the accepted as-built survey."))
    record = comparison.record
    cases = Violation.objects.in_bulk([d.violation_id for d in record.differences if d.violation_id])
    settled = []
    for d in record.differences:
        case = cases.get(d.violation_id)
        if case is None or case.status not in ("closed", "fined"):
            raise DocumentNotReady(_("A difference from the permit is still open; the certificate cannot be issued."))
        settled.append(CertifiedDifference(d.kind, d.note, d.excess_area_m2, case.status))
    building = shapely.union_all([_shapely(b.footprint) for b in SurveyBuilding.objects.filter(survey_id=survey.pk)])
    parcel = req.parcel
    pmap = parcel_map_read(
        parcel_id=parcel.pk, parcel_version_id=parcel.version_id, footprint=building, floors=record.built.floors
    )
    issued_on = timezone.localdate()
    return CertificateContent(
        kind=kind,
        file_code=req.file.code,
        holder_name=_holder(req),
        parcel_map=pmap,
        footprint_geojson=_footprint_geojson(pmap),
        tracking_code=req.tracking_code,
        permit_tracking_code=record.permitted.tracking_code,
        renovation_code=parcel.renovation_code or "",
        registry_plate=parcel.registry_plate or "",
        use=record.permitted.use,
        permitted_floors=record.permitted.floors,
        permitted_floor_area_m2=record.permitted.floor_area_m2,
        floors=record.built.floors,
        floor_area_m2=record.built.floor_area_m2,
        footprint_m2=record.built.footprint_m2,
        height_m=record.built.height_m,
        surveyed_on=survey.measured_on,
        in_progress=record.in_progress,
        differences=tuple(settled),
        valid_until=no_violation_valid_until(issued_on) if kind == "no_violation_certificate" else None,
    )


def content_for(kind: str, obj) -> DocumentContent:
    """The record of a document of `kind` for `obj`: a PermitRequest (building_permit, fencing_permit,
    map_order), a fees Bill (payment_slip), a Violation (verdict_notice) or, for a kind an upper app
    registered (inquiry_answer), its subject reference. DocumentNotReady when the
    object lacks what the document needs."""
    if kind in ("building_permit", "fencing_permit", "map_order"):
        if not isinstance(obj, PermitRequest):
            raise DocumentNotReady(_("This document is drawn from a permit request."))
        if kind == "map_order":
            return _map_order(obj)
        if obj.status != RequestStatus.ISSUED and obj.stage != "issuance":
            raise DocumentNotReady(_("A permit is issued only at the permit stage or after it."))
        if kind == "fencing_permit":
            return _fencing(obj)
        return _permit(obj)
    if kind in ("completion_certificate", "no_violation_certificate"):
        if not isinstance(obj, PermitRequest):
            raise DocumentNotReady(_("A certificate is drawn from its request."))
        if obj.status != RequestStatus.ISSUED and obj.stage not in ("completion_issuance", "no_violation_issuance"):
            raise DocumentNotReady(_("A certificate is issued only at its issuing stage or after it."))
        return _certificate(obj, kind)
    if kind == "payment_slip":
        if not isinstance(obj, Bill):
            raise DocumentNotReady(_("A payment slip is drawn from a bill."))
        return _slip(obj)
    if kind in _SUBJECT_BUILDERS:
        if not isinstance(obj, str) or not obj:
            raise DocumentNotReady(_("This document is drawn from the record it answers."))
        return _SUBJECT_BUILDERS[kind](obj)
    if kind == "verdict_notice":
        if not isinstance(obj, Violation):
            raise DocumentNotReady(_("A verdict notice is drawn from a violation."))
        return _verdict(obj)
    raise DocumentNotReady(_("Unknown document type."))
