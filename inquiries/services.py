"""Writes for inquiries: tokens (issue, rotate, revoke), filing an inquiry (answered by its rule or sent
to a unit's inbox), a unit's answer (with the excavation's reinstatement bill), webhook subscriptions
and the deliveries a status change defers, and the API's request log. Every state change is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fees.billing import bill_create
from fees.models import BillKind
from gis_app.audit import audit_record
from gis_app.errors import DomainError, NotAllowed
from gis_app.text import InputKind, normalise_input
from inquiries import rules, selectors
from inquiries.answer_document import answer_document_issue
from inquiries.geometry import excavation_geometry
from inquiries.models import (
    Agency,
    ApiRequestLog,
    ApiToken,
    Inquiry,
    InquiryKind,
    InquiryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from inquiries.records import (
    Answer,
    BankFacts,
    ExcavationFacts,
    NotaryFacts,
    Outcome,
    PavingCrossed,
    StreetCrossed,
    UtilityFacts,
    answer_dump,
    answer_load,
)
from parcels.models import Parcel, PropertyFile
from parcels.selectors import LOOKUP_REFUSALS, parcels_lookup
from parcels.services import property_file_open
from permits.selectors import due_date

TOKEN_PREFIX = "bjn"  # noqa: S105 - the tokens' visible prefix, not a secret


class InquiryRefused(DomainError):
    """The inquiry cannot be filed as sent (unknown property, wrong scope, bad geometry…)."""


# --- tokens ------------------------------------------------------------------------------------------


def token_digest(raw: str) -> str:
    """SHA-256 of the whole token: the secret part carries 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, agency: Agency, actor, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the agency; the clear text is returned once and never stored."""
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        agency=agency,
        name=normalise_input(name, InputKind.NAME)[:100],
        prefix=prefix,
        digest=token_digest(raw),
        created_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        expires_at=timezone.now() + dt.timedelta(days=days or settings.INQUIRY_TOKEN_DAYS),
    )
    audit_record(actor=actor, action="api_token.issued", obj=agency, token=prefix, expires=token.expires_at.isoformat())
    return token, raw


@transaction.atomic
def token_rotate(*, token: ApiToken, actor) -> tuple[ApiToken, str]:
    """A successor token; the old one keeps working for INQUIRY_TOKEN_ROTATE_GRACE_H hours, then expires."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None or locked.replaced_by_id is not None:
        raise NotAllowed(_("This token was revoked or already rotated."))
    new, raw = token_issue(agency=locked.agency, actor=actor, name=locked.name)
    grace = timezone.now() + dt.timedelta(hours=settings.INQUIRY_TOKEN_ROTATE_GRACE_H)
    locked.expires_at = min(locked.expires_at, grace)
    locked.replaced_by = new
    locked.save(update_fields=["expires_at", "replaced_by"])
    audit_record(actor=actor, action="api_token.rotated", obj=locked.agency, token=locked.prefix, to=new.prefix)
    return new, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """The token stops working at once."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoked", obj=locked.agency, token=locked.prefix)
    return locked


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token this text is (agency active, not revoked, not expired), or None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(raw) > 100:
        return None
    digest = token_digest(raw)
    token = ApiToken.objects.select_related("agency").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, digest):
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now or not token.agency.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# --- filing and answering ----------------------------------------------------------------------------


def _parcel(code: str) -> Parcel:
    try:
        found = parcels_lookup(code=code)
    except LOOKUP_REFUSALS as exc:
        raise InquiryRefused(str(exc)) from None
    if not found:
        raise InquiryRefused(_("No live parcel has this code."))
    if len(found) > 1:
        raise InquiryRefused(_("This code names several parcels; send the file code of one."))
    return found[0]


def _answer_file(kind: str, facts: selectors.FileFacts, unit: str) -> tuple[Answer, bool]:
    versions = selectors.data_versions()
    if kind == InquiryKind.BANK:
        record = BankFacts(
            valid_permit=facts.valid_permit,
            permit_issued_on=facts.permit_issued_on.isoformat() if facts.permit_issued_on else None,
            completion_certificate=facts.completion,
            construction_stage=rules.construction_stage(
                valid_permit=facts.valid_permit,
                completion=facts.completion,
                no_violation=facts.no_violation_until is not None,
            ),
        )
        return Answer(kind, Outcome.ANSWERED, record, versions), False
    if kind == InquiryKind.NOTARY:
        certificate = "completion" if facts.completion else ("no_violation" if facts.no_violation_until else None)
        decision = rules.notary_clearance(
            certificate=certificate, dues_paid=facts.dues_paid, open_violation=facts.open_violation
        )
        record = NotaryFacts(
            certificate=certificate,
            certificate_valid_until=(
                facts.no_violation_until.isoformat()
                if certificate == "no_violation" and facts.no_violation_until
                else None
            ),
            dues_paid=facts.dues_paid,
            open_violation=facts.open_violation,
            reasons=decision.codes,
        )
        return Answer(kind, decision.outcome, record, versions), False
    decision = rules.utility_eligibility(
        completion=facts.completion, valid_permit=facts.valid_permit, open_violation=facts.open_violation
    )
    record = UtilityFacts(
        unit=unit,
        completion_certificate=facts.completion,
        valid_permit=facts.valid_permit,
        open_violation=facts.open_violation,
        reasons=decision.codes,
    )
    return Answer(kind, decision.outcome, record, versions), decision.needs_unit


def excavation_proposal(*, geom, served_parcel_id: int | None, exclude=None) -> tuple[Answer, bool]:
    """The buffer check and the rule's conditions and fee, as the answer a unit confirms (or automatic)."""
    crossing = selectors.excavation_crossing(geom=geom, exclude=exclude)
    private = [pk for pk in crossing.parcel_ids if pk != served_parcel_id]
    decision = rules.excavation_conditions(
        arterial=any(h.startswith("arterial") for _n, _w, h in crossing.streets),
        recently_paved=bool(crossing.paving),
        open_nearby=bool(crossing.open_excavations),
        private_parcels=bool(private),
    )
    fee = rules.reinstatement_fee_irr(
        trench_area_m2=crossing.trench_area_m2,
        rate_irr_per_m2=settings.INQUIRY_REINSTATEMENT_IRR_PER_M2,
        recent_multiplier=settings.INQUIRY_RECENT_PAVING_FEE_MULTIPLIER,
        recently_paved=bool(crossing.paving),
    )
    facts = ExcavationFacts(
        length_m=crossing.length_m,
        trench_area_m2=crossing.trench_area_m2,
        parcels_touched=len(private),
        streets=tuple(StreetCrossed(name=n, approved_width_m=w) for n, w, _h in crossing.streets),
        recently_paved=tuple(PavingCrossed(street_name=n, paved_on=d.isoformat()) for n, d in crossing.paving),
        open_excavations=crossing.open_excavations,
        conditions=decision.codes,
        fee_irr=fee,
    )
    return Answer("excavation", decision.outcome, facts, selectors.data_versions()), decision.needs_unit


def _excavation_permit(inquiry: Inquiry, answer: Answer, *, actor) -> Answer:
    """Bill the reinstatement fee on the served file and open the works window; the answer with both."""
    bill = bill_create(file=inquiry.file, kind=BillKind.PAVING, amount_irr=answer.facts.fee_irr, actor=actor)
    inquiry.bill = bill
    inquiry.works_until = timezone.localdate() + dt.timedelta(days=settings.INQUIRY_EXCAVATION_WORKS_DAYS)
    facts = ExcavationFacts(
        **{
            **{f: getattr(answer.facts, f) for f in answer.facts.__dataclass_fields__},
            "works_until": inquiry.works_until.isoformat(),
            "bill_id": bill.bill_id,
            "payment_id": bill.payment_id,
        }
    )
    return Answer(answer.kind, answer.outcome, facts, answer.data_versions, answer.decided_by)


@transaction.atomic
def inquiry_file(
    *,
    agency: Agency,
    kind: str,
    purpose: str,
    property_code: str,
    actor=None,
    reference: str = "",
    unit: str = "",
    geometry: object = None,
    crs: object = None,
) -> Inquiry:
    """File an inquiry: answered at once where the data decides, otherwise sent to the answering unit's
    inbox with a due date. Raises InquiryRefused (translated message) for what cannot be filed."""
    if kind not in rules.scopes_of(agency.kind):
        raise NotAllowed(_("This agency may not file this kind of inquiry."))
    purpose = normalise_input(purpose, InputKind.TEXT)
    if not purpose:
        raise InquiryRefused(_("Say the purpose of the inquiry."))
    parcel = _parcel(property_code)
    geom = None
    if kind == InquiryKind.EXCAVATION:
        geom = excavation_geometry(geometry=geometry, crs=crs)
        inside = selectors.within_city(geom=geom)
        if inside is False:
            raise InquiryRefused(_("The excavation lies outside the city limits."))
        file = property_file_open(parcel=parcel, actor=None)
        answer, needs_unit = excavation_proposal(geom=geom, served_parcel_id=parcel.pk)
    else:
        file = property_file_open(parcel=parcel, actor=None) if kind == InquiryKind.UTILITY else None
        file = file or PropertyFile.objects.filter(code=parcel.file_code).first()
        answer, needs_unit = _answer_file(
            kind, selectors.file_facts(file=file), normalise_input(unit, InputKind.CODE)[:40]
        )
    inquiry = Inquiry(
        agency=agency,
        kind=kind,
        purpose=purpose[:500],
        reference=normalise_input(reference, InputKind.CODE)[:64],
        file_code=parcel.file_code,
        file=file,
        unit=normalise_input(unit, InputKind.CODE)[:40],
        geom=geom,
        submitted_crs=crs if geom is not None else None,
    )
    if needs_unit:
        inquiry.status = InquiryStatus.PENDING
        inquiry.proposal = answer_dump(answer)
        inquiry.answering_role = selectors.ANSWERING_ROLE[kind].value
        inquiry.due_on = due_date(start=timezone.localdate(), working_days=settings.INQUIRY_UNIT_WORKING_DAYS)
        inquiry.save()
    else:
        if kind == InquiryKind.EXCAVATION:
            answer = _excavation_permit(inquiry, answer, actor=None)
        inquiry.status = InquiryStatus.ANSWERED
        inquiry.answer = answer_dump(answer)
        inquiry.answered_at = timezone.now()
        inquiry.save()
        answer_document_issue(inquiry=inquiry, actor=actor)
    audit_record(
        actor=actor,
        action="inquiry.filed",
        obj=inquiry,
        agency=agency.pk,
        kind=kind,
        purpose=inquiry.purpose,
        status=inquiry.status,
        outcome=answer.outcome if inquiry.status == InquiryStatus.ANSWERED else "",
    )
    webhooks_enqueue(inquiry=inquiry, event="inquiry.filed")
    return inquiry


@transaction.atomic
def inquiry_answer(*, inquiry: Inquiry, actor, approve: bool, note: str = "") -> Inquiry:
    """The answering unit decides a pending inquiry: it confirms the rule's proposal (an excavation is
    billed and its works window opened) or refuses it, with a note."""
    locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if not selectors.may_answer(user=actor, inquiry=locked):
        raise NotAllowed(_("This inquiry is not waiting for your unit."))
    proposal = answer_load(locked.proposal)
    note = normalise_input(note, InputKind.TEXT)[:1000]
    if not approve and not note:
        raise InquiryRefused(_("Say why the inquiry is refused."))
    if locked.kind == InquiryKind.EXCAVATION:
        # the data may have changed while the inquiry waited: the unit decides on today's check
        fresh, _needs = excavation_proposal(geom=locked.geom, served_parcel_id=locked.file.parcel_id, exclude=locked.pk)
        answer = Answer(
            fresh.kind,
            Outcome.PERMITTED if approve else Outcome.REFUSED,
            ExcavationFacts(
                **{
                    **{f: getattr(fresh.facts, f) for f in fresh.facts.__dataclass_fields__},
                    "fee_irr": fresh.facts.fee_irr if approve else 0,
                    "note": note,
                }
            ),
            fresh.data_versions,
            "unit",
        )
        if approve:
            answer = _excavation_permit(locked, answer, actor=actor)
    else:
        answer = Answer(
            proposal.kind,
            Outcome.ELIGIBLE if approve else Outcome.NOT_ELIGIBLE,
            proposal.facts,
            selectors.data_versions(),
            "unit",
        )
    locked.status = InquiryStatus.ANSWERED
    locked.answer = answer_dump(answer)
    locked.answered_at = timezone.now()
    locked.answered_by = actor
    locked.save()
    answer_document_issue(inquiry=locked, actor=actor)
    audit_record(actor=actor, action="inquiry.answered", obj=locked, outcome=answer.outcome, note=note)
    webhooks_enqueue(inquiry=locked, event="inquiry.answered")
    return locked


# --- webhooks ----------------------------------------------------------------------------------------


def _url_allowed(url: str) -> bool:
    return url.startswith("https://") or (settings.INQUIRY_WEBHOOK_ALLOW_HTTP and url.startswith("http://"))


@transaction.atomic
def webhook_subscribe(
    *, agency: Agency, url: str, actor=None, inquiry: Inquiry | None = None, property_code: str = ""
) -> WebhookSubscription:
    """Subscribe the agency's URL to one of its inquiries or to a property (by any of its codes)."""
    url = url.strip()
    if not _url_allowed(url):
        raise InquiryRefused(_("The callback URL must use https."))
    if (inquiry is None) == (not property_code):
        raise InquiryRefused(_("Subscribe to one inquiry or to one property, not both or neither."))
    if inquiry is not None and inquiry.agency_id != agency.pk:
        raise InquiryRefused(_("No such inquiry."))
    file_code = _parcel(property_code).file_code if property_code else ""
    if WebhookSubscription.objects.filter(agency=agency, cancelled_at__isnull=True).count() >= 100:
        raise InquiryRefused(_("An agency may hold at most 100 subscriptions; cancel some first."))
    sub = WebhookSubscription.objects.create(
        agency=agency, url=url, secret=secrets.token_hex(32), inquiry=inquiry, file_code=file_code
    )
    audit_record(actor=actor, action="webhook.subscribed", obj=sub, agency=agency.pk, url=url, file_code=file_code)
    return sub


@transaction.atomic
def webhook_cancel(*, subscription: WebhookSubscription, actor=None) -> WebhookSubscription:
    if subscription.cancelled_at is None:
        subscription.cancelled_at = timezone.now()
        subscription.save(update_fields=["cancelled_at"])
        audit_record(actor=actor, action="webhook.cancelled", obj=subscription)
    return subscription


def webhooks_enqueue(*, inquiry: Inquiry | None = None, file_code: str = "", event: str, extra=None) -> list:
    """Write one delivery per matching subscription and defer its job (in the caller's transaction)."""
    from inquiries import tasks

    subs = WebhookSubscription.objects.filter(cancelled_at__isnull=True)
    if inquiry is not None:
        subs = subs.filter(Q(inquiry=inquiry) | Q(file_code=inquiry.file_code, agency=inquiry.agency))
        payload = {
            "event": event,
            "inquiry": str(inquiry.public_id),
            "kind": inquiry.kind,
            "status": inquiry.status,
            "outcome": (inquiry.answer or {}).get("outcome", ""),
            "file_code": inquiry.file_code,
        }
    else:
        subs = subs.filter(file_code=file_code)
        payload = {"event": event, "file_code": file_code, **(extra or {})}
    payload["at"] = timezone.now().isoformat()
    made = []
    for sub in subs:
        delivery = WebhookDelivery.objects.create(subscription=sub, event=event, payload=payload)
        tasks.webhook_deliver.defer(delivery_id=delivery.pk)
        made.append(delivery)
    return made


def api_log_write(
    *, agency, token, method: str, path: str, status_code: int, purpose: str = "", inquiry=None, outcome: str = ""
) -> None:
    """One row per API request (who, what, the answer)."""
    ApiRequestLog.objects.create(
        agency=agency,
        token=token,
        method=method[:8],
        path=path[:300],
        status_code=status_code,
        purpose=purpose[:500],
        inquiry=inquiry,
        outcome=outcome[:40],
    )
