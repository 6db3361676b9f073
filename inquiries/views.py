"""Pages: the agency's own inquiries in a browser (for agencies without a system to integrate), its
tokens and webhooks; the answering units' inbox and answer page; webhook deliveries for staff."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role, require_role
from documents.selectors import document_pdf
from gis_app.errors import DomainError
from inquiries import rules, selectors, services
from inquiries.answer_document import answer_document
from inquiries.forms import AnswerForm, InquiryForm, TokenForm, WebhookForm
from inquiries.models import ApiToken, Inquiry
from inquiries.records import Answer, BankFacts, NotaryFacts, UtilityFacts, answer_load

UNIT_ROLES = (Role.EXECUTIVE_UNIT, Role.PERMIT_OFFICER, Role.MANAGER)


def _agency(request: HttpRequest):
    agency = selectors.agency_of(request.user)
    if agency is None:
        raise PermissionDenied(_("Only an agency's staff may use these pages."))
    return agency


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _rows(answer: Answer) -> list[tuple[str, str, object]]:
    """The answer's facts as (label, how to show, value) rows for the page's display filters."""
    f = answer.facts
    if isinstance(f, BankFacts):
        return [
            (_("Valid building permit"), "bool", f.valid_permit),
            (_("Permit issued on"), "date", _date(f.permit_issued_on)),
            (_("Completion certificate"), "bool", f.completion_certificate),
            (_("Stage of construction"), "text", rules.STAGE_TEXT[f.construction_stage]),
        ]
    if isinstance(f, NotaryFacts):
        return [
            (_("Certificate"), "text", rules.CERTIFICATE_TEXT[f.certificate] if f.certificate else _("None")),
            (_("Valid until"), "date", _date(f.certificate_valid_until)),
            (_("Dues paid"), "bool", f.dues_paid),
            (_("Open violation"), "bool", f.open_violation),
        ]
    if isinstance(f, UtilityFacts):
        return [
            (_("Unit (renovation code)"), "code", f.unit),
            (_("Completion certificate"), "bool", f.completion_certificate),
            (_("Valid building permit"), "bool", f.valid_permit),
            (_("Open violation"), "bool", f.open_violation),
        ]
    # an excavation
    return [
        (_("Length"), "length", f.length_m),
        (_("Trench area"), "area", f.trench_area_m2),
        (_("Streets crossed"), "text", "، ".join(s.name for s in f.streets) or _("None")),
        (_("Recently paved"), "text", "، ".join(p.street_name for p in f.recently_paved) or _("None")),
        (_("Other private parcels touched"), "count", f.parcels_touched),
        (_("Other open excavations nearby"), "count", len(f.open_excavations)),
        (_("Reinstatement fee"), "money", f.fee_irr),
        (_("Works allowed until"), "date", _date(f.works_until)),
        (_("Bill ID"), "code", f.bill_id),
        (_("Payment ID"), "code", f.payment_id),
        (_("Note"), "text", f.note),
    ]


def _answer_context(inquiry: Inquiry) -> dict:
    answer = answer_load(inquiry.answer) if inquiry.answer else None
    proposal = answer_load(inquiry.proposal) if inquiry.proposal else None
    shown = answer or proposal
    return {
        "inquiry": inquiry,
        "answer": answer,
        "proposal": proposal,
        "outcome": rules.OUTCOME_TEXT.get(shown.outcome, "") if shown else "",
        "rows": _rows(shown) if shown else [],
        "conditions": [rules.CONDITION_TEXT[c] for c in getattr(shown.facts, "conditions", ())] if shown else [],
        "reasons": [rules.REASON_TEXT[c] for c in getattr(shown.facts, "reasons", ())] if shown else [],
    }


@login_required
def agency_home(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    page = Paginator(selectors.inquiries_of(agency=agency), 25).get_page(request.GET.get("page"))
    return render(request, "inquiries/home.html", {"agency": agency, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    scopes = rules.scopes_of(agency.kind)
    form = InquiryForm(request.POST or None, scopes=scopes)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                inquiry = services.inquiry_file(
                    agency=agency,
                    kind=d["kind"],
                    purpose=d["purpose"],
                    property_code=d["property"],
                    actor=request.user,
                    reference=d["reference"],
                    unit=d["unit"],
                    geometry=d["geometry"],
                    crs=d["crs"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("inquiries:detail", public_id=inquiry.public_id)
        status = 400
    return render(request, "inquiries/new.html", {"agency": agency, "form": form}, status=status)


@login_required
def inquiry_detail(request: HttpRequest, public_id) -> HttpResponse:
    agency = _agency(request)
    inquiry = selectors.inquiry_of(agency=agency, public_id=public_id)
    if inquiry is None:
        raise Http404
    document = answer_document(inquiry=inquiry) if inquiry.answer else None
    return render(
        request, "inquiries/detail.html", {"agency": agency, "document": document, **_answer_context(inquiry)}
    )


@login_required
@require_GET
def inquiry_document(request: HttpRequest, public_id) -> HttpResponse:
    """The answer's signed PDF for the agency that asked (another agency: 404); while the job makes it,
    the page that says so (409)."""
    agency = _agency(request)
    inquiry = selectors.inquiry_of(agency=agency, public_id=public_id)
    document = answer_document(inquiry=inquiry) if inquiry is not None else None
    if document is None:
        raise Http404
    pdf = document_pdf(document=document)
    if pdf is None:
        response = render(request, "documents/preparing.html", {"document": document}, status=409)
    else:
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.serial}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        _token, issued = services.token_issue(agency=agency, actor=request.user, name=form.cleaned_data["name"])
    return render(
        request,
        "inquiries/tokens.html",
        {"agency": agency, "form": form, "issued": issued, "tokens": ApiToken.objects.filter(agency=agency)},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _agency(request)
    token = ApiToken.objects.filter(agency=agency, pk=pk).first()
    if token is None:
        raise Http404
    services.token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("inquiries:tokens")


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    form = WebhookForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.webhook_subscribe(
                    agency=agency,
                    url=form.cleaned_data["url"],
                    property_code=form.cleaned_data["property"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 400
        else:
            status = 400
    context = {
        "agency": agency,
        "form": form,
        "created": created,
        "subscriptions": selectors.webhooks_of(agency=agency),
        "deliveries": selectors.deliveries_of(agency=agency)[:50],
    }
    return render(request, "inquiries/webhooks.html", context, status=status)


@login_required
def unit_inbox(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *UNIT_ROLES)
    return render(request, "inquiries/inbox.html", {"rows": selectors.inbox(user=request.user)[:200]})


@login_required
@require_http_methods(["GET", "POST"])
def unit_answer(request: HttpRequest, public_id) -> HttpResponse:
    require_role(request.user, *UNIT_ROLES)
    inquiry = selectors.inbox(user=request.user).filter(public_id=public_id).first()
    if inquiry is None:
        inquiry = Inquiry.objects.filter(public_id=public_id, answered_by__isnull=False).first()
        if inquiry is None or inquiry.answering_role not in {r.value for r in request.user.roles()}:
            raise Http404
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.inquiry_answer(
                    inquiry=inquiry,
                    actor=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The answer was sent to the agency."))
                return redirect("inquiries:inbox")
        status = 400
    return render(request, "inquiries/answer.html", {"form": form, **_answer_context(inquiry)}, status=status)


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.MANAGER, Role.EXECUTIVE_UNIT)
    rows = selectors.deliveries_of()[:200]
    return render(request, "inquiries/deliveries.html", {"rows": rows})
