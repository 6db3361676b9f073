"""Writes of stage 9 (completion and no-violation certificates): the as-built comparison with the issued
permit, which opens a violation case for every difference (violations.services), in one transaction.
The rules are permits.asbuilt; the measuring is permits.asbuilt_selectors."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from accounts.roles import Role
from gis_app.audit import audit_record
from permits import selectors
from permits.asbuilt import compare, comparison_dump, with_cases
from permits.asbuilt_selectors import asbuilt_measure, issued_permit, permitted_of
from permits.errors import TransitionNotAllowed, WorkflowError
from permits.models import AsBuiltComparison, RequestStatus
from permits.services import request_locked
from permits.workflow import CERTIFICATE_KINDS, RequestKind
from violations.services import violation_from_difference

COMPARISON_STAGE = "asbuilt_comparison"

# what each difference is called on the pages and in the cases it opens (permits.asbuilt.KINDS)
DIFFERENCE_LABELS = {
    "realigned_line": gettext_lazy("Built beyond the realigned line"),
    "footprint": gettext_lazy("Built outside the permitted footprint"),
    "floors": gettext_lazy("Floors beyond the permit"),
    "height": gettext_lazy("Taller than permitted"),
    "floor_area": gettext_lazy("Floor area beyond the permit"),
    "parking": gettext_lazy("Parking spaces missing"),
}


def asbuilt_compare(*, request_id: int, actor, version: int | None = None) -> AsBuiltComparison:
    """Compare the building as built (the request's accepted as-built survey) with the file's issued
    building permit, store the comparison and open a violation case for each difference. Run again on
    the same survey it returns the stored comparison (no case is opened twice)."""
    with transaction.atomic():
        req = request_locked(request_id, version=version)
        if Role.VIOLATIONS_OFFICER not in actor.roles():
            raise TransitionNotAllowed(_("Only the violations officer compares the building with its permit."))
        if req.kind not in CERTIFICATE_KINDS:
            raise WorkflowError(_("Only a completion or no-violation request is compared with the permit."))
        if req.status != RequestStatus.IN_REVIEW or req.stage != COMPARISON_STAGE:
            raise WorkflowError(_("The building is compared with the permit at the as-built comparison stage."))
        survey = selectors.accepted_survey(request=req)
        if survey is None:
            raise WorkflowError(_("No accepted as-built survey made for this request."))
        done = AsBuiltComparison.objects.filter(request=req, survey_id=survey.pk).first()
        if done is not None:
            return done
        permit = issued_permit(file_id=req.file_id)
        if permit is None:
            raise WorkflowError(
                _("No building permit has been issued on this file: there is nothing to compare the building with.")
            )
        permitted = permitted_of(permit)
        measure = asbuilt_measure(survey=survey, permit=permit, permitted=permitted)
        if measure is None:
            raise WorkflowError(
                _("The as-built survey measured no building, or the permit has no footprint to compare it with.")
            )
        result = compare(permitted, measure.built, in_progress=req.kind == RequestKind.NO_VIOLATION)
        parts = {
            "built": measure.building,
            "outside_footprint": measure.outside_footprint,
            "beyond_line": measure.beyond_line,
        }
        case_ids = []
        for d in result.differences:
            with override(settings.LANGUAGE_CODE):  # the case's text is read in the site's language
                description = _("As-built comparison of %(code)s with permit %(permit)s: %(what)s") % {
                    "code": req.tracking_code,
                    "permit": permit.tracking_code,
                    "what": DIFFERENCE_LABELS[d.kind],
                }
            case = violation_from_difference(
                actor=actor,
                file=req.file,
                kind=d.violation_kind,
                geom=parts[d.geometry] or measure.building,
                area_m2=max(d.excess_area_m2, (parts[d.geometry] or measure.building).area),
                parking_spaces=d.parking_spaces,
                description=description,
                source=req.tracking_code,
            )
            case_ids.append(case.pk)
        result = with_cases(result, case_ids)
        comparison = AsBuiltComparison.objects.create(
            request=req,
            permit=permit,
            survey_id=survey.pk,
            report=comparison_dump(result),
            differences=len(result.differences),
            compared_by=actor,
        )
        audit_record(
            actor=actor,
            action="asbuilt.compared",
            obj=req,
            permit=permit.tracking_code,
            survey=survey.pk,
            differences=[d.kind for d in result.differences],
            violations=case_ids,
        )
    return comparison
