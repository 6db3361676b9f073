"""Documents as PDF/A-2b from Typst: one compiler per process, the document's words and figures passed
as one JSON input (never interpolated into markup), Vazirmatn from node_modules, the QR drawn with segno.

`render_document` is what the issuance job calls; `document_data` + `compile_pdf` are its two halves
(the benchmark times the bare compile of the same page on its own).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
import threading
from pathlib import Path

import segno
import typst
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from documents.content import (
    AnswerFact,
    CertificateContent,
    DocumentContent,
    FencingContent,
    InquiryAnswerContent,
    MapOrderContent,
    MonthlySummaryContent,
    PermitContent,
    SlipContent,
    StreetLine,
    SummaryCell,
    VerdictContent,
)
from documents.mapdraw import MapLabels, choropleth_drawing, map_drawing, shade_role
from gis_app import jalali
from gis_app.templatetags.persian import count_text, money_text, number_text
from gis_app.text import digits_to_persian
from permits.certificates import DIFFERENCE_LABELS

TYPST_DIR = Path(__file__).resolve().parent / "typst"
MAP_WIDTH_MM = 95.0
MAP_HEIGHT_MM = 78.0
PDF_STANDARD = "a-2b"
QR_MASK = 2  # vertical stripes of every third column (ISO/IEC 18004 mask 010)


def font_dir() -> Path:
    """Vazirmatn's TTF files, shipped through package-lock.json (node_modules/vazirmatn)."""
    return Path(settings.BASE_DIR) / "node_modules" / "vazirmatn" / "fonts" / "ttf"


_compile_lock = threading.Lock()


@functools.cache
def _compiler() -> typst.Compiler:
    """One compiler per process: fonts are read and the template parsed once, then reused."""
    fonts = font_dir()
    if not (fonts / "Vazirmatn-Regular.ttf").exists():
        raise RuntimeError(f"Vazirmatn is missing from {fonts}: run npm ci (scripts/lib.sh ensure_assets)")
    return typst.Compiler(
        input=TYPST_DIR / "document.typ",
        root=TYPST_DIR,
        font_paths=[str(fonts)],
        ignore_system_fonts=True,
    )


def compile_pdf(data: dict, *, timestamp: dt.datetime) -> bytes:
    """The bare engine compile: the prepared data to a PDF/A-2b."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    with _compile_lock:  # a compiler holds one set of inputs at a time
        return _compiler().compile(
            sys_inputs={"data": payload}, pdf_standards=PDF_STANDARD, timestamp=timestamp, format="pdf"
        )


def qr_svg(url: str) -> str:
    """The QR code of the verification URL as SVG (error level M; the page draws it ~30 mm wide).
    The mask pattern is fixed: any of the eight is standard and scans (the tests decode every kind with
    zbar), and segno's search for the best one, in pure Python, cost more than the page's compile."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False, mask=QR_MASK).save(out, kind="svg", border=4, xmldecl=False, dark="#000")
    return out.getvalue().decode()


# --- formatting (in the active language, through the display layer) ---------------------------------


def _fa() -> bool:
    return (translation.get_language() or "fa").startswith("fa")


def _digits(text: str) -> str:
    return digits_to_persian(text) if _fa() else text


def _area(value, places: int = 2) -> str:
    return "—" if value is None else _("%(n)s m²") % {"n": number_text(value, places)}


def _length(value, places: int = 2) -> str:
    return "—" if value is None else _("%(n)s m") % {"n": number_text(value, places)}


def _pct(value) -> str:
    return "—" if value is None else _("%(n)s%%") % {"n": number_text(value, 0)}


def _date(value) -> str:
    """Jalali with Persian digits on a Persian page; on another language's copy the Jalali date with Latin
    digits and the Gregorian one beside it: 1405/09/09 (2026-11-30)."""
    if value is None:
        return "—"
    if _fa():
        return jalali.format_date(value)
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{jalali.to_jalali(value).strftime('%Y/%m/%d')} ({value.isoformat()})"


def _floors(n: int) -> str:
    return ngettext("%(n)s floor", "%(n)s floors", n) % {"n": count_text(n)}


def _row(label: str, value: str, *, code: bool = False) -> dict:
    return {"label": label, "value": value or "—", "code": code}


def _code_row(label: str, value: str) -> dict:
    return _row(label, _digits(value) if value else "—", code=bool(value))


def _land_use(code: str) -> str:
    from zoning.models import LandUse

    return str(dict(LandUse.choices).get(code, "—")) if code else "—"


def _street_rows(streets: tuple[StreetLine, ...]) -> list[dict]:
    """One row per street, named by the street (a name in one script never runs into figures in another)."""
    return [
        _row(
            s.name,
            _("approved width %(width)s, setback %(setback)s")
            % {"width": _length(s.approved_width_m, 1), "setback": _area(s.setback_area_m2, 1)},
        )
        for s in streets
    ]


def _parcel_rows(c) -> list[dict]:
    return [
        _code_row(_("File code"), c.file_code),
        _code_row(_("Renovation code"), c.renovation_code),
        _code_row(_("Registry plate"), c.registry_plate),
        _row(_("Deed area"), _area(c.deed_area_m2)),
        _row(_("Area after setback and chamfer"), _area(c.net_area_m2)),
    ]


_LEGEND = {
    "parcel": lambda: _("Cadastral boundary"),
    "realigned": lambda: _("Realigned line"),
    "setback": lambda: _("Setback strip"),
    "chamfer": lambda: _("Corner chamfer"),
    "footprint": lambda: _("Permitted footprint"),
    "envelope": lambda: _("Permitted building area (northern band)"),
    "marked": lambda: _("Area of the violation"),
    "road": lambda: _("Street land"),
}


def _map(c: DocumentContent, *, footprint_label: str = "", marked_label: str = "") -> tuple[dict | None, list]:
    pmap = c.parcel_map
    if pmap is None:
        return None, []
    drawing = map_drawing(
        pmap,
        width_mm=MAP_WIDTH_MM,
        height_mm=MAP_HEIGHT_MM,
        labels=MapLabels(footprint=footprint_label, scale_unit=_("%(n)s m"), north=_("N"), marked=marked_label),
        number=count_text,
    )
    roles = {s["role"] for s in drawing["shapes"]} | {ln["role"] for ln in drawing["lines"]}
    legend = [{"role": role, "label": label()} for role, label in _LEGEND.items() if role in roles]
    return drawing, legend


# --- each kind's page -----------------------------------------------------------------------------------


def _permit_page(c: PermitContent) -> dict:
    label = _floors(c.floors)
    if c.footprint_m2:
        label += "\n" + _area(c.footprint_m2, 0)
    drawing, legend = _map(c, footprint_label=label)
    return {
        "title": _("Building permit"),
        "subtitle": _("New building") if c.request_kind == "building_new" else _("Extension"),
        "head_rows": [_code_row(_("Tracking code"), c.tracking_code), _row(_("Holder"), c.holder_name)],
        "sections": [
            {"title": _("Property"), "rows": [*_parcel_rows(c), *_street_rows(c.streets)]},
            {
                "title": _("What is permitted"),
                "rows": [
                    _row(_("Use"), _land_use(c.use)),
                    _row(_("Floors"), _floors(c.floors)),
                    _row(_("Total floor area"), _area(c.floor_area_m2, 1)),
                    _row(_("Footprint"), _area(c.footprint_m2, 1)),
                    _row(_("Height"), _length(c.height_m, 1)),
                    _row(
                        _("Parking"),
                        ngettext("%(n)s space", "%(n)s spaces", c.parking_spaces) % {"n": count_text(c.parking_spaces)}
                        if c.parking_spaces
                        else "—",
                    ),
                    _row(_("Zone"), c.zone_code and _digits(c.zone_code), code=bool(c.zone_code)),
                    _row(_("Coverage and density"), f"{_pct(c.coverage_pct)} / {_pct(c.density_pct)}"),
                ],
            },
        ],
        "map": drawing,
        "legend": legend,
        "notes": [
            _(
                "Build only as this permit states, behind the realigned line and inside the permitted footprint; "
                "the supervising engineer reports each stage. Anything built beyond it is a violation under "
                "Article 100 of the Municipalities Law."
            ),
            _("Plan data versions: parcels %(p)s, zones %(z)s, streets %(s)s.")
            % {
                "p": _digits(str(c.plan_versions[0])),
                "z": _digits(str(c.plan_versions[1])),
                "s": _digits(str(c.plan_versions[2])),
            },
        ],
    }


def _fencing_page(c: FencingContent) -> dict:
    drawing, legend = _map(c)
    return {
        "title": _("Fencing permit"),
        "subtitle": "",
        "head_rows": [_code_row(_("Tracking code"), c.tracking_code), _row(_("Holder"), c.holder_name)],
        "sections": [
            {
                "title": _("Property"),
                "rows": [
                    *_parcel_rows(c),
                    _row(_("Setback area"), _area(c.setback_area_m2)),
                    _row(_("Corner chamfer"), _area(c.chamfer_area_m2)),
                    _row(_("Wall length"), _length(c.wall_length_m, 1)),
                    *_street_rows(c.streets),
                ],
            }
        ],
        "map": drawing,
        "legend": legend,
        "notes": [
            _(
                "The wall stands on the realigned line, never on the setback strip or the corner chamfer; "
                "the strip is left to the street."
            )
        ],
    }


def _map_order_page(c: MapOrderContent) -> dict:
    label = _floors(c.max_floors) if c.max_floors else ""
    drawing, legend = _map(c, footprint_label=label)
    return {
        "title": _("Map preparation order"),
        "subtitle": _("For the Engineering Organisation's engineers"),
        "head_rows": [
            _code_row(_("Tracking code"), c.tracking_code),
            _row(_("Owners"), c.holder_name),
            _row(_("Valid until"), _date(c.valid_until)),
        ],
        "sections": [
            {"title": _("Property"), "rows": [*_parcel_rows(c), *_street_rows(c.streets)]},
            {
                "title": _("What may be drawn"),
                "rows": [
                    _row(_("Land use and zone"), f"{_land_use(c.land_use)} ({_digits(c.zone_code) or '—'})"),
                    _row(_("Coverage"), _pct(c.coverage_pct)),
                    _row(_("Maximum footprint"), _area(c.max_footprint_m2, 1)),
                    _row(_("Northern band depth"), _length(c.band_depth_m)),
                    _row(_("Density and floor area"), f"{_pct(c.density_pct)} / {_area(c.max_floor_area_m2, 1)}"),
                    _row(
                        _("Floors and height"),
                        f"{_floors(c.max_floors) if c.max_floors else '—'} / {_length(c.max_height_m, 1)}",
                    ),
                    _row(
                        _("Parking"),
                        ngettext("%(n)s space", "%(n)s spaces", c.parking_spaces) % {"n": count_text(c.parking_spaces)}
                        if c.parking_spaces
                        else "—",
                    ),
                    _row(_("Corner chamfer"), _area(c.chamfer_area_m2)),
                ],
            },
        ],
        "map": drawing,
        "legend": legend,
        "notes": [_("The drawings are checked against this order before the permit is issued.")],
    }


def _slip_page(c: SlipContent) -> dict:
    from fees.models import BillKind, BillStatus

    drawing, legend = _map(c)
    title = (lambda ln: ln.title_fa) if _fa() else (lambda ln: ln.title_en)
    return {
        "title": _("Payment slip"),
        "subtitle": str(dict(BillKind.choices).get(c.bill_kind, "")),
        "head_rows": [
            _row(_("Payer"), c.holder_name),
            _code_row(_("Bill ID"), c.bill_id),
            _code_row(_("Payment ID"), c.payment_id),
            _row(_("Amount"), money_text(c.amount_irr)),
            _row(_("Status"), str(dict(BillStatus.choices).get(c.status, ""))),
        ],
        "sections": [
            {
                "title": _("Property"),
                "rows": [
                    _code_row(_("File code"), c.file_code),
                    _code_row(_("Tracking code"), c.tracking_code),
                    _row(_("Pay by"), _date(c.due_on)),
                    _row(_("Paid"), _date(c.paid_at)),
                ],
            }
        ],
        "lines": [
            {"n": count_text(i), "title": title(ln), "amount": money_text(ln.amount_irr)}
            for i, ln in enumerate(c.lines, 1)
        ],
        "line_header": [_("Row"), _("Item"), _("Amount")],
        "total": money_text(c.amount_irr),
        "map": drawing,
        "legend": legend,
        "notes": [_("Pay with the bill ID and payment ID at any bank, or online from the file's page.")],
    }


def _verdict_page(c: VerdictContent) -> dict:
    from violations.models import ViolationKind

    drawing, legend = _map(c, marked_label=_area(c.area_m2, 1))
    outcome = _("Fine") if c.outcome == "fine" else _("Demolition of the part built in violation")
    rows = [
        _row(_("Violation"), str(dict(ViolationKind.choices).get(c.violation_kind, ""))),
        _row(_("Article 100 note"), count_text(c.note)),
        _row(_("Area of the violation"), _area(c.area_m2, 1)),
        _row(_("Decision"), outcome),
        _row(_("Decided on"), _date(c.decided_at)),
        _row(_("Recorded on"), _date(c.recorded_at)),
    ]
    if c.parking_spaces:
        rows.append(
            _row(
                _("Missing parking"),
                ngettext("%(n)s space", "%(n)s spaces", c.parking_spaces) % {"n": count_text(c.parking_spaces)},
            )
        )
    if c.fine_irr is not None:
        rows.append(_row(_("Fine"), money_text(c.fine_irr)))
    return {
        "title": _("Article 100 commission verdict"),
        "subtitle": _("Notice to the owner"),
        "head_rows": [_row(_("Owners"), c.holder_name), _code_row(_("File code"), c.file_code)],
        "sections": [{"title": _("The verdict"), "rows": rows}],
        "map": drawing,
        "legend": legend,
        "notes": [
            _(
                "The owner may appeal to the review commission within 10 days of this notice; "
                "the review commission's ruling is final."
            )
        ],
    }


def _certificate_page(c: CertificateContent) -> dict:
    completion = c.kind == "completion_certificate"
    drawing, legend = _map(c, footprint_label=_floors(c.floors) + "\n" + _area(c.footprint_m2, 0))
    legend = [
        {"role": item["role"], "label": _("Building as built") if item["role"] == "footprint" else item["label"]}
        for item in legend
    ]
    built = [
        _row(_("Use"), _land_use(c.use)),
        _row(_("Floors built") if completion else _("Floors built so far"), _floors(c.floors)),
        _row(_("Floor area built"), _area(c.floor_area_m2, 1)),
        _row(_("Footprint built"), _area(c.footprint_m2, 1)),
        _row(_("Height"), _length(c.height_m, 1)),
        _row(_("Permitted"), f"{_floors(c.permitted_floors)} / {_area(c.permitted_floor_area_m2, 1)}"),
        _row(_("As-built survey of"), _date(c.surveyed_on)),
    ]
    decided = [
        _row(
            str(DIFFERENCE_LABELS.get(d.kind, "")),
            _("Article 100 note %(note)s, %(area)s: decided and carried out")
            % {"note": count_text(d.note), "area": _area(d.excess_area_m2, 1)},
        )
        for d in c.differences
    ]
    head = [
        _code_row(_("Tracking code"), c.tracking_code),
        _row(_("Holder"), c.holder_name),
        _code_row(_("Building permit"), c.permit_tracking_code),
    ]
    if not completion:
        head.append(_row(_("Valid until"), _date(c.valid_until)))
    sections = [
        {"title": _("Property"), "rows": [*_parcel_rows_short(c)]},
        {"title": _("The building as built"), "rows": built},
    ]
    if decided:
        sections.append(
            {"title": _("Differences from the permit, decided by the Article 100 commission"), "rows": decided}
        )
    if completion:
        notes = [
            _(
                "The building was built as its permit states: the as-built survey was compared with the issued "
                "permit, and nothing built beyond it is left open. This certificate is what the deed, the utility "
                "connections and a notarised sale ask for (Article 100 of the Municipalities Law, note 8)."
            )
        ]
    else:
        notes = [
            _(
                "Up to the stage of construction the as-built survey found, nothing was built beyond the permit "
                "(floors not yet built are no violation). This certificate is valid until %(date)s; anything built "
                "after the survey is not covered by it."
            )
            % {"date": _date(c.valid_until)}
        ]
    return {
        "title": _("Completion certificate") if completion else _("No-violation certificate"),
        "subtitle": _("The building as built, compared with its permit"),
        "head_rows": head,
        "sections": sections,
        "map": drawing,
        "legend": legend,
        "notes": notes,
    }


def _parcel_rows_short(c) -> list[dict]:
    return [
        _code_row(_("File code"), c.file_code),
        _code_row(_("Renovation code"), c.renovation_code),
        _code_row(_("Registry plate"), c.registry_plate),
    ]


def _fact_value(f: AnswerFact) -> dict | str:
    if f.value is None or f.value == "":
        return "—"
    if f.form == "yesno":
        return _("Yes") if f.value else _("No")
    if f.form == "money":
        return money_text(int(f.value))
    if f.form == "date":
        return _date(dt.date.fromisoformat(str(f.value)))
    if f.form == "length":
        return _length(f.value, 1)
    if f.form == "area":
        return _area(f.value, 1)
    return str(f.value)


def _fact_row(f: AnswerFact) -> dict:
    if f.form == "code":
        return _code_row(str(f.label), str(f.value or ""))
    return _row(str(f.label), _fact_value(f))


def _inquiry_answer_page(c: InquiryAnswerContent) -> dict:
    drawing, legend = _map(c, marked_label=_("Excavation") if c.inquiry_kind == "excavation" else "")
    if c.inquiry_kind == "excavation":
        legend = [
            {"role": item["role"], "label": _("Trench and its buffer") if item["role"] == "marked" else item["label"]}
            for item in legend
        ]
    return {
        "title": _("Answer to an inquiry"),
        "subtitle": str(c.inquiry_kind_text),
        "head_rows": [
            _row(_("Asked by"), c.holder_name),
            _row(_("Purpose"), c.purpose),
            _code_row(_("File code"), c.file_code),
            _row(_("Answered on"), _date(c.answered_at)),
        ],
        "sections": [
            {"title": _("The answer"), "rows": [_row(_("Outcome"), str(c.outcome_text)), *map(_fact_row, c.facts)]}
        ],
        "map": drawing,
        "legend": legend,
        "notes": [
            _(
                "This answer states only what the purpose of the inquiry needs, from the municipality's records "
                "on the day it was given; the verification page shows whether it is still in force."
            )
        ],
    }


SUMMARY_MAP_WIDTH_MM = 120.0
SUMMARY_MAP_HEIGHT_MM = 100.0


def _days(value) -> str:
    return "—" if value is None else _("%(n)s days") % {"n": number_text(value, 1)}


def _summary_cell(cell: SummaryCell) -> str:
    if cell.value is None or cell.value == "":
        return "—"
    if cell.form == "count":
        return count_text(cell.value)
    if cell.form == "days":
        return _days(cell.value)
    if cell.form == "share":
        return _pct(float(cell.value) * 100)
    if cell.form == "money":
        return money_text(int(cell.value))
    return str(cell.value)


def _figure_text(value, form: str) -> str:
    return _summary_cell(SummaryCell(value, form))


def _district_label(d) -> str:
    """A district's name in the page's language ("District 3" where the layer has no English name)."""
    name = d.name if _fa() else d.name_en
    return name or _("District %(district)s") % {"district": count_text(d.number)}


def _choropleth(c: MonthlySummaryContent) -> tuple[dict | None, list]:
    drawing = choropleth_drawing(
        [
            (
                d.geom,
                d.value,
                f"{_district_label(d)}\n{_figure_text(d.value, c.map_form)}",
            )
            for d in c.districts
        ],
        width_mm=SUMMARY_MAP_WIDTH_MM,
        height_mm=SUMMARY_MAP_HEIGHT_MM,
        north=_("N"),
        scale_unit=_("%(n)s m"),
        number=count_text,
        whole=c.map_form == "count",
    )
    if not drawing:
        return None, []
    classes = drawing.pop("classes")
    legend = [
        {
            "role": shade_role(i, len(classes)),
            "label": _figure_text(low, c.map_form)
            if low == high
            else _("%(low)s to %(high)s")
            % {"low": _figure_text(low, c.map_form), "high": _figure_text(high, c.map_form)},
        }
        for i, (low, high) in enumerate(classes)
    ]
    if any(s["role"] == "nodata" for s in drawing["shapes"]):
        legend.append({"role": "nodata", "label": _("No figure")})
    return drawing, legend


def _summary_page(c: MonthlySummaryContent) -> dict:
    drawing, legend = _choropleth(c)
    return {
        "title": _("Monthly summary of urban planning and building permits"),
        "subtitle": _("%(month)s %(year)s") % {"month": str(c.month_name), "year": _digits(str(c.year))},
        "head_rows": [
            _row(_("Scope"), str(c.scope_text)),
            _row(_("Figures as of"), _date(c.made_at)),
        ],
        "sections": [],
        "tables": [
            {
                "title": str(t.title),
                "headers": [str(h) for h in t.headers],
                "rows": [[_summary_cell(cell) for cell in row] for row in t.rows],
            }
            for t in c.tables
        ],
        "map": drawing,
        "map_title": str(c.map_title),
        "legend": legend,
        "notes": [
            _(
                "Days are calendar days; net days leave out the time a file waited on the applicant. Figures "
                "about now (files at each stage, overdue, outstanding fees) are as of the date above; the "
                "others are of the month, beside the month before."
            )
        ],
    }


_PAGES = {
    "monthly_summary": _summary_page,
    "inquiry_answer": _inquiry_answer_page,
    "building_permit": _permit_page,
    "fencing_permit": _fencing_page,
    "map_order": _map_order_page,
    "payment_slip": _slip_page,
    "verdict_notice": _verdict_page,
    "completion_certificate": _certificate_page,
    "no_violation_certificate": _certificate_page,
}


# Directional overrides and isolates, and control characters: a name carrying U+202E would print the
# rest of its line reversed on an official paper. The page sets every direction itself.
_UNPRINTABLE = re.compile("[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]")


def _printable(value):
    """The page's data with directional overrides and control characters removed from every string."""
    if isinstance(value, str):
        return _UNPRINTABLE.sub("", value)
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value


def document_data(
    content: DocumentContent, *, serial: str, issued_on: dt.date, qr_url: str, lang: str = "fa", copy: bool = False
) -> dict:
    """Every word and figure of the page, in `lang`, as the Typst template reads it. A copy made on request
    prints the serial with the language's marker and says it is a copy of the Persian original."""
    with translation.override(lang):
        page = _printable(_PAGES[content.kind](content))
        printed = f"{serial}-{lang.upper()}" if copy else serial
        return {
            "kind": content.kind,
            "lang": "fa" if _fa() else "en",
            "dir": "rtl" if _fa() else "ltr",
            "issuer": _("Bojnord Municipality"),
            "unit": _("Urban planning and building permits"),
            "serial": _digits(printed),
            "serial_ascii": printed,
            "copy_note": _("Copy in English of the document issued in Persian under serial %(serial)s")
            % {"serial": serial}
            if copy
            else "",
            "tables": [],
            "map_title": "",
            "issued_on": _date(issued_on),
            "qr": qr_svg(qr_url),
            "labels": {
                "serial": _("Serial"),
                "issued_on": _("Issued on"),
                "scan": _("Scan to verify"),
                "map": _("Map of the parcel"),
                "lines": _("Items"),
                "total": _("Total"),
            },
            "lines": [],
            "line_header": [],
            "total": "",
            "footer": _(
                "Issued electronically by Bojnord Municipality. Check it by scanning the QR code: the "
                "verification page shows the municipality's own record of this document."
            ),
            **page,
        }


def _timestamp(issued_on: dt.date) -> dt.datetime:
    """Noon of the issue day in the municipality's time zone, as UTC (the PDF's creation date)."""
    local = dt.datetime.combine(issued_on, dt.time(12, 0), tzinfo=timezone.get_default_timezone())
    return local.astimezone(dt.UTC)


def render_document(
    content: DocumentContent, *, serial: str, issued_on: dt.date, qr_url: str, lang: str = "fa", copy: bool = False
) -> bytes:
    """An unsigned PDF/A-2b of the document in `lang` (fa or en); `copy`: a copy made on request."""
    data = document_data(content, serial=serial, issued_on=issued_on, qr_url=qr_url, lang=lang, copy=copy)
    return compile_pdf(data, timestamp=_timestamp(issued_on))


def render_bare(data: dict, *, issued_on: dt.date) -> bytes:
    """The engine alone on prepared data (the benchmark's baseline for the same page)."""
    return compile_pdf(data, timestamp=_timestamp(issued_on))
