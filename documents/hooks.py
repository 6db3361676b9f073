"""Issuance by the workflow's hooks (registered in DocumentsConfig.ready), each inside the transaction of
what causes it, so a document exists exactly when its cause committed:
- the building or fencing permit when the permit officer approves at the issuance stage (the stage's
  guards have passed: checks current and passing, bills paid, no open violation);
- the completion or no-violation certificate when the permit officer approves at its issuing stage (the
  building compared with its permit, no difference open, renovation dues current, every bill paid);
- the map preparation order when the planner records it (again: the new one supersedes the old);
- the Article 100 verdict notice when the commission's verdict is recorded (not for an appeal)."""

from __future__ import annotations

from documents.content import DocumentNotReady
from documents.models import DocumentKind
from documents.services import document_issue
from permits.errors import GuardsFailed
from permits.hooks import MapOrderEvent, TransitionEvent
from permits.models import RequestStatus
from violations.hooks import VerdictEvent

PERMIT_OF_REQUEST = {
    "building_new": DocumentKind.BUILDING_PERMIT,
    "building_extension": DocumentKind.BUILDING_PERMIT,
    "fencing": DocumentKind.FENCING_PERMIT,
    # stage 9: the certificates, issued by the permit officer's approval once their guards passed
    "completion": DocumentKind.COMPLETION_CERTIFICATE,
    "no_violation": DocumentKind.NO_VIOLATION_CERTIFICATE,
}
NOTICE_VERDICTS = frozenset({"fine", "demolition"})  # a closed case (no violation) gets no notice


def _issue(kind: str, obj, actor) -> None:
    """Issue in the cause's transaction; a document that cannot be drawn refuses the cause (nothing is
    issued half-way: the approval, the order or the verdict is rolled back with the reason)."""
    try:
        document_issue(kind=kind, obj=obj, actor=actor)
    except DocumentNotReady as exc:
        raise GuardsFailed([str(exc.message)]) from exc


def permit_on_issue(event: TransitionEvent) -> None:
    if event.action != "approve" or event.to_status != RequestStatus.ISSUED:
        return
    kind = PERMIT_OF_REQUEST.get(event.request.kind)
    if kind is not None:
        _issue(kind, event.request, event.actor)


def map_order_on_record(event: MapOrderEvent) -> None:
    _issue(DocumentKind.MAP_ORDER, event.order.request, event.actor)


def notice_on_verdict(event: VerdictEvent) -> None:
    if event.verdict in NOTICE_VERDICTS:
        _issue(DocumentKind.VERDICT_NOTICE, event.violation, event.actor)
