"""Reads for citizen reports: by tracking code (the status only), a reporter's own, a unit's queue, the
inspector's queue of inspection cases, a file's reports, and counts for the dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, FloatField, Func, Q, QuerySet

from accounts.roles import Role
from gis_app.text import InputKind, normalise_input
from parcels.models import PropertyFile
from reports.models import OPEN_REPORT_STATUSES, Report, ReportStatus
from reports.routing import ROUTES, Category

INSPECTED_CATEGORIES = tuple(c for c in Category.values if ROUTES[c].opens_inspection)


def _roles(user) -> set:
    return user.roles() if user is not None and user.is_authenticated else set()


def report_by_tracking_code(*, code: str) -> Report | None:
    """The report with this tracking code (typed any way: Persian digits, lower case, spaces)."""
    text = normalise_input(code, InputKind.CODE).upper().replace(" ", "")
    if not text or len(text) > 20:
        return None
    return Report.objects.filter(tracking_code=text).select_related("inspection", "violation").first()


def reports_of(*, user) -> QuerySet[Report]:
    """A signed-in reporter's own reports, newest first."""
    if user is None or not user.is_authenticated:
        return Report.objects.none()
    return Report.objects.filter(reporter=user)


def reports_visible(*, user) -> QuerySet[Report]:
    """The reports this staff user may open: a manager all, a unit its own (in the user's district when
    he has one); a citizen only their own."""
    roles = _roles(user)
    if Role.MANAGER in roles:
        return Report.objects.all()
    units = [r for r in roles if r in {route.unit for route in ROUTES.values()}]
    allowed = Q(reporter=user) if user is not None and user.is_authenticated else Q(pk__in=[])
    staff = Q(unit__in=units) if units else Q(pk__in=[])
    if Role.VIOLATIONS_OFFICER in roles:
        # the reports whose inspection may lead to a violation on the file
        staff |= Q(inspection__isnull=False, file__isnull=False)
    district = getattr(user, "district", None)
    if district:
        staff &= Q(district=district)
    return Report.objects.filter(allowed | staff)


def unit_queue(*, user) -> QuerySet[Report]:
    """The open reports waiting for this user's unit, the most overdue first."""
    return reports_visible(user=user).filter(status__in=OPEN_REPORT_STATUSES).order_by("due_on", "received_at")


def inspection_cases(*, user) -> QuerySet[Report]:
    """Inspectors: the open reports that opened an inspection case on a parcel and have no inspection
    yet (their district's when they have one), the earliest due first."""
    if Role.INSPECTOR not in _roles(user):
        return Report.objects.none()
    qs = Report.objects.filter(
        category__in=INSPECTED_CATEGORIES,
        status__in=OPEN_REPORT_STATUSES,
        parcel__isnull=False,
        inspection__isnull=True,
    )
    district = getattr(user, "district", None)
    if district:
        qs = qs.filter(district=district)
    return qs.order_by("due_on", "received_at")


def reports_on_file(*, file: PropertyFile) -> QuerySet[Report]:
    """The citizen reports on a property's file (for its page), newest first."""
    return Report.objects.filter(file=file).select_related("inspection", "violation")


@dataclass(frozen=True)
class CategoryFigures:
    """Reports of one category received in a period: how many, how many closed, and how fast."""

    category: str
    label: str
    received: int
    closed: int
    closed_in_time: int
    median_days_to_close: float | None


def report_figures(*, start: dt.datetime, end: dt.datetime, district: int | None = None) -> list[CategoryFigures]:
    """Per category, the reports received in [start, end): counts, closed, closed by their due date,
    and the median days from receipt to closing (for the managers' dashboard)."""
    qs = Report.objects.filter(received_at__gte=start, received_at__lt=end)
    if district is not None:
        qs = qs.filter(district=district)
    counts = {
        row["category"]: row
        for row in qs.values("category").annotate(
            received=Count("id"),
            closed=Count("id", filter=Q(status=ReportStatus.CLOSED)),
            in_time=Count("id", filter=Q(status=ReportStatus.CLOSED, closed_at__date__lte=F("due_on"))),
        )
    }
    medians = _median_days(qs)
    return [
        CategoryFigures(
            category=c.value,
            label=str(c.label),
            received=counts.get(c.value, {}).get("received", 0),
            closed=counts.get(c.value, {}).get("closed", 0),
            closed_in_time=counts.get(c.value, {}).get("in_time", 0),
            median_days_to_close=medians.get(c.value),
        )
        for c in Category
    ]


class _MedianDaysToClose(Func):
    """The median of the days between receipt and closing (an ordered-set aggregate Django has no class for)."""

    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (closed_at - received_at)) / 86400)"
    contains_aggregate = True
    output_field = FloatField()


def _median_days(qs: QuerySet[Report]) -> dict[str, float]:
    rows = qs.filter(status=ReportStatus.CLOSED).values("category").annotate(median=_MedianDaysToClose())
    return {row["category"]: round(row["median"], 1) for row in rows if row["median"] is not None}
