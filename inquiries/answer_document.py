"""An inquiry's answer as a signed document (kind inquiry_answer, serial IA-<Jalali year>-<n>): inquiries
builds the content record from the stored typed Answer only and registers the builder with documents
(which never imports inquiries); the document is issued in the transaction that records the answer and
rendered and signed by documents' job.

What each kind's document carries (and its QR signs), and nothing more: the agency, the inquiry kind and
purpose, the property's file code and the outcome; bank: permit valid, completion certificate, stage;
notary: the certificate and what stands in the way; utility: the unit and eligibility; excavation: the
conditions, the works window, the fee and its bill ID and payment ID, with the trench on the parcel map.
"""

from __future__ import annotations

import datetime as dt

import shapely
from django.utils.translation import gettext_lazy as _

from documents.content import AnswerFact, DocumentNotReady, InquiryAnswerContent, parcel_map_read
from documents.models import DocumentKind, IssuedDocument
from documents.services import document_of_subject_issue
from gis_app.templatetags.persian import fa_money, jdate, ltr_code
from inquiries import rules
from inquiries.models import Inquiry, InquiryKind, InquiryStatus
from inquiries.records import Answer, BankFacts, ExcavationFacts, NotaryFacts, UtilityFacts, answer_load
from parcels.models import Parcel

KIND = DocumentKind.INQUIRY_ANSWER.value
TRENCH_HALF_WIDTH_M = 1.0  # the trench drawn on the map (the buffer check itself is the selector's)
MAP_WINDOW_M = 40.0  # how far around the parcel the trench is drawn


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _facts(answer: Answer) -> tuple[tuple[AnswerFact, ...], tuple[tuple[str, str | int], ...]]:
    """The page's lines and the signed facts: only what the inquiry's purpose needs."""
    f = answer.facts
    if isinstance(f, BankFacts):
        return (
            (
                AnswerFact(_("Valid building permit"), f.valid_permit, "yesno"),
                AnswerFact(_("Permit issued on"), f.permit_issued_on, "date"),
                AnswerFact(_("Completion certificate"), f.completion_certificate, "yesno"),
                AnswerFact(_("Stage of construction"), rules.STAGE_TEXT[f.construction_stage]),
            ),
            (
                ("valid_permit", _yes(f.valid_permit)),
                ("completion", _yes(f.completion_certificate)),
                ("stage", f.construction_stage),
            ),
        )
    if isinstance(f, NotaryFacts):
        lines = [
            AnswerFact(_("Certificate"), rules.CERTIFICATE_TEXT[f.certificate] if f.certificate else _("None")),
            AnswerFact(_("Valid until"), f.certificate_valid_until, "date"),
            AnswerFact(_("Dues paid"), f.dues_paid, "yesno"),
            AnswerFact(_("Open violation"), f.open_violation, "yesno"),
        ]
        lines += [AnswerFact(_("Why"), rules.REASON_TEXT[code]) for code in f.reasons]
        return tuple(lines), (
            ("certificate", f.certificate or ""),
            ("certificate_valid_until", f.certificate_valid_until or ""),
            ("reasons", ",".join(f.reasons)),
        )
    if isinstance(f, UtilityFacts):
        lines = [
            AnswerFact(_("Unit (renovation code)"), f.unit, "code"),
            AnswerFact(_("Completion certificate"), f.completion_certificate, "yesno"),
            AnswerFact(_("Valid building permit"), f.valid_permit, "yesno"),
            AnswerFact(_("Open violation"), f.open_violation, "yesno"),
        ]
        lines += [AnswerFact(_("Why"), rules.REASON_TEXT[code]) for code in f.reasons]
        return tuple(lines), (("unit", f.unit), ("reasons", ",".join(f.reasons)))
    if not isinstance(f, ExcavationFacts):
        raise DocumentNotReady(_("The inquiry has not been answered yet."))
    lines = [
        AnswerFact(_("Length"), f.length_m, "length"),
        AnswerFact(_("Trench area"), f.trench_area_m2, "area"),
        AnswerFact(_("Streets crossed"), "، ".join(s.name for s in f.streets) or _("None")),
        AnswerFact(_("Recently paved"), "، ".join(p.street_name for p in f.recently_paved) or _("None")),
        AnswerFact(_("Works allowed until"), f.works_until, "date"),
        AnswerFact(_("Reinstatement fee"), f.fee_irr, "money"),
        AnswerFact(_("Bill ID"), f.bill_id, "code"),
        AnswerFact(_("Payment ID"), f.payment_id, "code"),
    ]
    lines += [AnswerFact(_("Condition"), rules.CONDITION_TEXT[code]) for code in f.conditions]
    if f.note:
        lines.append(AnswerFact(_("Note"), f.note))
    return tuple(lines), (
        ("conditions", ",".join(f.conditions)),
        ("works_until", f.works_until or ""),
        ("fee_irr", int(f.fee_irr)),
        ("bill_id", f.bill_id),
        ("payment_id", f.payment_id),
    )


def _parcel_map(inquiry: Inquiry):
    """The parcel's map; an excavation's trench drawn over it (clipped to the map's window). None when the
    parcel is not in the cadastre version (the answer is still issued, without a map)."""
    parcel = inquiry.file.parcel if inquiry.file_id else Parcel.objects.filter(file_code=inquiry.file_code).first()
    if parcel is None:
        return None
    marked = None
    if inquiry.kind == InquiryKind.EXCAVATION and inquiry.geom is not None:
        trench = shapely.from_wkb(bytes(inquiry.geom.wkb)).buffer(TRENCH_HALF_WIDTH_M)
        window = shapely.from_wkb(bytes(parcel.geom.wkb)).envelope.buffer(MAP_WINDOW_M)
        marked = trench.intersection(window)
    try:
        return parcel_map_read(parcel_id=parcel.pk, parcel_version_id=parcel.version_id, marked=marked)
    except DocumentNotReady:
        return None


def answer_content(public_id: str) -> InquiryAnswerContent:
    """The document's record of an answered inquiry, from its stored typed Answer only."""
    inquiry = Inquiry.objects.select_related("agency", "file__parcel").filter(public_id=public_id).first()
    if inquiry is None or inquiry.status != InquiryStatus.ANSWERED or not inquiry.answer:
        raise DocumentNotReady(_("The inquiry has not been answered yet."))
    answer = answer_load(inquiry.answer)
    lines, signed = _facts(answer)
    pmap = _parcel_map(inquiry)
    return InquiryAnswerContent(
        kind=KIND,
        file_code=inquiry.file_code,
        holder_name=inquiry.agency.name,
        parcel_map=pmap,
        footprint_geojson=None,
        inquiry_id=str(inquiry.public_id),
        inquiry_kind=inquiry.kind,
        inquiry_kind_text=InquiryKind(inquiry.kind).label,
        purpose=inquiry.purpose,
        outcome=answer.outcome,
        outcome_text=rules.OUTCOME_TEXT.get(answer.outcome, ""),
        answered_at=inquiry.answered_at,
        facts=lines,
        signed_facts=signed,
    )


def _codes(text: str, names: dict) -> str:
    return "؛ ".join(str(names[c]) for c in text.split(",") if c in names) if text else str(_("None"))


def _yes_no(value: str) -> str:
    return str(_("Yes")) if value == "yes" else str(_("No"))


def _day(value: str) -> str:
    return jdate(dt.date.fromisoformat(value)) if value else "—"


def answer_figures(fields: dict) -> list[tuple[object, object]]:
    """The verification page's lines for an answer's signed fields, in words (never the codes)."""
    kind = fields.get("inquiry_kind", "")
    rows: list[tuple[object, object]] = [
        (_("Inquiry"), InquiryKind(kind).label if kind in InquiryKind.values else "—"),
        (_("Outcome"), rules.OUTCOME_TEXT.get(fields.get("answer", ""), "—")),
    ]
    if kind == InquiryKind.BANK:
        rows += [
            (_("Valid building permit"), _yes_no(fields.get("valid_permit", ""))),
            (_("Completion certificate"), _yes_no(fields.get("completion", ""))),
            (_("Stage of construction"), rules.STAGE_TEXT.get(fields.get("stage", ""), "—")),
        ]
    elif kind == InquiryKind.NOTARY:
        cert = fields.get("certificate", "")
        rows += [
            (_("Certificate"), rules.CERTIFICATE_TEXT[cert] if cert in rules.CERTIFICATE_TEXT else _("None")),
            (_("Valid until"), _day(fields.get("certificate_valid_until", ""))),
            (_("Why"), _codes(fields.get("reasons", ""), rules.REASON_TEXT)),
        ]
    elif kind == InquiryKind.UTILITY:
        rows += [
            (_("Unit (renovation code)"), ltr_code(fields.get("unit", "")) if fields.get("unit") else "—"),
            (_("Why"), _codes(fields.get("reasons", ""), rules.REASON_TEXT)),
        ]
    elif kind == InquiryKind.EXCAVATION:
        rows += [
            (_("Works allowed until"), _day(fields.get("works_until", ""))),
            (_("Reinstatement fee"), fa_money(fields.get("fee_irr", 0))),
            (_("Bill ID"), ltr_code(fields["bill_id"]) if fields.get("bill_id") else "—"),
            (_("Payment ID"), ltr_code(fields["payment_id"]) if fields.get("payment_id") else "—"),
        ]
    return rows


def answer_document_issue(*, inquiry: Inquiry, actor) -> IssuedDocument:
    """Issue the answer's document in the caller's transaction (the one that records the answer)."""
    return document_of_subject_issue(
        kind=KIND, subject_ref=str(inquiry.public_id), file_id=inquiry.file_id, actor=actor
    )


def answer_document(*, inquiry: Inquiry) -> IssuedDocument | None:
    """The inquiry's latest answer document (valid, revoked or superseded), without its PDF bytes."""
    return (
        IssuedDocument.objects.filter(kind=KIND, subject_ref=str(inquiry.public_id))
        .defer("pdf")
        .order_by("-issued_at", "-pk")
        .first()
    )
