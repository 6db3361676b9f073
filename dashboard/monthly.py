"""The monthly summary through the documents engine: which month a person asked for (a pure parse), the
figures of a month and scope read once and kept (`summary_figures`), the document's typed record built
from the kept figures (`summary_content`, registered with documents as the monthly_summary kind), who may
download it (`summary_visible`) and what the verification page shows of its signed figures."""

from __future__ import annotations

import dataclasses
import datetime as dt

import jdatetime
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import STAFF_ROLES, Role
from dashboard import selectors
from dashboard.models import UNIT_ROLES, MonthlySummary, UnitHead
from dashboard.periods import EARLIEST_YEAR, Period, PeriodError, previous
from dashboard.selectors import Scope
from documents.content import (
    DistrictShade,
    DocumentNotReady,
    MonthlySummaryContent,
    SummaryCell,
    SummaryTable,
)
from gis_app.templatetags.persian import count_text, fa_money
from gis_app.text import InputKind, normalise_input
from permits.workflow import STAGES, RequestKind

KIND = "monthly_summary"
MONTH_NAMES = (
    gettext_lazy("Farvardin"),
    gettext_lazy("Ordibehesht"),
    gettext_lazy("Khordad"),
    gettext_lazy("Tir"),
    gettext_lazy("Mordad"),
    gettext_lazy("Shahrivar"),
    gettext_lazy("Mehr"),
    gettext_lazy("Aban"),
    gettext_lazy("Azar"),
    gettext_lazy("Dey"),
    gettext_lazy("Bahman"),
    gettext_lazy("Esfand"),
)


# --- the month asked for ---------------------------------------------------------------------------------


def month_parse(raw: str, *, today: dt.date) -> tuple[int, int]:
    """(year, month) of a Jalali month written 1405/08, 1405-8 or ۱۴۰۵/۰۸ that has ended by `today`
    (local); PeriodError with a message for a person otherwise (malformed, a month out of 1-12, a year
    before the figures, this month or a later one)."""
    text = normalise_input(raw or "", InputKind.CODE).replace("-", "/")
    if "\x00" in (raw or ""):
        raise PeriodError(_("The filter holds a character that is not allowed."))
    parts = text.split("/")
    if (
        len(text) > 7
        or len(parts) != 2
        or not all(p.isascii() and p.isdigit() for p in parts)
        or len(parts[0]) != 4
        or not 1 <= len(parts[1]) <= 2
    ):
        raise PeriodError(_("Write the month as year/month, for example 1405/08."))
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise PeriodError(_("The month must be a number from 1 to 12."))
    if year < EARLIEST_YEAR:
        raise PeriodError(_("The year is outside the years the figures cover."))
    this = jdatetime.date.fromgregorian(date=today)
    if (year, month) >= (this.year, this.month):
        raise PeriodError(_("A summary is made of a month that has ended; this month is not over yet."))
    return year, month


def month_just_ended(today: dt.date) -> tuple[int, int]:
    """The Jalali month before the one that holds `today`."""
    j = jdatetime.date.fromgregorian(date=today)
    return (j.year - 1, 12) if j.month == 1 else (j.year, j.month - 1)


def summary_scope(*, district: int | None, unit: str) -> Scope:
    """The dashboard's scope of a summary: a district (or the city) and a unit's stages (or every stage)."""
    stages = tuple(code for code, s in STAGES.items() if s.role.value == unit) if unit else None
    return Scope((district,) if district else None, stages, unit, False)


# --- the figures, read once ------------------------------------------------------------------------------


def _records(items) -> list[dict]:
    return [dataclasses.asdict(i) for i in items]


def _district_outlines() -> dict[int, str]:
    """Each live district's outline, simplified to 5 m, as WKT in the storage CRS (for the map)."""
    from parcels.selectors import live_districts

    return {d.number: d.geom.simplify(5, preserve_topology=True).wkt for d in live_districts().only("number", "geom")}


def summary_figures(*, scope: Scope, period: Period, today: dt.date) -> dict:
    """Every figure of the summary for a scope and Jalali month, with the month before, as JSON-ready data
    (codes and numbers; the words are the document's, in its language)."""
    before = previous(period)

    def both(read):
        return {"now": read(period), "before": read(before)}

    outlines = _district_outlines()
    return {
        "period": [period.year, period.number],
        "stages_now": _records(selectors.files_by_stage_now(scope=scope, today=today)),
        "times": both(lambda p: _records(selectors.stage_times(scope=scope, period=p))),
        "decisions": both(lambda p: dataclasses.asdict(selectors.decisions(scope=scope, period=p))),
        "issued": both(lambda p: {i.kind: i.issued for i in selectors.issued_by_kind(scope=scope, period=p)}),
        "fees": both(lambda p: dataclasses.asdict(selectors.fees(scope=scope, period=p))),
        "violations": both(lambda p: _records(selectors.violations(scope=scope, period=p))),
        "reports": both(lambda p: _records(selectors.report_categories(scope=scope, period=p))),
        "districts": [
            {
                "number": d.number,
                "name": d.name,
                "name_en": d.name_en,
                "issued": d.issued,
                "backlog": d.backlog,
                "wkt": outlines.get(d.number, ""),
            }
            for d in selectors.districts_map(scope=scope, period=period)
        ],
    }


# --- the document's record -------------------------------------------------------------------------------


def _cells(*values, form: str = "count") -> tuple[SummaryCell, ...]:
    return tuple(SummaryCell(v, form) for v in values)


def _label(text) -> SummaryCell:
    return SummaryCell(text, "text")


def _stage_title(code: str):
    return STAGES[code].title if code in STAGES else code


def _tables(f: dict) -> tuple[SummaryTable, ...]:
    this, before = gettext_lazy("This month"), gettext_lazy("Previous month")
    now = f["stages_now"]
    units: dict[str, list[int]] = {}
    for s in now:
        u = units.setdefault(s["unit"], [0, 0, 0])
        u[0] += s["in_review"]
        u[1] += s["returned"]
        u[2] += s["overdue"]
    unit_label = {r.value: r.label for r in UNIT_ROLES}
    times_before = {t["stage"]: t for t in f["times"]["before"]}
    d_now, d_before = f["decisions"]["now"], f["decisions"]["before"]
    fees_now, fees_before = f["fees"]["now"], f["fees"]["before"]
    viol_before = {v["status"]: v for v in f["violations"]["before"]}
    rep_before = {r["category"]: r for r in f["reports"]["before"]}
    from reports.routing import Category
    from violations.models import ViolationStatus

    def decision_row(label, key, form="count"):
        return (_label(label), *_cells(d_now[key], d_before[key], form=form))

    return (
        SummaryTable(
            gettext_lazy("Files at each stage (as of the summary)"),
            (
                gettext_lazy("Stage"),
                gettext_lazy("In review"),
                gettext_lazy("Waiting on the applicant"),
                gettext_lazy("Overdue"),
            ),
            tuple(
                (_label(_stage_title(s["stage"])), *_cells(s["in_review"], s["returned"], s["overdue"])) for s in now
            ),
        ),
        SummaryTable(
            gettext_lazy("Overdue files by unit (as of the summary)"),
            (
                gettext_lazy("Unit"),
                gettext_lazy("In review"),
                gettext_lazy("Waiting on the applicant"),
                gettext_lazy("Overdue"),
            ),
            tuple((_label(unit_label.get(u, u)), *_cells(*n)) for u, n in units.items()),
        ),
        SummaryTable(
            gettext_lazy("Days per stage"),
            (
                gettext_lazy("Stage"),
                gettext_lazy("Files done"),
                gettext_lazy("Median (gross)"),
                gettext_lazy("90th percentile (gross)"),
                gettext_lazy("Median (net)"),
                gettext_lazy("90th percentile (net)"),
                gettext_lazy("Within the stage's limit"),
                gettext_lazy("Median (net), previous month"),
            ),
            tuple(
                (
                    _label(_stage_title(t["stage"])),
                    SummaryCell(t["spans"]),
                    *_cells(
                        t["gross_median_days"],
                        t["gross_p90_days"],
                        t["net_median_days"],
                        t["net_p90_days"],
                        form="days",
                    ),
                    SummaryCell(t["within_limit_share"], "share"),
                    SummaryCell(times_before.get(t["stage"], {}).get("net_median_days"), "days"),
                )
                for t in f["times"]["now"]
            ),
        ),
        SummaryTable(
            gettext_lazy("Decisions and the legal limits"),
            (gettext_lazy("Figure"), this, before),
            (
                decision_row(gettext_lazy("Requests decided"), "decided"),
                decision_row(gettext_lazy("Issued"), "issued"),
                decision_row(gettext_lazy("Rejected"), "rejected"),
                decision_row(gettext_lazy("Median days to a decision (gross)"), "gross_median_days", "days"),
                decision_row(gettext_lazy("Median days to a decision (net)"), "net_median_days", "days"),
                decision_row(gettext_lazy("90th percentile days to a decision (net)"), "net_p90_days", "days"),
                decision_row(gettext_lazy("Decided within 7 days (the law)"), "within_legal_share", "share"),
                decision_row(
                    gettext_lazy("Decided within 15 days (Supreme Administrative Council)"),
                    "within_council_share",
                    "share",
                ),
            ),
        ),
        SummaryTable(
            gettext_lazy("Permits and certificates issued"),
            (gettext_lazy("Type"), this, before),
            tuple(
                (_label(k.label), *_cells(f["issued"]["now"].get(k.value, 0), f["issued"]["before"].get(k.value, 0)))
                for k in RequestKind
            ),
        ),
        SummaryTable(
            gettext_lazy("Fees"),
            (gettext_lazy("Figure"), this, before),
            (
                (
                    _label(gettext_lazy("Assessed")),
                    *_cells(fees_now["assessed_irr"], fees_before["assessed_irr"], form="money"),
                ),
                (
                    _label(gettext_lazy("Collected")),
                    *_cells(fees_now["collected_irr"], fees_before["collected_irr"], form="money"),
                ),
                (
                    _label(gettext_lazy("Outstanding (as of the summary)")),
                    SummaryCell(fees_now["outstanding_irr"], "money"),
                    SummaryCell(None),
                ),
            ),
        ),
        SummaryTable(
            gettext_lazy("Violations and the Article 100 commission"),
            (
                gettext_lazy("Status now"),
                gettext_lazy("Recorded"),
                gettext_lazy("Recorded, previous month"),
                gettext_lazy("Decided by the commission"),
                gettext_lazy("Decided, previous month"),
                gettext_lazy("Fines decided"),
            ),
            tuple(
                (
                    _label(
                        ViolationStatus(v["status"]).label if v["status"] in ViolationStatus.values else v["status"]
                    ),
                    *_cells(
                        v["recorded"],
                        viol_before.get(v["status"], {}).get("recorded", 0),
                        v["decided"],
                        viol_before.get(v["status"], {}).get("decided", 0),
                    ),
                    SummaryCell(v["fines_irr"], "money"),
                )
                for v in f["violations"]["now"]
            ),
        ),
        SummaryTable(
            gettext_lazy("Citizen reports (137)"),
            (
                gettext_lazy("Category"),
                gettext_lazy("Received"),
                gettext_lazy("Closed"),
                gettext_lazy("Closed within the category's limit"),
                gettext_lazy("Median days to close"),
                gettext_lazy("Received, previous month"),
                gettext_lazy("Median days to close, previous month"),
            ),
            tuple(
                (
                    _label(Category(r["category"]).label if r["category"] in Category.values else r["category"]),
                    *_cells(r["received"], r["closed"], r["closed_in_time"]),
                    SummaryCell(r["median_days_to_close"], "days"),
                    SummaryCell(rep_before.get(r["category"], {}).get("received", 0)),
                    SummaryCell(rep_before.get(r["category"], {}).get("median_days_to_close"), "days"),
                )
                for r in f["reports"]["now"]
            ),
        ),
    )


def headline(figures: dict) -> dict[str, int]:
    """The figures the QR signs (whole numbers): decided, issued, fees collected, violations recorded and
    citizen reports received in the month."""
    return {
        "decided": int(figures["decisions"]["now"]["decided"]),
        "issued": int(sum(figures["issued"]["now"].values())),
        "collected_irr": int(figures["fees"]["now"]["collected_irr"]),
        "violations": int(sum(v["recorded"] for v in figures["violations"]["now"])),
        "reports": int(sum(r["received"] for r in figures["reports"]["now"])),
    }


def scope_text(*, district: int | None, district_name: str, unit: str):
    """The summary's scope in words (lazy: printed in the document's language); a district by its name,
    or "District N" when it has none."""
    unit_label = dict((r.value, r.label) for r in UNIT_ROLES).get(unit, "")
    place = district_name or (gettext_lazy("District %(district)s") % {"district": district}) if district else ""
    if district and unit:
        return gettext_lazy("%(district)s, %(unit)s") % {"district": place, "unit": unit_label}
    if district:
        return place
    if unit:
        return gettext_lazy("The whole city, %(unit)s") % {"unit": unit_label}
    return gettext_lazy("The whole city")


class _ScopeText:
    """The scope's words, decided when printed (so the district's name follows the document's language)."""

    def __init__(self, summary: MonthlySummary, names: dict[int, tuple[str, str]]):
        self.summary, self.names = summary, names

    def __str__(self) -> str:
        from django.utils import translation

        s = self.summary
        fa, en = self.names.get(s.district or 0, ("", ""))
        name = fa if (translation.get_language() or "fa").startswith("fa") else en
        return str(scope_text(district=s.district, district_name=name, unit=s.unit))


def summary_of_ref(subject_ref: str) -> MonthlySummary | None:
    """The summary a document's subject reference names (MS<pk>), or None."""
    text = subject_ref or ""
    if not text.startswith("MS") or not text[2:].isdigit() or len(text) > 20:
        return None
    return MonthlySummary.objects.filter(pk=int(text[2:])).first()


def summary_content(subject_ref: str) -> MonthlySummaryContent:
    """The monthly_summary document's record from the figures its summary kept (documents calls this)."""
    summary = summary_of_ref(subject_ref)
    if summary is None or summary.figures is None:
        raise DocumentNotReady(_("The summary's figures have not been read yet."))
    f = summary.figures
    shades = []
    names = {}
    for d in f["districts"]:
        names[d["number"]] = (d["name"], d["name_en"])
        if d.get("wkt"):
            shades.append(
                DistrictShade(d["number"], d["name"], d["name_en"], shapely.from_wkt(d["wkt"]), float(d["issued"]))
            )
    return MonthlySummaryContent(
        kind=KIND,
        file_code="",
        holder_name="",
        parcel_map=None,
        footprint_geojson=None,
        year=summary.year,
        month=summary.month,
        month_name=MONTH_NAMES[summary.month - 1],
        scope_text=_ScopeText(summary, names),
        made_at=summary.made_at,
        tables=_tables(f),
        map_title=gettext_lazy("Permits and certificates issued in the month, by district"),
        map_form="count",
        districts=tuple(shades),
        signed=(("district", summary.district or 0), ("unit", summary.unit), *headline(f).items()),
    )


# --- who may download it ---------------------------------------------------------------------------------


def may_read(user, summary: MonthlySummary) -> bool:
    """Managers every summary; a unit head (staff) the summaries of his own unit in his own district."""
    if not user.is_authenticated or not user.is_active:
        return False
    if Role.MANAGER in user.roles():
        return True
    head = UnitHead.objects.filter(user=user, user__is_staff=True).first()
    return head is not None and summary.district == head.district and summary.unit == head.unit


def summaries_readable(user):
    """The monthly summaries this person may read (newest first): a manager's all, a unit head's those of
    his unit in his district, nobody else's any."""
    rows = MonthlySummary.objects.all()
    if not user.is_authenticated or not user.is_active:
        return rows.none()
    if Role.MANAGER in user.roles():
        return rows
    head = UnitHead.objects.filter(user=user, user__is_staff=True).first()
    if head is None:
        return rows.none()
    return rows.filter(district=head.district, unit=head.unit)


def hidden_from(user) -> bool:
    """Whether a summary's existence is hidden from this person (404 rather than 403): a citizen, who has
    no staff role, is told nothing of the municipality's internal papers."""
    roles = user.roles() if user.is_authenticated else set()
    return not (roles & STAFF_ROLES) and Role.CITIZEN in roles


def summary_visible(user, subject_ref: str) -> bool:
    """documents' check for its own download of the summary's PDF and copies."""
    summary = summary_of_ref(subject_ref)
    return summary is not None and may_read(user, summary)


def verification_figures(fields: dict) -> list[tuple[object, object]]:
    """What the public verification page shows of a summary's signed fields, in words."""
    period = str(fields.get("period", ""))
    year, _sep, month = period.partition("-")
    name = MONTH_NAMES[int(month) - 1] if month.isdigit() and 1 <= int(month) <= 12 else ""
    from django.utils import translation

    from gis_app.text import digits_to_persian

    fa = (translation.get_language() or "fa").startswith("fa")
    return [
        (_("Month"), f"{name} {digits_to_persian(year) if fa else year}"),
        (_("Requests decided"), count_text(fields.get("decided", 0))),
        (_("Permits and certificates issued"), count_text(fields.get("issued", 0))),
        (_("Fees collected"), fa_money(fields.get("collected_irr", 0))),
        (_("Violations recorded"), count_text(fields.get("violations", 0))),
        (_("Citizen reports received"), count_text(fields.get("reports", 0))),
    ]


def register() -> None:
    """Called in DashboardConfig.ready: documents builds, shows and guards the monthly_summary kind."""
    from documents.content import content_builder_register

    content_builder_register(KIND, summary_content, verification_figures, summary_visible)
