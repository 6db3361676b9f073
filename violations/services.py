"""Writes for violations: record one on a file, refer it to the Article 100 commission with the fine
range from the council's schedule, record the commission's verdict. Every change is audited on the file."""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from gis_app.audit import audit_record
from gis_app.errors import DomainError, NotAllowed
from gis_app.geometry import max_vertices, storage_srid
from gis_app.jalali import to_jalali
from parcels.models import FileStatus, PropertyFile
from violations.article100 import fine_range
from violations.hooks import RecordedEvent, VerdictEvent, recorded_hooks_run, verdict_hooks_run
from violations.models import TransactionValue, Violation, ViolationKind, ViolationStatus


class ViolationError(DomainError):
    """A refused violation action (bad geometry, wrong state, missing schedule)."""


def _violation_officer(actor) -> None:
    if Role.VIOLATIONS_OFFICER not in actor.roles():
        raise NotAllowed(_("Only the violations officer records violations and the commission's verdicts."))


def _as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    if geom.srid is None:
        raise ViolationError(_("The violation's geometry has no coordinate system."))
    if geom.num_coords > max_vertices():
        raise ViolationError(
            _("The violation's shape has %(count)s vertices; at most %(limit)s are accepted.")
            % {"count": geom.num_coords, "limit": max_vertices()}
        )
    if geom.srid != storage_srid():
        geom = geom.transform(storage_srid(), clone=True)
    if isinstance(geom, Polygon):
        geom = MultiPolygon(geom, srid=geom.srid)
    if not isinstance(geom, MultiPolygon) or geom.empty or not geom.valid or geom.area < 0.01:
        raise ViolationError(_("Draw the violation as a valid polygon of some area."))
    return geom


@transaction.atomic
def violation_record(
    *,
    actor,
    file: PropertyFile,
    kind: str,
    geom: GEOSGeometry,
    parking_spaces: int = 0,
    description: str = "",
    source: str = "",
    area_m2: float | None = None,
) -> Violation:
    """Record a violation on a property's file with its geometry (drawn, or taken from a survey);
    `source` says where it was found (e.g. the request under review). `area_m2` is the violation's area
    when it is more than its shape's (an extra floor over a footprint counts the footprint once per
    floor); by default the shape's area."""
    _violation_officer(actor)
    file = PropertyFile.objects.select_for_update().get(pk=file.pk)
    if file.status != FileStatus.OPEN:
        raise NotAllowed(_("This file is archived; violations are recorded on open files only."))
    if kind not in ViolationKind.values:
        raise ViolationError(_("Unknown violation type."))
    geom = _as_multipolygon(geom)
    if area_m2 is not None and not (area_m2 >= geom.area - 0.01 and area_m2 < 1e7):
        raise ViolationError(_("The violation's area cannot be less than its shape's."))
    v = Violation.objects.create(
        file=file,
        kind=kind,
        geom=geom,
        area_m2=round(geom.area if area_m2 is None else area_m2, 2),
        parking_spaces=parking_spaces,
        description=description,
        recorded_by=actor,
    )
    audit_record(
        actor=actor, action="violation.recorded", obj=file, violation=v.pk, kind=kind, area_m2=v.area_m2, source=source
    )
    recorded_hooks_run(RecordedEvent(violation=v, source=source, actor=actor))
    return v


def violation_from_difference(
    *,
    actor,
    file: PropertyFile,
    kind: str,
    geom: GEOSGeometry,
    area_m2: float,
    parking_spaces: int = 0,
    description: str,
    source: str,
) -> Violation:
    """Open a case for a difference between a building as built and its permit (the as-built comparison
    of a certificate request): recorded like any violation, with the difference's area and the part of
    the building it concerns; the commission decides it under its Article 100 note."""
    return violation_record(
        actor=actor,
        file=file,
        kind=kind,
        geom=geom,
        area_m2=area_m2,
        parking_spaces=parking_spaces,
        description=description,
        source=source,
    )


def transaction_value(*, district: int | None, use_class: str, year: int) -> TransactionValue | None:
    """The schedule's value for the district and use in force in that Jalali year (None when the file
    has no district or the schedule lacks the row: never another district's value)."""
    if district is None:
        return None
    return (
        TransactionValue.objects.filter(district=district, use_class=use_class, year__lte=year)
        .order_by("-year")
        .first()
    )


@transaction.atomic
def violation_refer(*, actor, violation_id: int) -> Violation:
    """Refer the case to the Article 100 commission with the fine range computed from the schedule."""
    _violation_officer(actor)
    v = Violation.objects.select_for_update().select_related("file").get(pk=violation_id)
    if v.status != ViolationStatus.OPEN:
        raise NotAllowed(_("Only a recorded case can be referred."))
    if v.file.district is None:
        raise ViolationError(
            _("This file has no municipal district (its parcel lies outside the districts layer); it cannot be valued.")
        )
    use_class = "commercial" if v.kind == "extra_area_commercial" else "residential"
    tv = transaction_value(district=v.file.district, use_class=use_class, year=to_jalali(timezone.localdate()).year)
    if tv is None:
        raise ViolationError(
            _("No transaction value is recorded for this district and use; the schedule must be loaded.")
        )
    rng = fine_range(
        kind=v.kind,
        area_m2=v.area_m2,
        value_irr_m2=tv.value_irr_m2,
        goodwill_irr_m2=tv.goodwill_irr_m2,
        parking_spaces=v.parking_spaces,
    )
    v.transaction_value_irr_m2 = tv.value_irr_m2
    v.fine_min_irr, v.fine_max_irr = rng.min_irr, rng.max_irr
    v.status = ViolationStatus.REFERRED
    v.referred_at = timezone.now()
    v.save()
    audit_record(
        actor=actor,
        action="violation.referred",
        obj=v.file,
        violation=v.pk,
        note=rng.note,
        outcome=rng.outcome,
        fine_min_irr=rng.min_irr,
        fine_max_irr=rng.max_irr,
        basis=rng.basis,
        district=v.file.district,
    )
    return v


VERDICTS = ("fine", "demolition", "appeal", "closed")


@transaction.atomic
def violation_verdict(
    *, actor, violation_id: int, verdict: str, fine_irr: int | None = None, text: str = ""
) -> Violation:
    """Record the commission's verdict: a fine (within the range), demolition, or an appeal; or close a
    case whose fine was paid or whose encroaching part was removed."""
    _violation_officer(actor)
    v = Violation.objects.select_for_update().select_related("file").get(pk=violation_id)
    text = (text or "").strip()
    if verdict not in VERDICTS:
        raise ViolationError(_("Unknown verdict."))
    if verdict == "closed":
        if v.status not in (ViolationStatus.FINED, ViolationStatus.DEMOLITION):
            raise NotAllowed(_("Only a decided case can be closed."))
        v.status = ViolationStatus.CLOSED
    else:
        if v.status not in (ViolationStatus.REFERRED, ViolationStatus.APPEALED):
            raise NotAllowed(_("The commission decides only cases referred to it."))
        if not text:
            raise ViolationError(_("Enter the verdict's text as the commission wrote it."))
        if verdict == "appeal":
            if v.status == ViolationStatus.APPEALED:
                raise NotAllowed(_("The review commission's ruling is final; it cannot be appealed again."))
            v.status = ViolationStatus.APPEALED
        elif verdict == "fine":
            if fine_irr is None or v.fine_min_irr is None:
                raise ViolationError(_("This case has no fine range (its note orders demolition)."))
            if not v.fine_min_irr <= fine_irr <= v.fine_max_irr:
                raise ViolationError(_("The fine must lie within the computed range."))
            v.status, v.verdict_fine_irr = ViolationStatus.FINED, fine_irr
        else:
            v.status = ViolationStatus.DEMOLITION
        v.verdict_text = text
        v.decided_at = timezone.now()
    v.save()
    audit_record(actor=actor, action=f"violation.{verdict}", obj=v.file, violation=v.pk, fine_irr=fine_irr, text=text)
    verdict_hooks_run(VerdictEvent(violation=v, verdict=verdict, actor=actor))
    return v


@transaction.atomic
def violation_close_fine_settled(*, violation_id: int, actor=None, how: str, bill_ref: str = "") -> Violation:
    """Close a fined case because its fine was paid or exempted (called by fees when the fine's bill is
    settled; no officer acts, so no role is asked). A case no longer fined is left as it is."""
    if how not in ("paid", "exempted", "forgone"):
        raise ViolationError(_("Unknown way of settling a fine."))
    v = Violation.objects.select_for_update().select_related("file").get(pk=violation_id)
    if v.status != ViolationStatus.FINED:
        return v
    v.status = ViolationStatus.CLOSED
    v.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="violation.closed",
        obj=v.file,
        violation=v.pk,
        fine_irr=v.verdict_fine_irr,
        fine_settled=how,
        bill=bill_ref,
    )
    return v
