"""The dashboard's figures as tables: each cell carries its value (for the exports), the text a person
reads (through the project's display layer, so the page, its refresh JSON and nothing else format
figures) and the link to the files behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard import selectors
from dashboard.exports import Table
from dashboard.periods import Period, previous
from dashboard.selectors import FileList, ReportList, Scope
from gis_app.templatetags.persian import count_text, money_text, number_text


@dataclass(frozen=True)
class Cell:
    key: str  # the figure's name in the refresh JSON ("" for a label)
    value: object  # raw, for the exports
    text: str  # as a person reads it
    href: str = ""


@dataclass(frozen=True)
class ShownTable:
    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def labelled_rows(self) -> tuple[tuple[tuple[str, Cell], ...], ...]:
        """Each row's cells with their column's header (a phone shows the header beside each cell)."""
        return tuple(tuple(zip(self.headers, row, strict=True)) for row in self.rows)

    def export(self) -> Table:
        return Table(self.name, self.title, self.headers, tuple(tuple(c.value for c in row) for row in self.rows))


def days_text(value: float | None) -> str:
    return "—" if value is None else _("%(n)s days") % {"n": number_text(value, 1)}


def share_text(value: float | None) -> str:
    return "—" if value is None else _("%(n)s%%") % {"n": number_text(value * 100, 0)}


def _label(text: str) -> Cell:
    return Cell("", text, text)


def _files_href(scope: Scope, period: Period | None, **params) -> str:
    query = {**scope.as_params(), **(period.as_params() if period else {}), **{k: v for k, v in params.items() if v}}
    return reverse("dashboard:files") + "?" + urlencode(query)


@dataclass(frozen=True)
class Figures:
    scope: Scope
    period: Period
    before: Period
    tables: tuple[ShownTable, ...]
    as_of: dt.datetime | None

    def texts(self) -> dict[str, str]:
        """Every figure's key and text: what the page's refresh script writes back."""
        return {c.key: c.text for t in self.tables for row in t.rows for c in row if c.key}

    def table(self, name: str) -> ShownTable:
        return next(t for t in self.tables if t.name == name)


def figures(*, scope: Scope, period: Period, today: dt.date) -> Figures:
    """All the dashboard's tables for a scope and period, compared with the period before."""
    before = previous(period)
    return Figures(
        scope,
        period,
        before,
        (
            _stages_now(scope, today),
            _stage_times(scope, period, before),
            _decisions(scope, period, before),
            _issued(scope, period, before),
            _late(scope, period),
            _fees(scope, period, before),
            _violations(scope, period, before),
            _reports(scope, period, before),
        ),
        selectors.figures_as_of(),
    )


def _stages_now(scope: Scope, today: dt.date) -> ShownTable:
    rows = []
    for s in selectors.files_by_stage_now(scope=scope, today=today):
        rows.append(
            (
                _label(s.title),
                _label(s.unit_label),
                Cell(
                    f"now.{s.stage}.in_review",
                    s.in_review,
                    count_text(s.in_review),
                    _files_href(scope, None, show=FileList.OPEN, stage=s.stage),
                ),
                Cell(
                    f"now.{s.stage}.returned",
                    s.returned,
                    count_text(s.returned),
                    _files_href(scope, None, show=FileList.OPEN, stage=s.stage, state="returned"),
                ),
                Cell(
                    f"now.{s.stage}.overdue",
                    s.overdue,
                    count_text(s.overdue),
                    _files_href(scope, None, show=FileList.OPEN, stage=s.stage, state="overdue"),
                ),
            )
        )
    return ShownTable(
        "files_now",
        _("Files at each stage now"),
        (_("Stage"), _("Unit"), _("In review"), _("Waiting on the applicant"), _("Overdue")),
        tuple(rows),
    )


def _stage_times(scope: Scope, period: Period, before: Period) -> ShownTable:
    prior = {t.stage: t for t in selectors.stage_times(scope=scope, period=before)}
    rows = []
    for t in selectors.stage_times(scope=scope, period=period):
        href = _files_href(scope, period, show=FileList.STAGE_DONE, stage=t.stage)
        p = prior[t.stage]
        k = f"times.{t.stage}"
        rows.append(
            (
                _label(t.title),
                Cell(f"{k}.spans", t.spans, count_text(t.spans), href),
                Cell(f"{k}.gross_median", t.gross_median_days, days_text(t.gross_median_days), href),
                Cell(f"{k}.gross_p90", t.gross_p90_days, days_text(t.gross_p90_days), href),
                Cell(f"{k}.net_median", t.net_median_days, days_text(t.net_median_days), href),
                Cell(f"{k}.net_p90", t.net_p90_days, days_text(t.net_p90_days), href),
                Cell(
                    f"{k}.within",
                    t.within_limit_share,
                    share_text(t.within_limit_share),
                    _files_href(scope, period, show=FileList.LATE, stage=t.stage),
                ),
                Cell(
                    f"{k}.net_median_before",
                    p.net_median_days,
                    days_text(p.net_median_days),
                    _files_href(scope, before, show=FileList.STAGE_DONE, stage=t.stage),
                ),
            )
        )
    return ShownTable(
        "stage_times",
        _("Days per stage"),
        (
            _("Stage"),
            _("Files done"),
            _("Median (gross)"),
            _("90th percentile (gross)"),
            _("Median (net)"),
            _("90th percentile (net)"),
            _("Within the stage's limit"),
            _("Median (net), previous period"),
        ),
        tuple(rows),
    )


def _decisions(scope: Scope, period: Period, before: Period) -> ShownTable:
    now = selectors.decisions(scope=scope, period=period)
    then = selectors.decisions(scope=scope, period=before)

    def row(key, label, a, b, text, state=""):
        return (
            _label(label),
            Cell(f"decisions.{key}", a, text(a), _files_href(scope, period, show=FileList.DECIDED, state=state)),
            Cell(f"decisions.{key}.before", b, text(b), _files_href(scope, before, show=FileList.DECIDED, state=state)),
        )

    return ShownTable(
        "decisions",
        _("Decisions"),
        (_("Figure"), _("This period"), _("Previous period")),
        (
            row("decided", _("Requests decided"), now.decided, then.decided, count_text),
            row("issued", _("Issued"), now.issued, then.issued, count_text, "issued"),
            row("rejected", _("Rejected"), now.rejected, then.rejected, count_text, "rejected"),
            row(
                "gross_median",
                _("Median days to a decision (gross)"),
                now.gross_median_days,
                then.gross_median_days,
                days_text,
            ),
            row(
                "net_median", _("Median days to a decision (net)"), now.net_median_days, then.net_median_days, days_text
            ),
            row(
                "net_p90", _("90th percentile days to a decision (net)"), now.net_p90_days, then.net_p90_days, days_text
            ),
            row(
                "legal",
                _("Decided within 7 days (the law)"),
                now.within_legal_share,
                then.within_legal_share,
                share_text,
            ),
            row(
                "council",
                _("Decided within 15 days (Supreme Administrative Council)"),
                now.within_council_share,
                then.within_council_share,
                share_text,
            ),
        ),
    )


def _issued(scope: Scope, period: Period, before: Period) -> ShownTable:
    then = {i.kind: i.issued for i in selectors.issued_by_kind(scope=scope, period=before)}
    rows = tuple(
        (
            _label(i.label),
            Cell(
                f"issued.{i.kind}",
                i.issued,
                count_text(i.issued),
                _files_href(scope, period, show=FileList.DECIDED, state="issued", kind=i.kind),
            ),
            Cell(
                f"issued.{i.kind}.before",
                then[i.kind],
                count_text(then[i.kind]),
                _files_href(scope, before, show=FileList.DECIDED, state="issued", kind=i.kind),
            ),
        )
        for i in selectors.issued_by_kind(scope=scope, period=period)
    )
    return ShownTable(
        "issued", _("Permits and certificates issued"), (_("Type"), _("This period"), _("Previous period")), rows
    )


def _late(scope: Scope, period: Period) -> ShownTable:
    rows = tuple(
        (
            _label(o.name),
            Cell(f"late.{o.officer_id}.moved", o.moved, count_text(o.moved)),
            Cell(
                f"late.{o.officer_id}.late",
                o.late,
                count_text(o.late),
                _files_href(scope, period, show=FileList.LATE, officer=str(o.officer_id)),
            ),
        )
        for o in selectors.late_by_officer(scope=scope, period=period)
    )
    return ShownTable(
        "late_by_officer",
        _("Files moved late, by officer"),
        (_("Officer"), _("Files moved"), _("After the stage's limit")),
        rows,
    )


def _fees(scope: Scope, period: Period, before: Period) -> ShownTable:
    now = selectors.fees(scope=scope, period=period)
    then = selectors.fees(scope=scope, period=before)
    paid = _files_href(scope, period, show=FileList.BILLS, state="paid")
    unpaid = _files_href(scope, None, show=FileList.BILLS, state="unpaid")
    return ShownTable(
        "fees",
        _("Fees"),
        (_("Figure"), _("This period"), _("Previous period")),
        (
            (
                _label(_("Assessed")),
                Cell("fees.assessed", now.assessed_irr, money_text(now.assessed_irr)),
                Cell("fees.assessed.before", then.assessed_irr, money_text(then.assessed_irr)),
            ),
            (
                _label(_("Collected")),
                Cell("fees.collected", now.collected_irr, money_text(now.collected_irr), paid),
                Cell(
                    "fees.collected.before",
                    then.collected_irr,
                    money_text(then.collected_irr),
                    _files_href(scope, before, show=FileList.BILLS, state="paid"),
                ),
            ),
            (
                _label(_("Outstanding now")),
                Cell("fees.outstanding", now.outstanding_irr, money_text(now.outstanding_irr), unpaid),
                Cell("fees.outstanding.before", None, "—"),
            ),
        ),
    )


def _violations(scope: Scope, period: Period, before: Period) -> ShownTable:
    then = {v.status: v for v in selectors.violations(scope=scope, period=before)}
    rows = []
    for v in selectors.violations(scope=scope, period=period):
        rows.append(
            (
                _label(v.label),
                Cell(
                    f"violations.{v.status}.recorded",
                    v.recorded,
                    count_text(v.recorded),
                    _files_href(scope, period, show=FileList.VIOLATIONS, kind=v.status),
                ),
                Cell(
                    f"violations.{v.status}.recorded.before",
                    then[v.status].recorded,
                    count_text(then[v.status].recorded),
                    _files_href(scope, before, show=FileList.VIOLATIONS, kind=v.status),
                ),
                Cell(
                    f"violations.{v.status}.decided",
                    v.decided,
                    count_text(v.decided),
                    _files_href(scope, period, show=FileList.VIOLATIONS, kind=v.status, state="decided"),
                ),
                Cell(f"violations.{v.status}.fines", v.fines_irr, money_text(v.fines_irr)),
            )
        )
    return ShownTable(
        "violations",
        _("Violations and the Article 100 commission"),
        (
            _("Status now"),
            _("Recorded"),
            _("Recorded, previous period"),
            _("Decided by the commission"),
            _("Fines decided"),
        ),
        tuple(rows),
    )


def _reports_href(scope: Scope, period: Period, category: str, state: str) -> str:
    query = {**scope.as_params(), **period.as_params(), "category": category, "state": state}
    return reverse("dashboard:reports") + "?" + urlencode(query)


def _reports(scope: Scope, period: Period, before: Period) -> ShownTable:
    then = {c.category: c for c in selectors.report_categories(scope=scope, period=before)}
    rows = []
    for c in selectors.report_categories(scope=scope, period=period):
        p = then[c.category]
        k = f"reports.{c.category}"
        closed = _reports_href(scope, period, c.category, ReportList.CLOSED)
        rows.append(
            (
                _label(c.label),
                Cell(
                    f"{k}.received",
                    c.received,
                    count_text(c.received),
                    _reports_href(scope, period, c.category, ReportList.RECEIVED),
                ),
                Cell(f"{k}.closed", c.closed, count_text(c.closed), closed),
                Cell(
                    f"{k}.in_time",
                    c.closed_in_time,
                    count_text(c.closed_in_time),
                    _reports_href(scope, period, c.category, ReportList.IN_TIME),
                ),
                Cell(f"{k}.median", c.median_days_to_close, days_text(c.median_days_to_close), closed),
                Cell(
                    f"{k}.received.before",
                    p.received,
                    count_text(p.received),
                    _reports_href(scope, before, c.category, ReportList.RECEIVED),
                ),
                Cell(
                    f"{k}.median.before",
                    p.median_days_to_close,
                    days_text(p.median_days_to_close),
                    _reports_href(scope, before, c.category, ReportList.CLOSED),
                ),
            )
        )
    return ShownTable(
        "reports",
        _("Citizen reports (137)"),
        (
            _("Category"),
            _("Received"),
            _("Closed"),
            _("Closed within the category's limit"),
            _("Median days to close"),
            _("Received, previous period"),
            _("Median days to close, previous period"),
        ),
        tuple(rows),
    )
